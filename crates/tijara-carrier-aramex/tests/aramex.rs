//! Aramex against the local fake: the conformance suite, plus its error model, retries,
//! labels and credentials that never show.

use std::sync::Arc;
use std::time::Duration;
use tijara::ports::carrier::*;
use tijara_carrier_aramex::{Aramex, AramexConfig};
use tijara_core::Money;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::{Parcel, TrackingEvent};
use tijara_core::order::Address;
use tijara_testkit::aramex_fake::AramexFake;
use tijara_testkit::carrier::CarrierHarness;

fn config(fake: &AramexFake, timeout_ms: u64) -> AramexConfig {
    AramexConfig {
        base_url: fake.base_url.clone(),
        user_name: "api@market.ma".into(),
        password: "s3cret-pass".to_owned().into(),
        account_number: "20016".into(),
        account_pin: "331421".to_owned().into(),
        account_entity: "CMN".into(),
        account_country_code: "MA".into(),
        source: 24,
        shipper_name: "Dakhla Market".into(),
        shipper_phone: "0528000000".into(),
        shipper_email: "expedition@example.ma".into(),
        timeout: Duration::from_millis(timeout_ms),
    }
}

async fn fake() -> AramexFake {
    AramexFake::start("api@market.ma", "s3cret-pass", "20016", "331421")
        .await
        .expect("fake")
}

fn las_palmas() -> Address {
    Address {
        name: "Ana García".into(),
        line1: "Calle Mayor 1".into(),
        line2: None,
        city: "Las Palmas".into(),
        postal_code: Some("35001".into()),
        state: None,
        country: "ES".into(),
        phone: "+34928000000".into(),
    }
}

/// The customs declaration of a parcel of two goat leather bags.
fn declaration() -> tijara_core::customs::Declaration {
    let info = tijara_core::customs::CustomsInfo {
        hs_code: "4202.21".into(),
        description_fr: "Sac en cuir de chèvre".into(),
        description_en: "Goat leather bag".into(),
        origin_country: "MA".into(),
        net_weight_grams: 900,
    };
    let (p, v, s) = (
        tijara_core::ProductId::new("p-bag").expect("id"),
        tijara_core::VariantId::new("v-bag").expect("id"),
        tijara_core::catalog::Sku::new("BAG-1").expect("sku"),
    );
    tijara_core::customs::declaration(
        &[tijara_core::customs::DeclaredLine {
            product: &p,
            variant: &v,
            sku: &s,
            quantity: 2,
            value: Money::mad("1483.34").expect("m"),
            customs: Some(&info),
        }],
        2300,
        tijara_core::Currency::MAD,
    )
    .expect("declaration")
}

struct Harness {
    fake: AramexFake,
    carrier: Arc<Aramex>,
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
        Address {
            name: "Youssef".into(),
            line1: "N° 5, Rue des Artisans".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: None,
            state: None,
            country: "MA".into(),
            phone: "0612345678".into(),
        }
    }
    fn codes(&self) -> (String, String) {
        ("SH005".into(), "SH999".into())
    }
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent> {
        self.fake.set_events(
            tracking_number,
            raw.iter()
                .map(|(c, at)| (c.clone(), format!("update {c}"), at.timestamp_millis()))
                .collect(),
        );
        self.carrier.track(tracking_number).await.expect("track")
    }
}

tijara_testkit::carrier_conformance!(async {
    let fake = fake().await;
    let carrier = Arc::new(Aramex::new(config(&fake, 2000)).expect("config"));
    Arc::new(Harness { fake, carrier }) as Arc<dyn CarrierHarness>
});

