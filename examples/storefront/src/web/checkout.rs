//! Checkout: the address form (a city picker that works without JavaScript, the country as a
//! named list), the delivery and payment choice, the review of what the order will charge, and
//! placing the order. The address, e-mail and choices are kept in the cart, so a change of
//! language (or a return to a step) keeps them.

use super::*;
use std::collections::HashSet;
use tijara::docs::CartDoc;
use tijara::usecases::checkout::{CheckoutReview, SellerShippingOptions};
use tijara_core::Money;
use tijara_core::payment::PaymentMethod;

/// The countries of the form's list, Morocco first, then its neighbours and the countries
/// shoppers of the region most often send to (names in `words/checkout.rs`, `country_XX`).
const COUNTRIES: [&str; 20] = [
    "MA", "MR", "SN", "DZ", "TN", "FR", "ES", "PT", "BE", "NL", "DE", "IT", "GB", "CH", "CA", "US",
    "AE", "SA", "QA", "JP",
];

/// The payment choices offered, by gateway code, with their words.
const PAYMENTS: [(&str, &str); 3] = [("cmi", "card"), ("cod", "cod"), ("transfer", "transfer")];

/// A country's name in the page's language (its code when the list does not have it).
fn country_name(lang: Lang, code: &str) -> String {
    match t(lang, &format!("country_{code}")) {
        "" => code.to_owned(),
        name => name.to_owned(),
    }
}

/// An address's lines for a page read in `lang`: the street lines, then the locality as its
/// country writes it with the city named in `lang` when the region lists it (not the label's
/// capitals), then the country's name in `lang`.
pub(crate) fn address_lines(app: &App, lang: Lang, a: &Address) -> Vec<String> {
    let city = city_in(app, lang, a);
    let country = country_name(lang, &a.country);
    let mut lines = vec![a.line1.clone()];
    lines.extend(a.line2.clone().filter(|l| !l.trim().is_empty()));
    lines.extend(locality(a, &city));
    lines.push(country);
    lines
}

/// The address's city named in `lang` when the region lists it in the address's country, else
/// as typed.
fn city_in(app: &App, lang: Lang, a: &Address) -> String {
    match app.engine.region().city(&a.city) {
        Some(c) if c.country == a.country => c.name_in(lang).to_owned(),
        _ => a.city.clone(),
    }
}

/// The address's locality lines as its country writes them, with `city` as the shopper reads
/// it: `75004 Paris`, `New York NY 10118`, `London` then `SW1A 1AA`, `73000 Dakhla`.
fn locality(a: &Address, city: &str) -> Vec<String> {
    let code = a.postal_code.as_deref().unwrap_or("");
    let state = a.state.as_deref().unwrap_or("");
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    match tijara_core::order::country_rule(&a.country) {
        Some(r) if r.code == "GB" => [city, code]
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| (*p).to_owned())
            .collect(),
        Some(r) if r.postal_after_city => vec![join(&[city, state, code])],
        _ => [join(&[code, city]), state.to_owned()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
    }
}

/// A carrier's delivery estimate to the shopper's destination (`place`: the country abroad,
/// else the city), in the page's language: "Délai estimé (France) : 8 à 14 jours".
fn estimate(lang: Lang, place: &str, days: (u16, u16)) -> Markup {
    let (a, b) = days;
    let span = |from: &str, to: &str| -> Markup {
        html! { @if a == b { bdi { (a) } } @else { (from) bdi { (a) } (to) bdi { (b) } } }
    };
    match ui_lang(lang) {
        Lang::AR => {
            // Arabic counts 3 to 10 days with the plural, 11 and more with the singular.
            let unit = if b <= 10 { "أيام" } else { "يوما" };
            html! { "مدة التوصيل المتوقعة (" bdi { (place) } "): " (span("من ", " إلى ")) " " (unit) }
        }
        Lang::EN => {
            html! { "Estimated delivery (" bdi { (place) } "): " (span("", " to ")) " days" }
        }
        _ => html! { "Délai estimé (" bdi { (place) } ")\u{a0}: " (span("", " à ")) " jours" },
    }
}

/// The address form's fields, as typed (or as kept in the cart).
#[derive(Deserialize, Default, Clone)]
pub(super) struct AddressForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// The city the shopper chose when asked "did you mean…?" (`keep`: the one typed).
    #[serde(default)]
    city_pick: String,
    /// The city typed when the question was asked: sent again unchanged, it is kept.
    #[serde(default)]
    city_seen: String,
}

