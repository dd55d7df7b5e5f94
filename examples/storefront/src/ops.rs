//! Running the storefront in production: request ids and request logs, Prometheus metrics,
//! health checks and graceful shutdown (see `docs/operations.md`, sections "Logs",
//! "Metrics", "Health checks" and "Shutdown and restarts").
//!
//! - **Requests** ([`observe`], on every route): each request gets an id (the client's
//!   `X-Request-Id` when it is short and plain, else a new one), returned in `X-Request-Id` and
//!   carried by the `request` span that every log line of the request, the engine's included,
//!   is written in. A 5xx answer is logged at `warn` (target `http`), every answer at `debug`.
//!   With metrics on, each answer counts in `tijara_http_requests_total` (route, method,
//!   status) and `tijara_http_request_seconds` (a histogram by route and method).
//! - **Metrics** ([`Metrics`]): the Prometheus text format of the `metrics` facade's global
//!   recorder, installed by [`Metrics::install`] (once per process), served by
//!   [`metrics_router`] on an address of its own (`--metrics-bind`), never on the shop's.
//! - **Health** ([`health_routes`]): `GET /healthz` answers 200 while the process serves;
//!   `GET /readyz` answers 200 only when the database answers a read of the outbox in time, the
//!   oldest undelivered outbox event is younger than [`Ops::outbox_max_age`], and no shutdown
//!   has begun; else 503 with the reason.
//! - **Shutdown** ([`Shutdown`], [`signal`]): SIGTERM or SIGINT turns `/readyz` to 503, stops
//!   accepting connections, lets requests in flight finish (up to a deadline), stops the
//!   background tasks between two rounds and waits for the database's queued writes.

use crate::App;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The header carrying the request id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// The binary's default log filter (when neither `--log` nor `RUST_LOG` says otherwise): info
/// for Tijara and its log targets, warnings for the rest.
pub const DEFAULT_LOG: &str = "warn,tijara=info,tijara_storefront=info,tijara_store_sqlx=info,\
    tijara_store_sqlite=info,security=info,storage=info,payments=info,gateway=info,\
    carrier=info,messages=info,http=info";

/// How long `/readyz` waits for the database before answering 503.
pub const READY_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// The most outbox events `/readyz` and `/metrics` read to count the backlog.
pub const BACKLOG_SCAN: u32 = 1000;

/// The operational state shared by the routes: metrics, readiness and shutdown.
#[derive(Clone, Debug)]
pub struct Ops {
    /// The metrics recorder's handle, when metrics are on.
    pub metrics: Option<Metrics>,
    /// The shutdown signal.
    pub shutdown: Shutdown,
    /// `/readyz` answers 503 when the oldest undelivered outbox event is older than this
    /// (`--ready-outbox-max-age`, default 10 minutes: the dispatcher runs every 5 seconds).
    pub outbox_max_age: Duration,
}

impl Default for Ops {
    fn default() -> Self {
        Ops {
            metrics: None,
            shutdown: Shutdown::default(),
            outbox_max_age: Duration::from_secs(600),
        }
    }
}

/// A shutdown under way or not: [`Shutdown::begin`] once, [`Shutdown::wait`] by everyone that
/// stops on it.
#[derive(Clone, Debug)]
pub struct Shutdown(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(tokio::sync::watch::Sender::new(false)))
    }
}

