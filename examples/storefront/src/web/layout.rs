//! The frame of every page (header, language and currency links, the style sheet) and the
//! small pieces many pages show: prices, statuses, availability.

use super::*;

/// The page. Its language is not stored: only a choice is (the header's switch, a `?lang=`
/// link; see [`crate::ctx::page_lang`]). Writing the page's language here turned a guess
/// from the browser's `Accept-Language` into a sticky choice that beat the account's language
/// (a headless Chromium asks for `en-US` whatever it is told, so a seller whose account speaks
/// Arabic got an English portal after logging in).
pub fn with_lang_cookie(_lang: Lang, page: Markup) -> Response {
    page.into_response()
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

/// What the frame of a page shows beyond the page itself: the number of items in the
/// visitor's cart and the search they typed. Read once per request by [`frame`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Frame {
    /// Units in the visitor's open cart.
    pub(crate) cart_count: u32,
    /// The search box's text (`q` of the address), kept in the box.
    pub(crate) query: String,
    /// The page's path and query but `lang`: where the language switch sends the visitor
    /// back.
    pub(crate) here: String,
    /// The form token of the visitor (the session's, or the guest's cookie), for the
    /// language switch; empty outside the guard (its own error pages).
    pub(crate) csrf: String,
}

tokio::task_local! {
    static FRAME: std::cell::RefCell<Frame>;
}

/// The request just closed the visitor's cart (an order placed from it): the page it answers
/// with shows an empty cart in its header (the count was read before the order was placed).
pub(crate) fn cart_closed() {
    let _ = FRAME.try_with(|f| f.borrow_mut().cart_count = 0);
}

/// The middleware that reads the `Frame` of a request (the cart's count, the search) so that
/// every page's header shows them. A cart that cannot be read counts as empty here: the page
/// itself reports the failure.
pub async fn frame(
    State(app): State<App>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Images are no pages: no header to fill, no database read.
    let path = req.uri().path();
    if path.starts_with("/images/")
        || path.starts_with("/media/")
        || crate::media::is_private_photo_path(path)
    {
        return next.run(req).await;
    }
    // One read of the cart (none without a cart cookie): only an open cart counts.
    let cart_count = match crate::cookies::shop_cookie(&app, req.headers(), "cart")
        .and_then(|c| CartId::new(c).ok())
    {
        Some(id) => match app.engine.carts().cart(&id).await {
            Ok(doc) if doc.status == tijara::docs::CartStatus::Open => {
                doc.cart.lines().iter().map(|l| l.quantity).sum()
            }
            _ => 0,
        },
        None => 0,
    };
    let query = req
        .uri()
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.chars().take(200).collect::<String>())
        })
        .unwrap_or_default();
    let here = match req.uri().query() {
        Some(q) => {
            let kept: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                req.uri().path().to_owned()
            } else {
                let q = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(kept)
                    .finish();
                format!("{}?{q}", req.uri().path())
            }
        }
        None => req.uri().path().to_owned(),
    };
    let csrf = match req.extensions().get::<crate::ctx::LiveSession>() {
        Some(crate::ctx::LiveSession(Some((session, _)), _)) => session.csrf.clone(),
        _ => req
            .extensions()
            .get::<crate::ctx::GuestCsrf>()
            .map(|g| g.0.clone())
            .unwrap_or_default(),
    };
    let frame = Frame {
        cart_count,
        query,
        here,
        csrf,
    };
    FRAME
        .scope(std::cell::RefCell::new(frame), next.run(req))
        .await
}

/// The page's path and query but `lang` (empty outside a request's frame).
pub(crate) fn current_here() -> String {
    current_frame().here
}

fn current_frame() -> Frame {
    FRAME.try_with(|f| f.borrow().clone()).unwrap_or_default()
}

