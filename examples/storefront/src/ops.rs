//! Running the storefront in production: request ids and request logs, Prometheus metrics,
//! health checks and graceful shutdown (see `docs/operations.md`, sections "Logs",
//! "Metrics", "Health checks" and "Shutdown and restarts").
//!
//! - **Requests** ([`observe`], on every route): each request gets an id (the client's
//!   `X-Request-Id` when it is short and plain, else a new one), returned in `X-Request-Id` and
//!   carried by the `request` span that every log line of the request, the engine's included,
//!   is written in. A 5xx answer is logged at `warn` (target `http`), every answer at `debug`
//!   (no line per request at the default `info`). With metrics on, each answer counts in
//!   `tijara_http_requests_total` (route, method, status) and `tijara_http_request_seconds` (a
//!   histogram by route and method), through handles registered once per route, method and
//!   status: a request allocates no label and looks up no metric by name.
//! - **Metrics** ([`Metrics`]): the Prometheus text format of the `metrics` facade's global
//!   recorder, installed by [`Metrics::install`] (once per process), and the storage's gauges
//!   read at each scrape (outbox backlog and age, connections, the writer's queue), served by
//!   [`metrics_router`] on an address of its own (`--metrics-bind`), never on the shop's.
//! - **Health** ([`health_routes`]): `GET /healthz` answers 200 while the process serves;
//!   `GET /readyz` answers 200 only when the database answers in time, holds exactly the
//!   migrations this build embeds (neither behind nor ahead), the oldest undelivered outbox
//!   event is younger than [`Ops::outbox_max_age`], and no shutdown has begun; else 503 with a
//!   JSON reason.
//! - **Shutdown** ([`Shutdown`], [`signal`]): SIGTERM or SIGINT turns `/readyz` to 503, stops
//!   accepting connections, lets requests in flight finish (up to a deadline), stops the
//!   background tasks between two rounds and waits for the database's queued writes.

use crate::App;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tijara::ports::storage::{OutboxBacklog, PoolStatus, SchemaStatus};
use tracing::Instrument;

/// The header carrying the request id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// [`REQUEST_ID`] as a header name (parsed once).
const REQUEST_ID_NAME: HeaderName = HeaderName::from_static(REQUEST_ID);

/// The binary's default log filter (when neither `--log` nor `RUST_LOG` says otherwise): info
/// for Tijara and its log targets, warnings for the rest.
pub const DEFAULT_LOG: &str = "warn,tijara=info,tijara_storefront=info,tijara_store_sqlx=info,\
    tijara_store_sqlite=info,security=info,storage=info,payments=info,gateway=info,\
    carrier=info,messages=info,webhooks=info,http=info";

/// Installs the binary's log subscriber, process-wide: lines filtered by `filter`, written to
/// standard error, as text or (`json`) one JSON object per line with the current span (the
/// `request` span: id, method, route) under `span`. In JSON, span fields are written by
/// [`JsonSpanFields`]. Does nothing when a subscriber is installed already.
pub fn install_logs(filter: tracing_subscriber::EnvFilter, json: bool) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(JsonSpanFields)
            .try_init()
    } else {
        logs.try_init()
    };
}

/// The fields of a span as one JSON object, written straight into the span's text (what the
/// JSON log format keeps for each span and copies into each line's `span`): the same object as
/// `tracing-subscriber`'s `JsonFields`, without building a map of values and serializing it
/// again, which was most of what a request span cost with JSON logs on.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonSpanFields;

impl<'w> tracing_subscriber::fmt::FormatFields<'w> for JsonSpanFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: tracing_subscriber::fmt::format::Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        let mut object = JsonObject::new(&mut writer, true);
        fields.record(&mut object);
        object.finish()
    }

    fn add_fields(
        &self,
        current: &'w mut tracing_subscriber::fmt::FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> std::fmt::Result {
        // "{…}": reopened and continued; empty or "{}": written anew.
        let continued = current.fields.len() > 2 && current.fields.ends_with('}');
        if continued {
            current.fields.pop();
        } else {
            current.fields.clear();
        }
        let mut writer = current.as_writer();
        let mut object = JsonObject::new(&mut writer, !continued);
        fields.record(&mut object);
        object.finish()
    }
}