impl Shutdown {
    /// Begins the shutdown (again: no effect).
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// True once the shutdown has begun.
    pub fn is_begun(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the shutdown has begun.
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.0.subscribe();
        async move {
            let _ = rx.wait_for(|begun| *begun).await;
        }
    }
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C); elsewhere than Unix, on Ctrl-C.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The Prometheus recorder of this process (the `metrics` facade's global recorder).
#[derive(Clone)]
pub struct Metrics(metrics_exporter_prometheus::PrometheusHandle);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Latency buckets (seconds) of every `*_seconds` histogram.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of the storage batch size.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

impl Metrics {
    /// Installs the Prometheus recorder as the process's global recorder, once; later calls
    /// return the same one. `None` when another recorder was installed first.
    pub fn install() -> Option<Metrics> {
        static INSTALLED: OnceLock<Option<Metrics>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
                let builder = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                    .and_then(|b| {
                        b.set_buckets_for_metric(
                            Matcher::Full("tijara_storage_commit_batch_size".into()),
                            BATCH_BUCKETS,
                        )
                    });
                let handle = match builder.and_then(|b| b.install_recorder()) {
                    Ok(handle) => handle,
                    Err(e) => {
                        tracing::warn!(error = %e, "metrics are off: the recorder could not be installed");
                        return None;
                    }
                };
                describe();
                // Histograms keep their samples until upkeep folds them in.
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    let upkeep = handle.clone();
                    rt.spawn(async move {
                        loop {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            upkeep.run_upkeep();
                        }
                    });
                }
                Some(Metrics(handle))
            })
            .clone()
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        self.0.render()
    }
}

/// The help texts of the series.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "tijara_http_requests_total",
        "HTTP requests answered, by route, method and status"
    );
    describe_histogram!(
        "tijara_http_request_seconds",
        Unit::Seconds,
        "HTTP request latency, by route and method"
    );
    describe_counter!(
        "tijara_checkouts_total",
        "Orders asked for, by outcome (placed, out_of_stock, refused, error)"
    );
    describe_counter!(
        "tijara_stock_refusals_total",
        "Orders refused for lack of stock"
    );
    describe_counter!(
        "tijara_payment_notifications_total",
        "Payment notifications from gateways, by gateway and verdict"
    );
    describe_counter!(
        "tijara_gateway_calls_total",
        "Calls to payment gateways, by gateway, call and outcome"
    );
    describe_histogram!(
        "tijara_gateway_call_seconds",
        Unit::Seconds,
        "Payment gateway call latency"
    );
    describe_counter!(
        "tijara_carrier_calls_total",
        "Calls to carriers, by carrier, call and outcome"
    );
    describe_histogram!(
        "tijara_carrier_call_seconds",
        Unit::Seconds,
        "Carrier call latency"
    );
    describe_gauge!(
        "tijara_outbox_backlog",
        "Outbox events not yet delivered (counted up to 1000)"
    );
    describe_gauge!(
        "tijara_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest undelivered outbox event (0 when none)"
    );
    describe_counter!(
        "tijara_outbox_delivery_failures_total",
        "Outbox deliveries (webhooks, e-mails, SMS) that failed and wait for a retry"
    );
    describe_histogram!(
        "tijara_storage_commit_seconds",
        Unit::Seconds,
        "Storage commit latency (one transaction), by backend"
    );
    describe_histogram!(
        "tijara_storage_commit_batch_size",
        "Changesets per SQLite group commit"
    );
    describe_gauge!(
        "tijara_db_pool_connections",
        "Database pool connections, by state (idle, busy)"
    );
}

/// A request id: the client's when it is 1–64 characters of letters, digits, `-`, `_`, `.`;
/// else this process's prefix and a counter.
fn request_id(req: &Request) -> HeaderValue {
    if let Some(v) = req.headers().get(REQUEST_ID)
        && let Ok(s) = v.to_str()
        && (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return v.clone();
    }
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        hex::encode(b)
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{prefix}-{n:x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// The middleware of every route: request id, `request` span, request log and HTTP metrics
/// (see the module).
pub async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        id = id.to_str().unwrap_or("-"),
        method = %method,
        route = %route,
    );
    let mut res = next.run(req).instrument(span.clone()).await;
    res.headers_mut().insert(REQUEST_ID, id);
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if app.ops.metrics.is_some() {
        let method = method.as_str().to_owned();
        metrics::counter!(
            "tijara_http_requests_total",
            "route" => route.clone(),
            "method" => method.clone(),
            "status" => status.to_string()
        )
        .increment(1);
        metrics::histogram!("tijara_http_request_seconds", "route" => route, "method" => method)
            .record(seconds);
    }
    let duration_ms = seconds * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(target: "http", status, duration_ms, "request failed");
        } else {
            tracing::debug!(target: "http", status, duration_ms, "request");
        }
    });
    res
}

