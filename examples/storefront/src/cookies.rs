//! The shop's cookies: their names (`__Host-`-prefixed over HTTPS), reading and setting them.

use crate::App;
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// The session cookie.
pub const SESSION_COOKIE: &str = "sid";
/// The guest's anti-CSRF cookie.
pub const CSRF_COOKIE: &str = "csrf";

/// The cookie-name prefix browsers keep to the exact host, over HTTPS, with `Path=/`.
pub const HOST_PREFIX: &str = "__Host-";

/// True when the shop is served over HTTPS (cookies are then `Secure` and `__Host-`).
pub fn https(app: &App) -> bool {
    app.public_url.starts_with("https://")
}

/// The name a cookie is stored under: `__Host-{name}` over HTTPS.
pub fn cookie_name(app: &App, name: &str) -> String {
    if https(app) {
        format!("{HOST_PREFIX}{name}")
    } else {
        name.to_owned()
    }
}

/// A cookie's value from the request: the `__Host-` one if there is one, else the plain one.
/// For preferences only (language, currency); the session, CSRF and cart cookies are read
/// under the one name [`cookie_name`] gives ([`shop_cookie`]).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, &format!("{}{name}", HOST_PREFIX)).or_else(|| exact_cookie(headers, name))
}

/// The cookie of exactly this name (no `__Host-` fallback either way).
pub fn cookie_named(headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, name)
}

/// A cookie the shop set, under the name it has: over HTTPS only the `__Host-` one, which no
/// other host (a sibling subdomain) can set; over HTTP the plain one.
pub fn shop_cookie(app: &App, headers: &HeaderMap, name: &str) -> Option<String> {
    exact_cookie(headers, &cookie_name(app, name))
}

/// The cookie of exactly this name.
pub(crate) fn exact_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