/// The shop's logo: a tent on a dune by the sea.
fn logo() -> Markup {
    maud::PreEscaped(r##"<svg viewBox="0 0 40 40" aria-hidden="true"><circle cx="20" cy="20" r="20" fill="#1b4168"/><path d="M4 29c6-3 12-3 16 0s10 3 16 0v5a18 18 0 0 1-32 0z" fill="#e2c28f"/><path d="M9 27 20 11l11 16z" fill="#a8442a"/><path d="M20 11v16l-4 0z" fill="#8c3520"/><circle cx="29" cy="11" r="3" fill="#f3d9a4"/></svg>"##.into())
}

/// A bag, for the cart link.
fn bag_icon() -> Markup {
    maud::PreEscaped(r##"<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M5 8h14l-1 12H6z"/><path d="M9 8V6a3 3 0 0 1 6 0v2"/></svg>"##.into())
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
    let frame = current_frame();
    let ui = ui_lang(lang);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(page_dir(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, "title")) }
                (super::seo::head(lang, meta))
                link rel="stylesheet" href=(assets().css_path);
                meta name="theme-color" content="#1b4168";
            }
            body {
                div.topbar {
                    nav.langs aria-label=(t(lang, "language")) {
                        (language_switch(ui, &frame, keep))
                    }
                    nav.currencies aria-label=(t(lang, "currency")) { a href={ "?cur=MAD" (keep) } { "MAD" } a href={ "?cur=EUR" (keep) } { "€" } a href={ "?cur=USD" (keep) } { "$" } }
                }
                header.site-header {
                    div.bar {
                        a.brand href="/" { (logo()) span { (t(lang, "title")) } }
                        nav.head-links aria-label=(t(lang, "account")) { (links) }
                        a.cart-link href="/cart" aria-label={ (t(lang, "cart")) " (" (frame.cart_count) ")" } {
                            (bag_icon()) span.label { (t(lang, "cart")) }
                            @if frame.cart_count > 0 { span.count { (frame.cart_count) } }
                        }
                        form.search action="/" method="get" role="search" {
                            input name="q" type="search" value=(frame.query) aria-label=(t(lang, "search")) placeholder=(t(lang, "search_hint"));
                            button type="submit" { (t(lang, "search")) }
                        }
                    }
                }
                main { (body) }
                footer.site-footer {
                    div.inner {
                        nav aria-label=(t(lang, "title")) {
                            a href="/" { (t(lang, "home")) }
                            a href="/artisans" { (t(lang, "artisans")) }
                            a href="/cart" { (t(lang, "cart")) }
                            a href="/track" { (t(lang, "ac_track")) }
                            a href="/account" { (t(lang, "account")) }
                            a href="/sell" { (t(lang, "sell")) }
                        }
                        (super::seo::footer_links(lang))
                        p.small { (t(lang, "footer_note")) }
                    }
                }
            }
        }
    }
}

/// The header's language switch: one form posting to `/lang` (the chosen language's button,
/// the page to come back to, the form token), so choosing saves the preference and a link
/// followed by a crawler or a prefetcher saves nothing. Outside the guard (its own error
/// pages, without a form token) plain `?lang=` links show the page in another language.
fn language_switch(ui: Lang, frame: &Frame, keep: &str) -> Markup {
    // (the language's code, its name in itself, whether the page is in it)
    let mut langs: Vec<(String, String, bool)> = [
        (Lang::AR, "العربية"),
        (Lang::FR, "Français"),
        (Lang::EN, "English"),
    ]
    .into_iter()
    .map(|(l, name)| (l.code().to_string(), name.to_owned(), ui == l))
    .collect();
    langs.extend(
        other_langs()
            .into_iter()
            .map(|l| (l.to_string(), l.to_string(), false)),
    );
    if frame.csrf.is_empty() {
        return html! {
            @for (code, name, current) in &langs {
                a href={ "?lang=" (code) (keep) } lang=(code) aria-current=[current.then_some("true")] { (name) }
            }
        };
    }
    let back = if frame.here.is_empty() {
        "/"
    } else {
        frame.here.as_str()
    };
    html! {
        form.switch method="post" action="/lang" {
            input type="hidden" name="csrf" value=(frame.csrf);
            input type="hidden" name="back" value=(back);
            @for (code, name, current) in &langs {
                button type="submit" name="lang" value=(code) lang=(code) aria-current=[current.then_some("true")] { (name) }
            }
        }
    }
}

/// The shop's static files, each at an address that names its content (so they are cached
/// for a year and a new version is a new address).
pub(crate) struct Assets {
    /// The style sheet's address.
    pub(crate) css_path: String,
    /// (file name under `/assets/`, content type, bytes).
    files: Vec<(String, &'static str, std::borrow::Cow<'static, [u8]>)>,
}

const FONTS: [(&str, &[u8]); 3] = [
    (
        "naskh-regular",
        include_bytes!("../../assets/fonts/naskh-regular.woff2"),
    ),
    (
        "naskh-bold",
        include_bytes!("../../assets/fonts/naskh-bold.woff2"),
    ),
    (
        "kufi-bold",
        include_bytes!("../../assets/fonts/kufi-bold.woff2"),
    ),
];

