use super::*;
use tijara_core::catalog::Dimensions;
use tijara_core::fulfillment::Parcel;
use tijara_core::order::Address;

fn to(city: &str) -> Address {
    Address {
        name: "x".into(),
        line1: "x".into(),
        line2: None,
        city: city.into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "0600000000".into(),
    }
}

fn req(from: &str, city: &str, grams: u32, cod: Option<&str>) -> QuoteRequest {
    QuoteRequest::new(
        from,
        to(city),
        vec![Parcel {
            weight_grams: grams,
            dimensions: None,
        }],
    )
    .with_cod_amount(cod.map(|c| Money::mad(c).expect("m")))
}

fn mad(s: &str) -> Money {
    Money::mad(s).expect("m")
}

#[test]
fn samples_load_and_price() {
    let amana = RateCard::from_toml(AMANA_SAMPLE).expect("amana");
    let ctm = RateCard::from_toml(CTM_SAMPLE).expect("ctm");
    assert!(amana.sample && ctm.sample);
    let q = amana
        .price(&req("Dakhla", "casablanca", 1500, None))
        .expect("ok")
        .expect("served");
    assert_eq!(
        (q.price, q.estimated_days),
        (mad("52.00"), (6, 9)),
        "Dakhla adds two days"
    );
    let q = amana
        .price(&req("Agadir", "Laâyoune", 400, None))
        .expect("ok")
        .expect("served");
    assert_eq!((q.price, q.estimated_days), (mad("30.00"), (3, 5)));
    // 7.2 kg: last bracket (5 kg) + 3 started kilos.
    let q = amana
        .price(&req("Dakhla", "Rabat", 7200, None))
        .expect("ok")
        .expect("served");
    assert_eq!(q.price, mad("102.00"));
    // Remote area and size surcharges.
    let mut r = req("Dakhla", "Bir Gandouz", 400, None);
    r.parcels[0].dimensions = Some(Dimensions {
        length_mm: 1200,
        width_mm: 300,
        height_mm: 300,
    });
    let q = amana.price(&r).expect("ok").expect("served");
    assert_eq!(q.price, mad("85.00"), "30 + 35 (over 1 m) + 20 (remote)");
    // COD: 1.5 % with a 10.00 minimum.
    let q = amana
        .price(&req("Dakhla", "Dakhla", 400, Some("300.00")))
        .expect("ok")
        .expect("served");
    assert_eq!((q.cod_fee, q.price), (Some(mad("10.00")), mad("28.00")));
    let q = amana
        .price(&req("Dakhla", "Dakhla", 400, Some("2000.00")))
        .expect("ok")
        .expect("served");
    assert_eq!(q.cod_fee, Some(mad("30.00")));
    // A Moroccan town no zone lists: the card's "other cities" zone.
    let q = amana
        .price(&req("Dakhla", "Tafraout", 400, None))
        .expect("ok")
        .expect("served");
    assert_eq!((q.price, q.estimated_days), (mad("45.00"), (7, 11)));
    assert_eq!(q.carrier_name.as_deref(), Some("Amana"));
    // Without an "other cities" zone such a town is not served.
    let strict =
        RateCard::from_toml(&AMANA_SAMPLE.replace("other_cities = \"other\"", "")).expect("card");
    assert_eq!(strict.other_cities, None);
    assert_eq!(
        strict
            .price(&req("Dakhla", "Tafraout", 400, None))
            .expect("ok"),
        None
    );
    // Not served: abroad.
    let mut abroad = req("Dakhla", "Las Palmas", 400, None);
    abroad.destination.country = "ES".into();
    assert_eq!(amana.price(&abroad).expect("ok"), None);
}

