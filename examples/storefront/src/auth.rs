//! Who is asking, in which language, and may they post this form.
//!
//! - **Sessions** live in the database (see `tijara::usecases::accounts`): the `sid` cookie holds
//!   a random token, the database only its SHA-256, so any process behind the database serves
//!   the session.
//! - **CSRF**: every form carries a `csrf` field. A logged-in visitor's token is their session's;
//!   a guest's is the random `csrf` cookie (double submit). [`guard`] refuses, with 403, any form
//!   post whose token does not match, before the handler runs. The CMI endpoints are exempt: CMI
//!   posts them cross-site, the callback is authenticated by its hash, and the browser returns
//!   only display a page.
//! - **Cookies** are `HttpOnly`, `SameSite=Lax`, and over HTTPS `Secure` and `__Host-`-prefixed
//!   (see [`crate::security`]); the session, CSRF and cart cookies are then read under the
//!   prefixed name only, so a cookie planted from another host is ignored.
//! - **Sessions** end after [`SESSION_DAYS`], or sooner when unused (30 minutes for staff, two
//!   hours for shoppers: `tijara::usecases::accounts::idle_limit`); a login ends the account's
//!   other sessions, a logout all of them.

use crate::App;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use maud::{Markup, html};
use std::collections::HashMap;
use subtle::ConstantTimeEq;
use tijara::usecases::accounts::{Account, Role, Session};
use tijara_core::Lang;

/// The session cookie.
pub const SESSION_COOKIE: &str = "sid";
/// The guest's anti-CSRF cookie.
pub const CSRF_COOKIE: &str = "csrf";
/// How long a login lasts.
pub const SESSION_DAYS: i64 = 7;

/// 32 random bytes, hex (from the operating system's generator).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator only fails on a broken system; a fixed token would be worse than none,
    // so the page fails instead (the caller sees an empty token and refuses it).
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    hex::encode(bytes)
}

/// A cookie's value from the request: the `__Host-` one if there is one, else the plain one.
/// For preferences only (language, currency); the session, CSRF and cart cookies are read
/// under the one name [`crate::security::cookie_name`] gives ([`shop_cookie`]).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, &format!("{}{name}", crate::security::HOST_PREFIX))
        .or_else(|| exact_cookie(headers, name))
}

/// The cookie of exactly this name (no `__Host-` fallback either way).
pub fn cookie_named(headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, name)
}

/// A cookie the shop set, under the name it has: over HTTPS only the `__Host-` one, which no
/// other host (a sibling subdomain) can set; over HTTP the plain one.
pub fn shop_cookie(app: &App, headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, &crate::security::cookie_name(app, name))
}

