//! The legal pages a Moroccan shop shows (see `shared/domain/MOROCCO.md` §5): who sells (the
//! marketplace operator and each artisan's legal identity), the terms of sale (prices TTC in
//! MAD, delivery costs before payment, payment methods, delivery), the right of withdrawal
//! (law 31-08; the region's `withdrawal_days`) and the privacy notice (law 09-08, the CNDP
//! declaration).
//!
//! The operator's identity comes from the environment (`TIJARA_OPERATOR_NAME`,
//! `TIJARA_OPERATOR_ADDRESS`, `TIJARA_OPERATOR_ICE`, `TIJARA_OPERATOR_RC`,
//! `TIJARA_OPERATOR_EMAIL`, `TIJARA_OPERATOR_PHONE`, `TIJARA_CNDP_DECLARATION`); any one left
//! unset shows a demonstration value, and the pages then say so in a visible notice.

use super::*;
use tijara_core::catalog::{Seller, SellerKind};

use super::seo::LEGAL_PAGES as PAGES;

/// The marketplace operator, as the legal pages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    /// Company name.
    pub(crate) name: String,
    /// Postal address.
    pub(crate) address: String,
    /// ICE (15 digits).
    pub(crate) ice: String,
    /// Trade register number and court.
    pub(crate) rc: String,
    /// Contact e-mail.
    pub(crate) email: String,
    /// Contact phone.
    pub(crate) phone: String,
    /// The CNDP declaration's number (law 09-08).
    pub(crate) cndp: String,
    /// True when any value is a demonstration value (its variable is unset).
    pub(crate) demo: bool,
}

impl Operator {
    /// The operator from `var` (the environment in the shop), each unset or blank value
    /// replaced by a clearly marked demonstration value.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Operator {
        let mut demo = false;
        let mut get = |name: &str, fallback: &str| match var(name).filter(|v| !v.trim().is_empty())
        {
            Some(v) => v.trim().to_owned(),
            None => {
                demo = true;
                fallback.to_owned()
            }
        };
        let name = get("TIJARA_OPERATOR_NAME", "Tijara Dakhla SARL (démo / demo)");
        let address = get(
            "TIJARA_OPERATOR_ADDRESS",
            "Avenue Mohammed V, 73000 Dakhla, Maroc (démo / demo)",
        );
        let ice = get("TIJARA_OPERATOR_ICE", "000000000000000 (démo / demo)");
        let rc = get("TIJARA_OPERATOR_RC", "Dakhla 0000 (démo / demo)");
        let email = get("TIJARA_OPERATOR_EMAIL", "contact@tijara.example");
        let phone = get("TIJARA_OPERATOR_PHONE", "+212 528 00 00 00");
        let cndp = get("TIJARA_CNDP_DECLARATION", "D-000/2026 (démo / demo)");
        Operator {
            name,
            address,
            ice,
            rc,
            email,
            phone,
            cndp,
            demo,
        }
    }

    /// The operator the environment names.
    pub(crate) fn from_env() -> Operator {
        Operator::from_vars(|n| std::env::var(n).ok())
    }
}

/// Whether the legal pages show demonstration details for the operator: a `TIJARA_OPERATOR_*`
/// variable (or `TIJARA_CNDP_DECLARATION`) is unset. A production start warns about it, and
/// the admin's dashboard lists it among what to do before opening.
pub fn operator_is_demo() -> bool {
    Operator::from_env().demo
}

/// The seller's kind in words.
fn kind_word(lang: Lang, kind: &SellerKind) -> &'static str {
    match kind {
        SellerKind::Artisan => t(lang, "legal_kind_artisan"),
        SellerKind::Cooperative => t(lang, "legal_kind_cooperative"),
        _ => t(lang, "legal_kind_gie"),
    }
}

/// The demonstration notice, when the operator's identity is not configured.
fn demo_notice(lang: Lang, op: &Operator) -> Markup {
    html! { @if op.demo { p.box.error role="note" { (t(lang, "legal_demo")) } } }
}