/// A JSON object written field by field (see [`JsonSpanFields`]).
struct JsonObject<'a, W: std::fmt::Write> {
    out: &'a mut W,
    first: bool,
    result: std::fmt::Result,
}

impl<'a, W: std::fmt::Write> JsonObject<'a, W> {
    /// An object whose `{` is to be written (`open`) or was written with fields already.
    fn new(out: &'a mut W, open: bool) -> Self {
        let result = if open { out.write_char('{') } else { Ok(()) };
        JsonObject {
            out,
            first: open,
            result,
        }
    }

    /// Writes the separator and `"name":`.
    fn key(&mut self, name: &str) -> std::fmt::Result {
        if !self.first {
            self.out.write_char(',')?;
        }
        self.first = false;
        json_string(self.out, name)?;
        self.out.write_char(':')
    }

    fn value(&mut self, name: &str, write: impl FnOnce(&mut W) -> std::fmt::Result) {
        if self.result.is_ok() {
            self.result = self.key(name).and_then(|()| write(self.out));
        }
    }

    fn finish(self) -> std::fmt::Result {
        self.result?;
        self.out.write_char('}')
    }
}

impl<W: std::fmt::Write> tracing::field::Visit for JsonObject<'_, W> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.value(field.name(), |out| json_string(out, value));
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.value(field.name(), |out| write!(out, "{value}"));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.value(field.name(), |out| write!(out, "{value}"));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.value(field.name(), |out| write!(out, "{value}"));
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if value.is_finite() {
            self.value(field.name(), |out| write!(out, "{value}"));
        } else {
            self.value(field.name(), |out| json_string(out, &value.to_string()));
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.value(field.name(), |out| {
            out.write_char('"')?;
            write!(JsonEscaped(&mut *out), "{value:?}")?;
            out.write_char('"')
        });
    }
}

/// Writes `s` as a JSON string.
fn json_string(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    out.write_char('"')?;
    JsonEscaped(&mut *out).write_str(s)?;
    out.write_char('"')
}

/// Escapes what is written through it for the inside of a JSON string.
struct JsonEscaped<'a, W: std::fmt::Write>(&'a mut W);

impl<W: std::fmt::Write> std::fmt::Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let mut plain = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{b:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = i + 1;
        }
        self.0.write_str(&s[plain..])
    }
}

/// How long `/readyz` waits for the database before answering 503.
pub const READY_DB_TIMEOUT: Duration = Duration::from_secs(2);

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

/// The Prometheus recorder of this process (the `metrics` facade's global recorder) and the
/// handles of the HTTP series.
#[derive(Clone)]
pub struct Metrics {
    handle: metrics_exporter_prometheus::PrometheusHandle,
    http: Arc<HttpSeries>,
}

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
                Some(Metrics {
                    handle,
                    http: Arc::new(HttpSeries::default()),
                })
            })
            .clone()
    }

    /// The metrics in the Prometheus text format (the recorder's series; [`metrics_router`]
    /// adds the storage's gauges).
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

/// The `method` label: the standard methods by name, any other as `OTHER` (a client cannot
/// add series by inventing methods).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The HTTP series' handles, registered with the recorder once per route, method and status
/// (the routes are the router's, plus `unmatched`; the statuses a route answers are few), so
/// a request only finds its handles: no label is allocated and no metric key is hashed.
#[derive(Default)]
struct HttpSeries {
    routes: RwLock<HashMap<Box<str>, Vec<MethodSeries>>>,
}

/// One route and method's handles.
struct MethodSeries {
    method: &'static str,
    latency: metrics::Histogram,
    by_status: Vec<(u16, metrics::Counter)>,
}

impl HttpSeries {
    /// Counts one answer and its latency.
    fn record(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        if let Ok(routes) = self.routes.read()
            && let Some(series) = routes
                .get(route)
                .and_then(|methods| methods.iter().find(|m| m.method == method))
            && let Some((_, counter)) = series.by_status.iter().find(|(s, _)| *s == status)
        {
            counter.increment(1);
            series.latency.record(seconds);
            return;
        }
        self.register(route, method, status, seconds);
    }

