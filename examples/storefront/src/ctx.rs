//! The visitor of a page: language, indicative currency, form token and account, worked out
//! once per request from what [`crate::auth::guard`] found.

use crate::App;
use crate::cookies::cookie;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use maud::{Markup, html};
use std::collections::HashMap;
use tijara::usecases::accounts::{Account, Role, Session};
use tijara_core::{Lang, Region};

/// The guest's CSRF token, as the guard found or made it.
#[derive(Debug, Clone)]
pub(crate) struct GuestCsrf(pub(crate) String);

/// The live session, as the guard found it.
#[derive(Debug, Clone)]
pub(crate) struct LiveSession(
    pub(crate) Option<(Session, Account)>,
    pub(crate) Option<String>,
);

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
        let lang = page_lang(
            app.engine.region(),
            &parts.headers,
            &q,
            session.as_ref().map(|(_, a)| a),
        );
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
        Lang::EN if !first.ends_with("-ma") => Some(Currency::USD),
        Lang::FR if first.starts_with("fr-") && !first.ends_with("-ma") => Some(Currency::EUR),
        _ => None,
    }
}

/// The language of a page, for a visitor logged in as `account` (or a guest):
///
/// 1. `?lang=` in the address: this page in that language (a shared link, a search engine's
///    alternate), whoever asks;
/// 2. the language the person chose for the account ([`Account::lang_chosen_at`] set by the
///    header's switch, on any device): it follows them everywhere;
/// 3. the `lang` cookie: a choice made on this device (the switch, a `?lang=` link);
/// 4. the account's language (the one it was created in: the seeded or sign-up language);
/// 5. the browser's `Accept-Language` (a guess: a headless browser says `en-US` whatever
///    it is told), else Arabic.
///
/// Nothing but a choice is ever stored: a guess (4, 5) never becomes the cookie.
pub fn page_lang(
    region: &Region,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    account: Option<&Account>,
) -> Lang {
    let supported = |code: &str| supported_lang(region, code);
    if let Some(l) = q.get("lang").and_then(|l| supported(l)) {
        return l;
    }
    if let Some(a) = account
        && a.lang_chosen_at.is_some()
    {
        return a.lang;
    }
    cookie(headers, "lang")
        .and_then(|l| supported(&l))
        .or_else(|| account.map(|a| a.lang))
        .or_else(|| browser_lang(region, headers))
        .unwrap_or(Lang::AR)
}

/// The page language for a guest: `?lang=`, else the `lang` cookie, else the browser's first
/// of ar, fr, en and the region's languages, else Arabic ([`page_lang`] without an account).
pub fn lang_of(region: &Region, headers: &HeaderMap, q: &HashMap<String, String>) -> Lang {
    page_lang(region, headers, q, None)
}

/// The language of a code if the shop speaks it: Arabic, French, English (the interface's
/// words), or one of the region's languages (`zgh` asked, `zgh-Tfng` spoken).
pub(crate) fn supported_lang(region: &Region, code: &str) -> Option<Lang> {
    let lang = Lang::from_code(code).ok()?;
    if matches!(lang, Lang::AR | Lang::FR | Lang::EN) {
        return Some(lang);
    }
    region.speaks(Some(lang))
}

/// The first of ar, fr, en and the region's languages in the browser's `Accept-Language`
/// (listed in preference order).
fn browser_lang(region: &Region, headers: &HeaderMap) -> Option<Lang> {
    let accept = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    accept.split(',').find_map(|item| {
        let tag = item.split(';').next()?.trim();
        supported_lang(region, tag)
    })
}
