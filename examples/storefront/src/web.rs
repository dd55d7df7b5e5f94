//! The web shop: server-rendered pages in Arabic (right to left), French and English, that work
//! without JavaScript; the CMI endpoints; product images.

use crate::App;
use crate::cookies::cookie;
use crate::ctx::Ctx;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use tijara::TijaraError;
use tijara::ports::payment::{NotificationRequest, PaymentStart};
use tijara::ports::storage::StorageError;
use tijara::usecases::cart::CartChange;
use tijara::usecases::catalog::{ProductFilter, ProductView};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::catalog::is_local_media_path;
use tijara_core::inventory::Availability;
use tijara_core::order::Address;
use tijara_core::{CartId, CategoryId, Lang, OrderId, SellerId, VariantId};

mod checkout;
mod errors;
mod words;
pub use checkout::order_url;
use checkout::*;
pub use errors::*;
use words::other_langs;
pub use words::{learn_languages, page_dir, pick, t, ui_lang};

/// The page, remembering its language in a cookie.
pub fn with_lang_cookie(lang: Lang, page: Markup) -> Response {
    let mut r = page.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={}; Path=/; SameSite=Lax; HttpOnly; Max-Age=31536000",
        lang.code()
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// A page without the visitor's links (error pages of the guard).
pub fn layout_plain(lang: Lang, title: &str, body: Markup) -> Markup {
    page(lang, title, html! {}, body, "")
}

/// A page with the header's links for the visitor (account, portal, admin).
pub fn layout(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    layout_keeping(ctx, title, body, "")
}

/// [`layout`] whose language and currency links keep `keep` (`&t=…`, the access token of the
/// order page a guest opened by its link; no other page keeps anything).
fn layout_keeping(ctx: &Ctx, title: &str, body: Markup, keep: &str) -> Markup {
    let lang = ctx.lang;
    let links = html! {
        @match &ctx.account {
            Some(a) => {
                @if ctx.seller().is_some() { a href="/seller" { (t(lang, "portal")) } }
                @if a.is_admin() { a href="/admin" { (t(lang, "admin")) } }
                a href="/account" { (t(lang, "account")) }
                form.inline method="post" action="/account/logout" { (ctx.csrf_field()) button.link type="submit" { (t(lang, "logout")) } }
            }
            None => { a href="/account/login" { (t(lang, "login")) } }
        }
    };
    page(lang, title, links, body, keep)
}

fn page(lang: Lang, title: &str, links: Markup, body: Markup, keep: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(page_dir(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, "title")) }
                style { (maud::PreEscaped(CSS)) }
            }
            body {
                header {
                    a.brand href="/" { (t(lang, "title")) }
                    form.search action="/" method="get" {
                        input name="q" type="search" aria-label=(t(lang, "search")) placeholder=(t(lang, "search"));
                        button type="submit" { (t(lang, "search")) }
                    }
                    a.cart href="/cart" { (t(lang, "cart")) }
                    (links)
                    nav.langs { a href={ "?lang=ar" (keep) } lang="ar" { "العربية" } " · " a href={ "?lang=fr" (keep) } lang="fr" { "Français" } " · " a href={ "?lang=en" (keep) } lang="en" { "English" } @for l in other_langs() { " · " a href={ "?lang=" (l) (keep) } lang=(l) { (l) } } }
                    nav.currencies { a href={ "?cur=MAD" (keep) } { "MAD" } " · " a href={ "?cur=EUR" (keep) } { "€" } " · " a href={ "?cur=USD" (keep) } { "$" } }
                }
                main { (body) }
            }
        }
    }
}

