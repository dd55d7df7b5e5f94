//! Issue 11 hardening at the engine: order access tokens, limits on unpaid orders, the
//! region's bank transfer hold, input rules (prices, photos, addresses, phones) and what the
//! shop serves by slug.

mod common;

use chrono::Duration;
use common::*;
use std::net::IpAddr;
use tijara::{EngineConfig, TijaraError};
use tijara_core::catalog::{Photo, Problem};
use tijara_core::order::{OrderError, OrderStatus};
use tijara_core::*;

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().expect("ip"))
}

/// Gives the test catalog's bracelet 100 units (many orders of one).
async fn hundred_bracelets(m: &Market, c: &Catalog) {
    m.engine
        .catalog()
        .adjust_stock(
            &c.bracelet,
            tijara::usecases::catalog::StockAdjustment::Set { units: 100 },
            None,
        )
        .await
        .expect("stock");
}

#[tokio::test]
async fn a_guest_reaches_an_order_only_with_its_random_token() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(
            request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"),
            Some(&key("tok-1")),
        )
        .await
        .expect("placed");
    let token = placed.access_token.as_str().to_owned();
    assert_eq!(token.len(), 64, "256 random bits, hex");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let id = placed.order.id.clone();
    let doc = e
        .orders()
        .order_with_token(&id, &token)
        .await
        .expect("with token");
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
                e.orders().order_with_token(&id, &wrong).await,
                Err(TijaraError::NotFound { .. })
            ),
            "{wrong:?}"
        );
    }
    // The retry with the same key answers the same order and the same token.
    let again = e
        .checkout()
        .place_order(
            request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"),
            Some(&key("tok-1")),
        )
        .await
        .expect("replayed");
    assert_eq!(again.order.id, id);
    assert_eq!(again.access_token.as_str(), token);
    // Another order has another token.
    let other = e
        .checkout()
        .place_order(request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed");
    assert_ne!(other.access_token.as_str(), token);
    assert!(
        e.orders()
            .order_with_token(&other.order.id, &token)
            .await
            .is_err(),
        "one order's token opens no other order"
    );
}

#[tokio::test]
async fn the_access_token_never_shows_in_debug_output() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod"), None)
        .await
        .expect("placed");
    let token = placed.access_token.as_str().to_owned();
    assert_eq!(token.len(), 64);
    let doc = e.orders().order(&placed.order.id).await.expect("order");
    for debug in [
        format!("{placed:?}"),
        format!("{placed:#?}"),
        format!("{doc:?}"),
        format!("{:?}", doc.access_token),
    ] {
        assert!(!debug.contains(&token), "{debug}");
        assert!(debug.contains("AccessToken(<redacted>)"), "{debug}");
    }
    // Serialized (the API's answer, the stored document), it is the plain string.
    let json = serde_json::to_value(&placed).expect("json");
    assert_eq!(json["access_token"], serde_json::json!(token));
    let json = serde_json::to_value(&doc).expect("json");
    assert_eq!(json["access_token"], serde_json::json!(token));
    let back: tijara::docs::OrderDoc = serde_json::from_value(json).expect("back");
    assert_eq!(back.access_token.as_str(), token);
    e.orders()
        .order_with_token(&placed.order.id, &token)
        .await
        .expect("the token still opens the order");
}