/// The contact line every legal page ends with, and links to the other legal pages.
fn contact(lang: Lang, op: &Operator, here: &str) -> Markup {
    html! {
        p { (t(lang, "legal_write_to")) " " a href={ "mailto:" (op.email) } { bdi { (op.email) } } " · " bdi dir="ltr" { (op.phone) } }
        nav aria-label=(t(lang, "legal_all_pages")) {
            ul { @for (path, key) in PAGES { @if path != here { li { a href=(path) { (t(lang, key)) } } } } }
        }
    }
}

/// A legal page, with its meta (canonical, alternates, description).
fn legal_page(app: &App, ctx: &Ctx, path: &str, title_key: &str, body: Markup) -> Response {
    let lang = ctx.lang;
    let title = t(lang, title_key);
    let meta = super::seo::Meta::page(app, path).describe(t(lang, "seo_legal_desc"));
    let body = html! { article.legal { h1 { (title) } (body) } };
    with_lang_cookie(lang, layout_meta(ctx, title, &meta, body))
}

/// One line of an identity (label, then value), shown only when the value exists.
fn row(lang: Lang, key: &str, value: Option<&str>) -> Markup {
    html! { @if let Some(v) = value.filter(|v| !v.trim().is_empty()) { p { strong { (t(lang, key)) } br; bdi.name { (v) } } } }
}

/// Every seller, page by page (the legal notice names them all).
async fn all_sellers(app: &App) -> Result<Vec<Seller>, TijaraError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .engine
            .catalog()
            .list_sellers(after.as_deref(), 200)
            .await?;
        out.extend(page.items.into_iter().filter(|s| s.active));
        match page.next {
            Some(n) if out.len() < 10_000 => after = Some(n),
            _ => return Ok(out),
        }
    }
}

/// `/legal/notice`: the operator's identity and contact, and each artisan's legal identity.
async fn notice(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let op = Operator::from_env();
    let sellers = match all_sellers(&app).await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        (demo_notice(lang, &op))
        p { (t(lang, "legal_marketplace")) }
        h2 { (t(lang, "legal_operator")) }
        div.box {
            (row(lang, "legal_name", Some(&op.name)))
            (row(lang, "legal_address", Some(&op.address)))
            (row(lang, "legal_ice", Some(&op.ice)))
            (row(lang, "legal_rc", Some(&op.rc)))
            p { strong { (t(lang, "legal_email")) } br; a href={ "mailto:" (op.email) } { bdi { (op.email) } } }
            p { strong { (t(lang, "legal_phone")) } br; bdi dir="ltr" { (op.phone) } }
            (row(lang, "legal_cndp", Some(&op.cndp)))
        }
        h2 { (t(lang, "legal_sellers")) }
        ul {
            @for s in &sellers {
                li {
                    strong { (s.name) } " — " (kind_word(lang, &s.kind)) ", " (s.home_city)
                    @if s.legal.ice.is_none() && s.legal.rc.is_none() && s.legal.if_number.is_none() {
                        br; span.small { (t(lang, "legal_no_ids")) }
                    } @else {
                        @for (key, v) in [("legal_ice", &s.legal.ice), ("legal_rc", &s.legal.rc), ("legal_if", &s.legal.if_number)] {
                            @if let Some(v) = v { br; span.small { (t(lang, key)) (pick(lang, " : ", ": ", ": ")) bdi.name { (v) } } }
                        }
                    }
                }
            }
        }
        (contact(lang, &op, "/legal/notice"))
    };
    legal_page(&app, &ctx, "/legal/notice", "legal_notice", body)
}

/// A text with `{days}` (the region's withdrawal days) and `{hours}` filled in.
fn fill(app: &App, text: &str) -> String {
    let region = app.engine.region();
    text.replace("{days}", &region.withdrawal_days.to_string())
        .replace("{hours}", &region.transfer_hold_hours.to_string())
}

