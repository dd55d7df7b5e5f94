//! The admin's failed deliveries (`/admin/deliveries`) over HTTP: only an admin sees and
//! retries them (anonymous → login, seller or shopper → 403, nothing changed), the list reads
//! the stored delivery state in the admin's language, a retry makes the delivery due at once,
//! and bad input (an unknown delivery, a malformed one) is refused with 422, nothing written,
//! and a sentence saying what to do.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::ports::storage::{DeliveryAttempt, DeliveryOutcome, DeliveryRow, OutboxEvent};
use tijara_core::chrono::{Duration, Utc};

const ADMIN: (&str, &str) = ("admin@tijara.example", "admin-demo-2026");

/// A failed SMS delivery of an event, due in an hour.
async fn failed_sms(app: &tijara_storefront::App, seq: u64) -> DeliveryRow {
    let event = OutboxEvent::new(seq, "order:ord_sms", "shipment.updated", "{}", Utc::now());
    app.engine
        .operations()
        .record_delivery(&DeliveryAttempt::new(
            "notification:sms",
            &event,
            Utc::now(),
            DeliveryOutcome::Failed {
                error: "SMS gateway answered 503 Service Unavailable".into(),
                next_try_at: Utc::now() + Duration::hours(1),
            },
        ))
        .await
        .unwrap()
}

