//! Response hardening shared by every route, the client's address, and the login and
//! password-hashing steps both frontends (pages and JSON API) use.
//!
//! - **Headers** (tower-http): `Content-Security-Policy` (no scripts, styles only from the shop's
//!   own style sheet, images from the shop and `data:`, forms to the shop and the card
//!   payment page, no framing), `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: same-origin`, and over HTTPS `Strict-Transport-Security` (one year);
//!   `Cache-Control: no-store` on the account, portal, admin and logged-in API answers
//!   ([`no_store`]), on carts, checkout, orders and CMI returns (pages and API), and on every
//!   answer but images to a request carrying a session cookie or a bearer token.
//! - **Cookies** over HTTPS are rewritten `Secure` and `__Host-`-prefixed, whoever set them;
//!   the session, CSRF and cart cookies are then read under the prefixed name only.
//! - **The client's address** ([`ClientIp`]) is worked out once per request: the TCP peer's,
//!   or, from a trusted proxy ([`ProxyNet`], `--trusted-proxy`), the rightmost untrusted
//!   `X-Forwarded-For` (else `Forwarded: for=`) entry. The login and sign-up throttles, the
//!   unpaid-order limit and the security log all use it.
//! - **Logging**: every 401 and 403 is logged on the `security` target with its route and the
//!   client's address (failed logins and throttling are logged by the engine).

use crate::App;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::time::Duration;
use tijara::TijaraError;
use tijara::usecases::accounts::{Account, HashPermit, hash_password};
use tower_http::set_header::SetResponseHeaderLayer;

mod client_ip;

pub use crate::cookies::{HOST_PREFIX, cookie_name, https};
pub use client_ip::{BadProxyNet, ClientIp, ProxyNet, default_trusted_proxies};

