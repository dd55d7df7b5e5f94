//! Issue 11 hardening at the engine: order access tokens, limits on unpaid orders, the
//! region's bank transfer hold, input rules (prices, photos, addresses, phones) and what the
//! shop serves by slug.

mod common;

use chrono::Duration;
use common::*;
use std::net::IpAddr;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{EngineConfig, TijaraError};
use tijara_core::catalog::{Photo, Problem};
use tijara_core::order::{OrderError, OrderStatus};
use tijara_core::*;

fn request(
    lines: Vec<(VariantId, u32)>,
    sellers: &[&SellerId],
    gateway: &str,
) -> PlaceOrderRequest {
    PlaceOrderRequest {
        cart: CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers
                .iter()
                .map(|s| {
                    (
                        (*s).clone(),
                        ShippingSelection {
                            carrier: "amana".into(),
                            service: "standard".into(),
                        },
                    )
                })
                .collect(),
        },
        email: "youssef@example.ma".into(),
        address: address(),
        gateway: gateway.into(),
        lang: Lang::Fr,
    }
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().expect("ip"))
}

#[tokio::test]
async fn a_guest_reaches_an_order_only_with_its_random_token() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .place_order(
            request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"),
            Some(&key("tok-1")),
        )
        .await
        .expect("placed");
    let token = placed.access_token.clone();
    assert_eq!(token.len(), 64, "256 random bits, hex");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let id = placed.order.id.clone();
    let doc = e.order_with_token(&id, &token).await.expect("with token");
    assert_eq!(doc.order.id, id);
    // The e-mail is no key; neither is an empty, shortened or altered token.
    let mut altered = token.clone().into_bytes();
    altered[10] = if altered[10] == b'0' { b'1' } else { b'0' };
    for wrong in [
        String::new(),
        "youssef@example.ma".to_owned(),
        token[..32].to_owned(),
        String::from_utf8(altered).expect("ascii"),
    ] {
        assert!(
            matches!(
                e.order_with_token(&id, &wrong).await,
                Err(TijaraError::NotFound { .. })
            ),
            "{wrong:?}"
        );
    }
    // The retry with the same key answers the same order and the same token.
    let again = e
        .place_order(
            request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"),
            Some(&key("tok-1")),
        )
        .await
        .expect("replayed");
    assert_eq!(again.order.id, id);
    assert_eq!(again.access_token, token);
    // Another order has another token.
    let other = e
        .place_order(request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed");
    assert_ne!(other.access_token, token);
    assert!(
        e.order_with_token(&other.order.id, &token).await.is_err(),
        "one order's token opens no other order"
    );
}

#[tokio::test]
async fn unpaid_orders_are_limited_per_email_and_per_client_address() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    e.adjust_stock(
        &c.bracelet,
        tijara::usecases::catalog::StockAdjustment::Set { units: 100 },
        None,
    )
    .await
    .expect("stock");
    let order = |email: &str| {
        let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
        r.email = email.to_owned();
        r
    };
    // Per e-mail (3 by default), whatever the case of the address.
    let mut first = None;
    for email in ["amina@example.ma", "Amina@Example.ma", "AMINA@example.ma"] {
        let p = e
            .place_order_from(order(email), ip("196.200.1.1"), None)
            .await
            .expect("within the limit");
        first.get_or_insert(p.order.id);
    }
    let refused = e
        .place_order_from(order("amina@example.ma"), ip("196.200.1.2"), None)
        .await;
    assert!(
        matches!(
            refused,
            Err(TijaraError::TooManyUnpaidOrders {
                per: "e-mail",
                limit: 3
            })
        ),
        "{refused:?}"
    );
    // A cancelled order no longer counts.
    e.cancel_order(first.as_ref().expect("first"), None)
        .await
        .expect("cancelled");
    e.place_order_from(order("amina@example.ma"), ip("196.200.1.3"), None)
        .await
        .expect("a place freed");

    // Per client address (5 by default): one address with many e-mails (two of Amina's
    // unpaid orders came from it already).
    for i in 0..3 {
        e.place_order_from(
            order(&format!("bot{i}@example.ma")),
            ip("196.200.1.1"),
            None,
        )
        .await
        .expect("within the limit");
    }
    let refused = e
        .place_order_from(order("bot9@example.ma"), ip("196.200.1.1"), None)
        .await;
    assert!(
        matches!(
            refused,
            Err(TijaraError::TooManyUnpaidOrders {
                per: "client address",
                limit: 5
            })
        ),
        "{refused:?}"
    );
    // IPv6: one /64 is one client.
    for i in 0..5 {
        e.place_order_from(
            order(&format!("v6-{i}@example.ma")),
            ip(&format!("2a01:cb00:1:2::{i}")),
            None,
        )
        .await
        .expect("within the limit");
    }
    assert!(matches!(
        e.place_order_from(order("v6-9@example.ma"), ip("2a01:cb00:1:2::99"), None)
            .await,
        Err(TijaraError::TooManyUnpaidOrders { .. })
    ));
    e.place_order_from(order("v6-9@example.ma"), ip("2a01:cb00:1:3::1"), None)
        .await
        .expect("another network");
    // The stored order keeps only a hash of the address.
    let doc = e
        .order(first.as_ref().expect("first"))
        .await
        .expect("order");
    let json = serde_json::to_string(&doc).expect("json");
    assert!(!json.contains("196.200"), "{json}");

    // A day later the window has moved on.
    m.clock.advance(Duration::hours(25));
    e.place_order_from(order("bot9@example.ma"), ip("196.200.1.1"), None)
        .await
        .expect("the window moved on");
}