#[tokio::test]
async fn unpaid_orders_are_limited_per_email_and_per_client_address() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    hundred_bracelets(&m, &c).await;
    let order = |email: &str| {
        let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
        r.email = email.to_owned();
        r
    };
    // Per e-mail (3 by default), whatever the case of the address.
    let mut first = None;
    for email in ["amina@example.ma", "Amina@Example.ma", "AMINA@example.ma"] {
        let p = e
            .checkout()
            .place_order_from(order(email), ip("196.200.1.1"), None)
            .await
            .expect("within the limit");
        first.get_or_insert(p.order.id);
    }
    let refused = e
        .checkout()
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
    e.orders()
        .cancel_order(first.as_ref().expect("first"), None)
        .await
        .expect("cancelled");
    e.checkout()
        .place_order_from(order("amina@example.ma"), ip("196.200.1.3"), None)
        .await
        .expect("a place freed");

    // Per client address (5 by default), card and transfer orders only: one address with many
    // e-mails. Amina's cash-on-delivery orders from it do not count (carrier-grade NAT puts
    // many shoppers behind one address; cash on delivery is bounded per e-mail).
    let transfer = |email: &str| {
        let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "transfer");
        r.email = email.to_owned();
        r
    };
    for i in 0..4 {
        e.checkout()
            .place_order_from(
                transfer(&format!("bot{i}@example.ma")),
                ip("196.200.1.1"),
                None,
            )
            .await
            .expect("within the limit");
    }
    // The same address written as an IPv4-mapped IPv6 one is the same client.
    e.checkout()
        .place_order_from(transfer("bot4@example.ma"), ip("::ffff:196.200.1.1"), None)
        .await
        .expect("within the limit");
    for peer in ["196.200.1.1", "::ffff:196.200.1.1"] {
        let refused = e
            .checkout()
            .place_order_from(transfer("bot9@example.ma"), ip(peer), None)
            .await;
        assert!(
            matches!(
                refused,
                Err(TijaraError::TooManyUnpaidOrders {
                    per: "client address",
                    limit: 5
                })
            ),
            "{peer}: {refused:?}"
        );
    }
    e.checkout()
        .place_order_from(order("cod-shopper@example.ma"), ip("196.200.1.1"), None)
        .await
        .expect("cash on delivery is not limited per address");
    // IPv6: one /64 is one client.
    for i in 0..5 {
        e.checkout()
            .place_order_from(
                transfer(&format!("v6-{i}@example.ma")),
                ip(&format!("2a01:cb00:1:2::{i}")),
                None,
            )
            .await
            .expect("within the limit");
    }
    assert!(matches!(
        e.checkout()
            .place_order_from(transfer("v6-9@example.ma"), ip("2a01:cb00:1:2::99"), None)
            .await,
        Err(TijaraError::TooManyUnpaidOrders { .. })
    ));
    e.checkout()
        .place_order_from(transfer("v6-9@example.ma"), ip("2a01:cb00:1:3::1"), None)
        .await
        .expect("another network");
    // The stored order keeps only a hash of the address.
    let doc = e
        .orders()
        .order(first.as_ref().expect("first"))
        .await
        .expect("order");
    let json = serde_json::to_string(&doc).expect("json");
    assert!(!json.contains("196.200"), "{json}");

    // A day later the window has moved on.
    m.clock.advance(Duration::hours(25));
    e.checkout()
        .place_order_from(transfer("bot9@example.ma"), ip("196.200.1.1"), None)
        .await
        .expect("the window moved on");
}

#[tokio::test]
async fn loopback_private_and_mapped_loopback_peers_are_no_client() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    hundred_bracelets(&m, &c).await;
    // A dual-stack bind reports IPv4 peers as ::ffff:a.b.c.d: a proxy on the host is
    // ::ffff:127.0.0.1, and must not make the whole shop one client.
    for peer in [
        "::ffff:127.0.0.1",
        "127.0.0.1",
        "::1",
        "10.0.0.7",
        "::ffff:192.168.1.20",
        "172.16.0.1",
        "100.64.0.1",
        "169.254.1.1",
        "fe80::1",
        "fd00::1",
        "0.0.0.0",
    ] {
        for i in 0..6 {
            let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "transfer");
            r.email = format!("s{i}-{}@example.ma", peer.replace([':', '.'], "-"));
            let p = e
                .checkout()
                .place_order_from(r, ip(peer), None)
                .await
                .unwrap_or_else(|err| panic!("{peer} is no client: {err:?}"));
            let doc = e.orders().order(&p.order.id).await.expect("order");
            assert_eq!(doc.client_key, None, "{peer}");
        }
    }
    use tijara::usecases::checkout::countable_client;
    let v4: IpAddr = "196.200.1.1".parse().expect("ip");
    assert_eq!(
        countable_client("::ffff:196.200.1.1".parse().expect("ip")),
        Some(v4)
    );
    assert_eq!(countable_client(v4), Some(v4));
    assert_eq!(
        countable_client("::ffff:127.0.0.1".parse().expect("ip")),
        None
    );
    let v6: IpAddr = "2a01:cb00:1:2::1".parse().expect("ip");
    assert_eq!(countable_client(v6), Some(v6));
}