/// How long a login waits for a free password-hashing slot before answering 429.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// A password-hashing slot, waiting up to [`HASH_WAIT`] for one (refusals are logged).
async fn hash_slot(app: &App) -> Result<HashPermit, TijaraError> {
    let deadline = tokio::time::Instant::now() + HASH_WAIT;
    loop {
        match app.engine.accounts().hash_permit() {
            Err(TijaraError::Busy { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => {
                tracing::warn!(
                    target: "security",
                    event = "hashing_busy",
                    slots = app.engine.accounts().hash_gate().max(),
                    "password hashing at capacity: attempt refused"
                );
                return Err(e);
            }
            ok => return ok,
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads that hash passwords: always the same few, so the memory Argon2 takes (19 MiB a
/// hash) is reused by the allocator instead of being kept by every blocking thread that ever
/// ran a hash (tokio's blocking pool grows to hundreds of threads, each with its own arena).
struct HashThreads(std::sync::Mutex<std::sync::mpsc::Sender<Job>>);

static HASH_THREADS: std::sync::OnceLock<HashThreads> = std::sync::OnceLock::new();

/// Runs a CPU-heavy password job on the hashing threads (as many as the engine's slots).
async fn on_hash_thread<T: Send + 'static>(
    app: &App,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TijaraError> {
    let threads = HASH_THREADS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..app.engine.accounts().hash_gate().max() {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A job that panics drops its answer (the caller gets `Busy`);
                            // the thread stays for the next one.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                });
        }
        HashThreads(std::sync::Mutex::new(tx))
    });
    let (done, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(job());
    });
    let sent = threads
        .0
        .lock()
        .map_err(|_| TijaraError::Busy {
            retry_after_secs: 1,
        })?
        .send(job);
    if sent.is_err() {
        return Err(TijaraError::Busy {
            retry_after_secs: 1,
        });
    }
    answer.await.map_err(|_| TijaraError::Busy {
        retry_after_secs: 1,
    })
}

/// A login: reserves the attempt in the engine's throttles, waits up to [`HASH_WAIT`] for a
/// password-hashing slot, checks the password on a hashing thread, and records the outcome.
/// Errors: [`TijaraError::BadCredentials`], [`TijaraError::LoginThrottled`],
/// [`TijaraError::Busy`].
pub async fn login(
    app: &App,
    email: &str,
    password: String,
    client: ClientIp,
) -> Result<Account, TijaraError> {
    let attempt = app
        .engine
        .sessions()
        .begin_login(email, client.text().as_deref())
        .await?;
    // Reserved first, then queued for a hashing slot: attempts sent together are counted
    // before any of them is checked. An attempt that gets no slot is given back: a busy
    // server does not count as a wrong password.
    let slot = match hash_slot(app).await {
        Ok(slot) => slot,
        Err(e) => {
            if let Err(release) = app.engine.sessions().release_login(attempt).await {
                tracing::warn!(target: "security", error = %release, "a busy login attempt could not be given back");
            }
            return Err(e);
        }
    };
    let (attempt, ok) = on_hash_thread(app, move || {
        let ok = attempt.check_password(&slot, &password);
        drop(slot);
        (attempt, ok)
    })
    .await?;
    app.engine.sessions().finish_login(attempt, ok).await
}

/// Hashes a new password in one of the engine's bounded slots (waiting briefly for one), on a
/// hashing thread.
pub async fn hash_new_password(app: &App, password: String) -> Result<String, TijaraError> {
    let permit = hash_slot(app).await?;
    on_hash_thread(app, move || {
        let hashed = hash_password(&password);
        drop(permit);
        hashed
    })
    .await?
}

/// The seconds a throttled or busy refusal asks the client to wait.
pub fn retry_after(e: &TijaraError) -> Option<u64> {
    match e {
        TijaraError::LoginThrottled { retry_after_secs }
        | TijaraError::Busy { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    }
}

/// Adds `Retry-After` to a response when the error calls for one.
pub fn with_retry_after(mut res: Response, e: &TijaraError) -> Response {
    if let Some(secs) = retry_after(e) {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// Standard base64 with padding, by the `base64` crate.
#[cfg(test)]
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The Content-Security-Policy of every answer: no script at all, styles and fonts only from the
/// shop's own content-named files (`/assets/…`, no inline style), images from the shop (and `data:`), forms posted to the shop and to the card
/// payment page only, never framed.
pub fn content_security_policy(app: &App) -> String {
    let payment = app
        .payment_page
        .as_deref()
        .and_then(origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'none'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'{payment}; frame-ancestors 'none'"
    )
}

/// The layer that marks answers not to be stored by any cache (unless they say otherwise,
/// as the content-addressed photos do).
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

/// Adds the security headers to every answer of `router`, rewrites cookies for HTTPS and logs
/// authorization refusals.
///
/// One middleware layer does all of it (it was one layer per header): axum clones every
/// layer of a route for each request, so each layer costs an allocation, a free and a poll per
/// request (`docs/benchmarks.md`, the HTTP checkout's instruction counts).
pub fn harden(router: axum::Router<App>, app: &App) -> axum::Router<App> {
    let csp = HeaderValue::from_str(&content_security_policy(app))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    router.layer(axum::middleware::from_fn_with_state(
        Watch {
            app: app.clone(),
            csp,
            hsts: https(app),
        },
        watch,
    ))
}

/// What [`watch`] needs: the application and the headers it adds.
#[derive(Clone)]
struct Watch {
    app: App,
    /// The Content-Security-Policy ([`content_security_policy`]).
    csp: HeaderValue,
    /// Strict-Transport-Security too (over HTTPS).
    hsts: bool,
}

/// The security headers, each unless the answer has its own: Strict-Transport-Security over
/// HTTPS, the Content-Security-Policy, X-Frame-Options, X-Content-Type-Options and
/// Referrer-Policy.
fn add_security_headers(w: &Watch, res: &mut Response) {
    let h = res.headers_mut();
    if w.hsts {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| w.csp.clone());
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
}

/// Marks a refusal already logged (the CSRF guard logs its own).
#[derive(Debug, Clone, Copy)]
pub struct Logged;

/// Logs 401 and 403 answers (but logins, which the engine logs), over HTTPS makes every
/// cookie `Secure` and `__Host-`-prefixed, and adds the security headers.
async fn watch(State(w): State<Watch>, mut req: Request, next: Next) -> Response {
    let app = &w.app;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let client = ClientIp::resolve(peer, req.headers(), &app.trusted_proxies);
    req.extensions_mut().insert(client);
    let route = req.uri().path().to_owned();
    let private = private_answer(app, &route, req.headers());
    let method = req.method().clone();
    let mut res = next.run(req).await;
    let status = res.status();
    if (status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN)
        && res.extensions().get::<Logged>().is_none()
        && route != "/account/login"
        && route != "/api/v1/sessions"
    {
        tracing::warn!(
            target: "security",
            event = "authorization_refused",
            status = status.as_u16(),
            method = %method,
            route = %route,
            client = %client.text().unwrap_or_else(|| "unknown".into()),
            "request refused"
        );
    }
    if private {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https(app) {
        let all: Vec<HeaderValue> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        res.headers_mut().remove(header::SET_COOKIE);
        for v in all {
            let v = secure_cookie(&v).unwrap_or(v);
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    add_security_headers(&w, &mut res);
    res
}

/// The routes whose answers belong to one shopper (a cart, a checkout, an order, a card
/// payment's return), whoever asks.
const PRIVATE_ROUTES: [&str; 6] = [
    "/cart",
    "/checkout",
    "/orders/",
    "/cmi/",
    "/api/v1/orders",
    "/api/v1/carts",
];

/// True when an answer must not be stored by any cache: one of [`PRIVATE_ROUTES`], or any
/// answer but the shop's images to a request with a session (cookie or bearer token): a
/// logged-in visitor's pages carry their session's CSRF token.
fn private_answer(app: &App, route: &str, headers: &axum::http::HeaderMap) -> bool {
    if route.starts_with("/images/")
        || route.starts_with("/media/")
        || route.starts_with("/assets/")
    {
        return false;
    }
    PRIVATE_ROUTES.iter().any(|p| route.starts_with(p))
        || headers.contains_key(header::AUTHORIZATION)
        || crate::cookies::cookie_named(headers, &cookie_name(app, crate::cookies::SESSION_COOKIE))
            .is_some()
}

/// A `Set-Cookie` value made `Secure` and `__Host-`-prefixed (when it has `Path=/` and no
/// `Domain`, as the storefront's cookies do).
fn secure_cookie(v: &HeaderValue) -> Option<HeaderValue> {
    let text = v.to_str().ok()?;
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let host_ok = lower.contains("path=/;") || lower.ends_with("path=/");
    if host_ok && !lower.contains("domain=") && !text.starts_with(HOST_PREFIX) {
        out.push_str(HOST_PREFIX);
    }
    out.push_str(text);
    if !lower.split(';').any(|p| p.trim() == "secure") {
        out.push_str("; Secure");
    }
    HeaderValue::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(
            origin("https://testpayment.cmi.co.ma/fim/est3Dgate").as_deref(),
            Some("https://testpayment.cmi.co.ma")
        );
        assert_eq!(
            origin("http://127.0.0.1:4321/gate?x=1").as_deref(),
            Some("http://127.0.0.1:4321")
        );
        assert_eq!(origin("nonsense"), None);
    }

    fn resolve(peer: &str, xff: Option<&str>, fwd: Option<&str>, trusted: &[&str]) -> String {
        let mut h = axum::http::HeaderMap::new();
        if let Some(v) = xff {
            h.insert(
                "x-forwarded-for",
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        if let Some(v) = fwd {
            h.insert(
                header::FORWARDED,
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        let trusted: Vec<ProxyNet> = trusted.iter().filter_map(|t| t.parse().ok()).collect();
        ClientIp::resolve(peer.parse().ok(), &h, &trusted)
            .text()
            .unwrap_or_default()
    }

    #[test]
    fn forwarding_headers_are_trusted_only_from_trusted_proxies() {
        // Not a trusted peer: the header is ignored.
        assert_eq!(
            resolve("203.0.113.9", Some("1.2.3.4"), None, &["10.0.0.0/8"]),
            "203.0.113.9"
        );
        // A trusted peer: the rightmost untrusted entry, skipping trusted proxies.
        assert_eq!(
            resolve(
                "10.0.0.2",
                Some("6.6.6.6, 1.2.3.4, 10.0.0.7"),
                None,
                &["10.0.0.0/8"]
            ),
            "1.2.3.4"
        );
        assert_eq!(
            resolve(
                "::1",
                None,
                Some("for=\"[2001:db8::5]:4711\";proto=https"),
                &["::1"]
            ),
            "2001:db8::5"
        );
        // A trusted peer without a header, or every hop trusted: the last trusted hop.
        assert_eq!(resolve("10.0.0.2", None, None, &["10.0.0.0/8"]), "10.0.0.2");
        assert_eq!(
            resolve("10.0.0.2", Some("10.0.0.3"), None, &["10.0.0.0/8"]),
            "10.0.0.3"
        );
        assert_eq!(
            resolve("10.0.0.2", Some("1.2.3.4:99"), None, &["10.0.0.0/8"]),
            "1.2.3.4"
        );
        assert_eq!(
            resolve("::ffff:127.0.0.1", Some("1.2.3.4"), None, &["127.0.0.0/8"]),
            "1.2.3.4"
        );
        assert_eq!(
            resolve("::ffff:203.0.113.9", None, None, &[]),
            "203.0.113.9"
        );
        assert!("10.0.0.0/33".parse::<ProxyNet>().is_err());
        assert!("nonsense".parse::<ProxyNet>().is_err());
        assert!("fd00::/8".parse::<ProxyNet>().is_ok_and(|n| {
            n.contains(
                "fd12::1"
                    .parse()
                    .unwrap_or(std::net::IpAddr::from([0u8; 4])),
            )
        }));
    }

    #[test]
    fn cookies_become_secure_and_host_prefixed() {
        let v =
            HeaderValue::from_static("lang=fr; Path=/; SameSite=Lax; HttpOnly; Max-Age=31536000");
        let s = secure_cookie(&v).unwrap_or(v);
        assert_eq!(
            s.to_str().unwrap_or(""),
            "__Host-lang=fr; Path=/; SameSite=Lax; HttpOnly; Max-Age=31536000; Secure"
        );
        let v = HeaderValue::from_static("__Host-sid=x; HttpOnly; Path=/; Secure");
        assert_eq!(secure_cookie(&v).as_ref(), Some(&v));
    }
}
