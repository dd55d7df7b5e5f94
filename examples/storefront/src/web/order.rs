//! The order page (opened by its private link or from the account) and the payment cookie.

use super::*;

/// `/orders/{id}?t=…`: the order's link for a guest, with its access token (never the e-mail).
pub fn order_url(order: &OrderId, token: &str) -> String {
    format!("/orders/{order}?t={token}")
}

/// The cookie naming the order whose card payment this browser started, with its token:
/// HttpOnly, SameSite=Lax, path `/cmi`, one hour (Secure over HTTPS). CMI's return opens the
/// order only in the browser that holds it.
pub(super) const PAYMENT_COOKIE: &str = "cmi_order";

pub(super) fn set_payment_cookie(
    app: &App,
    mut r: Response,
    order: &OrderId,
    token: &str,
) -> Response {
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

pub(super) async fn order_page(
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
        Some(token) => match found(app.engine.orders().order_with_token(&id, token).await) {
            Ok(doc) => doc,
            Err(e) => return refusal(&ctx, &e),
        },
        None => None,
    };
    let via_token = by_link.is_some();
    let doc = match by_link {
        Some(doc) => doc,
        None => {
            let doc = match app.engine.orders().order(&id).await {
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
        if let Ok(s) = app.engine.catalog().seller(&so.seller_id).await {
            sellers.insert(so.seller_id.clone(), s.name);
        }
    }
    let token = via_token.then(|| doc.access_token.as_str());
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
            }
        }
        (super::aftercare::order_actions(&ctx, &doc, token))
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

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new().route("/orders/{id}", get(order_page))
}