impl AddressForm {
    fn address(&self) -> Address {
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Address {
            name: self.name.trim().into(),
            line1: self.line1.trim().into(),
            line2: optional(&self.line2),
            city: self.city.trim().into(),
            postal_code: optional(&self.postal_code),
            state: optional(&self.state),
            country: self.country.trim().to_uppercase(),
            phone: self.phone.trim().into(),
        }
    }

    /// The form filled from the cart's kept address and e-mail (the city in the page's
    /// language), else the account's e-mail.
    fn from_cart(app: &App, ctx: &Ctx, doc: Option<&CartDoc>) -> AddressForm {
        let account_email = ctx.account.as_ref().map(|a| a.email.clone());
        let email = doc
            .and_then(|d| d.email.clone())
            .or(account_email)
            .unwrap_or_default();
        let Some(a) = doc.and_then(|d| d.address.as_ref()) else {
            return AddressForm {
                country: "MA".into(),
                email,
                ..AddressForm::default()
            };
        };
        AddressForm::from_address(app, ctx.lang, a, email)
    }

    /// The form filled with `a` (its city named in `lang` when the region lists it).
    fn from_address(app: &App, lang: Lang, a: &Address, email: String) -> AddressForm {
        let city = city_in(app, lang, a);
        AddressForm {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone().unwrap_or_default(),
            city,
            postal_code: a.postal_code.clone().unwrap_or_default(),
            state: a.state.clone().unwrap_or_default(),
            country: a.country.clone(),
            phone: a.phone.clone(),
            email,
            ..AddressForm::default()
        }
    }
}

/// Chooses each seller's delivery service the form names (`ship_<seller>` = `carrier/service`;
/// the price is quoted again by the engine).
async fn choose_from_form(
    app: &App,
    cart: &CartId,
    address: &Address,
    form: &HashMap<String, String>,
) -> Result<(), TijaraError> {
    for (k, v) in form {
        if let (Some(seller), Some((carrier, service))) =
            (k.strip_prefix("ship_"), v.split_once('/'))
            && let Ok(seller) = SellerId::new(seller.to_owned())
        {
            app.engine
                .checkout()
                .choose_shipping(
                    cart,
                    address.clone(),
                    &seller,
                    ShippingSelection::new(carrier, service),
                    None,
                )
                .await?;
        }
    }
    Ok(())
}

/// The form field an address refusal is about, so its message shows beside it.
fn error_field(e: &TijaraError) -> Option<&'static str> {
    use tijara_core::order::OrderError as O;
    match e {
        TijaraError::Order(O::PostalCodeRequired { .. } | O::BadPostalCode { .. }) => {
            Some("postal_code")
        }
        TijaraError::Order(O::StateRequired { .. } | O::BadState { .. }) => Some("state"),
        TijaraError::Order(O::BadPhone) => Some("phone"),
        TijaraError::Order(O::BadCountry) => Some("country"),
        TijaraError::Order(
            O::Address(f) | O::AddressTooLong { field: f, .. } | O::AddressControl(f),
        ) => Some(f),
        TijaraError::BadEmail { .. } => Some("email"),
        _ => None,
    }
}

/// The address form, filled with `f`, with `error` above it when the last try was refused.
fn address_form(app: &App, ctx: &Ctx, f: &AddressForm, error: Option<&str>) -> Markup {
    address_form_at(app, ctx, f, error, None)
}

/// [`address_form`] with the refused field (`field`) marked and the message beside it too.
fn address_form_at(
    app: &App,
    ctx: &Ctx,
    f: &AddressForm,
    error: Option<&str>,
    field: Option<&str>,
) -> Markup {
    address_form_asking(app, ctx, f, error, field, None)
}

