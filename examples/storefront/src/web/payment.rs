//! CMI's callback and the browser's return from the bank's page.

use super::*;

use super::order::{PAYMENT_COOKIE, order_url};

pub(super) async fn cmi_callback(
    State(app): State<App>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let request = NotificationRequest::form(fields);
    match app
        .engine
        .payments()
        .handle_notification("cmi", &request)
        .await
    {
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
pub(super) async fn cmi_return(ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> Response {
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
pub(super) struct ReturnQuery {
    order: String,
}

/// `GET /cmi/return?order=`: only the browser that started the payment (its payment cookie
/// names this order with its token) or the order's logged-in owner is sent to the order; anyone
/// else gets a neutral page, so an attempt id reveals nothing.
pub(super) async fn cmi_return_get(
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

pub(super) async fn payment_return(
    app: &App,
    ctx: &Ctx,
    headers: &HeaderMap,
    order: &OrderId,
) -> Response {
    let lang = ctx.lang;
    // The browser that started the payment.
    if let Some((id, token)) = cookie(headers, PAYMENT_COOKIE)
        .as_deref()
        .and_then(|c| c.split_once('.'))
        .map(|(i, t)| (i.to_owned(), t.to_owned()))
        && id == order.as_str()
    {
        match found(app.engine.orders().order_with_token(order, &token).await) {
            Ok(Some(_)) => return Redirect::to(&order_url(order, &token)).into_response(),
            Ok(None) => {}
            // An outage is a 503, not the neutral page of a stranger.
            Err(e) => return refusal(ctx, &e),
        }
    }
    // The order's owner, logged in.
    let doc = match &ctx.account {
        Some(_) => match found(app.engine.orders().order(order).await) {
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

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/cmi/callback", post(cmi_callback))
        .route("/cmi/ok", post(cmi_return))
        .route("/cmi/fail", post(cmi_return))
        .route("/cmi/return", get(cmi_return_get))
}