/// The outbox's state: events not yet delivered (up to [`BACKLOG_SCAN`]) and the age of the
/// oldest.
async fn outbox_state(app: &App) -> Result<(usize, Duration), String> {
    let read = app.engine.storage().pending_events(BACKLOG_SCAN);
    let events = match tokio::time::timeout(READY_DB_TIMEOUT, read).await {
        Ok(Ok(events)) => events,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            return Err(format!("no answer within {} s", READY_DB_TIMEOUT.as_secs()));
        }
    };
    let age = events
        .first()
        .map(|e| {
            (app.engine.now() - e.created_at)
                .to_std()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Ok((events.len(), age))
}

/// `/healthz` and `/readyz` (see the module). Served on the shop's address, without session,
/// form token or cache.
pub fn health_routes() -> axum::Router<App> {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "status": "alive" })),
    )
        .into_response()
}

async fn readyz(State(app): State<App>) -> Response {
    let (status, body) = if app.ops.shutdown.is_begun() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "status": "shutting_down",
                "reason": "the storefront is shutting down: send new requests to another instance",
            }),
        )
    } else {
        match outbox_state(&app).await {
            Err(e) => {
                tracing::warn!(target: "storage", error = %e, "readiness check: the database did not answer");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({
                        "status": "database_unreachable",
                        "reason": format!("the database did not answer a read: {e}; check that it runs and that --database-url is right"),
                    }),
                )
            }
            Ok((backlog, age)) if age > app.ops.outbox_max_age => (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({
                    "status": "outbox_stuck",
                    "reason": format!(
                        "the oldest undelivered outbox event is {} s old (limit {} s): check the e-mail, SMS and webhook settings and the log lines of target `messages`",
                        age.as_secs(),
                        app.ops.outbox_max_age.as_secs()
                    ),
                    "outbox_backlog": backlog,
                    "outbox_oldest_age_seconds": age.as_secs(),
                }),
            ),
            Ok((backlog, age)) => (
                StatusCode::OK,
                serde_json::json!({
                    "status": "ready",
                    "database": "ok",
                    "migrations": "applied",
                    "outbox_backlog": backlog,
                    "outbox_oldest_age_seconds": age.as_secs(),
                }),
            ),
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The metrics address's routes: `GET /metrics` (Prometheus text format; 404 when metrics are
/// off), and `/healthz` and `/readyz` as on the shop's address.
pub fn metrics_router(app: App) -> axum::Router {
    axum::Router::new()
        .route("/metrics", get(metrics_page))
        .merge(health_routes())
        .with_state(app)
}

async fn metrics_page(State(app): State<App>) -> Response {
    let Some(m) = &app.ops.metrics else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: start the storefront with --metrics-bind ADDRESS\n",
        )
            .into_response();
    };
    // The outbox's gauges, read at each scrape.
    if let Ok((backlog, age)) = outbox_state(&app).await {
        let backlog = u32::try_from(backlog).map_or(f64::MAX, f64::from);
        metrics::gauge!("tijara_outbox_backlog").set(backlog);
        metrics::gauge!("tijara_outbox_oldest_age_seconds").set(age.as_secs_f64());
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m.render(),
    )
        .into_response()
}

/// Waits for the background `tasks` to end after a shutdown began, each up to `deadline`
/// (they stop between two rounds), then waits for the writes queued in the storage: an empty
/// commit returns once every commit queued before it is written (the SQLite writer commits
/// in order).
pub async fn drain(app: &App, tasks: Vec<tokio::task::JoinHandle<()>>, deadline: Duration) {
    for task in tasks {
        let abort = task.abort_handle();
        if tokio::time::timeout(deadline, task).await.is_err() {
            tracing::warn!("a background task did not stop in time: stopped");
            abort.abort();
        }
    }
    let flush = app
        .engine
        .storage()
        .commit(tijara::ports::storage::Changeset::default());
    match tokio::time::timeout(deadline, flush).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(target: "storage", error = %e, "the last writes could not be confirmed at shutdown")
        }
        Err(_) => {
            tracing::warn!(target: "storage", "the database did not confirm the last writes in time")
        }
    }
}
