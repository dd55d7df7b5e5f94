//! The web shop: server-rendered pages in Arabic (right to left), French and English, that work
//! without JavaScript; the CMI endpoints; product images.

use crate::App;
use crate::auth::{Ctx, cookie};
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

/// Words of the interface in each language.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => (
            "Artisanat de Dakhla",
            "صناعة الداخلة التقليدية",
            "Crafts of Dakhla",
        ),
        "search" => ("Rechercher", "بحث", "Search"),
        "cart" => ("Panier", "السلة", "Cart"),
        "add" => ("Ajouter au panier", "أضف إلى السلة", "Add to cart"),
        "remove" => ("Retirer", "احذف", "Remove"),
        "checkout" => ("Commander", "إتمام الطلب", "Check out"),
        "empty" => (
            "Votre panier est vide.",
            "سلتك فارغة.",
            "Your cart is empty.",
        ),
        "in_stock" => ("En stock", "متوفر", "In stock"),
        "out" => ("Épuisé", "نفد", "Sold out"),
        "made" => ("Fait sur commande", "يصنع حسب الطلب", "Made to order"),
        "days" => ("jours", "أيام", "days"),
        "tva" => ("dont TVA", "منها الضريبة على القيمة المضافة", "incl. VAT"),
        "by" => ("par", "من", "by"),
        "total" => ("Total TTC", "المجموع", "Total incl. tax"),
        "address" => ("Adresse de livraison", "عنوان التسليم", "Delivery address"),
        "name" => ("Nom complet", "الاسم الكامل", "Full name"),
        "line1" => ("Adresse", "العنوان", "Address"),
        "city" => ("Ville", "المدينة", "City"),
        "country" => ("Pays (code)", "البلد (رمز)", "Country (code)"),
        "phone" => ("Téléphone", "الهاتف", "Phone"),
        "email" => ("E-mail", "البريد الإلكتروني", "E-mail"),
        "continue" => ("Continuer", "متابعة", "Continue"),
        "shipping" => ("Livraison", "التوصيل", "Shipping"),
        "pay" => ("Paiement", "الأداء", "Payment"),
        "card" => ("Carte bancaire (CMI)", "بطاقة بنكية", "Card (CMI)"),
        "cod" => (
            "Paiement à la livraison",
            "الدفع عند الاستلام",
            "Cash on delivery",
        ),
        "transfer" => ("Virement bancaire", "تحويل بنكي", "Bank transfer"),
        "place" => ("Valider la commande", "تأكيد الطلب", "Place the order"),
        "order" => ("Commande", "الطلب", "Order"),
        "order_link" => (
            "Ce lien ne permet pas d'ouvrir la commande. Utilisez le lien de la page ou de l'e-mail de confirmation, ou connectez-vous à votre compte.",
            "هذا الرابط لا يفتح الطلب. استعمل رابط صفحة أو رسالة التأكيد، أو سجّل الدخول إلى حسابك.",
            "This link does not open the order. Use the link from the confirmation page or e-mail, or log in to your account.",
        ),
        "keep_link" => (
            "Gardez l'adresse de cette page : elle seule ouvre votre commande sans compte. Ne la partagez pas.",
            "احتفظ بعنوان هذه الصفحة: هو وحده يفتح طلبك دون حساب. لا تشاركه.",
            "Keep this page's address: it alone opens your order without an account. Do not share it.",
        ),
        "payment_received" => (
            "Le résultat de votre paiement est bien reçu. Votre commande s'ouvre avec le lien de la page ou de l'e-mail de confirmation, ou depuis votre compte si vous êtes connecté.",
            "تم استلام نتيجة الأداء. يُفتح طلبك برابط صفحة أو رسالة التأكيد، أو من حسابك إذا كنت مسجلا.",
            "Your payment result was received. Open your order with the link from the confirmation page or e-mail, or from your account if you are logged in.",
        ),
        "bad_return" => (
            "Cette réponse de paiement est mal formée.",
            "رد الأداء هذا غير سليم.",
            "This payment response is malformed.",
        ),
        "thanks" => (
            "Merci ! Votre commande est enregistrée.",
            "شكرا! تم تسجيل طلبك.",
            "Thank you! Your order is placed.",
        ),
        "tracking" => ("Suivi", "التتبع", "Tracking"),
        "status" => ("État", "الحالة", "Status"),
        "abroad" => ("indicatif", "تقريبي", "indicative"),
        "csrf" => (
            "Ce formulaire a expiré. Rechargez la page et recommencez.",
            "انتهت صلاحية هذه الاستمارة. أعد تحميل الصفحة وحاول مرة أخرى.",
            "This form has expired. Reload the page and try again.",
        ),
        "login" => ("Connexion", "تسجيل الدخول", "Log in"),
        "logout" => ("Déconnexion", "تسجيل الخروج", "Log out"),
        "register" => ("Créer un compte", "إنشاء حساب", "Create an account"),
        "account" => ("Mon compte", "حسابي", "My account"),
        "password" => ("Mot de passe", "كلمة السر", "Password"),
        "portal" => ("Espace artisan", "فضاء الحرفي", "Artisan portal"),
        "admin" => ("Administration", "الإدارة", "Admin"),
        "sell" => ("Vendre sur le marché", "بع منتجاتك", "Sell with us"),
        "bad_login" => (
            "E-mail ou mot de passe incorrect.",
            "البريد الإلكتروني أو كلمة السر غير صحيحة.",
            "Wrong e-mail or password.",
        ),
        "locked" => (
            "Trop d'essais. Réessayez après",
            "محاولات كثيرة. حاول مرة أخرى بعد",
            "Too many attempts. Try again after",
        ),
        "orders" => ("Mes commandes", "طلباتي", "My orders"),
        "withdraw" => (
            "Demander un retour (rétractation)",
            "طلب إرجاع (التراجع)",
            "Ask for a return (withdrawal)",
        ),
        "withdraw_done" => (
            "Demande de retour enregistrée.",
            "تم تسجيل طلب الإرجاع.",
            "Return request recorded.",
        ),
        "none" => ("Rien pour l'instant.", "لا شيء حاليا.", "Nothing yet."),
        "shop_name" => (
            "Nom de l'atelier ou de la coopérative",
            "اسم الورشة أو التعاونية",
            "Workshop or cooperative name",
        ),
        "kind" => ("Type", "النوع", "Kind"),
        "artisan" => ("Artisan", "حرفي", "Artisan"),
        "cooperative" => ("Coopérative", "تعاونية", "Cooperative"),
        "taken" => (
            "ce compte existe déjà",
            "هذا الحساب موجود",
            "this account already exists",
        ),
        "seller_order" => ("Colis de", "طرد من", "Parcel from"),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// The text for `lang` among a French, an Arabic and an English one (French for any other
