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
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::HashMap;
use subtle::ConstantTimeEq;

use crate::cookies::exact_cookie;
pub use crate::cookies::{
    CSRF_COOKIE, SESSION_COOKIE, cookie, cookie_named, set_cookie, shop_cookie,
};
pub use crate::ctx::{Ctx, display_currency, lang_of};
use crate::ctx::{GuestCsrf, LiveSession};

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
        &crate::cookies::cookie_name(&app, SESSION_COOKIE),
    );
    let live = match &token {
        // A failed look-up (an outage) is a 503 page, not a logged-out visitor.
        Some(t) => match app.engine.sessions().session(t).await {
            Ok(live) => live,
            Err(e) => {
                let ctx = Ctx {
                    lang: lang_of(app.engine.region(), req.headers(), &HashMap::new()),
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
        &crate::cookies::cookie_name(&app, CSRF_COOKIE),
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
            let lang = lang_of(app.engine.region(), req.headers(), &HashMap::new());
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
    // A `?lang=` link shows the page in that language and remembers it on this device (the
    // cookie); it never changes an account's preference: a GET has no effect beyond the
    // browser that asked (search engines and prefetchers follow links). The header's switch
    // saves the preference with a form post ([`switch_language`]).
    let chosen_lang = chosen_lang(&app, req.uri().query());
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
    if let Some(lang) = chosen_lang
        && let Some(v) = set_cookie(&app, LANG_COOKIE, lang.code(), 31_536_000)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The language cookie: the visitor's last choice, on this device.
pub const LANG_COOKIE: &str = "lang";

/// The language asked for by a `?lang=` link, if the shop speaks it.
fn chosen_lang(app: &App, query: Option<&str>) -> Option<tijara_core::Lang> {
    let q: HashMap<String, String> = serde_urlencoded::from_str(query?).ok()?;
    crate::ctx::supported_lang(app.engine.region(), q.get("lang")?)
}

/// The language switch's route: `POST /lang`.
pub fn routes() -> axum::Router<App> {
    axum::Router::new().route("/lang", axum::routing::post(switch_language))
}

/// The header's language switch (a form per page: the language's button, the page to return
/// to, the form token).
#[derive(Debug, serde::Deserialize)]
struct LangForm {
    lang: Option<String>,
    #[serde(default)]
    back: String,
}

/// Where the switch sends the visitor back: the page they were on (a path of this shop, its
/// query kept but for `lang`), else the home page.
fn back_to(back: &str) -> String {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains(['\\', '\r', '\n'])
        && back != "/lang"
        && !back.starts_with("/lang?");
    if !local {
        return "/".to_owned();
    }
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{path}?{q}")
    }
}

/// `POST /lang`: the visitor chose a language in the header. It is remembered on this device
/// (the cookie) and, when logged in, saved as the account's preference, which then follows
/// the person to every device ([`crate::ctx::page_lang`]); then back to the page. A language
/// the shop does not speak is refused (400, nothing saved); a preference that cannot be saved
/// (storage down) is said, nothing changed.
async fn switch_language(
    State(app): State<App>,
    ctx: Ctx,
    axum::extract::Form(f): axum::extract::Form<LangForm>,
) -> Response {
    let Some(lang) = f
        .lang
        .as_deref()
        .and_then(|l| crate::ctx::supported_lang(app.engine.region(), l))
    else {
        return crate::web::problem(
            &ctx,
            StatusCode::BAD_REQUEST,
            crate::web::t(ctx.lang, "lang_unknown"),
        );
    };
    if let Some(account) = &ctx.account
        && let Err(e) = app.engine.accounts().set_language(&account.id, lang).await
    {
        return crate::web::refusal(&ctx, &e);
    }
    let mut res = axum::response::Redirect::to(&back_to(&f.back)).into_response();
    if let Some(v) = set_cookie(&app, LANG_COOKIE, lang.code(), 31_536_000) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};
    use tijara_core::{Lang, Region};

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

    /// Dakhla plus Tamazight in Tifinagh (falling back to Arabic) and Hassaniya.
    fn region_with_zgh_and_mey() -> (Region, Lang, Lang) {
        let zgh = Lang::parse("zgh-Tfng").expect("tag");
        let mey = Lang::parse("mey").expect("tag");
        let mut region = Region::dakhla();
        region.languages.extend([zgh, mey]);
        let mut info = tijara_core::LanguageInfo::builtin(zgh).into_owned();
        info.fallbacks = vec![Lang::AR, Lang::FR];
        region.language_info.push(info);
        (region, zgh, mey)
    }

    #[test]
    fn the_regions_languages_are_served() {
        let (region, zgh, mey) = region_with_zgh_and_mey();
        let q = |l: &str| HashMap::from([("lang".to_owned(), l.to_owned())]);
        let none = HeaderMap::new();
        assert_eq!(
            lang_of(&region, &none, &q("zgh")),
            zgh,
            "zgh asked, zgh-Tfng spoken"
        );
        assert_eq!(lang_of(&region, &none, &q("zgh-Tfng")), zgh);
        assert_eq!(lang_of(&region, &none, &q("mey")), mey);
        assert_eq!(lang_of(&region, &none, &q("fr-MA")), Lang::FR);
        assert_eq!(lang_of(&region, &none, &q("de")), Lang::AR, "not spoken");
        assert_eq!(lang_of(&Region::dakhla(), &none, &q("zgh")), Lang::AR);
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE, zgh-Tfng-MA;q=0.9, fr;q=0.8"),
        );
        assert_eq!(lang_of(&region, &h, &HashMap::new()), zgh);
        assert_eq!(lang_of(&Region::dakhla(), &h, &HashMap::new()), Lang::FR);
        // The interface's words in the fallback, the page's direction its own.
        crate::web::learn_languages(&region);
        assert_eq!(crate::web::t(zgh, "cart"), crate::web::t(Lang::AR, "cart"));
        assert_eq!(crate::web::t(mey, "cart"), crate::web::t(Lang::AR, "cart"));
        assert_eq!(crate::web::t(Lang::FR, "cart"), "Panier");
        assert_eq!(crate::web::page_dir(zgh), "ltr");
        assert_eq!(crate::web::page_dir(mey), "rtl");
        assert_eq!(crate::web::page_dir(Lang::AR), "rtl");
        let page = crate::web::layout_plain(zgh, "x", maud::html! {}).into_string();
        assert!(
            page.contains(r#"<html lang="zgh-Tfng" dir="ltr">"#),
            "{page}"
        );
        assert!(page.contains(r#"href="?lang=mey""#), "{page}");
    }

    #[test]
    fn the_way_back_is_a_page_of_this_shop_without_lang() {
        assert_eq!(back_to("/seller?lang=ar&tab=ready"), "/seller?tab=ready");
        assert_eq!(back_to("/orders/o1?t=abc"), "/orders/o1?t=abc");
        assert_eq!(back_to("/?lang=fr"), "/");
        assert_eq!(back_to("/language-notes"), "/language-notes");
        for bad in [
            "https://x.example",
            "//x.example",
            "/\\x.example",
            "",
            "/lang",
            "/lang?back=/x",
            "/a\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(back_to(bad), "/", "{bad}");
        }
    }

    #[test]
    fn exempt_paths_are_only_cmis() {
        assert!(exempt("/cmi/callback"));
        assert!(!exempt("/cart/add"));
        assert!(!exempt("/account/login"));
    }
}