fn content_name(name: &str, ext: &str, bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let hash = hex::encode(sha2::Sha256::digest(bytes));
    format!("{name}-{}.{ext}", &hash[..12])
}

static ASSETS: std::sync::LazyLock<Assets> = std::sync::LazyLock::new(|| {
    let mut css = include_str!("../../assets/site.css").to_owned();
    let mut files = Vec::new();
    for (name, bytes) in FONTS {
        let file = content_name(name, "woff2", bytes);
        css = css.replace(&format!("{{{{{name}}}}}"), &format!("/assets/{file}"));
        files.push((file, "font/woff2", std::borrow::Cow::Borrowed(bytes)));
    }
    // The artisan's guide's screenshots (portal/guide.rs).
    files.extend(crate::portal::guide::assets());
    let css_file = content_name("site", "css", css.as_bytes());
    files.push((
        css_file.clone(),
        "text/css; charset=utf-8",
        std::borrow::Cow::Owned(css.into_bytes()),
    ));
    Assets {
        css_path: format!("/assets/{css_file}"),
        files,
    }
});

/// The shop's static files (the style sheet and its fonts).
pub(crate) fn assets() -> &'static Assets {
    &ASSETS
}

/// `GET /assets/{file}`: a style sheet or font by its content-named address, cached for a
/// year (`immutable`); any other name is a 404.
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    match assets().files.iter().find(|(name, ..)| *name == file) {
        Some((_, mime, bytes)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => ([(header::CACHE_CONTROL, "no-store")], StatusCode::NOT_FOUND).into_response(),
    }
}

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
        "packed" => (
            "emballé, en attente du transporteur",
            "معبأ، في انتظار الناقل",
            "packed, waiting for the carrier",
        ),
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

/// The status to show of a seller's part: `packed` while its label is made and no carrier
/// has the parcel yet (the part is `shipped` for the engine from the label on, which would
/// tell the shopper and the artisan it has left while it is still on her table), else the
/// part's own.
pub fn part_status(
    doc: &tijara::docs::OrderDoc,
    part: &tijara_core::order::SellerOrder,
) -> &'static str {
    let waiting = part.status() == tijara_core::order::FulfillmentStatus::Shipped
        && doc
            .shipments
            .iter()
            .find(|s| s.seller_order_id == part.id)
            .is_some_and(|s| s.status() == tijara_core::fulfillment::TrackingStatus::LabelCreated);
    if waiting {
        "packed"
    } else {
        part.status().as_str()
    }
}

/// What a shopper is told about a variant's stock.
pub fn availability_text(lang: Lang, a: &Availability) -> String {
    match a {
        Availability::InStock { available } => format!("{} ({available})", t(lang, "in_stock")),
        Availability::OutOfStock => t(lang, "out").to_owned(),
        Availability::MadeToOrder { lead_days } => made_in(lang, *lead_days),
        _ => t(lang, "in_stock").to_owned(),
    }
}

/// A price in MAD, with the indicative amount in the visitor's display currency beside it.
pub fn price(ctx: &Ctx, m: &tijara_core::Money) -> Markup {
    let lang = ctx.lang;
    let shown = ctx.display.and_then(|r| r.convert(*m).ok());
    html! {
        bdi.money { (m.format(lang)) }
        @if let Some(d) = shown { " " span.muted title=(t(lang, "abroad")) { "≈ " bdi.money { (d.amount.format(lang)) } } }
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

/// "Made to order in N days" in the shopper's words.
pub fn made_in(lang: Lang, days: u16) -> String {
    t(lang, "made_in").replace("{n}", &days.to_string())
}

/// The shopper-facing availability as a line with its tone (`in`, `out`, `lead`).
pub fn availability_line(lang: Lang, a: &Availability) -> Markup {
    let tone = match a {
        Availability::OutOfStock => "avail out",
        Availability::MadeToOrder { .. } => "avail lead",
        _ => "avail in",
    };
    html! { p class=(tone) { (availability_text(lang, a)) } }
}

/// A status as a coloured badge (`code` is also its class, so the style sheet colours it).
pub fn status_badge(lang: Lang, code: &str) -> Markup {
    html! { span class={ "badge " (code) } { (status_word(lang, code)) } }
}

/// The routes of the shop's static files (outside the session guard: no cookie, no database).
pub fn asset_routes() -> Router<App> {
    Router::new().route("/assets/{file}", get(asset))
}
