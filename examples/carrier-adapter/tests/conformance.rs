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
            state: None,
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

/// An end-to-end test of your own, on the testkit's ready engine: the courier reports, the
/// marketplace polls (twice: nothing changes the second time), the order is delivered and its
/// cash collected.
#[tokio::test]
async fn polling_delivers_the_order_end_to_end() {
    use tijara_core::chrono::TimeZone;
    let courier = Arc::new(
        CoursierDuSud::new(&[("Laâyoune", "30.00"), ("Dakhla", "20.00")], "token")
            .expect("courier"),
    );
    let harness = Harness(courier.clone());
    let world =
        tijara_testkit::engine::with_carrier(courier.clone(), "Dakhla", harness.destination())
            .await;
    let (order, _) = world.order().await;
    let shipment = world.ship(&order).await;
    let number = shipment.tracking_number.clone().expect("a parcel number");
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 15, 30, 0).unwrap();
    courier.report(&number, "RAMASSE", at);
    courier.report(
        &number,
        "LIVRE",
        at + tijara_core::chrono::Duration::hours(26),
    );
    let first = world
        .engine
        .fulfillment()
        .poll_tracking(&order.id, &shipment.id)
        .await
        .expect("poll");
    let second = world
        .engine
        .fulfillment()
        .poll_tracking(&order.id, &shipment.id)
        .await
        .expect("poll again");
    assert_eq!(
        first.events(),
        second.events(),
        "a second poll adds nothing"
    );
    assert_eq!(
        second.events()[0].at,
        at,
        "the courier's time, not the poll's"
    );
    let doc = world.doc(&order.id).await;
    assert_eq!(
        doc.order.payment.status(),
        tijara_core::payment::PaymentStatus::Collected
    );
}