#[tokio::test]
async fn the_limits_are_configurable() {
    let m = market_with(
        std::sync::Arc::new(tijara_store_memory::MemoryStore::new()),
        EngineConfig::default().with_max_unpaid_per_email(1),
    );
    let c = catalog(&m).await;
    let r = || request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    m.engine
        .checkout()
        .place_order(r(), None)
        .await
        .expect("first");
    assert!(matches!(
        m.engine.checkout().place_order(r(), None).await,
        Err(TijaraError::TooManyUnpaidOrders { limit: 1, .. })
    ));
}

/// A market on the memory store behind a counting wrapper, whose commits count an e-mail's
/// unpaid orders (`Storage::counts_owners_at_commit`) when `at_commit`, and allow `limit`
/// unpaid orders per e-mail (0: no limit); the bracelet has 100 units.
async fn counted_unpaid_market(
    at_commit: bool,
    limit: u32,
) -> (
    std::sync::Arc<tijara_testkit::outage::Outage>,
    Market,
    Catalog,
) {
    let mut store = tijara_testkit::outage::Outage::new(std::sync::Arc::new(
        tijara_store_memory::MemoryStore::new(),
    ));
    if at_commit {
        store = store.with_catalog_version();
    }
    let store = std::sync::Arc::new(store);
    assert_eq!(
        tijara::ports::storage::Storage::counts_owners_at_commit(&*store),
        at_commit
    );
    let m = market_with(
        store.clone(),
        EngineConfig::default().with_max_unpaid_per_email(limit),
    );
    let c = catalog(&m).await;
    hundred_bracelets(&m, &c).await;
    (store, m, c)
}

/// Below the limit, an order placed lists no unpaid orders first when the storage counts them
/// in the commit (`Changeset::owned_fewer_than`): the limit costs no storage call. On a
/// storage that does not, one listing per order. (That the limit still refuses is checked by
/// the tests around this one.)
#[tokio::test]
async fn the_unpaid_limit_costs_no_storage_call_below_it() {
    let calls_of_a_second_order = |at_commit: bool, limit: u32| async move {
        let (store, m, c) = counted_unpaid_market(at_commit, limit).await;
        let r = || request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
        m.engine
            .checkout()
            .place_order(r(), None)
            .await
            .expect("first");
        let before = store.calls();
        m.engine
            .checkout()
            .place_order(r(), None)
            .await
            .expect("second");
        store.calls() - before
    };
    assert_eq!(
        calls_of_a_second_order(true, 3).await,
        calls_of_a_second_order(true, 0).await,
        "counted by the commit: as many calls as with no limit"
    );
    assert_eq!(
        calls_of_a_second_order(false, 3).await,
        calls_of_a_second_order(false, 0).await + 1,
        "listed before the commit: one call more"
    );
}

