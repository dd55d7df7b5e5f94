//! The shop window: the home page with its categories, search and numbered pages, product
//! pages, the demo images.

use super::*;

/// Products on one page of the shop window.
const PER_PAGE: u32 = 24;

/// The address of a product's first photo on the shop (its thumbnail when `thumb`), else its
/// drawn illustration.
pub(crate) fn product_image(p: &tijara_core::catalog::Product, thumb: bool) -> String {
    match p.photos.iter().find(|ph| is_local_media_path(&ph.url)) {
        Some(photo) if thumb => crate::media::thumb_url(&photo.url),
        Some(photo) => photo.url.clone(),
        None => format!("/images/{}.svg", p.slug),
    }
}

/// A product in a grid: its picture, its name (two lines at most), its price with tax, who made
/// it and where, and how long it takes when it is made to order.
pub(crate) fn card(ctx: &Ctx, v: &ProductView) -> Markup {
    let lang = ctx.lang;
    let p = &v.product;
    let title = p.title.get(lang, Lang::AR).unwrap_or("");
    let first = v.variants.first();
    html! {
        article.card {
            a href={ "/products/" (p.slug) } {
                img src=(product_image(p, true)) alt=(title) width="300" height="300" loading="lazy";
                div.body {
                    span.name { (title) }
                    @if let Some(var) = first { p.price { (price(ctx, &var.variant.price)) } }
                    p.who { (v.seller_name) " · " (v.seller_city) }
                    @if let Some(var) = first {
                        @match &var.availability {
                            Availability::MadeToOrder { lead_days } => { p.lead { (made_in(lang, *lead_days)) } }
                            Availability::OutOfStock => { p.lead { (t(lang, "out")) } }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

/// Breadcrumbs: home, then each (label, address); the last one is the page itself.
pub(crate) fn crumbs(lang: Lang, trail: &[(&str, Option<String>)]) -> Markup {
    html! {
        nav.crumbs aria-label=(t(lang, "crumbs")) {
            ol {
                li { a href="/" { (t(lang, "home")) } }
                @for (label, href) in trail {
                    li { @match href { Some(h) => a href=(h) { (label) }, None => span aria-current="page" { (label) } } }
                }
            }
        }
    }
}

/// Numbered page links (1 … n) for a listing at `base` (which ends with `?` or `&`).
pub(crate) fn pagination(lang: Lang, base: &str, page: u32, pages: u32) -> Markup {
    if pages <= 1 {
        return html! {};
    }
    // First, last, and two either side of the current page; gaps shown as an ellipsis.
    let shown: Vec<u32> = (1..=pages)
        .filter(|n| *n == 1 || *n == pages || n.abs_diff(page) <= 2)
        .collect();
    html! {
        nav.pages aria-label=(t(lang, "page")) {
            @if page > 1 { a href={ (base) "page=" (page - 1) } rel="prev" aria-label=(t(lang, "prev")) { (if page_dir(lang) == "rtl" { "→" } else { "←" }) } }
            @for (i, n) in shown.iter().enumerate() {
                @if i > 0 && shown[i - 1] + 1 != *n { span aria-hidden="true" { "…" } }
                @if *n == page { span aria-current="page" { (n) } }
                @else { a href={ (base) "page=" (n) } aria-label={ (t(lang, "page")) " " (n) } { (n) } }
            }
            @if page < pages { a href={ (base) "page=" (page + 1) } rel="next" aria-label=(t(lang, "next")) { (if page_dir(lang) == "rtl" { "←" } else { "→" }) } }
        }
    }
}

async fn home(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let mut filter = ProductFilter::default();
    filter.category = q
        .get("category")
        .and_then(|c| CategoryId::new(c.clone()).ok());
    filter.text = q.get("q").cloned().filter(|s| !s.trim().is_empty());
    if filter.text.is_some() && !q.contains_key("after") {
        return super::search::page(&app, &ctx, &q).await;
    }
    let page_no: u32 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    // Numbered pages; an older `?after=` address (a cursor) still lists from there.
    let listing = match q.get("after") {
        Some(after) => app
            .engine
            .catalog()
            .list_products(&filter, Some(after), PER_PAGE)
            .await
            .map(|p| (p.items, 1, 1, None)),
        None => app
            .engine
            .catalog()
            .list_products_numbered(&filter, page_no, PER_PAGE)
            .await
            .map(|p| (p.items, p.page, p.pages, Some(p.total))),
    };
    let cats = match app.engine.catalog().categories().await {
        Ok(cats) => cats,
        Err(e) => return refusal(&ctx, &e),
    };
    // A failure is its own page (503 for an outage), never a shop window with an error in it.
    let (items, page, pages, total) = match listing {
        Ok(l) => l,
        Err(e) => return refusal(&ctx, &e),
    };
    let current = filter
        .category
        .as_ref()
        .and_then(|id| cats.iter().find(|c| &c.id == id));
    let cat_name = current.map(|c| c.name.get(lang, Lang::AR).unwrap_or("").to_owned());
    let mut base = String::from("/?");
    if let Some(c) = &filter.category {
        base.push_str(&format!("category={c}&"));
    }
    if let Some(text) = &filter.text {
        let enc: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        base.push_str(&format!("q={enc}&"));
    }
    let front = filter.category.is_none() && filter.text.is_none() && page == 1;
    let heading = match (&cat_name, &filter.text) {
        (_, Some(text)) => format!("{} « {text} »", t(lang, "results_for")),
        (Some(name), None) => name.clone(),
        (None, None) => t(lang, "products").to_owned(),
    };
    let body = html! {
        @if front {
            section.hero {
                h1 { (t(lang, "hero_title")) }
                p { (t(lang, "hero_text")) }
                p { a href="/sell" { (t(lang, "sell")) } }
            }
        }
        @if let Some(name) = &cat_name { (crumbs(lang, &[(name.as_str(), None)])) }
        nav.chips aria-label=(t(lang, "categories")) {
            a.chip href="/" aria-current=[current.is_none().then_some("true")] { (t(lang, "all")) }
            @for c in &cats {
                a.chip href={ "/?category=" (c.id) } aria-current=[(current.map(|x| &x.id) == Some(&c.id)).then_some("true")] { (c.name.get(lang, Lang::AR).unwrap_or("")) }
            }
            a.chip href="/artisans" { (t(lang, "artisans")) }
        }
        div.section-head {
            @if front { h2 { (heading) } } @else { h1 { (heading) } }
            @if let Some(n) = total { span.muted { "(" bdi { (n) } ")" } }
        }
        @if items.is_empty() {
            div.empty {
                // A shop with nothing on sale yet says so, rather than "nothing matches".
                p { (t(lang, if front { "no_products_yet" } else { "no_results" })) }
                // On the front page "see all" would lead back to itself.
                @if !front { div.actions { a.button.primary href="/" { (t(lang, "see_all")) } } }
            }
        } @else {
            div.grid { @for v in &items { (card(&ctx, v)) } }
        }
        (pagination(lang, &base, page, pages))
    };
    let title = if front {
        t(lang, "title").to_owned()
    } else {
        heading
    };
    let meta = super::seo::home_meta(&app, lang, &q);
    with_lang_cookie(lang, layout_meta(&ctx, &title, &meta, body))
}

/// The name of a product's row of thumbnails.
fn photos_label(lang: Lang) -> &'static str {
    pick(lang, "Photos du produit", "صور المنتج", "Product photos")
}

/// A thumbnail's link: "Photo n of total".
fn photo_label(lang: Lang, n: usize, total: usize) -> String {
    pick(
        lang,
        "Photo {n} sur {total}",
        "الصورة {n} من {total}",
        "Photo {n} of {total}",
    )
    .replace("{n}", &n.to_string())
    .replace("{total}", &total.to_string())
}

/// The product page's 404: the product is not (or no longer) for sale; search, or go home.
pub(crate) fn product_gone(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    error_page_titled(
        ctx,
        StatusCode::NOT_FOUND,
        t(lang, "product_gone"),
        html! { p { (t(lang, "not_found_text")) } },
    )
}

async fn product_page(State(app): State<App>, ctx: Ctx, Path(slug): Path<String>) -> Response {
    let lang = ctx.lang;
    // One storage read: the product, its stock, its seller and its category.
    let page = match app.engine.catalog().product_page(&slug).await {
        Ok(page) => page,
        // Only a product that does not exist is a 404 (caches keep those); an outage is a 503.
        Err(TijaraError::NotFound { .. }) => return product_gone(&ctx),
        Err(e) => return refusal(&ctx, &e),
    };
    let v = &page.view;
    let p = &v.product;
    let title = p.title.get(lang, Lang::AR).unwrap_or("").to_owned();
    let seller = &page.seller;
    let cat = page.category.as_ref();
    let cat_name = cat.map(|c| c.name.get(lang, Lang::AR).unwrap_or("").to_owned());
    let photos: Vec<&str> = p
        .photos
        .iter()
        .filter(|ph| is_local_media_path(&ph.url))
        .map(|ph| ph.url.as_str())
        .collect();
    let main_image = product_image(p, false);
    // An exempt artisan's price carries no TVA: say so rather than "TVA incluse".
    let exempt = matches!(
        seller.tax_status,
        tijara_core::catalog::SellerTaxStatus::Exempt { .. }
    );
    let maker = p
        .made_by
        .as_ref()
        .and_then(|m| seller.members.iter().find(|x| &x.id == m));
    let mut trail: Vec<(&str, Option<String>)> = Vec::new();
    if let (Some(name), Some(c)) = (&cat_name, cat) {
        trail.push((name.as_str(), Some(format!("/?category={}", c.id))));
    }
    trail.push((title.as_str(), None));
    let body = html! {
        (crumbs(lang, &trail))
        div.product {
            div.gallery {
                @if photos.len() > 1 {
                    // Without JavaScript: each thumbnail links to its photo (`#photo-N`), which
                    // the style sheet shows in place of the first while it is the `:target`.
                    div.photos {
                        @for (i, ph) in photos.iter().enumerate() {
                            img id={ "photo-" (i + 1) } src=(ph) alt={ (title) @if i > 0 { " (" (i + 1) ")" } } width="400" height="300" loading=[(i > 0).then_some("lazy")];
                        }
                    }
                    nav.more aria-label=(photos_label(lang)) {
                        @for (i, ph) in photos.iter().enumerate() {
                            a href={ "#photo-" (i + 1) } aria-label=(photo_label(lang, i + 1, photos.len())) {
                                img src=(crate::media::thumb_url(ph)) alt="" width="80" height="80" loading="lazy";
                            }
                        }
                    }
                } @else {
                    img src=(main_image) alt=(title) width="400" height="300";
                }
            }
            h1 { (title) }
            div.buy {
                @for var in &v.variants {
                    form method="post" action="/cart/add" {
                        (ctx.csrf_field())
                        input type="hidden" name="variant" value=(var.variant.id);
                        @if v.variants.len() > 1 {
                            p { strong { @for (k, val) in &var.variant.options { (k) " " (val) " " } } }
                        }
                        p.price { (price(&ctx, &var.variant.price)) }
                        p.tax { (if exempt { t(lang, "tva_none") } else { t(lang, "tva_incl") }) }
                        (availability_line(lang, &var.availability))
                        @if var.availability.can_order(1) {
                            div.qty-row {
                                label { (t(lang, "quantity")) input type="number" name="quantity" value="1" min="1" max=(max_quantity(&var.availability)) inputmode="numeric"; }
                                button.primary type="submit" { (t(lang, "add")) }
                            }
                        } @else {
                            a.button.ghost href={ "/?category=" (p.category_id) } { (t(lang, "browse")) }
                        }
                    }
                }
                p.policy { (t(lang, "return_policy").replace("{n}", &app.engine.region().withdrawal_days.to_string())) }
            }
            p { (p.description.get(lang, Lang::AR).unwrap_or("")) }
            (super::artisans::artisan_card(lang, seller, maker.map(|m| m.name.as_str())))
        }
    };
    let meta = super::seo::product_meta(&app, lang, v, Some(seller));
    with_lang_cookie(lang, layout_meta(&ctx, &title, &meta, body))
}

async fn image(Path(file): Path<String>) -> Response {
    let slug = file.trim_end_matches(".svg");
    if !slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        crate::seed::product_svg(slug),
    )
        .into_response()
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/products/{slug}", get(product_page))
        .route("/images/{file}", get(image))
        .fallback(not_found)
}

/// The most a product page's quantity box offers: what is left of a counted piece, else 999.
fn max_quantity(a: &tijara_core::inventory::Availability) -> u32 {
    match a {
        tijara_core::inventory::Availability::InStock { available } => (*available).clamp(1, 999),
        _ => 999,
    }
}