#[test]
fn invalid_cards_say_what_is_wrong() {
    let base = AMANA_SAMPLE;
    let overlap = base.replace("up_to_grams = 2000", "up_to_grams = 400");
    let e = RateCard::from_toml(&overlap).expect_err("overlap");
    assert!(
        e.to_string().contains("brackets[1].up_to_grams") && e.to_string().contains("overlaps"),
        "{e}"
    );
    let missing = base.replace(
        "prices = { local = \"24.00\", south = \"40.00\", national = \"52.00\", other = \"62.00\" }",
        "prices = { local = \"24.00\", south = \"40.00\", other = \"62.00\" }",
    );
    let e = RateCard::from_toml(&missing).expect_err("missing price");
    assert!(
        e.to_string().contains("no price for zone \"national\""),
        "{e}"
    );
    let unknown = base.replace(
        "cities = [\"Aousserd\", \"Bir Gandouz\"]",
        "cities = [\"Aousserd\", \"Nowhere\"]",
    );
    let e = RateCard::from_toml(&unknown).expect_err("unknown city");
    assert!(e.to_string().contains("unknown city \"Nowhere\""), "{e}");
    let twice = base.replace("cities = [\"Dakhla\"]", "cities = [\"Dakhla\", \"Agadir\"]");
    assert!(
        RateCard::from_toml(&twice)
            .expect_err("twice")
            .to_string()
            .contains("in two zones")
    );
    let typo = base.replace("[cod]", "[cod]\nprecent = \"2\"");
    let e = RateCard::from_toml(&typo).expect_err("unknown field");
    assert!(
        matches!(e, RateCardError::Syntax(ref m) if m.contains("precent")),
        "{e}"
    );
    let other = base.replace("other_cities = \"other\"", "other_cities = \"elsewhere\"");
    assert_eq!(
        RateCard::from_toml(&other),
        Err(RateCardError::OtherCitiesZone {
            zone: "elsewhere".into()
        })
    );
    let bad_status = base.replace("LIV = \"delivered\"", "LIV = \"livre\"");
    assert!(RateCard::from_toml(&bad_status).is_err());
}

#[tokio::test]
async fn shipments_are_idempotent_and_events_normalized() {
    let c = TableCarrier::from_toml(AMANA_SAMPLE).expect("card");
    let r = ShipmentRequest::new("ord_01-1", "standard", "Dakhla", to("Rabat"), vec![])
        .with_cod_amount(Some(mad("100")));
    let a = c.create_shipment(&r).await.expect("created");
    assert_eq!(a, c.create_shipment(&r).await.expect("again"));
    // Random, not derived from the reference: another part's number cannot be guessed.
    assert!(
        a.tracking_number.starts_with("AMANA-"),
        "{}",
        a.tracking_number
    );
    assert!(!a.tracking_number.contains("ORD"), "{}", a.tracking_number);
    assert_eq!(a.tracking_number.len(), "AMANA-".len() + 16);
    let mut next = r.clone();
    next.reference = "ord_01-2".into();
    let b = c.create_shipment(&next).await.expect("created");
    assert_ne!(a.tracking_number, b.tracking_number);
    assert_eq!(
        c.clone().create_shipment(&r).await.expect("a clone"),
        a,
        "a clone shares the numbers"
    );
    let mut far = r.clone();
    far.destination = to("Las Palmas");
    far.destination.country = "ES".into();
    assert!(matches!(
        c.create_shipment(&far).await,
        Err(CarrierError::Permanent(_))
    ));
    let at = tijara_core::chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("t");
    assert_eq!(
        c.event("LIV", "Livré", at).status,
        TrackingStatus::Delivered
    );
    let unknown = c.event("ZZZ", "Code inconnu", at);
    assert_eq!(
        (unknown.status, unknown.carrier_code.as_str()),
        (TrackingStatus::Unknown, "ZZZ")
    );
    assert!(matches!(
        c.parse_webhook(&WebhookRequest::default()).await,
        Err(CarrierError::Unsupported(_))
    ));
}