/// `/legal/terms`: the terms of sale.
async fn terms(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let op = Operator::from_env();
    let body = html! {
        p { (t(lang, "legal_terms_law")) }
        p { (t(lang, "legal_marketplace")) " " a href="/legal/notice" { (t(lang, "legal_notice")) } }
        h2 { (t(lang, "legal_prices")) }
        p { (t(lang, "legal_prices_text")) }
        h2 { (t(lang, "legal_delivery_costs")) }
        p { (t(lang, "legal_delivery_costs_text")) }
        h2 { (t(lang, "legal_payment")) }
        ul {
            li { (t(lang, "legal_payment_card")) }
            li { (t(lang, "legal_payment_cod")) }
            li { (fill(&app, t(lang, "legal_payment_transfer"))) }
        }
        h2 { (t(lang, "legal_delivery")) }
        p { (t(lang, "legal_delivery_text")) }
        p { (t(lang, "legal_confirmation")) }
        h2 { (t(lang, "legal_withdrawal")) }
        p { (fill(&app, t(lang, "legal_withdrawal_short"))) " " a href="/legal/withdrawal" { (t(lang, "legal_withdrawal")) } }
        (contact(lang, &op, "/legal/terms"))
    };
    legal_page(&app, &ctx, "/legal/terms", "legal_terms", body)
}

/// `/legal/withdrawal`: the right of withdrawal (law 31-08) and how to use it.
async fn withdrawal(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let op = Operator::from_env();
    let body = html! {
        p { (fill(&app, t(lang, "legal_withdrawal_text"))) }
        p { (t(lang, "legal_return_costs")) }
        p { (t(lang, "legal_refund")) }
        p { (t(lang, "legal_exception")) }
        h2 { (t(lang, "legal_how")) }
        p { (t(lang, "legal_how_text")) }
        p { a.button href="/account" { (t(lang, "legal_my_orders")) } }
        (contact(lang, &op, "/legal/withdrawal"))
    };
    legal_page(&app, &ctx, "/legal/withdrawal", "legal_withdrawal", body)
}

/// `/legal/privacy`: the privacy notice (law 09-08, the CNDP declaration).
async fn privacy(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let op = Operator::from_env();
    let body = html! {
        (demo_notice(lang, &op))
        p { (t(lang, "legal_privacy_law")) }
        h2 { (t(lang, "legal_controller")) }
        div.box {
            (row(lang, "legal_name", Some(&op.name)))
            (row(lang, "legal_address", Some(&op.address)))
            (row(lang, "legal_cndp", Some(&op.cndp)))
        }
        h2 { (t(lang, "legal_data_what")) }
        p { (t(lang, "legal_data_what_text")) }
        h2 { (t(lang, "legal_data_why")) }
        p { (t(lang, "legal_data_why_text")) }
        h2 { (t(lang, "legal_data_who")) }
        p { (t(lang, "legal_data_who_text")) }
        h2 { (t(lang, "legal_data_keep")) }
        p { (t(lang, "legal_data_keep_text")) }
        h2 { (t(lang, "legal_cookies")) }
        p { (t(lang, "legal_cookies_text")) }
        h2 { (t(lang, "legal_rights")) }
        p { (t(lang, "legal_rights_text")) }
        (contact(lang, &op, "/legal/privacy"))
    };
    legal_page(&app, &ctx, "/legal/privacy", "legal_privacy", body)
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/legal/notice", get(notice))
        .route("/legal/terms", get(terms))
        .route("/legal/withdrawal", get(withdrawal))
        .route("/legal/privacy", get(privacy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfigured_operator_is_marked_as_demonstration() {
        let op = Operator::from_vars(|_| None);
        assert!(op.demo);
        assert!(op.name.contains("demo") && op.ice.contains("demo"));
    }

    #[test]
    fn a_configured_operator_shows_its_own_values_and_no_notice() {
        let op = Operator::from_vars(|n| Some(format!(" value of {n} ")));
        assert!(!op.demo);
        assert_eq!(op.ice, "value of TIJARA_OPERATOR_ICE");
        assert_eq!(op.cndp, "value of TIJARA_CNDP_DECLARATION");
        let half = Operator::from_vars(|n| (n != "TIJARA_CNDP_DECLARATION").then(|| "x".into()));
        assert!(half.demo, "one missing value is enough for the notice");
    }

    #[test]
    fn every_legal_word_exists_in_three_languages() {
        for (_, key) in PAGES {
            for lang in [Lang::AR, Lang::FR, Lang::EN] {
                assert!(!t(lang, key).is_empty(), "{key} in {lang}");
            }
        }
    }
}