#[tokio::test]
async fn international_cod_labels_errors_and_secrets() {
    let fake = fake().await;
    let aramex = Aramex::new(config(&fake, 300)).expect("config");
    let request = QuoteRequest::new(
        "Dakhla",
        las_palmas(),
        vec![Parcel {
            weight_grams: 2300,
            dimensions: None,
        }],
    );
    let q = aramex.quote(&request).await.expect("quote");
    assert_eq!(
        (q[0].price, q[0].service.as_str()),
        (Money::mad("410.00").expect("m"), "express-international")
    );
    assert_eq!(
        q[0].estimated_days,
        (3, 5),
        "Spain is quoted Western Europe's estimate"
    );
    let mut cod = request.clone();
    cod.destination = Harness {
        fake: fake.clone(),
        carrier: Arc::new(Aramex::new(config(&fake, 300)).expect("c")),
    }
    .destination();
    cod.cod_amount = Some(Money::mad("2000.00").expect("m"));
    let q = aramex.quote(&cod).await.expect("quote");
    assert_eq!(
        q[0].cod_fee,
        Some(Money::mad("40.00").expect("m")),
        "2 % of 2000 with a 15.00 minimum"
    );
    assert_eq!(
        q[0].estimated_days,
        (1, 3),
        "a parcel at home is quoted 1 to 3 days"
    );
    let ship = ShipmentRequest::new(
        "ord_7-1",
        "express-international",
        "Dakhla",
        las_palmas(),
        vec![Parcel {
            weight_grams: 2300,
            dimensions: None,
        }],
    )
    .with_customs(declaration());
    fake.fail_next(2);
    let created = aramex
        .create_shipment(&ship)
        .await
        .expect("created after two 503s");
    assert!(
        created
            .label_url
            .as_deref()
            .is_some_and(|u| u.ends_with(".pdf")),
        "a label"
    );
    assert_eq!(
        aramex
            .label_url(&created.tracking_number)
            .await
            .expect("label"),
        created.label_url.clone().expect("url")
    );
    // A second adapter (another process) retrying the same reference gets the same AWB.
    let other = Aramex::new(config(&fake, 300)).expect("config");
    assert_eq!(
        other
            .create_shipment(&ship)
            .await
            .expect("again")
            .tracking_number,
        created.tracking_number
    );
    assert_eq!(fake.shipments_created(), 1);
    // HasErrors with Notifications: permanent, with the message.
    let mut bad = ship.clone();
    bad.reference = "ord_7-2".into();
    bad.destination.phone = "1".into();
    let err = other.create_shipment(&bad).await.expect_err("refused");
    assert!(
        !err.is_temporary() && err.to_string().contains("phone"),
        "{err}"
    );
    let mut wrong = config(&fake, 300);
    wrong.password = "nope".to_owned().into();
    let err = Aramex::new(wrong)
        .expect("config")
        .quote(&request)
        .await
        .expect_err("bad credentials");
    assert!(
        err.to_string().contains("Invalid username or password"),
        "{err}"
    );
    fake.set_delay_ms(600);
    assert!(
        aramex
            .track(&created.tracking_number)
            .await
            .expect_err("timeout")
            .is_temporary()
    );
    let shown = format!("{:?}", config(&fake, 300));
    assert!(
        !shown.contains("s3cret-pass") && !shown.contains("331421"),
        "credentials never show"
    );
}

/// A COD rate below the plain one (a promotion) still quotes plain price + fee exactly: the
/// fee reads as zero and the price stays the plain one, never below it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cod_rate_below_the_plain_rate_keeps_price_equal_to_plain_plus_fee() {
    let fake = fake().await;
    fake.set_cod_rebate(40);
    let carrier = Arc::new(Aramex::new(config(&fake, 2000)).expect("config"));
    let harness = Harness { fake, carrier };
    tijara_testkit::carrier::quotes_are_positive_mad_with_estimates(&harness).await;
}

/// Abroad: the shipment carries the customs declaration (value, origin, one item per line);
/// without one, or with cash to collect, it is refused before Aramex is called, and no cash
/// on delivery is quoted.
#[tokio::test]
async fn shipments_abroad_carry_customs_data_and_never_cash_on_delivery() {
    let fake = fake().await;
    let aramex = Aramex::new(config(&fake, 2000)).expect("config");
    let parcels = vec![Parcel {
        weight_grams: 2300,
        dimensions: None,
    }];
    let mut cod = QuoteRequest::new("Dakhla", las_palmas(), parcels.clone());
    cod.cod_amount = Some(Money::mad("300.00").expect("m"));
    assert!(
        aramex.quote(&cod).await.expect("quote").is_empty(),
        "no COD abroad"
    );
    let bare = ShipmentRequest::new(
        "ord_9-1",
        "express-international",
        "Dakhla",
        las_palmas(),
        parcels.clone(),
    );
    let err = aramex.create_shipment(&bare).await.expect_err("no customs");
    assert!(err.to_string().contains("customs"), "{err}");
    let cash = bare
        .clone()
        .with_customs(declaration())
        .with_cod_amount(Money::mad("300.00").expect("m"));
    assert!(
        aramex.create_shipment(&cash).await.is_err(),
        "no COD abroad"
    );
    assert_eq!(fake.shipments_created(), 0, "nothing was sent");
    let created = aramex
        .create_shipment(&bare.with_customs(declaration()))
        .await
        .expect("created");
    assert!(!created.tracking_number.is_empty());
    let sent = fake.last_shipment().expect("sent");
    let d = &sent["Details"];
    assert_eq!(d["ProductGroup"], "EXP");
    assert_eq!(d["GoodsOriginCountry"], "MA");
    assert_eq!(d["CustomsValueAmount"]["CurrencyCode"], "MAD");
    assert_eq!(
        d["CustomsValueAmount"]["Value"]
            .to_string()
            .trim_matches('"'),
        "1483.34"
    );
    assert_eq!(d["Items"][0]["Quantity"], 2);
    assert_eq!(d["Items"][0]["Reference"], "BAG-1");
    assert!(
        d["Items"][0]["Comments"]
            .as_str()
            .is_some_and(|c| c.contains("HS 420221") && c.contains("Goat leather bag")),
        "{d}"
    );
    assert_eq!(sent["Consignee"]["PartyAddress"]["PostCode"], "35001");
}