    /// [`HttpSeries::record`] for a route, method and status seen for the first time.
    #[cold]
    fn register(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.write() else {
            return;
        };
        let methods = routes.entry(route.into()).or_default();
        let at = match methods.iter().position(|m| m.method == method) {
            Some(at) => at,
            None => {
                methods.push(MethodSeries {
                    method,
                    latency: metrics::histogram!(
                        "tijara_http_request_seconds",
                        "route" => route.to_owned(),
                        "method" => method
                    ),
                    by_status: Vec::new(),
                });
                methods.len() - 1
            }
        };
        let series = &mut methods[at];
        let counter = match series.by_status.iter().find(|(s, _)| *s == status) {
            Some((_, counter)) => counter.clone(),
            None => {
                let counter = metrics::counter!(
                    "tijara_http_requests_total",
                    "route" => route.to_owned(),
                    "method" => method,
                    "status" => status.to_string()
                );
                series.by_status.push((status, counter.clone()));
                counter
            }
        };
        counter.increment(1);
        series.latency.record(seconds);
    }
}

/// The help texts of the series.
fn describe() {
    use metrics::{Unit, describe_counter, describe_histogram};
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
    describe_counter!(
        "tijara_outbox_delivery_failures_total",
        "Outbox deliveries (webhooks, e-mails, SMS) that failed and wait for a retry"
    );
    describe_histogram!(
        "tijara_storage_commit_seconds",
        Unit::Seconds,
        "Storage commit latency (one transaction), by backend (sqlite, sqlx-sqlite, postgres)"
    );
    describe_histogram!(
        "tijara_storage_commit_batch_size",
        "Changesets per committed transaction (SQLite's group commit; 1 on PostgreSQL), by backend"
    );
    describe_counter!(
        "tijara_storage_one_statement_fallbacks_total",
        "PostgreSQL: changesets whose one statement fell short (a conflict, a key taken, stock short, a replay) and were applied again in a transaction"
    );
}

/// A request id: the client's when it is 1–64 characters of letters, digits, `-`, `_`, `.`;
/// else this process's prefix (8 random hex digits) and a counter in hex.
fn request_id(req: &Request) -> HeaderValue {
    if let Some(v) = req.headers().get(&REQUEST_ID_NAME)
        && (1..=64).contains(&v.len())
        && v.as_bytes()
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return v.clone();
    }
    static PREFIX: OnceLock<[u8; 8]> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        let mut out = [0u8; 8];
        out.copy_from_slice(hex::encode(b).as_bytes());
        out
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    // "<prefix>-<n in hex>", written in place: at most 8 + 1 + 16 bytes.
    let mut buf = [0u8; 25];
    buf[..8].copy_from_slice(prefix);
    buf[8] = b'-';
    let digits = (16 - n.leading_zeros() as usize / 4).max(1);
    for (i, slot) in buf[9..9 + digits].iter_mut().enumerate() {
        let nibble = (n >> (4 * (digits - 1 - i))) & 0xf;
        *slot = b"0123456789abcdef"[nibble as usize];
    }
    HeaderValue::from_bytes(&buf[..9 + digits]).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// The middleware of every route: request id, `request` span, request log and HTTP metrics
/// (see the module). What it costs per request, off and on, is counted by
/// `benches/benches/ops_overhead.rs` (see `docs/benchmarks.md`).
pub async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route_label = route.as_ref().map_or("unmatched", |p| p.as_str());
    let method = method_label(req.method());
    // Built only when the filter lets it through (else `Span::none()`, nothing formatted).
    let span = tracing::info_span!(
        "request",
        id = id.to_str().unwrap_or("-"),
        method,
        route = route_label,
    );
    let mut res = next.run(req).instrument(span.clone()).await;
    res.headers_mut().insert(REQUEST_ID_NAME, id);
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(m) = &app.ops.metrics {
        m.http.record(route_label, method, status, seconds);
    }
    if status >= 500 {
        span.in_scope(|| {
            tracing::warn!(target: "http", status, duration_ms = seconds * 1000.0, "request failed");
        });
    } else if tracing::enabled!(target: "http", tracing::Level::DEBUG) {
        span.in_scope(|| {
            tracing::debug!(target: "http", status, duration_ms = seconds * 1000.0, "request");
        });
    }
    res
}

