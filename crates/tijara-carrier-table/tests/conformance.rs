//! Both sample rate cards run the carrier conformance suite.

use std::sync::Arc;
use tijara::ports::carrier::Carrier;
use tijara_carrier_table::{AMANA_SAMPLE, CTM_SAMPLE, TableCarrier};
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::TrackingEvent;
use tijara_core::order::Address;
use tijara_testkit::carrier::CarrierHarness;

struct Table(Arc<TableCarrier>, &'static str);

#[async_trait::async_trait]
impl CarrierHarness for Table {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.0.clone()
    }
    fn origin_city(&self) -> String {
        "Dakhla".into()
    }
    fn destination(&self) -> Address {
        Address {
            name: "Client".into(),
            line1: "N° 4, Rue Oued Eddahab".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: Some("20000".into()),
            country: "MA".into(),
            phone: "0612345678".into(),
        }
    }
    fn codes(&self) -> (String, String) {
        (self.1.into(), "ZZZ".into())
    }
    async fn events_for(&self, _: &str, raw: &[(String, DateTime<Utc>)]) -> Vec<TrackingEvent> {
        // No API: events are typed by the seller or admin with the carrier's codes.
        raw.iter()
            .map(|(code, at)| self.0.event(code, "saisi à la main", *at))
            .collect()
    }
}

mod amana {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(Table(
            Arc::new(TableCarrier::from_toml(AMANA_SAMPLE).expect("card")),
            "LIV",
        )) as Arc<dyn CarrierHarness>
    });
}

mod ctm {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(Table(
            Arc::new(TableCarrier::from_toml(CTM_SAMPLE).expect("card")),
            "REM",
        )) as Arc<dyn CarrierHarness>
    });
}
