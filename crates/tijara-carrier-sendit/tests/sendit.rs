//! Sendit against the local fake: the conformance suite, plus expired tokens, server errors,
//! slow answers and validation errors.

use std::sync::Arc;
use std::time::Duration;
use tijara::ports::carrier::*;
use tijara_carrier_sendit::{Sendit, SenditConfig};
use tijara_core::Money;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::{Parcel, TrackingEvent, TrackingStatus};
use tijara_core::order::Address;
use tijara_testkit::carrier::CarrierHarness;
use tijara_testkit::sendit_fake::SenditFake;

fn config(fake: &SenditFake, timeout_ms: u64) -> SenditConfig {
    SenditConfig {
        base_url: fake.base_url.clone(),
        public_key: "pk_test".into(),
        secret_key: "sk_test".to_owned().into(),
        pickup_district_id: 1,
        cod_percent: "1.0".parse().expect("decimal"),
        days: (2, 4),
        timeout: Duration::from_millis(timeout_ms),
    }
}

fn casa() -> Address {
    Address {
        name: "Youssef El Idrissi".into(),
        line1: "N° 5, Rue des Artisans".into(),
        line2: None,
        city: "Casablanca".into(),
        postal_code: Some("20000".into()),
        state: None,
        country: "MA".into(),
        phone: "0612345678".into(),
    }
}

struct Harness {
    fake: SenditFake,
    carrier: Arc<Sendit>,
}

#[async_trait::async_trait]
impl CarrierHarness for Harness {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.carrier.clone()
    }
    fn origin_city(&self) -> String {
        "Dakhla".into()
    }
    fn destination(&self) -> Address {
        casa()
    }
    fn codes(&self) -> (String, String) {
        ("DELIVERED".into(), "LOST_IN_SPACE".into())
    }
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent> {
        // Sendit reports a delivery's current status: script each status, read it back.
        let mut out = Vec::new();
        let number = if tracking_number.starts_with("SD") {
            tracking_number.to_owned()
        } else {
            let r = ShipmentRequest::new(
                format!("norm-{tracking_number}"),
                "standard",
                "Dakhla",
                casa(),
                vec![],
            );
            self.carrier
                .create_shipment(&r)
                .await
                .expect("create")
                .tracking_number
        };
        for (code, at) in raw {
            self.fake
                .set_status(&number, code, &at.format("%Y-%m-%d %H:%M:%S").to_string());
            out.extend(self.carrier.track(&number).await.expect("track"));
        }
        out
    }
}

async fn harness() -> Arc<dyn CarrierHarness> {
    let fake = SenditFake::start("pk_test", "sk_test").await.expect("fake");
    let carrier = Arc::new(Sendit::new(config(&fake, 2000)).expect("config"));
    Arc::new(Harness { fake, carrier })
}

tijara_testkit::carrier_conformance!(harness());

#[tokio::test]
async fn expired_tokens_server_errors_and_slow_answers() {
    let fake = SenditFake::start("pk_test", "sk_test").await.expect("fake");
    let sendit = Sendit::new(config(&fake, 300)).expect("config");
    let request = QuoteRequest::new(
        "Dakhla",
        casa(),
        vec![Parcel {
            weight_grams: 900,
            dimensions: None,
        }],
    )
    .with_cod_amount(Some(Money::mad("500.00").expect("m")));
    let q = sendit.quote(&request).await.expect("quote");
    assert_eq!(
        q[0].price,
        Money::mad("45.00").expect("m"),
        "40 for Casablanca + 1 % of 500"
    );
    assert_eq!(fake.logins(), 1);
    // An expired token: logs in again, once, transparently.
    fake.expire_tokens();
    let mut r = request.clone();
    r.destination.city = "العيون".into();
    let q = sendit.quote(&r).await.expect("quote after expiry");
    assert_eq!(q[0].estimated_days, (3, 5), "found by its Arabic name");
    let ship = ShipmentRequest::new("ord_9-1", "standard", "Dakhla", casa(), vec![])
        .with_cod_amount(Some(Money::mad("500.00").expect("m")));
    fake.expire_tokens();
    let created = sendit.create_shipment(&ship).await.expect("created");
    assert_eq!(fake.logins(), 2, "one new login after expiry");
    assert_eq!(
        fake.amount_of(&created.tracking_number).as_deref(),
        Some("500.00"),
        "the COD amount travels"
    );
    // Two server errors are retried; the retry after a failure never creates a second parcel.
    fake.fail_next(2);
    let again = sendit.create_shipment(&ship).await.expect("retried");
    assert_eq!(
        (again.tracking_number, fake.deliveries_created()),
        (created.tracking_number.clone(), 1)
    );
    // Too slow: a temporary error (the caller may retry).
    fake.set_delay_ms(600);
    let err = sendit
        .track(&created.tracking_number)
        .await
        .expect_err("timeout");
    assert!(err.is_temporary(), "{err}");
    fake.set_delay_ms(0);
    let events = sendit.track(&created.tracking_number).await.expect("track");
    assert_eq!(events[0].status, TrackingStatus::LabelCreated);
    // A refused parcel (bad phone) is a permanent error.
    let mut bad = ship.clone();
    bad.reference = "ord_9-2".into();
    bad.destination.phone = "12".into();
    let err = sendit.create_shipment(&bad).await.expect_err("validation");
    assert!(
        !err.is_temporary() && err.to_string().contains("phone"),
        "{err}"
    );
    // Wrong keys: permanent.
    let mut wrong = config(&fake, 300);
    wrong.secret_key = "nope".to_owned().into();
    let err = Sendit::new(wrong)
        .expect("config")
        .quote(&request)
        .await
        .expect_err("refused");
    assert!(!err.is_temporary());
    assert!(
        !format!("{:?}", config(&fake, 300)).contains("sk_test"),
        "the secret key is redacted"
    );
}
