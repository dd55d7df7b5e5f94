//! The shop window: the home page with its categories and search, product pages, the demo
//! images.

use super::*;

pub(crate) fn card(ctx: &Ctx, v: &ProductView) -> Markup {
    let lang = ctx.lang;
    let p = &v.product;
    let title = p.title.get(lang, Lang::AR).unwrap_or("");
    html! {
        div.card {
            a href={ "/products/" (p.slug) } {
                @if let Some(photo) = p.photos.iter().find(|ph| is_local_media_path(&ph.url)) { img src=(crate::media::thumb_url(&photo.url)) alt=(title) width="300" height="300" loading="lazy"; }
                strong { (title) }
            }
            @if let Some(var) = v.variants.first() { p.price { (price(ctx, &var.variant.price)) } }
            p.muted { (t(lang, "by")) " " (v.seller_name) " · " (v.seller_city) }
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
    let page = app
        .engine
        .catalog()
        .list_products(&filter, q.get("after").map(String::as_str), 24)
        .await;
    let cats = match app.engine.catalog().categories().await {
        Ok(cats) => cats,
        Err(e) => return refusal(&ctx, &e),
    };
    // A failure is its own page (503 for an outage), never a shop window with an error in it.
    let page = match page {
        Ok(page) => page,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        nav.cats { @for c in &cats { a href={ "/?category=" (c.id) } { (c.name.get(lang, Lang::AR).unwrap_or("")) } " " } }
        div.grid { @for v in &page.items { (card(&ctx, v)) } }
        @if let Some(next) = &page.next { p { a.button href={ "/?after=" (next) } { "→" } } }
    };
    let meta = super::seo::home_meta(&app, lang, &q);
    with_lang_cookie(lang, layout_meta(&ctx, t(lang, "title"), &meta, body))
}

async fn product_page(State(app): State<App>, ctx: Ctx, Path(slug): Path<String>) -> Response {
    let lang = ctx.lang;
    let v = match app.engine.catalog().product_by_slug(&slug).await {
        Ok(v) => v,
        // Only a product that does not exist is a 404 (caches keep those); an outage is a 503.
        Err(TijaraError::NotFound { .. }) => {
            return (
                StatusCode::NOT_FOUND,
                layout(&ctx, "404", html! { p { "404" } }),
            )
                .into_response();
        }
        Err(e) => return refusal(&ctx, &e),
    };
    let p = &v.product;
    let title = p.title.get(lang, Lang::AR).unwrap_or("").to_owned();
    let seller = match found(app.engine.catalog().seller(&p.seller_id).await) {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let rate = app
        .engine
        .region()
        .tax_rules
        .rate_for(
            &p.variants[0].tax_category,
            app.engine.region().local_date(app.engine.now()),
        )
        .ok();
    let body = html! {
        div.product {
            @if let Some(photo) = p.photos.iter().find(|ph| is_local_media_path(&ph.url)) { img src=(photo.url) alt=(title) width="300" height="300"; }
            h1 { (title) }
            p { (p.description.get(lang, Lang::AR).unwrap_or("")) }
            @for var in &v.variants {
                form method="post" action="/cart/add" {
                    (ctx.csrf_field())
                    input type="hidden" name="variant" value=(var.variant.id);
                    p.price { (price(&ctx, &var.variant.price)) " "
                        @if let Some(r) = &rate { span.muted { "(" (t(lang, "tva")) " " (r.rate) ")" } } }
                    p.muted { (availability_text(lang, &var.availability)) }
                    @if var.availability.can_order(1) {
                        label { "×" input type="number" name="quantity" value="1" min="1" max="999"; }
                        button type="submit" { (t(lang, "add")) }
                    }
                }
            }
            @if let Some(s) = &seller {
                h2 { (s.name) " · " (s.home_city) }
                p { (s.story.get(lang, Lang::AR).unwrap_or("")) }
            }
        }
    };
    let meta = super::seo::product_meta(&app, lang, &v, seller.as_ref());
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
}