/// [`address_form_at`] asking, beside the city, whether the shopper meant `near` (a listed
/// city a typo away from what was typed): one button takes it, the other keeps the city typed.
fn address_form_asking(
    app: &App,
    ctx: &Ctx,
    f: &AddressForm,
    error: Option<&str>,
    field: Option<&str>,
    near: Option<&tijara_core::region::City>,
) -> Markup {
    let lang = ctx.lang;
    let bad = |name: &str| field == Some(name);
    let note = |name: &str| -> Markup {
        html! { @if field == Some(name) { @if let Some(e) = error { span.error.field-error id={ "err-" (name) } { (e) } } } }
    };
    let country = if f.country.trim().is_empty() {
        "MA".to_owned()
    } else {
        f.country.trim().to_uppercase()
    };
    let mut cities: Vec<&str> = app
        .engine
        .region()
        .cities
        .iter()
        .map(|c| c.name_in(lang))
        .collect();
    cities.sort_unstable();
    html! {
        form method="post" action="/checkout" {
            (ctx.csrf_field())
            h2 { (t(lang, "address")) }
            @if let Some(e) = error { p.error role="alert" { (e) " " (t(lang, "fix_below")) } }
            label { (t(lang, "name")) input name="name" value=(f.name) autocomplete="name" required maxlength="100" dir="auto" aria-invalid=[bad("name").then_some("true")]; (note("name")) }
            label { (t(lang, "line1")) input name="line1" value=(f.line1) autocomplete="address-line1" required maxlength="200" dir="auto" aria-invalid=[bad("line1").then_some("true")]; (note("line1")) }
            label { (t(lang, "line2")) input name="line2" value=(f.line2) autocomplete="address-line2" maxlength="200" dir="auto"; }
            label { (t(lang, "city"))
                input name="city" list="cities" value=(f.city) autocomplete="address-level2" required maxlength="100" dir="auto" aria-describedby=[near.map(|_| "city-question")];
                small.muted { (t(lang, "city_hint")) }
            }
            @if let Some(c) = near {
                div.notice #city-question role="status" {
                    p { (t(lang, "city_unknown_1")) " « " bdi { (f.city.trim()) } " ». " (t(lang, "city_did_you_mean")) " " strong { (c.name_in(lang)) } (t(lang, "qmark")) }
                    p.small { (t(lang, "city_why")) }
                    input type="hidden" name="city_seen" value=(f.city.trim());
                    p.actions {
                        button type="submit" name="city_pick" value=(c.name) { (t(lang, "city_yes")) " " (c.name_in(lang)) }
                        " "
                        button.secondary type="submit" name="city_pick" value="keep" { (t(lang, "city_keep")) " « " bdi { (f.city.trim()) } " »" }
                    }
                }
            }
            datalist #cities { @for c in &cities { option value=(c) {} } }
            label { (t(lang, "country"))
                select name="country" autocomplete="country" required aria-invalid=[bad("country").then_some("true")] {
                    @for code in COUNTRIES { option value=(code) selected[code == country] { (country_name(lang, code)) } }
                }
                (note("country"))
            }
            label { (t(lang, "postal_code")) input name="postal_code" value=(f.postal_code) autocomplete="postal-code" maxlength="16" dir="ltr" aria-invalid=[bad("postal_code").then_some("true")] aria-describedby="postal-hint";
                small.muted #postal-hint { (t(lang, "postal_hint"))
                    @if let Some(r) = tijara_core::order::country_rule(&country).filter(|r| !r.example.is_empty()) {
                        " " (t(lang, "example")) " " bdi dir="ltr" { (r.example) }
                    }
                }
                (note("postal_code"))
            }
            label { (t(lang, "state")) input name="state" value=(f.state) autocomplete="address-level1" maxlength="64" dir="ltr" aria-invalid=[bad("state").then_some("true")];
                small.muted { (t(lang, "state_hint")) }
                (note("state"))
            }
            label { (t(lang, "phone")) input name="phone" type="tel" autocomplete="tel" value=(f.phone) required maxlength="32" dir="ltr" aria-invalid=[bad("phone").then_some("true")];
                small.muted { (t(lang, "phone_hint")) }
                (note("phone"))
            }
            label { (t(lang, "email")) input name="email" type="email" value=(f.email) autocomplete="email" required aria-invalid=[bad("email").then_some("true")]; (note("email")) }
            button type="submit" { (t(lang, "continue")) }
        }
    }
}

/// The cart's document, `None` when the visitor has no open cart.
async fn cart_doc(
    app: &App,
    headers: &HeaderMap,
) -> Result<Option<(CartId, CartDoc)>, TijaraError> {
    let Some(id) = cart_of(app, headers).await? else {
        return Ok(None);
    };
    Ok(found(app.engine.carts().cart(&id).await)?.map(|d| (id, d)))
}

