use super::*;
use crate::testing::{address, mad, place, priced, so, t0};

#[test]
fn splits_per_seller() {
    let o = place(PaymentMethod::Card);
    assert_eq!(o.status(), OrderStatus::AwaitingPayment);
    assert_eq!(o.seller_orders.len(), 2);
    let a = o.seller_order(&so("o1-a")).expect("a");
    assert_eq!(a.lines.len(), 2);
    assert_eq!(a.total, mad("644.90"));
    assert_eq!(
        o.seller_order(&so("o1-b")).expect("b").total,
        mad("1260.00")
    );
    assert_eq!(o.grand_total, mad("1904.90"));
    let sum = Money::sum(o.currency, o.seller_orders.iter().map(|s| s.total)).expect("sum");
    assert_eq!(sum, o.grand_total);
    assert!(o.seller_orders.iter().all(|s| s.cod_amount.is_none()));
    assert!(matches!(
        o.seller_order(&so("zz")),
        Err(OrderError::UnknownSellerOrder(_))
    ));
}

#[test]
fn card_order_cannot_ship_before_authorization() {
    let mut o = place(PaymentMethod::Card);
    assert_eq!(
        o.mark_ready(&so("o1-a")),
        Err(OrderError::PaymentNotSecured(so("o1-a")))
    );
    assert!(!o.confirm_if_paid());
    o.payment.authorize(o.grand_total).expect("authorized");
    assert!(o.confirm_if_paid());
    assert!(!o.confirm_if_paid(), "only once");
    o.mark_ready(&so("o1-a")).expect("ready");
    assert!(matches!(
        o.mark_ready(&so("o1-a")),
        Err(OrderError::Transition(_))
    ));
    let sh = ShipmentId::new("sh1").expect("id");
    o.mark_shipped(&so("o1-a"), sh.clone()).expect("shipped");
    assert_eq!(
        o.seller_order(&so("o1-a")).expect("a").shipment(),
        Some(&sh)
    );
    assert!(o.cancel().is_err(), "cannot cancel once shipped");
    o.mark_delivered(&so("o1-a"), t0()).expect("delivered");
    assert_eq!(o.status(), OrderStatus::Confirmed, "b still open");
    o.cancel_seller_order(&so("o1-b")).expect("b cancelled");
    assert_eq!(o.status(), OrderStatus::Completed);
}

#[test]
fn cod_order_is_confirmed_and_ships_at_once() {
    let mut o = place(PaymentMethod::CashOnDelivery);
    assert_eq!(o.status(), OrderStatus::Confirmed);
    let a = o.seller_order(&so("o1-a")).expect("a");
    assert_eq!(a.cod_amount, Some(a.total));
    o.mark_ready(&so("o1-b")).expect("ready");
    o.mark_shipped(&so("o1-b"), ShipmentId::new("s").expect("id"))
        .expect("shipped");
    assert!(matches!(
        o.mark_delivered(&so("o1-a"), t0()),
        Err(OrderError::Transition(_))
    ));
    o.unship(&so("o1-b"))
        .expect("shipment cancelled before pickup");
    assert!(o.seller_order(&so("o1-b")).expect("b").shipment().is_none());
    assert!(o.unship(&so("o1-b")).is_err());
    o.mark_shipped(&so("o1-b"), ShipmentId::new("s2").expect("id"))
        .expect("shipped again");
    o.mark_returned(&so("o1-b")).expect("refused at the door");
    assert!(matches!(
        o.mark_returned(&so("o1-b")),
        Err(OrderError::Transition(_))
    ));
}

#[test]
fn cancel_before_shipping() {
    let mut o = place(PaymentMethod::BankTransfer);
    o.cancel().expect("cancel");
    assert_eq!(o.status(), OrderStatus::Cancelled);
    assert!(
        o.seller_orders
            .iter()
            .all(|s| s.status() == FulfillmentStatus::Cancelled)
    );
    assert!(o.cancel().is_err());
    let mut o = place(PaymentMethod::Card);
    o.cancel_seller_order(&so("o1-a")).expect("a");
    o.cancel_seller_order(&so("o1-b")).expect("b");
    assert_eq!(o.status(), OrderStatus::Cancelled);
}