/// The cookie of exactly this name.
fn exact_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` header: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS; `max_age` in
/// seconds (0 deletes it).
pub fn set_cookie(app: &App, name: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let c = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.public_url.starts_with("https://"))
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&c.to_string()).ok()
}

/// The guest's CSRF token, as the guard found or made it.
#[derive(Debug, Clone)]
struct GuestCsrf(String);

/// The live session, as the guard found it.
#[derive(Debug, Clone)]
struct LiveSession(Option<(Session, Account)>, Option<String>);

fn exempt(path: &str) -> bool {
    path.starts_with("/cmi/")
}

/// Looks the session up once per request, makes sure a guest has a CSRF cookie, and refuses
/// form posts without the right token.
pub async fn guard(State(app): State<App>, mut req: Request, next: Next) -> Response {
    // Images need neither the session nor a form token: no database read for them.
    let path = req.uri().path();
    if req.method() == Method::GET && (path.starts_with("/images/") || path.starts_with("/media/"))
    {
        return next.run(req).await;
    }
    let token = exact_cookie(
        req.headers(),
        &crate::security::cookie_name(&app, SESSION_COOKIE),
    );
    let live = match &token {
        // A failed look-up (an outage) is a 503 page, not a logged-out visitor.
        Some(t) => match app.engine.sessions().session(t).await {
            Ok(live) => live,
            Err(e) => {
                let ctx = Ctx {
                    lang: lang_of(req.headers(), &HashMap::new()),
                    csrf: String::new(),
                    account: None,
                    session_token: None,
                    display: None,
                };
                return crate::web::refusal(&ctx, &e);
            }
        },
        None => None,
    };
    let (guest, fresh) = match exact_cookie(
        req.headers(),
        &crate::security::cookie_name(&app, CSRF_COOKIE),
    ) {
        Some(t) if t.len() >= 32 => (t, false),
        _ => (random_token(), true),
    };
    if req.method() == Method::POST && !exempt(req.uri().path()) {
        let expected = match &live {
            Some((s, _)) => s.csrf.clone(),
            None if !fresh => guest.clone(),
            // No cookie came with the post: nothing to compare with.
            None => String::new(),
        };
        let from_query = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<HashMap<String, String>>(q).ok())
            .and_then(|q| q.get("csrf").cloned());
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let (given, rebuilt) = if is_form && from_query.is_none() {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            };
            let given = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned());
            (given, Request::from_parts(parts, Body::from(bytes)))
        } else {
            (from_query, req)
        };
        req = rebuilt;
        let ok = !expected.is_empty()
            && given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
        if !ok {
            let lang = lang_of(req.headers(), &HashMap::new());
            let client = crate::security::ClientIp::of(req.extensions());
            tracing::warn!(
                target: "security",
                event = "csrf_refused",
                route = %req.uri().path(),
                client = %client.text().unwrap_or_else(|| "unknown".into()),
                session = live.is_some(),
                "form post refused: missing or wrong CSRF token"
            );
            let mut res = (
                StatusCode::FORBIDDEN,
                crate::web::layout_plain(
                    lang,
                    "403",
                    html! { p { (crate::web::t(lang, "csrf")) } p { a href="/" { (crate::web::t(lang, "title")) } } },
                ),
            )
                .into_response();
            res.extensions_mut().insert(crate::security::Logged);
            return res;
        }
    }
    // A currency chosen in the header's switcher is remembered.
    let chosen_currency = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<HashMap<String, String>>(q).ok())
        .and_then(|q| q.get("cur").cloned())
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| matches!(c.as_str(), "MAD" | "EUR" | "USD"));
    req.extensions_mut().insert(GuestCsrf(guest.clone()));
    req.extensions_mut().insert(LiveSession(live, token));
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if fresh
        && html
        && let Some(v) = set_cookie(&app, CSRF_COOKIE, &guest, 60 * 60 * 24 * 30)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Some(c) = chosen_currency
        && let Some(v) = set_cookie(&app, "cur", &c, 31_536_000)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The visitor: language, form token and account.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language of the page.
    pub lang: Lang,
    /// The token every form of the page carries.
    pub csrf: String,
    /// The logged-in account.
    pub account: Option<Account>,
    /// The session token (to log out).
    pub session_token: Option<String>,
    /// The indicative currency shown beside MAD prices, if any.
    pub display: Option<tijara_core::region::DisplayRate>,
}

impl Ctx {
    /// The hidden CSRF field of a form.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    /// The seller the visitor acts for, and the member artisan if it is a member's login.
    pub fn seller(&self) -> Option<(tijara_core::SellerId, Option<tijara_core::MemberId>)> {
        match self.account.as_ref().map(|a| &a.role) {
            Some(Role::Seller { seller_id, member }) => Some((seller_id.clone(), member.clone())),
            _ => None,
        }
    }

    /// True for an admin.
    pub fn is_admin(&self) -> bool {
        self.account.as_ref().is_some_and(Account::is_admin)
    }
}

impl FromRequestParts<App> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let q: HashMap<String, String> = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let live = parts.extensions.get::<LiveSession>().cloned();
        let (session, token) = match live {
            Some(LiveSession(s, t)) => (s, t),
            None => (None, None),
        };
        let guest = parts
            .extensions
            .get::<GuestCsrf>()
            .map(|g| g.0.clone())
            .unwrap_or_default();
        let mut lang = lang_of(&parts.headers, &q);
        if let Some((_, a)) = &session
            && !q.contains_key("lang")
            && cookie(&parts.headers, "lang").is_none()
        {
            lang = a.lang;
        }
        let display = display_currency(&parts.headers, &q, lang).and_then(|c| {
            app.engine
                .display_rates()
                .iter()
                .find(|r| r.to == c)
                .copied()
        });
        Ok(Ctx {
            display,
            lang,
            csrf: session
                .as_ref()
                .map(|(s, _)| s.csrf.clone())
                .unwrap_or(guest),
            account: session.map(|(_, a)| a),
            session_token: token,
        })
    }
}

/// The indicative currency: `?cur=` (EUR, USD, or MAD for none), else the `cur` cookie, else
/// USD for an English browser and EUR for a French one outside Morocco; none in Arabic.
pub fn display_currency(
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    lang: Lang,
) -> Option<tijara_core::Currency> {
    use tijara_core::Currency;
    let chosen = q
        .get("cur")
        .cloned()
        .or_else(|| cookie(headers, "cur"))
        .map(|c| c.to_ascii_uppercase());
    match chosen.as_deref() {
        Some("EUR") => return Some(Currency::EUR),
        Some("USD") => return Some(Currency::USD),
        Some("MAD") => return None,
        _ => {}
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    match lang {
        Lang::En if !first.ends_with("-ma") => Some(Currency::USD),
        Lang::Fr if first.starts_with("fr-") && !first.ends_with("-ma") => Some(Currency::EUR),
        _ => None,
    }
}

/// The page language: `?lang=`, else the `lang` cookie, else the browser's first of ar, fr, en,
/// else Arabic.
pub fn lang_of(headers: &HeaderMap, q: &HashMap<String, String>) -> Lang {
    let supported = |l: &Lang| matches!(l, Lang::Ar | Lang::Fr | Lang::En);
    q.get("lang")
        .and_then(|l| Lang::from_code(l).ok())
        .filter(supported)
        .or_else(|| {
            cookie(headers, "lang")
                .and_then(|l| Lang::from_code(&l).ok())
                .filter(supported)
        })
        .or_else(|| browser_lang(headers))
        .unwrap_or(Lang::Ar)
}

/// The first of ar, fr, en in the browser's `Accept-Language` (listed in preference order).
fn browser_lang(headers: &HeaderMap) -> Option<Lang> {
    let accept = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    accept.split(',').find_map(|item| {
        let tag = item.split(';').next()?.trim();
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        Lang::from_code(&primary)
            .ok()
            .filter(|l| matches!(l, Lang::Ar | Lang::Fr | Lang::En))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn cookies_are_read_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; sid=xyz"));
        h.append(header::COOKIE, HeaderValue::from_static("csrf=abc"));
        assert_eq!(cookie(&h, "sid").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "csrf").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "lang"), None);
    }

    #[test]
    fn exempt_paths_are_only_cmis() {
        assert!(exempt("/cmi/callback"));
        assert!(!exempt("/cart/add"));
        assert!(!exempt("/account/login"));
    }
}