pub(super) async fn checkout_page(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Response {
    let lang = ctx.lang;
    let doc = match cart_doc(&app, &headers).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let mut form = AddressForm::from_cart(&app, &ctx, doc.as_ref().map(|(_, d)| d));
    // Nothing kept in the cart yet: the logged-in shopper's default saved address.
    if form.name.is_empty()
        && let Some(a) = crate::account::default_address(&app, &ctx).await
    {
        form = AddressForm::from_address(&app, lang, &a, form.email);
    }
    with_lang_cookie(
        lang,
        layout(
            &ctx,
            t(lang, "checkout"),
            address_form(&app, &ctx, &form, None),
        ),
    )
}

/// The form again, with what was refused: 422, nothing kept.
fn form_refused(app: &App, ctx: &Ctx, f: &AddressForm, message: &str) -> Response {
    form_refused_at(app, ctx, f, message, None)
}

/// [`form_refused`] with the refused field marked and its message beside it.
fn form_refused_at(
    app: &App,
    ctx: &Ctx,
    f: &AddressForm,
    message: &str,
    field: Option<&str>,
) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        layout(
            ctx,
            t(ctx.lang, "checkout"),
            address_form_at(app, ctx, f, Some(message), field),
        ),
    )
        .into_response()
}

/// An address refusal: the form again with the message above it and beside its field.
fn refused_field(app: &App, ctx: &Ctx, f: &AddressForm, e: &TijaraError) -> Response {
    form_refused_at(app, ctx, f, explain(ctx.lang, e), error_field(e))
}

/// Whether the shopper can fix `e` in the address form (an address, phone or e-mail refused).
fn is_form_error(e: &TijaraError) -> bool {
    matches!(e, TijaraError::Order(_) | TijaraError::BadEmail { .. })
}

async fn seller_names(
    app: &App,
    sellers: impl Iterator<Item = &SellerId>,
) -> HashMap<SellerId, String> {
    let mut names = HashMap::new();
    for s in sellers {
        if let Ok(seller) = app.engine.catalog().seller(s).await {
            names.insert(s.clone(), seller.name);
        }
    }
    names
}

/// The page saying no carrier delivers some seller's parcel to the address, with the form to
/// correct it (422).
async fn no_carrier_page(
    app: &App,
    ctx: &Ctx,
    f: &AddressForm,
    city: &str,
    sellers: &[SellerId],
) -> Response {
    let lang = ctx.lang;
    let names = seller_names(app, sellers.iter()).await;
    let body = html! {
        h1 { (t(lang, "no_carrier_title")) }
        div.error role="alert" {
            @for s in sellers {
                p { strong { bdi { (names.get(s).map(String::as_str).unwrap_or(s.as_str())) } } " : " (t(lang, "no_carrier_for")) " " strong { bdi { (city) } } "." }
            }
            p { (t(lang, "no_carrier_next")) }
        }
        (address_form(app, ctx, f, None))
        p { a.button href="/cart" { (t(lang, "cart")) } }
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        layout(ctx, t(lang, "no_carrier_title"), body),
    )
        .into_response()
}