#[tokio::test]
async fn the_limits_are_configurable() {
    let m = market_with(
        std::sync::Arc::new(tijara_store_memory::MemoryStore::new()),
        EngineConfig {
            max_unpaid_per_email: 1,
            ..EngineConfig::default()
        },
    );
    let c = catalog(&m).await;
    let r = || request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    m.engine.place_order(r(), None).await.expect("first");
    assert!(matches!(
        m.engine.place_order(r(), None).await,
        Err(TijaraError::TooManyUnpaidOrders { limit: 1, .. })
    ));
}

#[tokio::test]
async fn an_unconfirmed_transfer_returns_its_stock_after_the_region_hold_and_tells_the_shopper() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    assert_eq!(e.region().transfer_hold_hours, 48);
    let placed = e
        .place_order(request(vec![(c.bag.clone(), 2)], &[&c.a], "transfer"), None)
        .await
        .expect("placed");
    let id = placed.order.id.clone();
    let available = |m: &Market| {
        let e = m.engine.clone();
        let bag = c.bag.clone();
        async move { e.storage().stock_levels(&[bag]).await.expect("stock")[0].available() }
    };
    assert_eq!(available(&m).await, 0, "both bags held");
    // Still held after 47 hours (not the 5 days of the engine's upper bound).
    m.clock.advance(Duration::hours(47));
    assert_eq!(e.expire_reservations(100).await.expect("sweep"), 0);
    assert_eq!(available(&m).await, 0);
    m.clock.advance(Duration::hours(2));
    assert_eq!(e.expire_reservations(100).await.expect("sweep"), 1);
    assert_eq!(available(&m).await, 2, "the bags are on sale again");
    let doc = e.order(&id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Cancelled);
    let events = e.storage().pending_events(100).await.expect("outbox");
    let told = events
        .iter()
        .find(|ev| ev.kind == "order.payment_expired")
        .expect("the shopper is told");
    let payload: serde_json::Value = serde_json::from_str(&told.payload).expect("json");
    assert_eq!(payload["order_id"], serde_json::json!(id));
    assert_eq!(payload["email"], serde_json::json!("youssef@example.ma"));
}

#[tokio::test]
async fn prices_and_photos_follow_the_input_rules() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let free = product_input(
        &c.a,
        "free",
        "Gratuit",
        "مجاني",
        vec![variant("FREE-1", "0", 1)],
    );
    match e.create_product(free, None).await {
        Err(TijaraError::Validation(v)) => {
            assert!(matches!(v.problems(), [Problem::ZeroPrice { .. }]), "{v}")
        }
        other => panic!("a free product is refused: {other:?}"),
    }
    for url in [
        "javascript:alert(document.cookie)",
        "https://tracker.example/p.gif",
        "data:image/png;base64,AAAA",
    ] {
        let mut p = product_input(
            &c.a,
            "pic",
            "Photo",
            "صورة",
            vec![variant("PIC-1", "50", 1)],
        );
        p.photos = vec![Photo {
            url: url.into(),
            alt: LocalizedText::default(),
        }];
        match e.create_product(p, None).await {
            Err(TijaraError::Validation(v)) => {
                assert!(matches!(v.problems(), [Problem::BadPhotoUrl { .. }]), "{v}")
            }
            other => panic!("{url} is refused: {other:?}"),
        }
    }
    let mut p = product_input(
        &c.a,
        "pic",
        "Photo",
        "صورة",
        vec![variant("PIC-1", "50", 1)],
    );
    p.photos = vec![Photo {
        url: "/media/0123-1200.jpg".into(),
        alt: LocalizedText::default(),
    }];
    e.create_product(p, None).await.expect("a local photo");
}