#[test]
fn placing_checks_its_input() {
    let p = priced();
    let req = |ids: Vec<SellerOrderId>| PlaceOrder {
        id: OrderId::new("o").expect("id"),
        seller_order_ids: ids,
        customer: None,
        email: "x@example.ma".into(),
        shipping_address: address().checked().expect("valid"),
        payment_method: PaymentMethod::Card,
        now: t0(),
    };
    assert_eq!(
        Order::place(&p, req(vec![so("x")])),
        Err(OrderError::SellerOrderIds {
            given: 1,
            needed: 2
        })
    );
    // The address is checked before (Address::checked): an order ships to a checked one.
    let mut bad = address();
    bad.phone = " ".into();
    assert_eq!(bad.checked(), Err(OrderError::Address("phone")));
    let mut no_ship = p.clone();
    no_ship.sellers[1].shipping = None;
    assert!(matches!(
        Order::place(&no_ship, req(vec![so("x"), so("y")])),
        Err(OrderError::ShippingMissing(_))
    ));
    let mut empty = p.clone();
    empty.lines.clear();
    assert_eq!(
        Order::place(&empty, req(vec![])),
        Err(OrderError::EmptyCart)
    );
}

#[test]
fn fully_discounted_order_is_confirmed() {
    let mut p = priced();
    let zero = Money::zero(p.currency);
    p.grand_total = zero;
    let o = Order::place(
        &p,
        PlaceOrder {
            id: OrderId::new("o").expect("id"),
            seller_order_ids: vec![so("x"), so("y")],
            customer: None,
            email: "x@example.ma".into(),
            shipping_address: address().checked().expect("valid"),
            payment_method: PaymentMethod::Card,
            now: t0(),
        },
    )
    .expect("placed");
    assert_eq!(o.status(), OrderStatus::Confirmed);
    let mut cod = p.clone();
    cod.grand_total = zero;
    let r = Order::place(
        &cod,
        PlaceOrder {
            id: OrderId::new("o").expect("id"),
            seller_order_ids: vec![so("x"), so("y")],
            customer: None,
            email: "x@example.ma".into(),
            shipping_address: address().checked().expect("valid"),
            payment_method: PaymentMethod::CashOnDelivery,
            now: t0(),
        },
    );
    assert_eq!(r, Err(OrderError::NothingToCollect));
}

