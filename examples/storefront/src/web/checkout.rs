//! Checkout and payment pages: the address form, placing the order, the order page (with its
//! access token), and the CMI callback and return.

use super::*;

pub(super) fn address_form(ctx: &Ctx) -> Markup {
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

pub(super) async fn checkout_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(lang, layout(&ctx, t(lang, "checkout"), address_form(&ctx)))
}

#[derive(Deserialize)]
pub(super) struct AddressForm {
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

pub(super) async fn checkout_address(
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
    let options = match app
        .engine
        .checkout()
        .shipping_quotes(&cart, &f.address())
        .await
    {
        Ok(o) => o,
        Err(e) => {
            return refusal(&ctx, &e);
        }
    };
    let mut names = HashMap::new();
    for o in &options {
        if let Ok(s) = app.engine.catalog().seller(&o.seller_id).await {
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

pub(super) async fn checkout_place(
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
            let sel = ShippingSelection::new(carrier, service);
            if let Err(e) = app
                .engine
                .checkout()
                .choose_shipping(&cart, address.clone(), &seller, sel, None)
                .await
            {
                return refusal(&ctx, &e);
            }
        }
    }
    let placed = app
        .engine
        .checkout()
        .place_order_from(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart },
                f.email.clone(),
                address,
                get("payment"),
                lang,
            ),
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