pub(super) async fn checkout_address(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AddressForm>,
) -> Response {
    let lang = ctx.lang;
    let (cart, doc) = match cart_doc(&app, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let mut f = f;
    // "Did you mean…?": a listed city chosen takes the place of what was typed ("keep", or the
    // same city sent again unchanged, keeps it); a pick that names no listed city is ignored.
    let region = app.engine.region();
    let keep = f.city_pick == "keep" || (!f.city_seen.is_empty() && f.city_seen == f.city.trim());
    if let Some(c) = tijara_core::region::find_city(&region.cities, &f.city_pick) {
        f.city = c.name.clone();
    }
    let address = f.address();
    if !COUNTRIES.contains(&address.country.as_str()) {
        return form_refused(&app, &ctx, &f, t(lang, "bad_country"));
    }
    if !keep
        && let Some(near) =
            tijara_core::region::near_city(&region.cities, &address.country, &address.city)
    {
        return layout(
            &ctx,
            t(lang, "checkout"),
            address_form_asking(&app, &ctx, &f, None, None, Some(near)),
        )
        .into_response();
    }
    let checkout = app.engine.checkout();
    let options = match checkout.shipping_quotes(&cart, &address).await {
        Ok(o) => o,
        Err(e) if is_form_error(&e) => return refused_field(&app, &ctx, &f, &e),
        Err(e) => return refusal(&ctx, &e),
    };
    let unserved: Vec<SellerId> = options
        .iter()
        .filter(|o| o.options.is_empty())
        .map(|o| o.seller_id.clone())
        .collect();
    if !unserved.is_empty() {
        return no_carrier_page(&app, &ctx, &f, &address.city, &unserved).await;
    }
    if let Err(e) = checkout.set_email(&cart, &f.email, None).await {
        return if is_form_error(&e) {
            refused_field(&app, &ctx, &f, &e)
        } else {
            refusal(&ctx, &e)
        };
    }
    // Keep the address with a service per seller: the one chosen before if still offered,
    // else the cheapest; the next page lets the shopper change it.
    for o in &options {
        let kept = doc.shipping.get(&o.seller_id).and_then(|c| {
            o.options
                .iter()
                .find(|q| q.carrier == c.carrier && q.service == c.service)
        });
        let Some(q) = kept.or(o.options.first()) else {
            continue;
        };
        let sel = ShippingSelection::new(q.carrier.clone(), q.service.clone());
        if let Err(e) = checkout
            .choose_shipping(&cart, address.clone(), &o.seller_id, sel, None)
            .await
        {
            // A line without customs data abroad: say so on the form (nothing was kept).
            if matches!(e, TijaraError::Customs(_)) {
                return form_refused(&app, &ctx, &f, explain(lang, &e));
            }
            return refusal(&ctx, &e);
        }
    }
    let abroad = app.engine.region().is_abroad(&address.country);
    delivery_response(&app, &ctx, &cart, if abroad { "cmi" } else { "cod" }).await
}

#[derive(Deserialize)]
pub(super) struct PayQuery {
    #[serde(default)]
    pay: Option<String>,
}

/// The delivery and payment step, from the cart's kept address (GET, e.g. "Change" on the
/// review page).
async fn delivery_page(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<PayQuery>,
) -> Response {
    let cart = match cart_of(&app, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let pay = q.pay.unwrap_or_else(|| "cod".into());
    delivery_response(&app, &ctx, &cart, &pay).await
}

async fn delivery_response(app: &App, ctx: &Ctx, cart: &CartId, pay: &str) -> Response {
    let lang = ctx.lang;
    let doc = match app.engine.carts().cart(cart).await {
        Ok(d) => d,
        Err(e) => return refusal(ctx, &e),
    };
    let Some(address) = doc.address.clone() else {
        return Redirect::to("/checkout").into_response();
    };
    let mut options = match app.engine.checkout().shipping_quotes(cart, &address).await {
        Ok(o) => o,
        Err(e) => return refusal(ctx, &e),
    };
    let names = seller_names(app, options.iter().map(|o| &o.seller_id)).await;
    let city = match app.engine.region().city(&address.city) {
        Some(c) => c.name_in(lang).to_owned(),
        None => address.city.clone(),
    };
    let abroad = app.engine.region().is_abroad(&address.country);
    // Cash on delivery is never offered abroad: card first there.
    let pay = if abroad && pay == "cod" { "cmi" } else { pay };
    // Abroad, each option shows what the shopper will pay: a TVA-registered seller's delivery
    // is exempt as an export (the price pricing charges, from the same rule).
    let mut untaxed = HashSet::new();
    if abroad {
        let now = app.engine.now();
        for o in &mut options {
            let Ok(seller) = app.engine.catalog().seller(&o.seller_id).await else {
                continue;
            };
            for q in &mut o.options {
                let paid = tijara_core::pricing::delivery_price(
                    app.engine.region(),
                    &seller.tax_status,
                    Some(&address.country),
                    now,
                    q.price,
                );
                if let Ok(paid) = paid
                    && paid != q.price
                {
                    q.price = paid;
                    untaxed.insert(o.seller_id.clone());
                }
            }
        }
    }
    // Abroad, the estimates name the country (the carriers' zones).
    let country = abroad.then(|| country_name(lang, &address.country));
    let place = Destination {
        city: &city,
        country: country.as_deref(),
        untaxed: &untaxed,
    };
    let body = delivery_form(ctx, &doc, &options, &names, &place, pay);
    with_lang_cookie(
        lang,
        layout_keeping(ctx, t(lang, "checkout"), body, &format!("&pay={pay}")),
    )
}

/// Where the delivery step delivers: the city (in the page's language), the country's name
/// when abroad, and the sellers whose deliveries are priced without TVA (export).
struct Destination<'a> {
    city: &'a str,
    country: Option<&'a str>,
    untaxed: &'a HashSet<SellerId>,
}

fn delivery_form(
    ctx: &Ctx,
    doc: &CartDoc,
    options: &[SellerShippingOptions],
    names: &HashMap<SellerId, String>,
    place: &Destination<'_>,
    pay: &str,
) -> Markup {
    let lang = ctx.lang;
    let city = place.city;
    // The estimates name the country abroad (the carriers' zones), the city at home.
    let to = place.country.unwrap_or(city);
    let abroad = place.country.is_some();
    let comma = if ui_lang(lang) == Lang::AR {
        "، "
    } else {
        ", "
    };
    html! {
        form method="post" action="/checkout/review" {
            (ctx.csrf_field())
            h2 { (t(lang, "shipping")) }
            p { (t(lang, "delivery_to")) " " strong { bdi { (city) } @if abroad { (comma) (to) } } " · " a href="/checkout" { (t(lang, "change")) } }
            @for o in options {
                fieldset.seller-box {
                    legend { (t(lang, "seller_order")) " " (names.get(&o.seller_id).map(String::as_str).unwrap_or(o.seller_id.as_str())) }
                    @let chosen = doc.shipping.get(&o.seller_id);
                    @for (i, q) in o.options.iter().enumerate() {
                        @let checked = match chosen {
                            Some(c) => c.carrier == q.carrier && c.service == q.service,
                            None => i == 0,
                        };
                        label { input type="radio" name={ "ship_" (o.seller_id) } value={ (q.carrier) "/" (q.service) } checked[checked];
                            " " strong { (q.carrier_label()) } " — " bdi { (q.price.format(lang)) }
                            @if place.untaxed.contains(&o.seller_id) { " " small { (t(lang, "untaxed_export")) } }
                            br; small.estimate { (estimate(lang, to, q.estimated_days)) } }
                    }
                }
            }
            @if abroad { p.notice role="note" { (t(lang, "duties_notice")) } }
            h2 { (t(lang, "pay")) }
            @for (code, key) in PAYMENTS {
                @if !(abroad && code == "cod") {
                    label { input type="radio" name="payment" value=(code) checked[code == pay]; " " (t(lang, key)) }
                }
            }
            @if abroad { p.muted { (t(lang, "no_cod_abroad")) } } @else { p.muted { (t(lang, "cod_fee_note")) } }
            button type="submit" { (t(lang, "review_step")) }
        }
    }
}

/// The delivery form posted: keeps each seller's service in the cart, then shows the review.
async fn delivery_chosen(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (cart, doc) = match cart_doc(&app, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let Some(address) = doc.address else {
        return Redirect::to("/checkout").into_response();
    };
    let pay = form.get("payment").map(String::as_str).unwrap_or("");
    if pay == "cod" && app.engine.region().is_abroad(&address.country) {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            explain(
                lang,
                &TijaraError::CodNotAbroad {
                    country: address.country.clone(),
                },
            ),
        );
    }
    if !PAYMENTS.iter().any(|(c, _)| *c == pay)
        || app.engine.checkout().payment_method(pay).is_err()
    {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "bad_payment"),
        );
    }
    if let Err(e) = choose_from_form(&app, &cart, &address, &form).await {
        return refusal(&ctx, &e);
    }
    Redirect::to(&format!("/checkout/review?pay={pay}")).into_response()
}

