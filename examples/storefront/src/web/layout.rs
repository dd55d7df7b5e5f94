//! The frame of every page (header, language and currency links, the style sheet) and the
//! small pieces many pages show: prices, statuses, availability.

use super::*;

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
pub(crate) fn layout_keeping(ctx: &Ctx, title: &str, body: Markup, keep: &str) -> Markup {
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

pub(crate) fn page(lang: Lang, title: &str, links: Markup, body: Markup, keep: &str) -> Markup {
    page_with(lang, title, &super::seo::Meta::default(), links, body, keep)
}

/// [`page`] with what search engines read of it (`meta`).
pub(crate) fn page_with(
    lang: Lang,
    title: &str,
    meta: &super::seo::Meta,
    links: Markup,
    body: Markup,
    keep: &str,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(page_dir(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, "title")) }
                (super::seo::head(lang, meta))
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
h1,h2,h3,bdi{overflow-wrap:anywhere}.big{font-size:1.3rem;padding:.8rem 1.4rem;margin:.3rem 0}.box{border:1px solid #ddd;border-radius:.5rem;padding:.8rem;margin:.8rem 0}\
@media print{header,nav,form,.button{display:none}.transfer-box{border:2px solid #000}}";

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

/// [`layout`] with what search engines and link previews read of the page (`meta`: description,
/// canonical address, language alternates, Open Graph, JSON-LD), written into its `<head>`.
pub(crate) fn layout_meta(ctx: &Ctx, title: &str, meta: &super::seo::Meta, body: Markup) -> Markup {
    let page = layout(ctx, title, body).into_string();
    let tags = super::seo::head(ctx.lang, meta).into_string();
    // The first `</head>` ends the head: the title and body text before it are escaped.
    match page.find("</head>") {
        Some(at) => maud::PreEscaped(format!("{}{tags}{}", &page[..at], &page[at..])),
        None => maud::PreEscaped(page),
    }
}