#[tokio::test]
async fn addresses_and_phones_are_checked_at_checkout() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    r.address.name = "A".repeat(30 * 1024);
    assert!(matches!(
        e.place_order(r, None).await,
        Err(TijaraError::Order(OrderError::AddressTooLong {
            field: "name",
            ..
        }))
    ));
    let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    r.address.phone = "abc".into();
    assert!(matches!(
        e.place_order(r, None).await,
        Err(TijaraError::Order(OrderError::BadPhone))
    ));
    let mut a = address();
    a.line1 = "Rue\r\nTarfaya".into();
    assert!(matches!(
        e.shipping_quotes(&CartId::new("none").expect("id"), &a)
            .await,
        Err(TijaraError::Order(OrderError::AddressControl("line1")))
    ));
    let placed = e
        .place_order(request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod"), None)
        .await
        .expect("placed");
    assert_eq!(
        placed.order.shipping_address.phone, "+212612345678",
        "a Moroccan number is stored in international form"
    );
}

#[tokio::test]
async fn the_shop_serves_by_slug_only_what_is_on_sale() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let view = e.product_by_slug("srama").await.expect("on sale");
    let product = view.product.id.clone();
    e.set_product_active(&product, false, None)
        .await
        .expect("off");
    assert!(matches!(
        e.product_by_slug("srama").await,
        Err(TijaraError::NotFound { .. })
    ));
    assert!(e.product_by_slug_any("srama").await.is_ok(), "back office");
    e.set_product_active(&product, true, None)
        .await
        .expect("on");
    e.set_seller_active(&c.a, false, None)
        .await
        .expect("suspended");
    assert!(matches!(
        e.product_by_slug("srama").await,
        Err(TijaraError::NotFound { .. })
    ));
    assert!(matches!(
        e.product_by_slug("tassoufra").await,
        Err(TijaraError::NotFound { .. })
    ));
    e.set_seller_active(&c.a, true, None).await.expect("back");
    e.product_by_slug("srama").await.expect("on sale again");
}

#[tokio::test]
async fn a_product_update_keeps_the_photos_as_stored() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let product = e
        .create_product(
            product_input(
                &c.a,
                "photo-race",
                "Sac",
                "حقيبة",
                vec![variant("PR-1", "90.00", 1)],
            ),
            None,
        )
        .await
        .expect("product");
    // The form is read, then a photo is uploaded, then the form is saved.
    let form = product.clone();
    let photo = Photo {
        url: "/media/new-800.jpg".into(),
        alt: LocalizedText::default(),
    };
    e.add_product_photo(&product.id, photo.clone())
        .await
        .expect("photo");
    let mut input = product_input(
        &c.a,
        "photo-race",
        "Sac de cuir",
        "حقيبة",
        vec![variant("PR-1", "90.00", 1)],
    );
    input.photos = form.photos.clone();
    let saved = e
        .update_product(&product.id, input, None)
        .await
        .expect("saved");
    assert_eq!(saved.photos, vec![photo.clone()], "the upload is kept");
    assert_eq!(saved.title.get(Lang::Fr, Lang::Fr), Some("Sac de cuir"));
    // Photos named in an update (another seller's files, say) are not taken.
    let mut input = product_input(
        &c.a,
        "photo-race",
        "Sac",
        "حقيبة",
        vec![variant("PR-1", "90.00", 1)],
    );
    input.photos = vec![Photo {
        url: "/media/someone-elses-800.jpg".into(),
        alt: LocalizedText::default(),
    }];
    let saved = e
        .update_product(&product.id, input, None)
        .await
        .expect("saved");
    assert_eq!(saved.photos, vec![photo]);
}