async fn row(app: &tijara_storefront::App, seq: u64) -> DeliveryRow {
    app.engine
        .operations()
        .delivery("notification:sms", seq)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn only_an_admin_sees_and_retries_failed_deliveries() {
    let app = demo_app().await;
    let before = failed_sms(&app, 900_001).await;
    let retry = [("target", "notification:sms"), ("seq", "900001")];
    let mut anonymous = Client::new(&app);
    let r = anonymous.get("/admin/deliveries").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    anonymous.get("/").await;
    let r = anonymous.post("/admin/deliveries/retry", &retry).await;
    assert!(
        matches!(r.status, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN),
        "{:?}",
        r.status
    );
    assert_ne!(
        r.location.as_deref(),
        Some("/admin/deliveries?done=retried")
    );
    for (email, pw) in [
        ("seller1@tijara.example", "artisan-demo-2026"),
        ("shopper@tijara.example", "shopper-demo-2026"),
    ] {
        let mut c = Client::new(&app);
        c.login(email, pw).await;
        assert_eq!(
            c.get("/admin/deliveries").await.status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
        c.get("/").await;
        let r = c.post("/admin/deliveries/retry", &retry).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
    }
    assert_eq!(row(&app, 900_001).await, before, "nothing changed");
}

#[tokio::test]
async fn the_admin_lists_a_failure_and_retries_it_now() {
    let app = demo_app().await;
    failed_sms(&app, 900_002).await;
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    c.login(ADMIN.0, ADMIN.1).await;
    let page = c.get("/admin/deliveries").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<html lang="fr""#), "{}", page.body);
    assert!(page.body.contains("Envois échoués"), "{}", page.body);
    assert!(page.body.contains("#900002"), "{}", page.body);
    assert!(
        page.body.contains("SMS gateway answered 503"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Réessayer maintenant"), "{}", page.body);
    // In Arabic, right to left.
    c.get("/?lang=ar").await;
    let page = c.get("/admin/deliveries").await;
    assert!(page.body.contains(r#"lang="ar""#) && page.body.contains(r#"dir="rtl""#));
    assert!(page.body.contains("الإرسالات الفاشلة"), "{}", page.body);
    assert!(page.body.contains("رسالة قصيرة"), "the SMS channel by name");

    let before = row(&app, 900_002).await;
    assert!(before.waits_at(Utc::now()));
    let r = c
        .post(
            "/admin/deliveries/retry",
            &[("target", "notification:sms"), ("seq", "900002")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location.as_deref(),
        Some("/admin/deliveries?done=retried")
    );
    let after = row(&app, 900_002).await;
    assert!(!after.waits_at(Utc::now()), "due now: {after:?}");
    assert_eq!(after.attempts, before.attempts, "a retry is not an attempt");
    let page = c.get("/admin/deliveries?done=retried").await;
    assert!(page.body.contains("role=\"status\""), "{}", page.body);
}

#[tokio::test]
async fn bad_retries_are_refused_with_nothing_written() {
    let app = demo_app().await;
    let before = failed_sms(&app, 900_003).await;
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    c.login(ADMIN.0, ADMIN.1).await;
    c.get("/admin/deliveries").await;
    for fields in [
        vec![("target", "notification:sms"), ("seq", "not-a-number")],
        vec![("target", ""), ("seq", "900003")],
        vec![("target", "notification:sms"), ("seq", "999999999")],
        vec![("target", "webhook:nobody"), ("seq", "900003")],
        vec![("seq", "900003")],
    ] {
        let r = c.post("/admin/deliveries/retry", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            r.body.contains("Rechargez la liste"),
            "tells what to do: {}",
            r.body
        );
    }
    assert_eq!(row(&app, 900_003).await, before, "nothing written");
    // A delivered one cannot be retried either.
    let event = OutboxEvent::new(
        900_003,
        "order:ord_sms",
        "shipment.updated",
        "{}",
        Utc::now(),
    );
    app.engine
        .operations()
        .record_delivery(&DeliveryAttempt::new(
            "notification:sms",
            &event,
            Utc::now(),
            DeliveryOutcome::Delivered,
        ))
        .await
        .unwrap();
    let r = c
        .post(
            "/admin/deliveries/retry",
            &[("target", "notification:sms"), ("seq", "900003")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!c.get("/admin/deliveries").await.body.contains("#900003"));
}

/// The storefront's purge runs under the `purge` lease: while another process holds it, this
/// one skips the round; once released, it purges.
#[tokio::test]
async fn the_purge_runs_in_one_process_at_a_time() {
    let app = demo_app().await;
    let retention = tijara_storefront::housekeeping::RetentionArgs::default().retention();
    let ops = app.engine.operations();
    assert!(
        ops.acquire_lease("purge", "other-process", Duration::minutes(10))
            .await
            .unwrap()
    );
    assert!(
        tijara_storefront::housekeeping::purge_once(&app.engine, &retention, "this-process")
            .await
            .is_none(),
        "skipped while another process purges"
    );
    ops.release_lease("purge", "other-process").await.unwrap();
    let report =
        tijara_storefront::housekeeping::purge_once(&app.engine, &retention, "this-process")
            .await
            .expect("this process purges")
            .unwrap();
    assert_eq!(
        report.events, 0,
        "nothing is 30 days old in a new shop: {report:?}"
    );
    // The lease was given back.
    assert!(
        ops.acquire_lease("purge", "other-process", Duration::minutes(10))
            .await
            .unwrap()
    );
}

/// With a relay (what `--nats-url` adds), every event of the shop's outbox reaches JetStream
/// once, and the relay's deliveries are recorded. Against the real NATS server
/// (`TIJARA_TEST_NATS_URL`; skipped with a notice without it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_relay_every_event_reaches_nats_once() {
    let Some(url) = std::env::var("TIJARA_TEST_NATS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: TIJARA_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)");
        return;
    };
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let code = format!("sf-{}-{n}", std::process::id());
    let stream = code.to_uppercase().replace('-', "_");
    let relay = tijara_events_nats::NatsRelay::connect(&url, &code)
        .await
        .unwrap();
    relay
        .ensure_stream(&stream, std::time::Duration::from_secs(600))
        .await
        .unwrap();
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: support::data_dir(),
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    };
    let sink = relay.clone();
    let app = tijara_storefront::build_with_sinks(&settings, None, move |storage| {
        vec![std::sync::Arc::new(sink.with_storage(storage))
            as std::sync::Arc<dyn tijara::ports::runtime::EventSink>]
    })
    .await
    .unwrap();
    tijara_storefront::seed::seed_if_empty(&app.engine)
        .await
        .unwrap();
    app.engine
        .storage()
        .commit(tijara::ports::storage::Changeset {
            events: vec![tijara::ports::storage::NewEvent::new(
                "order:ord_nats",
                "order.placed",
                "{}",
            )],
            ..Default::default()
        })
        .await
        .unwrap();
    let events = app.engine.storage().pending_events(10_000).await.unwrap();
    let mut rounds = 0;
    while !app
        .engine
        .storage()
        .pending_events(1)
        .await
        .unwrap()
        .is_empty()
    {
        rounds += 1;
        assert!(rounds < 20, "the outbox never emptied");
        app.engine.operations().dispatch_events(500).await.unwrap();
    }
    let info = relay
        .jetstream()
        .get_stream(&stream)
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap();
    assert_eq!(info.state.messages, events.len() as u64, "each event once");
    for e in &events {
        let row = app
            .engine
            .operations()
            .delivery(tijara_events_nats::TARGET, e.seq)
            .await
            .unwrap()
            .unwrap();
        assert!(row.is_delivered(), "{row:?}");
    }
    relay.jetstream().delete_stream(&stream).await.unwrap();
}
