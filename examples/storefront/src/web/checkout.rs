//! Checkout and payment pages: the address form, placing the order, the order page (with its
//! access token), and the CMI callback and return.

use super::order::set_payment_cookie;
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

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/checkout", get(checkout_page).post(checkout_address))
        .route("/checkout/place", post(checkout_place))
}
