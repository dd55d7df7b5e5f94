//! The artisans' and cooperatives' shops: who makes what the marketplace sells, where, and
//! their work — the marketplace's purpose is to make the region's crafts known.

use super::*;
use tijara_core::catalog::{Seller, SellerKind};

/// A seller's kind in the shopper's words.
fn kind_word(lang: Lang, kind: SellerKind) -> &'static str {
    match kind {
        SellerKind::Cooperative => t(lang, "kind_coop"),
        SellerKind::Gie => t(lang, "kind_gie"),
        _ => t(lang, "kind_artisan"),
    }
}

/// A drawn portrait for a seller: one figure for an artisan, a group for a cooperative or GIE.
fn avatar(kind: SellerKind) -> Markup {
    let people = if kind.has_members() {
        r##"<circle cx="22" cy="26" r="6" fill="#8c3520"/><path d="M12 46c0-7 5-11 10-11s10 4 10 11z" fill="#8c3520"/><circle cx="50" cy="26" r="6" fill="#1b4168"/><path d="M40 46c0-7 5-11 10-11s10 4 10 11z" fill="#1b4168"/><circle cx="36" cy="22" r="7" fill="#a8442a"/><path d="M24 48c0-8 6-13 12-13s12 5 12 13z" fill="#a8442a"/>"##
    } else {
        r##"<circle cx="36" cy="23" r="8" fill="#a8442a"/><path d="M22 50c0-9 6-15 14-15s14 6 14 15z" fill="#a8442a"/><path d="M28 21c2-7 14-7 16 0-5-2-11-2-16 0z" fill="#1b4168"/>"##
    };
    maud::PreEscaped(format!(
        r##"<svg class="avatar" viewBox="0 0 72 72" role="img" aria-hidden="true"><circle cx="36" cy="36" r="36" fill="#f8e6df"/><path d="M0 52c12-5 24-5 36 0s24 5 36 0v20H0z" fill="#e2c28f"/>{people}</svg>"##
    ))
}

/// A chat bubble, for the WhatsApp link.
fn wa_icon() -> Markup {
    maud::PreEscaped(r##"<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M4 20l1.3-3.9A8 8 0 1 1 8 19z"/></svg>"##.into())
}

/// The WhatsApp link of a seller who opted in (opens a chat; no number is shown otherwise).
fn whatsapp(lang: Lang, s: &Seller) -> Markup {
    html! {
        @if let Some(link) = s.whatsapp_link() {
            p { a.wa href=(link) rel="noopener" title=(s.whatsapp.as_deref().unwrap_or("")) { (wa_icon()) (t(lang, "whatsapp")) } }
        }
    }
}

/// The seller's card on a product page: portrait, name, kind and city, story, who made the
/// piece (`maker`), a link to their shop and their WhatsApp if they opted in.
pub(super) fn artisan_card(lang: Lang, s: &Seller, maker: Option<&str>) -> Markup {
    html! {
        aside.artisan {
            (avatar(s.kind))
            div {
                h2 { a href={ "/artisans/" (s.id) } { (s.name) } }
                p.muted { (kind_word(lang, s.kind)) " · " (s.home_city) }
                @if let Some(m) = maker { p { (t(lang, "made_by")) " " strong { (m) } } }
                @if let Some(story) = s.story.get(lang, Lang::AR) { p { (story) } }
                (whatsapp(lang, s))
                p { a href={ "/artisans/" (s.id) } { (t(lang, "visit_shop")) } }
            }
        }
    }
}

/// `GET /artisans`: every active seller, with their kind, city and story.
async fn index(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let sellers = match app.engine.catalog().list_sellers(None, 100).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        (super::shop::crumbs(lang, &[(t(lang, "artisans"), None)]))
        h1 { (t(lang, "artisans")) }
        p { (t(lang, "artisans_intro")) }
        @for s in sellers.iter().filter(|s| s.active) {
            aside.artisan {
                (avatar(s.kind))
                div {
                    h2 { a href={ "/artisans/" (s.id) } { (s.name) } }
                    p.muted { (kind_word(lang, s.kind)) " · " (s.home_city) }
                    @if let Some(story) = s.story.get(lang, Lang::AR) { p { (story) } }
                    p { a href={ "/artisans/" (s.id) } { (t(lang, "visit_shop")) } }
                }
            }
        }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "artisans"), body))
}

/// The 404 of a seller's shop: not (or no longer) on the market; see the others.
fn artisan_gone(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    error_page(
        ctx,
        StatusCode::NOT_FOUND,
        html! { p { (t(lang, "artisan_gone")) " " a href="/artisans" { (t(lang, "artisans")) } } },
    )
}

/// Products per page of a seller's shop.
const SHOP_PER_PAGE: u32 = 24;

/// `GET /artisans/{id}?page=n`: a seller's shop — story, city, members, and their products
/// by numbered pages (a page past the last lists none and links back to the pages).
async fn shop(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let Ok(id) = SellerId::new(id) else {
        return artisan_gone(&ctx);
    };
    let seller = match found(app.engine.catalog().seller(&id).await) {
        Ok(Some(s)) if s.active => s,
        Ok(_) => return artisan_gone(&ctx),
        Err(e) => return refusal(&ctx, &e),
    };
    let mut filter = ProductFilter::default();
    filter.seller = Some(seller.id.clone());
    let page_no: u32 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let (products, page, pages) = match app
        .engine
        .catalog()
        .list_products_numbered(&filter, page_no, SHOP_PER_PAGE)
        .await
    {
        Ok(p) => (p.items, p.page, p.pages),
        Err(e) => return refusal(&ctx, &e),
    };
    let base = format!("/artisans/{}?", seller.id);
    if products.is_empty() && page > pages {
        // Past the last page (an old link): the last page.
        return Redirect::to(&format!("{base}page={pages}")).into_response();
    }
    let members: Vec<_> = seller.members.iter().filter(|m| m.active).collect();
    let body = html! {
        (super::shop::crumbs(lang, &[(t(lang, "artisans"), Some("/artisans".to_owned())), (seller.name.as_str(), None)]))
        div.artisan-head {
            (avatar(seller.kind))
            div {
                h1 { (seller.name) }
                p.muted { (kind_word(lang, seller.kind)) " · " (t(lang, "based_in")) " " (seller.home_city) }
            }
        }
        @if let Some(story) = seller.story.get(lang, Lang::AR) { p.story { (story) } }
        (whatsapp(lang, &seller))
        @if !members.is_empty() {
            h2 { (t(lang, "members")) }
            ul.members { @for m in &members { li.badge { (m.name) } } }
        }
        h2 { (t(lang, "their_products")) }
        @if products.is_empty() {
            div.empty {
                p { (t(lang, "no_products_yet")) }
                div.actions { a.button.primary href="/artisans" { (t(lang, "artisans")) } }
            }
        } @else {
            div.grid { @for v in &products { (super::shop::card(&ctx, v)) } }
            (super::shop::pagination(lang, &base, page, pages))
        }
    };
    with_lang_cookie(lang, layout(&ctx, &seller.name, body))
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/artisans", get(index))
        .route("/artisans/{id}", get(shop))
}