/// The review: what the order will charge, then "Place the order".
async fn review_page(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<PayQuery>,
) -> Response {
    let lang = ctx.lang;
    let (cart, doc) = match cart_doc(&app, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let Some(address) = doc.address.clone() else {
        return Redirect::to("/checkout").into_response();
    };
    let pay = q.pay.unwrap_or_else(|| "cod".into());
    let method = match PAYMENTS.iter().any(|(c, _)| *c == pay) {
        true => app.engine.checkout().payment_method(&pay).ok(),
        false => None,
    };
    let Some(method) = method else {
        return Redirect::to("/checkout/delivery").into_response();
    };
    let review = match app.engine.checkout().review(&cart, &address, method).await {
        Ok(r) => r,
        Err(TijaraError::ShippingNotChosen { .. } | TijaraError::ShippingOutdated) => {
            return Redirect::to(&format!("/checkout/delivery?pay={pay}")).into_response();
        }
        Err(TijaraError::NoCarrier { seller, city, .. }) => {
            let f = AddressForm::from_cart(&app, &ctx, Some(&doc));
            return no_carrier_page(&app, &ctx, &f, &city, &[seller]).await;
        }
        Err(e) => return refusal(&ctx, &e),
    };
    let body = review_body(&app, &ctx, &review, &pay).await;
    with_lang_cookie(
        lang,
        layout_keeping(&ctx, t(lang, "review_title"), body, &format!("&pay={pay}")),
    )
}

async fn review_body(app: &App, ctx: &Ctx, review: &CheckoutReview, pay: &str) -> Markup {
    let lang = ctx.lang;
    let p = &review.priced;
    let ids: Vec<_> = p.lines.iter().map(|l| l.product_id.clone()).collect();
    let products: HashMap<_, _> = app
        .engine
        .catalog()
        .products(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.product.id.clone(), v))
        .collect();
    let names = seller_names(app, p.sellers.iter().map(|s| &s.seller_id)).await;
    let fees = review.cod_fees().unwrap_or(Money::zero(p.currency));
    let shipping = p
        .grand_total
        .checked_sub(p.items_net)
        .unwrap_or(Money::zero(p.currency));
    let shipping_without_fee = shipping.checked_sub(fees).ok().filter(|m| !m.is_negative());
    let tva = p.tva.total().map(|s| s.tva).ok();
    let a = &review.address;
    let city = match app.engine.region().city(&a.city) {
        Some(c) => c.name_in(lang).to_owned(),
        None => a.city.clone(),
    };
    let cod = review.payment == PaymentMethod::CashOnDelivery;
    let abroad = app.engine.region().is_abroad(&a.country);
    let place = if abroad {
        country_name(lang, &a.country)
    } else {
        city.clone()
    };
    let pay_word = PAYMENTS
        .iter()
        .find(|(c, _)| *c == pay)
        .map_or("", |(_, k)| t(lang, k));
    html! {
        h1 { (t(lang, "review_title")) }
        p.muted { (t(lang, "review_hint")) }
        section.review {
            section.seller-box {
                h2 { (t(lang, "delivery_to")) }
                p { (a.name) br; (a.line1) @if let Some(l2) = &a.line2 { br; (l2) } br;
                    @for l in locality(a, &city) { bdi { (l) } br; }
                    (country_name(lang, &a.country)) br; bdi dir="ltr" { (a.phone) } }
                p { a href="/checkout" { (t(lang, "change")) } }
            }
            @for (s, sr) in p.sellers.iter().zip(&review.sellers) {
                section.seller-box {
                    h2 { (t(lang, "seller_order")) " " (names.get(&s.seller_id).map(String::as_str).unwrap_or(s.seller_id.as_str())) }
                    ul {
                        @for i in &s.lines {
                            @if let Some(l) = p.lines.get(*i) {
                                @let product = products.get(&l.product_id);
                                @let title = product.and_then(|v| v.product.title.get(lang, Lang::AR)).unwrap_or("");
                                li {
                                    @if let Some(photo) = product.and_then(|v| v.product.photos.iter().find(|ph| is_local_media_path(&ph.url))) {
                                        img.thumb src=(crate::media::thumb_url(&photo.url)) alt=(title) width="64" height="64" loading="lazy";
                                    }
                                    span.line-text { (title) " × " bdi { (l.quantity) } " — " bdi { (l.net.format(lang)) } }
                                }
                            }
                        }
                    }
                    @if let (Some(q), Some(ship)) = (&sr.quote, &s.shipping) {
                        @let fee = q.cod_fee.filter(|f| ship.net.checked_sub(*f).is_ok_and(|m| !m.is_negative()));
                        @let plain = fee.and_then(|f| ship.net.checked_sub(f).ok()).unwrap_or(ship.net);
                        p { (t(lang, "delivery_by")) " " strong { (q.carrier_label()) } " — " bdi { (plain.format(lang)) }
                            br; small.estimate { (estimate(lang, &place, q.estimated_days)) } }
                        @if let Some(fee) = fee { p { (t(lang, "cod_fee")) " — " bdi { (fee.format(lang)) } } }
                    }
                    p { strong { (t(lang, "total")) " " bdi { (s.total.format(lang)) } } }
                }
            }
            dl.totals {
                dt { (t(lang, "items")) } dd { bdi { (p.items_net.format(lang)) } }
                @match shipping_without_fee {
                    Some(plain) if cod => {
                        dt { (t(lang, "shipping")) } dd { bdi { (plain.format(lang)) } }
                        dt { (t(lang, "cod_fee")) } dd { bdi { (fees.format(lang)) } }
                    }
                    _ => { dt { (t(lang, "shipping")) } dd { bdi { (shipping.format(lang)) } } }
                }
                @if let Some(tva) = tva { dt { (t(lang, "tva_included")) } dd { bdi { (tva.format(lang)) } } }
                dt { strong { (t(lang, "grand_total")) } } dd { strong { (price(ctx, &p.grand_total)) } }
            }
            // What the export exemption saves, beside the totals (already out of the prices
            // above, so not a line to subtract again).
            @if let Some(relief) = p.export_relief.filter(|r| r.is_positive()) {
                p.export-relief { strong { (t(lang, "export_relief")) } ": " bdi { (relief.format(lang)) } " — " (t(lang, "export_relief_done")) }
            }
            @if p.export_relief.is_some() { p.muted { (t(lang, "export_note")) } }
            @if abroad { p.notice role="note" { (t(lang, "duties_notice")) } }
            p { (t(lang, "payment_method")) ": " strong { (pay_word) } " · " a href={ "/checkout/delivery?pay=" (pay) } { (t(lang, "change")) } }
            @if cod { p { (t(lang, "cod_note")) } }
            form method="post" action="/checkout/place" {
                (ctx.csrf_field())
                input type="hidden" name="payment" value=(pay);
                (super::seo::consent_line(lang))
                button type="submit" { (t(lang, "place")) " — " bdi { (p.grand_total.format(lang)) } }
            }
        }
    }
}