/// At the limit, the commit refuses and the orders are listed: those placed within the window
/// are counted, so older unpaid orders do not stop a new one, and the order is refused only
/// when the window holds as many as the limit. The same answers with the count at commit and
/// with the listing first; nothing is written for a refused order; a repeated request gets
/// its first answer. At the limit, the count at commit costs a few storage calls more than an
/// order below it, and one listing: the refused commit, the listing, and the step's reads
/// again (its idempotency record, the prices: two reads here, where the catalog cache is
/// cold); the listing first costs the same either way.
#[tokio::test]
async fn unpaid_orders_outside_the_window_do_not_count_whichever_way_they_are_counted() {
    for at_commit in [true, false] {
        let (store, m, c) = counted_unpaid_market(at_commit, 2).await;
        let e = &m.engine;
        let r = || request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
        let mut below = 0;
        for n in 0..2 {
            let before = store.calls();
            e.checkout()
                .place_order(r(), Some(&key(&format!("first-day-{n}"))))
                .await
                .unwrap_or_else(|err| panic!("{at_commit}: order {n} within the limit: {err:?}"));
            below = store.calls() - before;
        }
        let refused = e.checkout().place_order(r(), None).await;
        assert!(
            matches!(
                refused,
                Err(TijaraError::TooManyUnpaidOrders {
                    per: "e-mail",
                    limit: 2
                })
            ),
            "{at_commit}: {refused:?}"
        );
        let units = || async {
            e.catalog()
                .stock_row(&c.bracelet)
                .await
                .expect("stock")
                .on_hand
        };
        assert_eq!(
            units().await,
            98,
            "{at_commit}: nothing sold by the refused order"
        );
        // A day later: two open unpaid orders, both outside the window.
        m.clock.advance(Duration::hours(25));
        let before = store.calls();
        let first = e
            .checkout()
            .place_order(r(), Some(&key("new-day")))
            .await
            .unwrap_or_else(|err| panic!("{at_commit}: the first order of the new day: {err:?}"));
        let at = store.calls() - before;
        if at_commit {
            assert!(
                (below + 2..=below + 5).contains(&at),
                "the refused commit, one listing and the step's reads again: {at} calls against {below} below the limit"
            );
        } else {
            assert_eq!(at, below, "the listing first: as below the limit");
        }
        let again = e
            .checkout()
            .place_order(r(), Some(&key("new-day")))
            .await
            .unwrap_or_else(|err| panic!("{at_commit}: the same request again: {err:?}"));
        assert_eq!(
            again.order.id, first.order.id,
            "{at_commit}: its first answer"
        );
        e.checkout()
            .place_order(r(), None)
            .await
            .unwrap_or_else(|err| panic!("{at_commit}: the second order of the new day: {err:?}"));
        assert!(
            matches!(
                e.checkout().place_order(r(), None).await,
                Err(TijaraError::TooManyUnpaidOrders { limit: 2, .. })
            ),
            "{at_commit}: the window holds two again"
        );
        assert_eq!(units().await, 96, "{at_commit}: four orders sold");
    }
}

#[tokio::test]
async fn an_unconfirmed_transfer_returns_its_stock_after_the_region_hold_and_tells_the_shopper() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    assert_eq!(e.region().transfer_hold_hours, 48);
    let placed = e
        .checkout()
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
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(available(&m).await, 0);
    m.clock.advance(Duration::hours(2));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(available(&m).await, 2, "the bags are on sale again");
    let doc = e.orders().order(&id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Cancelled);
    let events = e.storage().pending_events(100).await.expect("outbox");
    let told = events
        .iter()
        .find(|ev| ev.kind == "order.payment_expired")
        .expect("the shopper is told");
    let payload: serde_json::Value = serde_json::from_str(&told.payload).expect("json");
    assert_eq!(payload["order_id"], serde_json::json!(id));
    // No contact in the event (webhooks forward it): a notifier reads it from the order.
    assert!(!told.payload.contains('@'), "{}", told.payload);
    assert!(!told.payload.contains("612345678"), "{}", told.payload);
    assert_eq!(payload["lang"], serde_json::json!("fr"));
    let Ok(tijara_core::DomainEvent::OrderPaymentExpired(expiry)) = told.event() else {
        panic!("typed: {:?}", told.event());
    };
    assert_eq!(expiry.order_id, id);
    assert_eq!(expiry.lang, tijara_core::Lang::FR);
    assert_eq!(
        expiry.payment_method,
        tijara_core::payment::PaymentMethod::BankTransfer
    );
}

/// An engine over the memory store for `region`, with a transfer gateway that records what it
/// was asked.
fn market_in(
    region: Region,
    config: EngineConfig,
) -> Result<(Market, std::sync::Arc<tijara_testkit::stubs::StubGateway>), tijara::BuildError> {
    use std::sync::Arc;
    use tijara_testkit::stubs::*;
    let clock = Arc::new(FixedClock::at(t0()));
    let carrier = Arc::new(StubCarrier::new("amana", "30.00", "10.00"));
    let sink = Arc::new(RecordingSink::default());
    let card = Arc::new(StubGateway::card());
    let transfer = Arc::new(StubGateway::bank_transfer());
    let engine = tijara::Tijara::builder()
        .region(region)
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(card.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .payment(transfer.clone())
        .carrier(carrier.clone())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::default()))
        .event_sink(sink.clone())
        .config(config)
        .build()?;
    Ok((
        Market {
            engine,
            clock,
            carrier,
            sink,
            card,
        },
        transfer,
    ))
}