mod machine {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Authorize,
        Fail,
        Ready(usize),
        Ship(usize),
        Deliver(usize),
        Return(usize),
        CancelPart(usize),
        Cancel,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Authorize),
            Just(Step::Fail),
            (0usize..2).prop_map(Step::Ready),
            (0usize..2).prop_map(Step::Ship),
            (0usize..2).prop_map(Step::Deliver),
            (0usize..2).prop_map(Step::Return),
            (0usize..2).prop_map(Step::CancelPart),
            Just(Step::Cancel),
        ]
    }

    proptest! {
        #[test]
        fn random_sequences_never_reach_an_illegal_state(
            method in prop::sample::select(vec![PaymentMethod::Card, PaymentMethod::CashOnDelivery, PaymentMethod::BankTransfer]),
            steps in prop::collection::vec(step(), 0..30),
        ) {
            let mut o = place(method);
            let ids = [so("o1-a"), so("o1-b")];
            for s in steps {
                let before = o.clone();
                let r: Result<(), OrderError> = match s {
                    Step::Authorize => {
                        let amount = o.grand_total;
                        let r = if method == PaymentMethod::BankTransfer { o.payment.capture(amount) } else { o.payment.authorize(amount) };
                        o.confirm_if_paid();
                        r.map_err(|_| OrderError::EmptyCart)
                    }
                    Step::Fail => o.payment.fail().map_err(|_| OrderError::EmptyCart),
                    Step::Ready(i) => o.mark_ready(&ids[i]),
                    Step::Ship(i) => o.mark_shipped(&ids[i], ShipmentId::new(format!("sh{i}")).expect("id")),
                    Step::Deliver(i) => o.mark_delivered(&ids[i], t0()),
                    Step::Return(i) => o.mark_returned(&ids[i]),
                    Step::CancelPart(i) => o.cancel_seller_order(&ids[i]),
                    Step::Cancel => o.cancel(),
                };
                if r.is_err() { prop_assert_eq!(&o, &before, "a refused step changes nothing"); }
                for part in &o.seller_orders {
                    // Nothing is prepared or shipped before the payment allows it.
                    if part.status() != FulfillmentStatus::Awaiting && part.status() != FulfillmentStatus::Cancelled {
                        prop_assert!(o.payment.allows_shipping());
                    }
                    prop_assert_eq!(part.shipment().is_some(), matches!(part.status(), FulfillmentStatus::Shipped | FulfillmentStatus::Delivered | FulfillmentStatus::Returned));
                    if part.status() == FulfillmentStatus::Delivered { prop_assert!(part.delivered_at().is_some()); }
                }
                match o.status() {
                    OrderStatus::Cancelled => prop_assert!(o.seller_orders.iter().all(|s| s.status() == FulfillmentStatus::Cancelled)),
                    OrderStatus::Completed => prop_assert!(o.seller_orders.iter().all(|s| s.status().is_settled())),
                    OrderStatus::AwaitingPayment => prop_assert!(!o.payment.allows_shipping() || method != PaymentMethod::Card || o.seller_orders.iter().all(|s| s.status() == FulfillmentStatus::Awaiting)),
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn phone_numbers_are_checked_and_normalized_for_their_country() {
    for (given, country, want) in [
        ("0612345678", "MA", "+212612345678"),
        ("06 12 34 56 78", "MA", "+212612345678"),
        ("05-28-00-00-00", "MA", "+212528000000"),
        ("+212 612 345 678", "MA", "+212612345678"),
        ("00212612345678", "MA", "+212612345678"),
        ("07 61 23 45 67", "MA", "+212761234567"),
        ("+34 (928) 000 000", "MA", "+34928000000"),
        // A French mobile in France is French, not Moroccan.
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("6 12 34 56 78", "FR", "+33612345678"),
        ("+212 612 345 678", "FR", "+212612345678"),
        ("0033 6 12 34 56 78", "FR", "+33612345678"),
        ("612 345 678", "ES", "+34612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("06 12345678", "NL", "+31612345678"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("07911 123456", "GB", "+447911123456"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("1 212 555 0123", "US", "+12125550123"),
        ("416 555 0123", "CA", "+14165550123"),
        ("050 123 4567", "AE", "+971501234567"),
        ("05 1234 5678", "SA", "+966512345678"),
        ("77 123 45 67", "SN", "+221771234567"),
        ("22 12 34 56", "MR", "+22222123456"),
        // Every country's plan is known, not only a list of them.
        ("03-1234-5678", "JP", "+81312345678"),
        ("+212612345678", "ZZ", "+212612345678"),
        // Arabic-Indic and Extended Arabic-Indic digits.
        ("٠٦١٢٣٤٥٦٧٨", "MA", "+212612345678"),
        ("۰۶ ۱۲ ۳۴ ۵۶ ۷۸", "MA", "+212612345678"),
        ("+٢١٢ ٦١٢ ٣٤٥ ٦٧٨", "FR", "+212612345678"),
    ] {
        assert_eq!(
            normalize_phone(given, country).as_deref(),
            Ok(want),
            "{given} in {country}"
        );
    }
    for bad in [
        "abc",
        "",
        "0612",
        "+212 612 345 678 901 234",
        "06123x5678",
        "06+12345678",
        "++212612345678",
        "٠٦١٢",
        "06١٢٣٤٥٦٧٨x",
        // Not a number of the plan: too short for a Moroccan mobile, an unused range.
        "061234567",
        "+212 112 345 678",
    ] {
        for country in ["MA", "FR", "ZZ"] {
            assert_eq!(
                normalize_phone(bad, country),
                Err(OrderError::BadPhone),
                "{bad:?} in {country}"
            );
        }
    }
    // A national number that would pass 15 digits once the calling code is added is refused.
    assert_eq!(
        normalize_phone("971 234 567 890 12", "AE"),
        Err(OrderError::BadPhone)
    );
    // A national form is refused where the country names no numbering plan.
    assert_eq!(
        normalize_phone("0612345678", "ZZ"),
        Err(OrderError::BadPhone)
    );
    assert_eq!(normalize_phone("12345678", "MA"), Err(OrderError::BadPhone));
}

#[test]
fn every_calling_code_is_a_distinct_two_letter_country_with_digits() {
    let mut seen = std::collections::BTreeSet::new();
    for (country, code, trunk) in CALLING_CODES {
        assert!(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()));
        assert!(country != "MA", "Morocco has its own rule");
        assert!(!code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()));
        assert!(trunk.is_none_or(|t| t.is_ascii_digit()));
        assert!(seen.insert(country), "{country} twice");
    }
}

proptest::proptest! {
    #[test]
    fn phone_normalization_is_idempotent_and_reads_arabic_digits(
        digits in "[0-9]{8,13}",
        country in proptest::sample::select(vec!["MA", "FR", "ES", "BE", "DE", "IT", "GB", "US", "SN", "MR", "AE", "ZZ"]),
        extended in proptest::bool::ANY,
    ) {
        let once = normalize_phone(&digits, country);
        if let Ok(once) = &once {
            proptest::prop_assert_eq!(normalize_phone(once, country), Ok(once.clone()));
            let digits_only: String = once.chars().filter(char::is_ascii_digit).collect();
            proptest::prop_assert!((8..=15).contains(&digits_only.len()));
        }
        let base = if extended { 0x06F0 } else { 0x0660 };
        let arabic: String = digits
            .chars()
            .map(|c| char::from_u32(base + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
            .collect();
        proptest::prop_assert_eq!(normalize_phone(&arabic, country), once);
    }
}

#[test]
fn address_fields_are_bounded_and_free_of_control_characters() {
    let p = priced();
    let req = |a: CheckedAddress| PlaceOrder {
        id: OrderId::new("o").expect("id"),
        seller_order_ids: vec![so("x"), so("y")],
        customer: None,
        email: "x@example.ma".into(),
        shipping_address: a,
        payment_method: PaymentMethod::Card,
        now: t0(),
    };
    // An order ships to a checked address: the checks are `Address::checked`'s.
    let place_to =
        |a: Address| -> Result<Order, OrderError> { Order::place(&p, req(a.checked()?)) };
    let placed = place_to(address()).expect("placed");
    assert_eq!(placed.shipping_address.phone, "+212612345678");

    let mut long = address();
    long.name = "م".repeat(30_000);
    assert_eq!(
        place_to(long),
        Err(OrderError::AddressTooLong {
            field: "name",
            max: 100
        })
    );
    let mut fits = address();
    fits.name = "م".repeat(100);
    assert!(fits.normalized().is_ok(), "100 Arabic letters fit");
    let mut nul = address();
    nul.line1 = "Rue\0Tarfaya".into();
    assert_eq!(place_to(nul), Err(OrderError::AddressControl("line1")));
    let mut crlf = address();
    crlf.city = "Dakhla\r\nX-Injected: 1".into();
    assert_eq!(crlf.normalized(), Err(OrderError::AddressControl("city")));
    let mut phone = address();
    phone.phone = "abc".into();
    assert_eq!(place_to(phone), Err(OrderError::BadPhone));
    let mut country = address();
    country.country = "Morocco".into();
    assert_eq!(country.normalized(), Err(OrderError::BadCountry));
    let mut lower = address();
    lower.country = " ma ".into();
    assert_eq!(lower.normalized().map(|a| a.country), Ok("MA".into()));
}

#[test]
fn addresses_abroad_check_postal_codes_and_states_and_lay_out_for_the_post() {
    let paris = Address {
        name: "Claire Martin".into(),
        line1: "12 rue de Rivoli".into(),
        line2: None,
        city: "Paris".into(),
        postal_code: Some("75 004".into()),
        state: None,
        country: "fr".into(),
        phone: "06 12 34 56 78".into(),
    };
    let ok = paris.normalized().expect("Paris");
    assert_eq!(ok.postal_code.as_deref(), Some("75004"));
    assert_eq!(ok.phone, "+33612345678");
    assert!(ok.is_abroad("MA"));
    assert_eq!(
        ok.postal_lines("France"),
        ["Claire Martin", "12 rue de Rivoli", "75004 PARIS", "FRANCE"]
    );
    let mut none = paris.clone();
    none.postal_code = None;
    assert_eq!(
        none.normalized(),
        Err(OrderError::PostalCodeRequired {
            country: "FR",
            example: "75001"
        })
    );
    let mut bad = paris.clone();
    bad.postal_code = Some("SW1A 1AA".into());
    assert!(matches!(
        bad.normalized(),
        Err(OrderError::BadPostalCode { country: "FR", .. })
    ));
    let london = Address {
        city: "London".into(),
        postal_code: Some("sw1a1aa".into()),
        country: "GB".into(),
        phone: "+44 20 7946 0958".into(),
        ..paris.clone()
    }
    .normalized()
    .expect("London");
    assert_eq!(
        london.postal_lines("Royaume-Uni"),
        [
            "Claire Martin",
            "12 rue de Rivoli",
            "LONDON",
            "SW1A 1AA",
            "ROYAUME-UNI"
        ]
    );
    let ny = Address {
        city: "New York".into(),
        postal_code: Some("10118".into()),
        country: "US".into(),
        phone: "+1 212 555 0123".into(),
        ..paris.clone()
    };
    assert_eq!(
        ny.normalized(),
        Err(OrderError::StateRequired { country: "US" })
    );
    let ny = Address {
        state: Some("ny".into()),
        ..ny
    }
    .normalized()
    .expect("New York");
    assert_eq!(ny.state.as_deref(), Some("NY"));
    assert_eq!(ny.postal_lines("États-Unis")[2], "NEW YORK NY 10118");
    // Dubai has no postal codes: none is asked.
    let dubai = Address {
        city: "Dubai".into(),
        postal_code: None,
        country: "AE".into(),
        phone: "+971 50 123 4567".into(),
        ..paris
    };
    assert!(dubai.normalized().is_ok());
}