/// The style sheet of every page (inline; the CSP allows it by its hash).
pub(crate) const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#222}header{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;padding:.8rem 1rem;background:#f3e6d3}\
.brand{font-weight:bold;font-size:1.2rem;text-decoration:none;color:#6b3d12}main{padding:1rem;max-width:60rem;margin:auto}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:1rem}.card{border:1px solid #ddd;border-radius:.5rem;padding:.5rem}\
.card img,.product img{width:100%;height:auto}button,.button{font-size:1.1rem;padding:.5rem 1rem;background:#8a4b16;color:#fff;border:0;border-radius:.4rem}\
.price bdi{font-weight:bold}.muted{color:#666;font-size:.9rem}label{display:block;margin-top:.6rem}input,select{font-size:1rem;padding:.3rem;width:100%;max-width:24rem}input[type=radio]{width:auto;margin-inline-end:.4rem}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:start}.timeline li{margin:.2rem 0}\
form.inline{display:inline}button.link{background:none;color:#6b3d12;padding:0;font-size:1rem;text-decoration:underline}.error{color:#a00;font-weight:bold}.small{font-size:.85rem;color:#555}.ok{color:#060;font-weight:bold}\
h1,h2,h3,bdi{overflow-wrap:anywhere}.big{font-size:1.3rem;padding:.8rem 1.4rem;margin:.3rem 0}.box{border:1px solid #ddd;border-radius:.5rem;padding:.8rem;margin:.8rem 0}";

/// A status code (`awaiting_payment`, `in_transit`...) in the shopper's words.
pub fn status_word(lang: Lang, code: &str) -> String {
    let (fr, ar, en) = match code {
        "awaiting_payment" => (
            "en attente de paiement",
            "في انتظار الأداء",
            "awaiting payment",
        ),
        "confirmed" => ("confirmée", "مؤكد", "confirmed"),
        "completed" => ("terminée", "مكتمل", "completed"),
        "cancelled" => ("annulée", "ملغى", "cancelled"),
        "awaiting" => ("en préparation", "قيد التحضير", "being prepared"),
        "ready" => ("prêt à expédier", "جاهز للشحن", "ready to ship"),
        "shipped" => ("expédié", "تم الشحن", "shipped"),
        "delivered" => ("livré", "تم التسليم", "delivered"),
        "returned" => ("retourné", "مرتجع", "returned"),
        "unknown" => ("inconnu", "غير معروف", "unknown"),
        "label_created" => ("étiquette créée", "تم إنشاء الملصق", "label created"),
        "picked_up" => ("pris en charge", "تم الاستلام من البائع", "picked up"),
        "in_transit" => ("en transit", "في الطريق", "in transit"),
        "out_for_delivery" => ("en cours de livraison", "خرج للتسليم", "out for delivery"),
        "delivery_failed" => ("échec de livraison", "تعذر التسليم", "delivery failed"),
        "returned_to_sender" => (
            "retourné à l'expéditeur",
            "أعيد إلى المرسل",
            "returned to sender",
        ),
        "pending" => ("en attente", "في الانتظار", "pending"),
        "authorized" => ("autorisé", "مرخص", "authorized"),
        "captured" => ("payé", "مدفوع", "paid"),
        "partially_refunded" => ("remboursé en partie", "مسترجع جزئيا", "partly refunded"),
        "refunded" => ("remboursé", "مسترجع", "refunded"),
        "failed" => ("échoué", "فشل", "failed"),
        "voided" => ("annulé", "ملغى", "voided"),
        "awaiting_delivery" => (
            "à payer à la livraison",
            "الدفع عند الاستلام",
            "paid on delivery",
        ),
        "collected" => (
            "encaissé par le transporteur",
            "حصله الناقل",
            "collected by the carrier",
        ),
        "remitted" => ("payé", "مدفوع", "paid"),
        other => return other.replace('_', " "),
    };
    pick(lang, fr, ar, en).to_owned()
}

/// What a shopper is told about a variant's stock.
pub fn availability_text(lang: Lang, a: &Availability) -> String {
    match a {
        Availability::InStock { available } => format!("{} ({available})", t(lang, "in_stock")),
        Availability::OutOfStock => t(lang, "out").to_owned(),
        Availability::MadeToOrder { lead_days } => {
            format!("{} — {lead_days} {}", t(lang, "made"), t(lang, "days"))
        }
        _ => t(lang, "in_stock").to_owned(),
    }
}

/// A price in MAD, with the indicative amount in the visitor's display currency beside it.
pub fn price(ctx: &Ctx, m: &tijara_core::Money) -> Markup {
    let lang = ctx.lang;
    let shown = ctx.display.and_then(|r| r.convert(*m).ok());
    html! {
        bdi { (m.format(lang)) }
        @if let Some(d) = shown { " " span.muted title=(t(lang, "abroad")) { "≈ " bdi { (d.amount.format(lang)) } } }
    }
}

fn card(ctx: &Ctx, v: &ProductView) -> Markup {
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
    with_lang_cookie(lang, layout(&ctx, t(lang, "title"), body))
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
    with_lang_cookie(lang, layout(&ctx, &title, body))
}

/// `Ok(Some(v))`, `Ok(None)` when the engine says [`TijaraError::NotFound`], and the error for
/// every other failure (an outage, an unreadable record): only "not found" means absent.
pub fn found<T>(r: Result<T, TijaraError>) -> Result<Option<T>, TijaraError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(TijaraError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The visitor's open cart. A cart that is gone or closed is none; any other failure (an
/// outage, an unreadable cart) is an error, never an empty cart or a fresh cart in place of the
/// shopper's.
async fn cart_of(app: &App, headers: &HeaderMap) -> Result<Option<CartId>, TijaraError> {
    let Some(id) =
        crate::cookies::shop_cookie(app, headers, "cart").and_then(|c| CartId::new(c).ok())
    else {
        return Ok(None);
    };
    Ok(found(app.engine.carts().cart(&id).await)?
        .and_then(|doc| (doc.status == tijara::docs::CartStatus::Open).then_some(id)))
}

/// The cart cookie: HttpOnly, SameSite=Lax, and Secure when the shop is served over HTTPS.
fn set_cart(app: &App, mut r: Response, id: &CartId) -> Response {
    let secure = if app.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "cart={id}; Path=/; SameSite=Lax; HttpOnly; Max-Age=2592000{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct AddForm {
    variant: String,
    #[serde(default)]
    quantity: Option<u32>,
}

async fn cart_add(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    let lang = ctx.lang;
    let customer = ctx.account.as_ref().and_then(|a| a.customer_id().ok());
    let id = match cart_of(&app, &headers).await {
        Ok(Some(id)) => id,
        Ok(None) => match app.engine.carts().create_cart(customer, None).await {
            Ok(c) => c.cart.id,
            Err(e) => return refusal(&ctx, &e),
        },
        Err(e) => return refusal(&ctx, &e),
    };
    let Ok(variant) = VariantId::new(f.variant) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "out"));
    };
    if let Err(e) = app
        .engine
        .carts()
        .change_cart(
            &id,
            CartChange::Add {
                variant,
                quantity: f.quantity.unwrap_or(1),
            },
            None,
        )
        .await
    {
        return refusal(&ctx, &e);
    }
    set_cart(&app, Redirect::to("/cart").into_response(), &id)
}

async fn cart_remove(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    if let (Ok(Some(id)), Ok(variant)) = (cart_of(&app, &headers).await, VariantId::new(f.variant))
    {
        let _ = app
            .engine
            .carts()
            .change_cart(&id, CartChange::Remove { variant }, None)
            .await;
    }
    Redirect::to("/cart").into_response()
}

async fn cart_page(State(app): State<App>, ctx: Ctx, headers: HeaderMap) -> Response {
    let lang = ctx.lang;
    let priced = match cart_of(&app, &headers).await {
        Ok(Some(id)) => match found(app.engine.carts().price(&id).await) {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        },
        Ok(None) => None,
        Err(e) => return refusal(&ctx, &e),
    };
    // Shoppers see the product's title in their language (the SKU is for the artisan).
    let ids: Vec<_> = priced
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| l.product_id.clone())
        .collect();
    let products = match app.engine.catalog().products(&ids).await {
        Ok(p) => p,
        Err(e) => return refusal(&ctx, &e),
    };
    let products: HashMap<_, _> = products
        .into_iter()
        .map(|v| (v.product.id.clone(), v))
        .collect();
    let mut titles = HashMap::new();
    for l in priced.iter().flat_map(|p| &p.lines) {
        if let Some(v) = products.get(&l.product_id) {
            let title = v.product.title.get(lang, Lang::AR).unwrap_or("").to_owned();
            titles.insert(l.variant_id.clone(), (title, v.product.slug.clone()));
        }
    }
    let body = html! {
        h1 { (t(lang, "cart")) }
        @match &priced {
            Some(p) if !p.lines.is_empty() => {
                table {
                    @for l in &p.lines {
                        tr { td { @match titles.get(&l.variant_id) {
                                Some((title, slug)) => a href={ "/products/" (slug) } { (title) },
                                None => (l.sku),
                             } } td { "× " (l.quantity) } td { bdi { (l.net.format(lang)) } }
                             td { form method="post" action="/cart/remove" { (ctx.csrf_field()) input type="hidden" name="variant" value=(l.variant_id); button type="submit" { (t(lang, "remove")) } } } }
                    }
                }
                p.price { (t(lang, "total")) " " (price(&ctx, &p.items_net)) }
                p { a.button href="/checkout" { (t(lang, "checkout")) } }
            }
            _ => p { (t(lang, "empty")) }
        }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "cart"), body))
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

/// The shop's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/products/{slug}", get(product_page))
        .route("/cart", get(cart_page))
        .route("/cart/add", post(cart_add))
        .route("/cart/remove", post(cart_remove))
        .route("/checkout", get(checkout_page).post(checkout_address))
        .route("/checkout/place", post(checkout_place))
        .route("/orders/{id}", get(order_page))
        .route("/cmi/callback", post(cmi_callback))
        .route("/cmi/ok", post(cmi_return))
        .route("/cmi/fail", post(cmi_return))
        .route("/cmi/return", get(cmi_return_get))
        .route("/images/{file}", get(image))
}