#[tokio::test]
async fn a_transfer_is_held_exactly_the_deadline_the_shopper_is_given() {
    // A week's hold: over the engine's default cap of 5 days, the engine is not built (it used
    // to hold 5 days while the shopper was told 7).
    let mut week = Region::dakhla();
    week.transfer_hold_hours = 168;
    assert!(matches!(
        market_in(week.clone(), EngineConfig::default()).map(|_| ()),
        Err(tijara::BuildError::TransferHoldOverCap {
            hold_hours: 168,
            cap_hours: 120
        })
    ));
    let (m, transfer) = market_in(
        week,
        EngineConfig::default().with_transfer_reservation_ttl(Duration::days(10)),
    )
    .expect("a cap above the hold");
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(request(vec![(c.bag.clone(), 1)], &[&c.a], "transfer"), None)
        .await
        .expect("placed");
    // The gateway is given the deadline, in the region's local time: placed + 168 h.
    let asked = transfer.requests();
    let pay_by = asked.last().and_then(|r| r.pay_by).expect("a deadline");
    assert_eq!(pay_by, placed.order.placed_at + Duration::hours(168));
    assert_eq!(
        pay_by.offset().local_minus_utc(),
        e.region().utc_offset_minutes * 60
    );
    // Held until then (not 120 h), released right after.
    m.clock.advance(Duration::hours(167));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        0
    );
    m.clock.advance(Duration::hours(2));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        1
    );
    // Card orders get no deadline from the engine.
    e.checkout()
        .place_order(request(vec![(c.bag.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("card");
    assert_eq!(m.card.requests().last().map(|r| r.pay_by), Some(None));
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
    match e.catalog().create_product(free, None).await {
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
        match e.catalog().create_product(p, None).await {
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
    e.catalog()
        .create_product(p, None)
        .await
        .expect("a local photo");
}

#[tokio::test]
async fn a_product_with_legacy_remote_photos_can_still_be_saved_and_never_shows_them() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let mut input = product_input(
        &c.a,
        "old-pic",
        "Ancien",
        "قديم",
        vec![variant("OLD-1", "50", 1)],
    );
    let local = Photo {
        url: "/media/0123-1200.jpg".into(),
        alt: LocalizedText::default(),
    };
    input.photos = vec![local.clone()];
    let product = e
        .catalog()
        .create_product(input.clone(), None)
        .await
        .expect("created");
    // A product saved before the photo rule: a remote photo in the stored document.
    let remote = "https://cdn.example/old.jpg";
    let storage = e.storage();
    let doc = storage
        .get(
            tijara::ports::storage::DocKind::Product,
            product.id.as_str(),
        )
        .await
        .expect("get")
        .expect("stored");
    let mut body: serde_json::Value = serde_json::from_str(&doc.body).expect("json");
    body["photos"]
        .as_array_mut()
        .expect("photos")
        .push(serde_json::json!({"url": remote, "alt": {}}));
    storage
        .commit(tijara::ports::storage::Changeset {
            docs: vec![tijara::ports::storage::DocWrite {
                kind: tijara::ports::storage::DocKind::Product,
                id: product.id.to_string(),
                expected_version: Some(doc.version),
                body: body.to_string(),
                keys: vec!["slug:old-pic".into(), "sku:OLD-1".into()],
                owners: vec![format!("seller:{}", c.a)],
                product: None,
                links_unchanged: false,
            }],
            ..Default::default()
        })
        .await
        .expect("legacy document");
    // The shop and the API never show it.
    let view = e
        .catalog()
        .product_by_slug_any("old-pic")
        .await
        .expect("view");
    assert_eq!(view.product.photos, vec![local.clone()]);
    // Every save works, and drops it (the seller's form sends back what it was shown, or
    // what is stored).
    e.catalog()
        .set_product_active(&product.id, false, None)
        .await
        .expect("a legacy photo does not block a save");
    let stored = |e: tijara::Tijara, id: ProductId| async move {
        let d = e
            .storage()
            .get(tijara::ports::storage::DocKind::Product, id.as_str())
            .await
            .expect("get")
            .expect("stored");
        d.body
    };
    assert!(!stored(e.clone(), product.id.clone()).await.contains(remote));

    // The same through update_product, with the stored photos sent back as they were.
    storage
        .commit(tijara::ports::storage::Changeset {
            docs: vec![tijara::ports::storage::DocWrite {
                kind: tijara::ports::storage::DocKind::Product,
                id: product.id.to_string(),
                expected_version: Some(
                    storage
                        .get(
                            tijara::ports::storage::DocKind::Product,
                            product.id.as_str(),
                        )
                        .await
                        .expect("get")
                        .expect("stored")
                        .version,
                ),
                body: body.to_string(),
                keys: vec!["slug:old-pic".into(), "sku:OLD-1".into()],
                owners: vec![format!("seller:{}", c.a)],
                product: None,
                links_unchanged: false,
            }],
            ..Default::default()
        })
        .await
        .expect("legacy document again");
    let mut edit = input.clone();
    edit.photos = vec![
        local.clone(),
        Photo {
            url: remote.into(),
            alt: LocalizedText::default(),
        },
    ];
    let saved = e
        .catalog()
        .update_product(&product.id, edit.clone(), None)
        .await
        .expect("saved without the legacy photo");
    assert_eq!(saved.photos, vec![local.clone()]);
    // A new remote photo sent with an update is never stored either: photos change only by
    // upload (`add_product_photo`), so an update keeps the stored ones.
    edit.photos.truncate(1);
    edit.photos.push(Photo {
        url: "https://tracker.example/p.gif".into(),
        alt: LocalizedText::default(),
    });
    let saved = e
        .catalog()
        .update_product(&product.id, edit, None)
        .await
        .expect("saved, photos as stored");
    assert_eq!(saved.photos, vec![local]);
}

#[tokio::test]
async fn addresses_and_phones_are_checked_at_checkout() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    r.address.name = "A".repeat(30 * 1024);
    assert!(matches!(
        e.checkout().place_order(r, None).await,
        Err(TijaraError::Order(OrderError::AddressTooLong {
            field: "name",
            ..
        }))
    ));
    let mut r = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    r.address.phone = "abc".into();
    assert!(matches!(
        e.checkout().place_order(r, None).await,
        Err(TijaraError::Order(OrderError::BadPhone))
    ));
    let mut a = address();
    a.line1 = "Rue\r\nTarfaya".into();
    assert!(matches!(
        e.checkout()
            .shipping_quotes(&CartId::new("none").expect("id"), &a)
            .await,
        Err(TijaraError::Order(OrderError::AddressControl("line1")))
    ));
    let placed = e
        .checkout()
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
    let view = e.catalog().product_by_slug("srama").await.expect("on sale");
    let product = view.product.id.clone();
    e.catalog()
        .set_product_active(&product, false, None)
        .await
        .expect("off");
    assert!(matches!(
        e.catalog().product_by_slug("srama").await,
        Err(TijaraError::NotFound { .. })
    ));
    assert!(
        e.catalog().product_by_slug_any("srama").await.is_ok(),
        "back office"
    );
    e.catalog()
        .set_product_active(&product, true, None)
        .await
        .expect("on");
    e.catalog()
        .set_seller_active(&c.a, false, None)
        .await
        .expect("suspended");
    assert!(matches!(
        e.catalog().product_by_slug("srama").await,
        Err(TijaraError::NotFound { .. })
    ));
    assert!(matches!(
        e.catalog().product_by_slug("tassoufra").await,
        Err(TijaraError::NotFound { .. })
    ));
    e.catalog()
        .set_seller_active(&c.a, true, None)
        .await
        .expect("back");
    e.catalog()
        .product_by_slug("srama")
        .await
        .expect("on sale again");
}

#[tokio::test]
async fn a_product_update_keeps_the_photos_as_stored() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let product = e
        .catalog()
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
    e.catalog()
        .add_product_photo(&product.id, photo.clone())
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
        .catalog()
        .update_product(&product.id, input, None)
        .await
        .expect("saved");
    assert_eq!(saved.photos, vec![photo.clone()], "the upload is kept");
    assert_eq!(saved.title.get(Lang::FR, Lang::FR), Some("Sac de cuir"));
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
        .catalog()
        .update_product(&product.id, input, None)
        .await
        .expect("saved");
    assert_eq!(saved.photos, vec![photo]);
}