/// language the region may add).
pub fn pick<'a>(lang: Lang, fr: &'a str, ar: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ar => ar,
        Lang::En => en,
        _ => fr,
    }
}

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
        html lang=(lang.code()) dir=(lang.dir()) {
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
                    nav.langs { a href={ "?lang=ar" (keep) } lang="ar" { "العربية" } " · " a href={ "?lang=fr" (keep) } lang="fr" { "Français" } " · " a href={ "?lang=en" (keep) } lang="en" { "English" } }
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
    let title = p.title.get(lang, Lang::Ar).unwrap_or("");
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
    let filter = ProductFilter {
        category: q
            .get("category")
            .and_then(|c| CategoryId::new(c.clone()).ok()),
        text: q.get("q").cloned().filter(|s| !s.trim().is_empty()),
        ..ProductFilter::default()
    };
    let page = app
        .engine
        .list_products(&filter, q.get("after").map(String::as_str), 24)
        .await;
    let cats = match app.engine.categories().await {
        Ok(cats) => cats,
        Err(e) => return refusal(&ctx, &e),
    };
    // A failure is its own page (503 for an outage), never a shop window with an error in it.
    let page = match page {
        Ok(page) => page,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        nav.cats { @for c in &cats { a href={ "/?category=" (c.id) } { (c.name.get(lang, Lang::Ar).unwrap_or("")) } " " } }
        div.grid { @for v in &page.items { (card(&ctx, v)) } }
        @if let Some(next) = &page.next { p { a.button href={ "/?after=" (next) } { "→" } } }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "title"), body))
}