#[test]
fn region_entries_name_built_in_cards_or_files_beside_the_region() {
    let dir = std::env::temp_dir().join(format!("tijara-ratecard-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("cards")).expect("dir");
    std::fs::write(dir.join("cards/local.toml"), crate::CTM_SAMPLE).expect("write");
    let amana = TableCarrier::from_region_entry("builtin:amana-sample", &dir).expect("amana");
    assert_eq!(amana.code(), "amana");
    let local = TableCarrier::from_region_entry("cards/local.toml", &dir).expect("file");
    assert_eq!(local.code(), "ctm");
    let unknown = TableCarrier::from_region_entry("builtin:dhl", &dir).expect_err("unknown");
    assert!(unknown.to_string().contains("builtin:dhl"), "{unknown}");
    let missing = TableCarrier::from_region_entry("cards/none.toml", &dir).expect_err("missing");
    assert!(missing.to_string().contains("none.toml"), "{missing}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn remembered_numbers_are_bounded() {
    let c = TableCarrier::from_toml(AMANA_SAMPLE).expect("card");
    let request = |n: usize| {
        ShipmentRequest::new(format!("so_{n}"), "standard", "Dakhla", to("Rabat"), vec![])
    };
    let first = c.create_shipment(&request(0)).await.expect("created");
    for n in 1..REMEMBERED_NUMBERS + 100 {
        c.create_shipment(&request(n)).await.expect("created");
    }
    let len = c.numbers.lock().expect("lock").by_reference.len();
    assert_eq!(len, REMEMBERED_NUMBERS, "one entry per shipment no more");
    // Recent references keep their number.
    let last = request(REMEMBERED_NUMBERS + 99);
    let a = c.create_shipment(&last).await.expect("again");
    assert_eq!(a, c.create_shipment(&last).await.expect("again"));
    // The oldest was forgotten: a fresh random number (no parcel exists anywhere to repeat).
    let again = c.create_shipment(&request(0)).await.expect("made again");
    assert_ne!(again.tracking_number, first.tracking_number);
    assert_eq!(
        c.numbers.lock().expect("lock").by_reference.len(),
        REMEMBERED_NUMBERS
    );
}

#[test]
fn a_card_maps_only_its_own_codes() {
    let amana = TableCarrier::from_toml(AMANA_SAMPLE).expect("amana");
    let ctm = TableCarrier::from_toml(CTM_SAMPLE).expect("ctm");
    let at = tijara_core::chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("t");
    for (card, other) in [(&amana, &ctm), (&ctm, &amana)] {
        for code in other.card().status_codes.keys() {
            if card.card().status_codes.contains_key(code) {
                // A code both cards define (RET) is this card's own code too.
                continue;
            }
            let e = card.event(code, "saisi", at);
            assert_eq!(
                (e.status, e.carrier_code.as_str()),
                (TrackingStatus::Unknown, code.as_str()),
                "{}'s code {code} given to {}",
                other.code(),
                card.code()
            );
        }
    }
    // Through the port too: the engine re-normalizes recorded events by it.
    assert_eq!(
        Carrier::status_of(&amana, "REM"),
        Some(TrackingStatus::Unknown)
    );
    assert_eq!(
        Carrier::status_of(&amana, " LIV "),
        Some(TrackingStatus::Delivered)
    );
    // CTM's "delivered" given to Amana is not a delivery.
    assert_eq!(
        amana.event("REM", "Remis", at).status,
        TrackingStatus::Unknown
    );
    assert_eq!(
        ctm.event("LIV", "Livré", at).status,
        TrackingStatus::Unknown
    );
}

#[test]
fn a_tracking_url_template_links_to_the_carriers_page() {
    let card = RateCard::from_toml(&format!(
        "tracking_url = \"https://track.example.ma/suivi?n={{number}}\"\n{AMANA_SAMPLE}"
    ))
    .expect("card");
    assert_eq!(
        card.tracking_link("AM-123.4_5").as_deref(),
        Some("https://track.example.ma/suivi?n=AM-123.4_5")
    );
    // Nothing but a plain number goes into an address.
    assert_eq!(card.tracking_link("a b"), None);
    assert_eq!(card.tracking_link("x\"><script>"), None);
    assert_eq!(card.tracking_link(""), None);
    let carrier = TableCarrier::new(card);
    assert_eq!(
        tijara::ports::carrier::Carrier::tracking_url(&carrier, "N1").as_deref(),
        Some("https://track.example.ma/suivi?n=N1")
    );
    // Without a template: no page (messages link to the order).
    let plain = TableCarrier::from_toml(AMANA_SAMPLE).expect("card");
    assert_eq!(
        tijara::ports::carrier::Carrier::tracking_url(&plain, "N1"),
        None
    );
    for bad in [
        "http://track.example.ma/{number}",
        "https://track.example.ma/",
        "https://track.example.ma/{number}/{number}",
        "https://track.example.ma/ {number}",
        "https://{number}",
    ] {
        assert!(
            matches!(
                RateCard::from_toml(&format!("tracking_url = \"{bad}\"\n{AMANA_SAMPLE}")),
                Err(RateCardError::TrackingUrl { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn the_international_sample_prices_by_country_and_never_collects_cash() {
    let card = RateCard::from_toml(AMANA_INTERNATIONAL_SAMPLE).expect("card");
    assert!(card.sample && card.international && card.cod.is_none());
    let abroad = |country: &str, city: &str, grams: u32, cod: Option<&str>| {
        let mut r = req("Dakhla", city, grams, cod);
        r.destination.country = country.into();
        r
    };
    let q = card
        .price(&abroad("FR", "Paris", 1500, None))
        .expect("ok")
        .expect("served");
    assert_eq!((q.price, q.estimated_days), (mad("290.00"), (8, 14)));
    assert_eq!(q.carrier_name.as_deref(), Some("Amana International"));
    let q = card
        .price(&abroad("us", "New York", 400, None))
        .expect("ok")
        .expect("served");
    assert_eq!(q.price, mad("230.00"));
    // 6.5 kg to Dubai: the 5 kg price and two started kilos.
    let q = card
        .price(&abroad("AE", "Dubai", 6500, None))
        .expect("ok")
        .expect("served");
    assert_eq!(q.price, mad("730.00"));
    // Not served: a country no zone lists, a Moroccan address, cash on delivery.
    assert_eq!(
        card.price(&abroad("JP", "Tokyo", 400, None)).expect("ok"),
        None
    );
    assert_eq!(
        card.price(&req("Dakhla", "Casablanca", 400, None))
            .expect("ok"),
        None
    );
    assert_eq!(
        card.price(&abroad("FR", "Paris", 400, Some("300.00")))
            .expect("ok"),
        None
    );
    // The domestic card still serves no address abroad.
    let amana = RateCard::from_toml(AMANA_SAMPLE).expect("amana");
    assert_eq!(
        amana.price(&abroad("FR", "Paris", 400, None)).expect("ok"),
        None
    );
    let dir = std::path::Path::new(".");
    assert!(TableCarrier::from_region_entry("builtin:amana-international-sample", dir).is_ok());
}

#[test]
fn countries_in_cards_are_checked() {
    let base = AMANA_INTERNATIONAL_SAMPLE;
    let e =
        RateCard::from_toml(&base.replace("\"FR\", \"ES\"", "\"FR\", \"FR\"")).expect_err("twice");
    assert!(e.to_string().contains("in two zones"), "{e}");
    let e = RateCard::from_toml(&base.replace("\"FR\", \"ES\"", "\"France\", \"ES\""))
        .expect_err("name");
    assert!(e.to_string().contains("zones[0].countries"), "{e}");
    let e = RateCard::from_toml(&base.replace("international = true", "international = false"))
        .expect_err("domestic");
    assert!(e.to_string().contains("international = true"), "{e}");
}