/// What `/readyz` and `/metrics` read from the database, within [`READY_DB_TIMEOUT`].
async fn with_timeout<T>(
    read: impl std::future::Future<Output = Result<T, tijara::ports::storage::StorageError>>,
) -> Result<T, String> {
    match tokio::time::timeout(READY_DB_TIMEOUT, read).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", READY_DB_TIMEOUT.as_secs())),
    }
}

/// The outbox's backlog: every undelivered event counted (see
/// `Storage::outbox_backlog`), and the oldest's time.
async fn outbox_state(app: &App) -> Result<OutboxBacklog, String> {
    with_timeout(app.engine.storage().outbox_backlog()).await
}

/// The migrations of the database against this build's.
async fn schema_state(app: &App) -> Result<Option<SchemaStatus>, String> {
    with_timeout(app.engine.storage().schema_status()).await
}

/// Why a schema that is not current keeps the process out of service: `(status, reason)`.
fn schema_problem(s: &SchemaStatus) -> (&'static str, String) {
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let (missing, unknown) = (s.missing(), s.unknown());
    if !unknown.is_empty() {
        (
            "database_ahead",
            format!(
                "the database holds migrations this version does not know ({}): a newer version migrated it; replace this process with that version",
                list(&unknown)
            ),
        )
    } else if !missing.is_empty() {
        (
            "database_behind",
            format!(
                "the database lacks migrations of this version ({}): restart the storefront to apply them (it migrates at start), or check that --database-url names the right database",
                list(&missing)
            ),
        )
    } else if !s.unfinished.is_empty() {
        (
            "migration_unfinished",
            format!(
                "migrations {} were started and never finished: restore a backup of the database taken before them",
                list(&s.unfinished)
            ),
        )
    } else {
        (
            "migration_modified",
            format!(
                "migrations {} were applied from other files than this version's: the database was migrated by a modified build; restore a backup or use that build",
                list(&s.modified)
            ),
        )
    }
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
        match tokio::join!(outbox_state(&app), schema_state(&app)) {
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(target: "storage", error = %e, "readiness check: the database did not answer");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({
                        "status": "database_unreachable",
                        "reason": format!("the database did not answer a read: {e}; check that it runs and that --database-url is right"),
                    }),
                )
            }
            (Ok(_), Ok(Some(schema))) if !schema.is_current() => {
                let (status, reason) = schema_problem(&schema);
                tracing::warn!(target: "storage", status, reason = %reason, "readiness check: the database's migrations are not this version's");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({
                        "status": status,
                        "reason": reason,
                        "missing_migrations": schema.missing(),
                        "unknown_migrations": schema.unknown(),
                        "unfinished_migrations": schema.unfinished,
                        "modified_migrations": schema.modified,
                    }),
                )
            }
            (Ok(backlog), Ok(schema)) => {
                let age = backlog.oldest_age(app.engine.now());
                let migrations = if schema.is_some() { "applied" } else { "none" };
                if age > app.ops.outbox_max_age {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        serde_json::json!({
                            "status": "outbox_stuck",
                            "reason": format!(
                                "the oldest undelivered outbox event is {} s old (limit {} s): check the e-mail, SMS and webhook settings and the log lines of target `messages`",
                                age.as_secs(),
                                app.ops.outbox_max_age.as_secs()
                            ),
                            "outbox_backlog": backlog.pending,
                            "outbox_oldest_age_seconds": age.as_secs(),
                        }),
                    )
                } else {
                    (
                        StatusCode::OK,
                        serde_json::json!({
                            "status": "ready",
                            "database": "ok",
                            "migrations": migrations,
                            "outbox_backlog": backlog.pending,
                            "outbox_oldest_age_seconds": age.as_secs(),
                        }),
                    )
                }
            }
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
    let mut text = m.render();
    let backlog = outbox_state(&app).await;
    storage_gauges(
        &mut text,
        backlog.as_ref().ok(),
        app.engine.now(),
        app.engine.storage().pool_status(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Appends one gauge in the Prometheus text format.
fn gauge(out: &mut String, name: &str, help: &str, samples: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// The storage's gauges, read at each scrape from this storefront's storage (not kept in the
/// process-wide recorder): `tijara_database_up`, the outbox's backlog and age (when the
/// database answered) and the connections (when the storage has a pool).
fn storage_gauges(
    out: &mut String,
    backlog: Option<&OutboxBacklog>,
    now: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
    pool: Option<PoolStatus>,
) {
    let up = if backlog.is_some() { 1.0 } else { 0.0 };
    gauge(
        out,
        "tijara_database_up",
        "1 when the database answered this scrape's read in time, else 0",
        &[("", up)],
    );
    if let Some(b) = backlog {
        #[allow(clippy::cast_precision_loss)] // a gauge: exact to 2^53 events
        let pending = b.pending as f64;
        gauge(
            out,
            "tijara_outbox_backlog",
            "Outbox events not yet delivered (every one counted; at least this many when tijara_outbox_backlog_saturated is 1)",
            &[("", pending)],
        );
        gauge(
            out,
            "tijara_outbox_backlog_saturated",
            "1 when the storage stopped counting the backlog at its cap",
            &[("", if b.saturated { 1.0 } else { 0.0 })],
        );
        gauge(
            out,
            "tijara_outbox_oldest_age_seconds",
            "Age of the oldest undelivered outbox event (0 when none)",
            &[("", b.oldest_age(now).as_secs_f64())],
        );
    }
    if let Some(p) = pool {
        gauge(
            out,
            "tijara_db_pool_connections",
            "Database connections, by state (idle, busy); SQLite: the reader connections",
            &[
                ("{state=\"idle\"}", f64::from(p.idle)),
                ("{state=\"busy\"}", f64::from(p.busy)),
            ],
        );
        gauge(
            out,
            "tijara_db_pool_max_connections",
            "The most connections the pool opens",
            &[("", f64::from(p.max))],
        );
        if let Some(queued) = p.write_queue {
            gauge(
                out,
                "tijara_db_write_queue",
                "Changesets queued for the SQLite writer and not started yet",
                &[("", f64::from(queued))],
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The log lines written, in memory.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn span_fields_are_one_json_object_with_every_value_escaped() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(JsonSpanFields)
            .with_writer(lines.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let odd = "quote \" backslash \\ newline \n tab \t bell \u{7} عربي";
            let span = tracing::info_span!(
                "request",
                id = "ab-1",
                route = odd,
                n = 42_u64,
                neg = -7_i64,
                ok = true,
                ratio = 0.5_f64,
                nan = f64::NAN,
                debug = ?Some("x\"y"),
                later = tracing::field::Empty,
            );
            span.record("later", "recorded");
            span.in_scope(|| tracing::info!(status = 200_u16, "inside"));
        });
        let text = String::from_utf8(lines.0.lock().map(|l| l.clone()).unwrap_or_default())
            .unwrap_or_default();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!("not one JSON line ({e}): {text}");
        });
        let span = &line["span"];
        assert_eq!(span["name"], "request", "{line}");
        assert_eq!(span["id"], "ab-1");
        assert_eq!(
            span["route"],
            "quote \" backslash \\ newline \n tab \t bell \u{7} عربي"
        );
        assert_eq!(span["n"], 42);
        assert_eq!(span["neg"], -7);
        assert_eq!(span["ok"], true);
        assert_eq!(span["ratio"], 0.5);
        assert_eq!(span["nan"], "NaN");
        assert_eq!(span["debug"], "Some(\"x\\\"y\")");
        assert_eq!(span["later"], "recorded");
        assert!(line.get("spans").is_none(), "no span list: {line}");
        assert_eq!(line["fields"]["status"], 200);
    }

    #[test]
    fn request_ids_are_the_prefix_and_a_counter_in_hex() {
        let req = Request::builder()
            .uri("/")
            .body(axum::body::Body::empty())
            .unwrap_or_default();
        let a = request_id(&req);
        let b = request_id(&req);
        let (a, b) = (a.to_str().unwrap_or(""), b.to_str().unwrap_or(""));
        let (pa, na) = a.split_once('-').unwrap_or_default();
        let (pb, nb) = b.split_once('-').unwrap_or_default();
        assert_eq!(pa.len(), 8, "{a}");
        assert_eq!(pa, pb);
        let (na, nb) = (
            u64::from_str_radix(na, 16).unwrap_or(0),
            u64::from_str_radix(nb, 16).unwrap_or(0),
        );
        assert!(na > 0 && nb > na, "{a} {b}");
    }
}
