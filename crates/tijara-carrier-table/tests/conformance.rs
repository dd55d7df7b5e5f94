//! The sample rate cards run the carrier conformance suite: Amana and CTM to Casablanca, Amana
//! International to Paris.

use std::sync::Arc;
use tijara::ports::carrier::Carrier;
use tijara_carrier_table::{AMANA_INTERNATIONAL_SAMPLE, AMANA_SAMPLE, CTM_SAMPLE, TableCarrier};
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::TrackingEvent;
use tijara_core::order::Address;
use tijara_testkit::carrier::CarrierHarness;

/// A card, its "delivered" code, its sibling card (whose own codes it must not map), and
/// whether its parcels go abroad.
struct Table(Arc<TableCarrier>, &'static str, &'static str, bool);

#[async_trait::async_trait]
impl CarrierHarness for Table {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.0.clone()
    }
    fn origin_city(&self) -> String {
        "Dakhla".into()
    }
    fn destination(&self) -> Address {
        if self.3 {
            return Address {
                name: "Claire Martin".into(),
                line1: "12 rue de Rivoli".into(),
                line2: None,
                city: "Paris".into(),
                postal_code: Some("75004".into()),
                state: None,
                country: "FR".into(),
                phone: "+33612345678".into(),
            };
        }
        Address {
            name: "Client".into(),
            line1: "N° 4, Rue Oued Eddahab".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: Some("20000".into()),
            state: None,
            country: "MA".into(),
            phone: "0612345678".into(),
        }
    }
    fn codes(&self) -> (String, String) {
        (self.1.into(), "ZZZ".into())
    }
    fn foreign_codes(&self) -> Vec<String> {
        let own = &self.0.card().status_codes;
        let sibling = TableCarrier::from_toml(self.2).expect("sibling card");
        // Codes both cards define (RET) are this card's own too.
        sibling
            .card()
            .status_codes
            .keys()
            .filter(|c| !own.contains_key(*c))
            .cloned()
            .collect()
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
            CTM_SAMPLE,
            false,
        )) as Arc<dyn CarrierHarness>
    });
}

mod ctm {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(Table(
            Arc::new(TableCarrier::from_toml(CTM_SAMPLE).expect("card")),
            "REM",
            AMANA_SAMPLE,
            false,
        )) as Arc<dyn CarrierHarness>
    });
}

mod amana_international {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(Table(
            Arc::new(TableCarrier::from_toml(AMANA_INTERNATIONAL_SAMPLE).expect("card")),
            "LIV",
            CTM_SAMPLE,
            true,
        )) as Arc<dyn CarrierHarness>
    });
}