async fn product_page(State(app): State<App>, ctx: Ctx, Path(slug): Path<String>) -> Response {
    let lang = ctx.lang;
    let v = match app.engine.product_by_slug(&slug).await {
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
    let title = p.title.get(lang, Lang::Ar).unwrap_or("").to_owned();
    let seller = match found(app.engine.seller(&p.seller_id).await) {
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
            p { (p.description.get(lang, Lang::Ar).unwrap_or("")) }
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
                p { (s.story.get(lang, Lang::Ar).unwrap_or("")) }
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
    let Some(id) = crate::auth::shop_cookie(app, headers, "cart").and_then(|c| CartId::new(c).ok())
    else {
        return Ok(None);
    };
    Ok(found(app.engine.cart(&id).await)?
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
        Ok(None) => match app.engine.create_cart(customer, None).await {
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

/// What a visitor reads when the engine refuses a step: a sentence in their language (the
/// engine's own message, in English, follows it in small print for support).
pub fn explain(lang: Lang, e: &TijaraError) -> &'static str {
    use tijara_core::cart::CartError as C;
    match e {
        TijaraError::OutOfStock { available: 0, .. } => pick(
            lang,
            "Ce produit est épuisé.",
            "نفد هذا المنتج.",
            "This product is sold out.",
        ),
        TijaraError::OutOfStock { .. } => pick(
            lang,
            "La quantité demandée n'est plus disponible : réduisez-la.",
            "الكمية المطلوبة لم تعد متوفرة: قلّلها.",
            "The quantity asked for is no longer available: lower it.",
        ),
        TijaraError::Cart(C::QuantityOutOfBounds { .. }) => pick(
            lang,
            "Cette quantité n'est pas possible pour un article.",
            "هذه الكمية غير ممكنة لمنتج واحد.",
            "That quantity is not possible for one item.",
        ),
        TijaraError::Cart(C::UnknownVariant(_) | C::Inactive(_)) => pick(
            lang,
            "Ce produit n'est plus en vente.",
            "هذا المنتج لم يعد معروضا للبيع.",
            "This product is no longer for sale.",
        ),
        TijaraError::Cart(C::BadCoupon(_)) => pick(
            lang,
            "Ce code promo n'est pas valable.",
            "رمز التخفيض هذا غير صالح.",
            "This coupon code is not valid.",
        ),
        TijaraError::Cart(_) => pick(
            lang,
            "Le panier ne peut pas être modifié ainsi.",
            "لا يمكن تعديل السلة بهذه الطريقة.",
            "The cart cannot be changed that way.",
        ),
        TijaraError::EmptyCart => pick(
            lang,
            "Votre panier est vide : ajoutez un produit avant de commander.",
            "سلتك فارغة: أضف منتجا قبل الطلب.",
            "Your cart is empty: add a product before ordering.",
        ),
        TijaraError::ShippingNotChosen { .. } => pick(
            lang,
            "Choisissez une livraison pour chaque vendeur avant de commander.",
            "اختر طريقة التوصيل لكل بائع قبل الطلب.",
            "Choose a delivery for each seller before ordering.",
        ),
        TijaraError::ShippingOutdated => pick(
            lang,
            "L'adresse de livraison a changé : choisissez à nouveau la livraison.",
            "تغير عنوان التوصيل: اختر طريقة التوصيل من جديد.",
            "The delivery address changed: choose the delivery again.",
        ),
        TijaraError::NothingToShip { .. } | TijaraError::ServiceUnavailable { .. } => pick(
            lang,
            "Cette livraison n'est pas proposée pour cette adresse : choisissez-en une autre.",
            "طريقة التوصيل هذه غير متاحة لهذا العنوان: اختر غيرها.",
            "This delivery is not offered for this address: choose another.",
        ),
        TijaraError::CartClosed { .. } => pick(
            lang,
            "Ce panier est déjà commandé : ajoutez vos produits à un nouveau panier.",
            "تم طلب هذه السلة من قبل: أضف منتجاتك إلى سلة جديدة.",
            "This cart was already ordered: add your products to a new cart.",
        ),
        TijaraError::CartNotYours { .. } => pick(
            lang,
            "Ce panier appartient à un autre compte.",
            "هذه السلة تخص حسابا آخر.",
            "This cart belongs to another account.",
        ),
        TijaraError::NotAwaitingPayment { .. } => pick(
            lang,
            "Cette commande n'attend plus de paiement : elle est déjà payée ou annulée.",
            "هذا الطلب لم يعد في انتظار الأداء: تم دفعه أو إلغاؤه.",
            "This order no longer awaits payment: it is already paid or cancelled.",
        ),
        TijaraError::NotReadyToShip { .. } => pick(
            lang,
            "Cette commande n'est pas prête à expédier : attendez son paiement ou sa confirmation.",
            "هذا الطلب غير جاهز للشحن: انتظر أداءه أو تأكيده.",
            "This order is not ready to ship: wait for its payment or confirmation.",
        ),
        TijaraError::NotShipped { .. } | TijaraError::NoTrackingNumber { .. } => pick(
            lang,
            "Ce colis n'est pas encore expédié : expédiez-le d'abord.",
            "هذا الطرد لم يشحن بعد: اشحنه أولا.",
            "This parcel is not shipped yet: ship it first.",
        ),
        TijaraError::LabelInUse { .. } => pick(
            lang,
            "Ce colis est déjà en route : son étiquette ne peut plus être annulée.",
            "هذا الطرد في الطريق: لم يعد بالإمكان إلغاء ملصقه.",
            "This parcel is already on its way: its label can no longer be cancelled.",
        ),
        TijaraError::BadEmail { .. } => pick(
            lang,
            "Cette adresse e-mail n'est pas valable : vérifiez-la.",
            "عنوان البريد الإلكتروني هذا غير صالح: تحقق منه.",
            "This e-mail address is not valid: check it.",
        ),
        TijaraError::EmailTaken { .. } => pick(
            lang,
            "Un compte existe déjà avec cette adresse e-mail : connectez-vous.",
            "يوجد حساب بهذا البريد الإلكتروني: سجّل الدخول.",
            "An account already uses this e-mail address: log in.",
        ),
        TijaraError::TooManyPhotos { .. } => pick(
            lang,
            "Ce produit a déjà le maximum de photos : retirez-en une d'abord.",
            "لهذا المنتج الحد الأقصى من الصور: احذف واحدة أولا.",
            "This product already has the most photos: remove one first.",
        ),
        TijaraError::InvalidField { .. }
        | TijaraError::Id(_)
        | TijaraError::Money(_)
        | TijaraError::WrongCurrency { .. }
        | TijaraError::UnknownTaxCategory { .. }
        | TijaraError::NotAMember { .. }
        | TijaraError::BadIdempotencyKey
        | TijaraError::Validation(_) => pick(
            lang,
            "Certaines informations ne sont pas valables : vérifiez le formulaire.",
            "بعض المعلومات غير صالحة: تحقق من الاستمارة.",
            "Some of the information is not valid: check the form.",
        ),
        TijaraError::NotFound { .. } | TijaraError::PartNotFound { .. } => {
            pick(lang, "Introuvable.", "غير موجود.", "Not found.")
        }
        TijaraError::SellerNotApproved(_) => pick(
            lang,
            "Votre boutique attend l'accord du marché : vous pourrez ajouter des photos ensuite.",
            "متجرك في انتظار موافقة السوق: يمكنك إضافة الصور بعد ذلك.",
            "Your shop awaits the marketplace's approval: you can add photos then.",
        ),
        TijaraError::TooManyUnpaidOrders { .. } => pick(
            lang,
            "Vous avez déjà plusieurs commandes en attente de paiement : payez-en une (ou attendez qu'elle soit livrée ou annulée) avant d'en passer une autre, ou réessayez demain.",
            "لديك عدة طلبات في انتظار الأداء: ادفع أحدها (أو انتظر تسليمه أو إلغاءه) قبل طلب جديد، أو أعد المحاولة غدا.",
            "You already have several orders awaiting payment: pay one (or wait until it is delivered or cancelled) before placing another, or try again tomorrow.",
        ),
        TijaraError::Order(tijara_core::order::OrderError::BadPhone) => pick(
            lang,
            "Ce numéro de téléphone n'est pas valable : 8 à 15 chiffres, par exemple 06 12 34 56 78 ou +212 612 345 678.",
            "رقم الهاتف هذا غير صالح: من 8 إلى 15 رقما، مثلا 06 12 34 56 78 أو ‎+212 612 345 678.",
            "This phone number is not valid: 8 to 15 digits, for example 06 12 34 56 78 or +212 612 345 678.",
        ),
        TijaraError::Order(
            tijara_core::order::OrderError::AddressTooLong { .. }
            | tijara_core::order::OrderError::AddressControl(_)
            | tijara_core::order::OrderError::BadCountry
            | tijara_core::order::OrderError::Address(_),
        ) => pick(
            lang,
            "L'adresse n'est pas valable : remplissez chaque champ, sans dépasser 100 caractères pour le nom et la ville et 200 pour la rue, avec un pays en deux lettres (MA).",
            "العنوان غير صالح: املأ كل خانة، دون تجاوز 100 حرف للاسم والمدينة و200 للشارع، مع رمز البلد بحرفين (MA).",
            "The address is not valid: fill in each field, at most 100 characters for the name and city and 200 for the street, with a two-letter country (MA).",
        ),
        TijaraError::Storage(StorageError::KeyTaken { .. }) => pick(
            lang,
            "Cela existe déjà (même adresse, même SKU ou même numéro) : choisissez-en un autre.",
            "هذا موجود من قبل (نفس العنوان أو الرمز أو الرقم): اختر غيره.",
            "That already exists (same address, SKU or number): choose another.",
        ),
        e if e.is_temporary() => pick(
            lang,
            "Le service est momentanément indisponible : réessayez dans un instant.",
            "الخدمة غير متاحة مؤقتا: أعد المحاولة بعد لحظة.",
            "The service is briefly unavailable: try again in a moment.",
        ),
        _ => pick(
            lang,
            "Cette opération n'est pas possible pour le moment.",
            "هذه العملية غير ممكنة الآن.",
            "This cannot be done right now.",
        ),
    }
}

/// The page for an engine refusal: the status it calls for, the sentence of [`explain`] and the
/// engine's detail.
pub fn refusal(ctx: &Ctx, e: &TijaraError) -> Response {
    let status = match e {
        TijaraError::NotFound { .. } | TijaraError::PartNotFound { .. } => StatusCode::NOT_FOUND,
        TijaraError::CartClosed { .. }
        | TijaraError::ShippingOutdated
        | TijaraError::NotAwaitingPayment { .. }
        | TijaraError::NotBankTransfer { .. }
        | TijaraError::NotReadyToShip { .. }
        | TijaraError::NotShipped { .. }
        | TijaraError::NoTrackingNumber { .. }
        | TijaraError::LabelInUse { .. }
        | TijaraError::EmailTaken { .. } => StatusCode::CONFLICT,
        TijaraError::CartNotYours { .. } => StatusCode::FORBIDDEN,
        TijaraError::TrackingNumberTaken { .. } => StatusCode::CONFLICT,
        TijaraError::NotAllowed { .. } => StatusCode::FORBIDDEN,
        TijaraError::LoginThrottled { .. } | TijaraError::Busy { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        TijaraError::BadCredentials => StatusCode::UNAUTHORIZED,
        TijaraError::SellerNotApproved(_) => StatusCode::FORBIDDEN,
        TijaraError::TooManyUnpaidOrders { .. } => StatusCode::TOO_MANY_REQUESTS,
        e if e.is_temporary() => StatusCode::SERVICE_UNAVAILABLE,
        TijaraError::Storage(StorageError::KeyTaken { .. }) => StatusCode::CONFLICT,
        e if is_server_fault(e) => {
            log_server_fault(e);
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // A storage fault's detail is for the operator's log, not for visitors.
    let detail = !is_server_fault(e) && !e.is_temporary();
    error_page(
        ctx,
        status,
        html! {
            p.error { (explain(ctx.lang, e)) }
            @if detail { p.small dir="ltr" { (e.to_string()) } }
        },
    )
}

/// Whether `e` is the server's fault (500): the storage backend failed, a stored document or
/// the catalog cannot be read, or the engine met a fault with no cause the caller could act
/// on ([`TijaraError::Invalid`]). A taken key (409), an unknown variant or reservation (422)
/// and temporary faults (503) are not.
pub fn is_server_fault(e: &TijaraError) -> bool {
    match e {
        TijaraError::Corrupt { .. } | TijaraError::Catalog(_) | TijaraError::Invalid(_) => true,
        TijaraError::Storage(s) => {
            !s.is_temporary()
                && !matches!(
                    s,
                    StorageError::KeyTaken { .. }
                        | StorageError::UnknownVariant(_)
                        | StorageError::UnknownReservation(_)
                        | StorageError::OutOfStock { .. }
                        | StorageError::IdempotencyMismatch { .. }
                )
        }
        _ => false,
    }
}

/// Logs a server fault the storage adapter does not log itself (an unreadable document); the
/// backend's failures are logged where they happen (target `storage`).
pub fn log_server_fault(e: &TijaraError) {
    match e {
        TijaraError::Corrupt { .. } | TijaraError::Catalog(_) => {
            tracing::error!(target: "storage", error = %e, "a stored document is unreadable");
        }
        TijaraError::Invalid(_) => tracing::error!(error = %e, "the engine failed"),
        _ => {}
    }
}

/// An error page with a way back.
pub fn problem(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    error_page(ctx, status, html! { p.error { (message) } })
}

/// The frame of every error page: what went wrong, then links home and to the cart. A 503
/// says when to come back (`Retry-After`) and is never cached.
fn error_page(ctx: &Ctx, status: StatusCode, what: Markup) -> Response {
    let mut response = (
        status,
        layout(
            ctx,
            "!",
            html! { (what) p { a href="/" { (t(ctx.lang, "title")) } " · " a href="/cart" { (t(ctx.lang, "cart")) } } },
        ),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        let headers = response.headers_mut();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Seconds a client waits before retrying after a 503 (`Retry-After`).
pub const RETRY_AFTER_SECS: &str = "5";

async fn cart_remove(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    if let (Ok(Some(id)), Ok(variant)) = (cart_of(&app, &headers).await, VariantId::new(f.variant))
    {
        let _ = app
            .engine
            .change_cart(&id, CartChange::Remove { variant }, None)
            .await;
    }
    Redirect::to("/cart").into_response()
}

async fn cart_page(State(app): State<App>, ctx: Ctx, headers: HeaderMap) -> Response {
    let lang = ctx.lang;
    let priced = match cart_of(&app, &headers).await {
        Ok(Some(id)) => match found(app.engine.price(&id).await) {
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
    let products = match app.engine.products(&ids).await {
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
            let title = v.product.title.get(lang, Lang::Ar).unwrap_or("").to_owned();
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

fn address_form(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let email = ctx
        .account
        .as_ref()
        .map(|a| a.email.clone())
        .unwrap_or_default();
    html! {
        form method="post" action="/checkout" {
            (ctx.csrf_field())
            h2 { (t(lang, "address")) }
            label { (t(lang, "name")) input name="name" required; }
            label { (t(lang, "line1")) input name="line1" required; }
            label { (t(lang, "city")) input name="city" required; }
            label { (t(lang, "country")) input name="country" value="MA" required maxlength="2"; }
            label { (t(lang, "phone")) input name="phone" type="tel" autocomplete="tel" required; }
            label { (t(lang, "email")) input name="email" type="email" value=(email) required; }
            button type="submit" { (t(lang, "continue")) }
        }
    }
}

async fn checkout_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(lang, layout(&ctx, t(lang, "checkout"), address_form(&ctx)))
}

#[derive(Deserialize)]
struct AddressForm {
    name: String,
    line1: String,
    city: String,
    country: String,
    phone: String,
    email: String,
}

impl AddressForm {
    fn address(&self) -> Address {
        Address {
            name: self.name.trim().into(),
            line1: self.line1.trim().into(),
            line2: None,
            city: self.city.trim().into(),
            postal_code: None,
            country: self.country.trim().to_uppercase(),
            phone: self.phone.trim().into(),
        }
    }
}

async fn checkout_address(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AddressForm>,
) -> Response {
    let lang = ctx.lang;
    let cart = match cart_of(&app, &headers).await {
        Ok(Some(cart)) => cart,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let options = match app.engine.shipping_quotes(&cart, &f.address()).await {
        Ok(o) => o,
        Err(e) => {
            return refusal(&ctx, &e);
        }
    };
    let mut names = HashMap::new();
    for o in &options {
        if let Ok(s) = app.engine.seller(&o.seller_id).await {
            names.insert(o.seller_id.clone(), s.name);
        }
    }
    let body = html! {
        form method="post" action="/checkout/place" {
            (ctx.csrf_field())
            @for (k, v) in [("name", &f.name), ("line1", &f.line1), ("city", &f.city), ("country", &f.country), ("phone", &f.phone), ("email", &f.email)] {
                input type="hidden" name=(k) value=(v);
            }
            h2 { (t(lang, "shipping")) }
            @for o in &options {
                fieldset {
                    legend { (t(lang, "seller_order")) " " (names.get(&o.seller_id).map(String::as_str).unwrap_or(o.seller_id.as_str())) " (" (o.origin_city) " → " (f.city) ")" }
                    @if o.options.is_empty() { p { "—" } }
                    @for (i, q) in o.options.iter().enumerate() {
                        label { input type="radio" name={ "ship_" (o.seller_id) } value={ (q.carrier) "/" (q.service) } checked[i == 0];
                            " " (q.carrier) " — " bdi { (q.price.format(lang)) } " (" (q.estimated_days.0) "–" (q.estimated_days.1) " " (t(lang, "days")) ")" }
                    }
                }
            }
            h2 { (t(lang, "pay")) }
            @for (code, key) in [("cmi", "card"), ("cod", "cod"), ("transfer", "transfer")] {
                label { input type="radio" name="payment" value=(code) checked[code == "cod"]; " " (t(lang, key)) }
            }
            button type="submit" { (t(lang, "place")) }
        }
    };
    layout(&ctx, t(lang, "checkout"), body).into_response()
}

async fn checkout_place(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    client: crate::security::ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let cart = match cart_of(&app, &headers).await {
        Ok(Some(cart)) => cart,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let f = AddressForm {
        name: get("name"),
        line1: get("line1"),
        city: get("city"),
        country: get("country"),
        phone: get("phone"),
        email: get("email"),
    };
    let address = f.address();
    for (k, v) in &form {
        if let (Some(seller), Some((carrier, service))) =
            (k.strip_prefix("ship_"), v.split_once('/'))
            && let Ok(seller) = SellerId::new(seller.to_owned())
        {
            let sel = ShippingSelection {
                carrier: carrier.into(),
                service: service.into(),
            };
            if let Err(e) = app
                .engine
                .choose_shipping(&cart, address.clone(), &seller, sel, None)
                .await
            {
                return refusal(&ctx, &e);
            }
        }
    }
    let placed = app
        .engine
        .place_order_from(
            PlaceOrderRequest {
                cart: CheckoutCart::Stored { cart },
                email: f.email.clone(),
                address,
                gateway: get("payment"),
                lang,
            },
            client.for_limits(),
            None,
        )
        .await;
    match placed {
        Err(e) => refusal(&ctx, &e),
        Ok(p) => match p.payment {
            PaymentStart::Redirect { url, fields } => {
                // The browser posts the signed form to CMI's hosted page; the payment cookie
                // binds CMI's return to this browser.
                let page = layout(&ctx, t(lang, "pay"), html! {
                    form #pay method="post" action=(url) {
                        @for (k, v) in &fields { input type="hidden" name=(k) value=(v); }
                        button type="submit" { (t(lang, "pay")) " — " bdi { (p.order.grand_total.format(lang)) } }
                    }
                })
                .into_response();
                set_payment_cookie(&app, page, &p.order.id, p.access_token.as_str())
            }
            _ => Redirect::to(&order_url(&p.order.id, p.access_token.as_str())).into_response(),
        },
    }
}

/// `/orders/{id}?t=…`: the order's link for a guest, with its access token (never the e-mail).
pub fn order_url(order: &OrderId, token: &str) -> String {
    format!("/orders/{order}?t={token}")
}

/// The cookie naming the order whose card payment this browser started, with its token:
/// HttpOnly, SameSite=Lax, path `/cmi`, one hour (Secure over HTTPS). CMI's return opens the
/// order only in the browser that holds it.
const PAYMENT_COOKIE: &str = "cmi_order";

fn set_payment_cookie(app: &App, mut r: Response, order: &OrderId, token: &str) -> Response {
    let secure = if app.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{PAYMENT_COOKIE}={order}.{token}; Path=/cmi; SameSite=Lax; HttpOnly; Max-Age=3600{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn order_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            layout(&ctx, "404", html! { p { "404" } }),
        )
            .into_response()
    };
    let Ok(id) = OrderId::new(id) else {
        return not_found();
    };
    // The shopper who placed it (by the token in the link, or logged in), or an admin.
    let by_link = match q.get("t") {
        Some(token) => match found(app.engine.order_with_token(&id, token).await) {
            Ok(doc) => doc,
            Err(e) => return refusal(&ctx, &e),
        },
        None => None,
    };
    let via_token = by_link.is_some();
    let doc = match by_link {
        Some(doc) => doc,
        None => {
            let doc = match app.engine.order(&id).await {
                Ok(doc) => doc,
                Err(TijaraError::NotFound { .. }) => return not_found(),
                Err(e) => return refusal(&ctx, &e),
            };
            let by_account = ctx.account.as_ref().is_some_and(|a| {
                a.is_admin()
                    || doc
                        .order
                        .customer
                        .as_ref()
                        .is_some_and(|c| c.as_str() == a.id)
            });
            if !by_account {
                if q.contains_key("email") || q.contains_key("t") {
                    // An old link (the e-mail opens nothing any more) or a wrong token.
                    return problem(&ctx, StatusCode::NOT_FOUND, t(lang, "order_link"));
                }
                return not_found();
            }
            doc
        }
    };
    let o = &doc.order;
    let mut sellers = HashMap::new();
    for so in &o.seller_orders {
        if let Ok(s) = app.engine.seller(&so.seller_id).await {
            sellers.insert(so.seller_id.clone(), s.name);
        }
    }
    let owner = ctx
        .account
        .as_ref()
        .is_some_and(|a| o.customer.as_ref().is_some_and(|c| c.as_str() == a.id));
    let body = html! {
        h1 { (t(lang, "order")) " " bdi { (o.id) } }
        @if q.get("done").is_some_and(|d| d == "withdraw") { p.ok role="status" { (t(lang, "withdraw_done")) } }
        @else { p { (t(lang, "thanks")) } }
        @if via_token && ctx.account.is_none() { p.small { (t(lang, "keep_link")) } }
        p { (t(lang, "status")) ": " (status_word(lang, o.status().as_str())) " · " (t(lang, "pay")) ": " (status_word(lang, o.payment.status().as_str())) }
        p.price { (t(lang, "total")) " " bdi { (o.grand_total.format(lang)) }
            @for d in &o.display_totals { " ≈ " bdi { (d.amount.format(lang)) } " (" (t(lang, "abroad")) ")" } }
        @for so in &o.seller_orders {
            section.box {
                h2 { (t(lang, "seller_order")) " " (sellers.get(&so.seller_id).map(String::as_str).unwrap_or(so.seller_id.as_str())) " — " (status_word(lang, so.status().as_str())) }
                @if let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so.id) {
                    p { (t(lang, "tracking")) ": " (s.carrier) " " bdi { (s.tracking_number.clone().unwrap_or_default()) } " — " (status_word(lang, s.status().as_str())) }
                    ol.timeline { @for e in s.events() { li { bdi { (e.at.format("%Y-%m-%d %H:%M")) } " — " (status_word(lang, e.status.as_str())) @if !e.carrier_text.is_empty() { " (" (e.carrier_text) ")" } } } }
                }
                @if owner && so.status() == tijara_core::order::FulfillmentStatus::Delivered {
                    form method="post" action={ "/account/orders/" (o.id) "/" (so.id) "/withdraw" } {
                        (ctx.csrf_field())
                        button type="submit" { (t(lang, "withdraw")) }
                    }
                }
            }
        }
    };
    // A guest who opened the order by its link keeps the token when switching language or
    // currency (the token is the verified one: hex, nothing to escape).
    let keep = if via_token {
        format!("&t={}", doc.access_token.as_str())
    } else {
        String::new()
    };
    let mut r = with_lang_cookie(lang, layout_keeping(&ctx, t(lang, "order"), body, &keep));
    // The token is in the URL: no Referer to other sites, no shared cache.
    let h = r.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn cmi_callback(
    State(app): State<App>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let request = NotificationRequest {
        fields,
        ..NotificationRequest::default()
    };
    match app.engine.handle_notification("cmi", &request).await {
        Ok(a) => (
            StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, a.content_type)],
            a.body,
        )
            .into_response(),
        Err(_) => (StatusCode::OK, "FAILURE").into_response(),
    }
}

/// The browser's return from CMI (`POST /cmi/ok`, `/cmi/fail`): display only, the callback
/// settles the order. The attempt id `oid` must be a plain id (else 400); the browser goes on
/// to `GET /cmi/return?order=`.
async fn cmi_return(ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let oid = fields
        .iter()
        .find(|(k, _)| k == "oid")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let order = oid
        .rsplit_once('-')
        .map(|(o, _)| o)
        .filter(|_| oid.len() <= 128 && !oid.chars().any(char::is_control))
        .and_then(|o| OrderId::new(o.to_owned()).ok());
    let Some(order) = order else {
        tracing::warn!(target: "security", "CMI return with a malformed oid refused");
        return problem(&ctx, StatusCode::BAD_REQUEST, t(ctx.lang, "bad_return"));
    };
    // Browsers do not send the SameSite=Lax payment cookie with the bank's cross-site POST, but
    // do with the GET that follows this redirect.
    Redirect::to(&format!("/cmi/return?order={order}")).into_response()
}

#[derive(Deserialize)]
struct ReturnQuery {
    order: String,
}

/// `GET /cmi/return?order=`: only the browser that started the payment (its payment cookie
/// names this order with its token) or the order's logged-in owner is sent to the order; anyone
/// else gets a neutral page, so an attempt id reveals nothing.
async fn cmi_return_get(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<ReturnQuery>,
) -> Response {
    match OrderId::new(q.order) {
        Ok(order) => payment_return(&app, &ctx, &headers, &order).await,
        Err(_) => problem(&ctx, StatusCode::BAD_REQUEST, t(ctx.lang, "bad_return")),
    }
}

async fn payment_return(app: &App, ctx: &Ctx, headers: &HeaderMap, order: &OrderId) -> Response {
    let lang = ctx.lang;
    // The browser that started the payment.
    if let Some((id, token)) = cookie(headers, PAYMENT_COOKIE)
        .as_deref()
        .and_then(|c| c.split_once('.'))
        .map(|(i, t)| (i.to_owned(), t.to_owned()))
        && id == order.as_str()
    {
        match found(app.engine.order_with_token(order, &token).await) {
            Ok(Some(_)) => return Redirect::to(&order_url(order, &token)).into_response(),
            Ok(None) => {}
            // An outage is a 503, not the neutral page of a stranger.
            Err(e) => return refusal(ctx, &e),
        }
    }
    // The order's owner, logged in.
    let doc = match &ctx.account {
        Some(_) => match found(app.engine.order(order).await) {
            Ok(doc) => doc,
            Err(e) => return refusal(ctx, &e),
        },
        None => None,
    };
    if let Some(a) = &ctx.account
        && let Some(doc) = doc
        && doc
            .order
            .customer
            .as_ref()
            .is_some_and(|c| c.as_str() == a.id)
    {
        return Redirect::to(&format!("/orders/{order}")).into_response();
    }
    let body = html! {
        p role="status" { (t(lang, "payment_received")) }
        p { a href="/account/login" { (t(lang, "login")) } " · " a href="/" { (t(lang, "title")) } }
    };
    with_lang_cookie(lang, layout(ctx, t(lang, "pay"), body))
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