pub(super) async fn checkout_place(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    client: crate::security::ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (cart, doc) = match cart_doc(&app, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    // From the review page: the address and e-mail kept in the cart. A form with the whole
    // address (older pages, scripts) chooses its services here.
    let (address, email) = if form.contains_key("name") {
        let f = AddressForm {
            name: get("name"),
            line1: get("line1"),
            line2: get("line2"),
            city: get("city"),
            postal_code: get("postal_code"),
            state: get("state"),
            country: get("country"),
            phone: get("phone"),
            email: get("email"),
            ..AddressForm::default()
        };
        let address = f.address();
        if let Err(e) = choose_from_form(&app, &cart, &address, &form).await {
            return refusal(&ctx, &e);
        }
        (address, f.email)
    } else {
        match (doc.address, doc.email) {
            (Some(a), Some(e)) => (a, e),
            _ => return Redirect::to("/checkout").into_response(),
        }
    };
    let placed = app
        .engine
        .checkout()
        .place_order_from(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart },
                email,
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
        Ok(p) => {
            // The cart is now the order's: the card step's header shows it empty.
            super::layout::cart_closed();
            match p.payment {
                // The browser posts the signed form to CMI's hosted page; the payment cookie
                // binds CMI's return to this browser.
                PaymentStart::Redirect { url, fields } => super::order::card_form(
                    &app,
                    &ctx,
                    &p.order,
                    p.access_token.as_str(),
                    &url,
                    &fields,
                ),
                _ => Redirect::to(&order_url(&p.order.id, p.access_token.as_str())).into_response(),
            }
        }
    }
}

/// `GET /checkout/place`: the address of the step that places the order, opened again (a
/// reload after going back, a bookmark). Placing is a form's post; here the shopper goes to
/// their account's orders (logged in) or to "track my order", where a placed order is found
/// again.
async fn place_again(ctx: Ctx) -> Response {
    let to = if ctx.account.is_some() {
        "/account"
    } else {
        "/track"
    };
    Redirect::to(&format!("{to}?lang={}", ctx.lang)).into_response()
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/checkout", get(checkout_page).post(checkout_address))
        .route("/checkout/delivery", get(delivery_page))
        .route("/checkout/review", get(review_page).post(delivery_chosen))
        .route("/checkout/place", get(place_again).post(checkout_place))
}
