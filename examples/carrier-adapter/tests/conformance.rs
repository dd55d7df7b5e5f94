//! Coursier du Sud passes the carrier conformance suite: this file is all an integrator writes.

use std::sync::Arc;
use tijara::ports::carrier::Carrier;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::TrackingEvent;
use tijara_core::order::Address;
use tijara_example_carrier_adapter::CoursierDuSud;
use tijara_testkit::carrier::CarrierHarness;

struct Harness(Arc<CoursierDuSud>);

#[async_trait::async_trait]
impl CarrierHarness for Harness {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.0.clone()
    }
    fn origin_city(&self) -> String {
        "Dakhla".into()
    }
    fn destination(&self) -> Address {
        Address {
            name: "Salka".into(),
            line1: "N° 9, Hay Al Wahda".into(),
            line2: None,
            city: "Laâyoune".into(),
            postal_code: None,
            country: "MA".into(),
            phone: "0661000000".into(),
        }
    }
    fn codes(&self) -> (String, String) {
        ("LIVRE".into(), "PERDU_DANS_LE_SABLE".into())
    }
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent> {
        for (code, at) in raw {
            self.0.report(tracking_number, code, *at);
        }
        self.0.track(tracking_number).await.expect("track")
    }
}

tijara_testkit::carrier_conformance!(async {
    let c = CoursierDuSud::new(&[("Laâyoune", "30.00"), ("Dakhla", "20.00")], "token")
        .expect("courier");
    Arc::new(Harness(Arc::new(c))) as Arc<dyn tijara_testkit::carrier::CarrierHarness>
});
