//! Accounts: register, log in and out, order history, saved addresses (and the checkout's
//! prefill, [`default_address`]), the old withdrawal route, and the seller application form.

use crate::App;
use crate::auth::{Ctx, SESSION_COOKIE, SESSION_DAYS, random_token, set_cookie};
use crate::web::{layout, problem, refusal, t, with_lang_cookie};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tijara::TijaraError;
use tijara::usecases::accounts::MAX_SAVED_ADDRESSES;
use tijara::usecases::accounts::{Account, NewAccount, Role};
use tijara::usecases::catalog::SellerInput;
use tijara_core::catalog::SellerKind;
use tijara_core::onboarding::{Application, ApplicationError};
use tijara_core::order::Address;
use tijara_core::{CartId, OrderId, SellerOrderId};

/// Where an account lands after logging in.
pub fn home_of(account: &Account) -> &'static str {
    match account.role {
        Role::Admin => "/admin",
        Role::Seller { .. } => "/seller",
        _ => "/account",
    }
}

fn login_form(ctx: &Ctx, message: Option<&str>) -> Markup {
    let lang = ctx.lang;
    html! {
        h1 { (t(lang, "login")) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        form method="post" action="/account/login" {
            (ctx.csrf_field())
            label { (t(lang, "email")) input name="email" type="email" autocomplete="username" required; }
            label { (t(lang, "password")) input name="password" type="password" autocomplete="current-password" required; }
            button.big type="submit" { (t(lang, "login")) }
        }
        p { a href="/account/forgot" { (t(lang, "forgot_link")) } }
        p { a href="/account/register" { (t(lang, "register")) } " · " a href="/sell" { (t(lang, "sell")) } }
    }
}

async fn login_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(lang, layout(&ctx, t(lang, "login"), login_form(&ctx, None)))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(app): State<App>,
    ctx: Ctx,
    client: crate::security::ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = ctx.lang;
    let refuse = |status: StatusCode, message: String| {
        (
            status,
            layout(&ctx, t(lang, "login"), login_form(&ctx, Some(&message))),
        )
            .into_response()
    };
    match crate::security::login(&app, &f.email, f.password, client).await {
        Ok(account) => start_session(&app, &headers, &account, home_of(&account)).await,
        Err(TijaraError::BadCredentials) => {
            refuse(StatusCode::UNAUTHORIZED, t(lang, "bad_login").to_owned())
        }
        Err(
            e @ (TijaraError::LoginThrottled { retry_after_secs }
            | TijaraError::Busy { retry_after_secs }),
        ) => {
            let until = app.engine.now()
                + tijara_core::chrono::Duration::seconds(
                    i64::try_from(retry_after_secs).unwrap_or(900),
                )
                + tijara_core::chrono::Duration::minutes(i64::from(
                    app.engine.region().utc_offset_minutes,
                ));
            crate::security::with_retry_after(
                refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} {}", t(lang, "locked"), until.format("%H:%M:%S")),
                ),
                &e,
            )
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// Opens a session (a new token: no fixation), merges the guest cart into the customer's, and
/// redirects. The pages then speak the language the person chose for the account
/// ([`Account::lang_chosen_at`]: it follows them to any device), else the one chosen on this
/// device (the cookie), else the account's own ([`crate::ctx::page_lang`]); the login page's
/// language may be a mere guess from the browser, which is never stored.
async fn start_session(app: &App, headers: &HeaderMap, account: &Account, to: &str) -> Response {
    let token = random_token();
    let csrf = random_token();
    if token.is_empty() || csrf.is_empty() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Err(e) = app
        .engine
        .sessions()
        .open_session(
            &account.id,
            &token,
            &csrf,
            tijara_core::chrono::Duration::days(SESSION_DAYS),
        )
        .await
    {
        return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
    }
    let mut res = Redirect::to(to).into_response();
    if let Some(v) = set_cookie(app, SESSION_COOKIE, &token, SESSION_DAYS * 86_400) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    // The account's chosen language becomes this device's too (it stays after a logout).
    if account.lang_chosen_at.is_some()
        && let Some(v) = set_cookie(
            app,
            crate::auth::LANG_COOKIE,
            account.lang.code(),
            31_536_000,
        )
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    // The guest's cart becomes (or joins) the customer's.
    if account.role == Role::Customer
        && let (Some(guest), Ok(customer)) = (
            crate::auth::shop_cookie(app, headers, "cart").and_then(|c| CartId::new(c).ok()),
            account.customer_id(),
        )
        && let Ok((cart, _)) = app
            .engine
            .carts()
            .merge_cart_at_login(&guest, &customer, None)
            .await
        && let Some(v) = set_cookie(app, "cart", cart.cart.id.as_str(), 2_592_000)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn logout(State(app): State<App>, ctx: Ctx) -> Response {
    if let Some(token) = &ctx.session_token {
        let _ = app.engine.sessions().close_session(token).await;
    }
    let mut res = Redirect::to("/").into_response();
    for name in [SESSION_COOKIE, "cart"] {
        if let Some(v) = set_cookie(&app, name, "", 0) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn register_form(ctx: &Ctx, message: Option<&str>) -> Markup {
    let lang = ctx.lang;
    html! {
        h1 { (t(lang, "register")) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        form method="post" action="/account/register" {
            (ctx.csrf_field())
            label { (t(lang, "name")) input name="name" required maxlength="120"; }
            label { (t(lang, "email")) input name="email" type="email" autocomplete="username" required; }
            label { (t(lang, "password")) " (8+)" input name="password" type="password" autocomplete="new-password" minlength="8" required; }
            (crate::web::consent_line(lang))
            button.big type="submit" { (t(lang, "register")) }
        }
    }
}

async fn register_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(
        lang,
        layout(&ctx, t(lang, "register"), register_form(&ctx, None)),
    )
}

#[derive(Deserialize)]
struct RegisterForm {
    name: String,
    email: String,
    password: String,
}

/// A sign-up's password hash: the e-mail is checked (well formed, not taken) and the sign-up
/// counted against the client's address before any hashing; a throttled or busy refusal is a
/// 429 with `Retry-After`, anything else the form again with the reason.
async fn hash(
    app: &App,
    email: &str,
    client: crate::security::ClientIp,
    password: String,
    refuse: impl Fn(StatusCode, String) -> Response,
) -> Result<String, Response> {
    let result = match app
        .engine
        .accounts()
        .begin_signup(email, client.text().as_deref())
        .await
    {
        Ok(_) => crate::security::hash_new_password(app, password).await,
        Err(e) => Err(e),
    };
    result.map_err(|e| match crate::security::retry_after(&e) {
        Some(_) => crate::security::with_retry_after(
            refuse(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            &e,
        ),
        None => refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    })
}

async fn register(
    State(app): State<App>,
    ctx: Ctx,
    client: crate::security::ClientIp,
    headers: HeaderMap,
    Form(f): Form<RegisterForm>,
) -> Response {
    let lang = ctx.lang;
    let refuse_with = |status: StatusCode, message: String| {
        (
            status,
            layout(
                &ctx,
                t(lang, "register"),
                register_form(&ctx, Some(&message)),
            ),
        )
            .into_response()
    };
    let refuse = |message: String| refuse_with(StatusCode::UNPROCESSABLE_ENTITY, message);
    let password_hash = match hash(&app, &f.email, client, f.password, refuse_with).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    let account = app
        .engine
        .accounts()
        .create_account(
            NewAccount::new(f.email, f.name, password_hash, Role::Customer, lang),
            None,
        )
        .await;
    match account {
        Ok(a) => {
            // The confirmation link; a failure to send leaves the "confirm my e-mail" button
            // of the account page.
            if let Err(e) = crate::messages::send_verification(&app, &a).await {
                tracing::warn!(error = %e, "verification e-mail not sent");
            }
            start_session(&app, &headers, &a, "/account").await
        }
        Err(e) => refuse(e.to_string()),
    }
}

/// The checkout's prefill: the logged-in shopper's default saved address, if any (`None` for
/// a guest, an account without one, or when it cannot be read: the form is then empty).
pub async fn default_address(app: &App, ctx: &Ctx) -> Option<Address> {
    let account = ctx.account.as_ref()?;
    app.engine
        .accounts()
        .default_address(&account.id)
        .await
        .ok()
        .flatten()
}

#[derive(Deserialize, Default)]
struct AccountQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The account page: the shopper's orders (newest first, each with its date, total and status
/// in words, and a link), then their saved addresses with a form to add one.
async fn account_body(
    app: &App,
    ctx: &Ctx,
    account: &Account,
    message: Option<(bool, &str)>,
    form: &AddressForm,
) -> Result<Markup, Response> {
    let lang = ctx.lang;
    let mut orders = match account.customer_id() {
        Ok(c) => match app.engine.orders().customer_orders(&c, None, 100).await {
            Ok(p) => p.items,
            Err(e) => return Err(crate::web::refusal(ctx, &e)),
        },
        Err(_) => vec![],
    };
    orders.sort_by_key(|d| std::cmp::Reverse(d.order.placed_at));
    let addresses = match app.engine.accounts().addresses(&account.id).await {
        Ok(a) => a,
        Err(e) => return Err(crate::web::refusal(ctx, &e)),
    };
    let region = app.engine.region();
    Ok(html! {
        h1 { (t(lang, "account")) }
        p { (account.name) " · " bdi { (account.email) } }
        @if account.email_verified_at.is_none() {
            form.inline method="post" action="/account/verify/send" {
                (ctx.csrf_field())
                button type="submit" { (t(lang, "verify_send")) }
            }
        }
        @if let Some((ok, m)) = message {
            @if ok { p.ok role="status" { (m) } } @else { p.error role="alert" { (m) } }
        }
        h2 { (t(lang, "orders")) }
        @if orders.is_empty() { p { (t(lang, "none")) } }
        @else {
            table {
                tr { th { (t(lang, "ac_order_col")) } th { (t(lang, "ac_date")) } th { (t(lang, "ac_total")) } th { (t(lang, "ac_status")) } }
                @for d in &orders {
                    tr {
                        td { a href={ "/orders/" (d.order.id) } { bdi { (d.order.reference()) } } }
                        td { bdi { (region.local_date(d.order.placed_at).format("%Y-%m-%d")) } }
                        td { bdi { (d.order.grand_total.format(lang)) } }
                        td { (crate::web::status_word(lang, d.order.status().as_str())) }
                    }
                }
            }
        }
        p.small { a href="/track" { (t(lang, "ac_track_guest")) } }
        h2 { (t(lang, "ac_addresses")) }
        @if addresses.is_empty() { p { (t(lang, "none")) } }
        @for (i, a) in addresses.iter().enumerate() {
            div.box {
                p {
                    strong { (a.address.name) } @if i == 0 { " (" (t(lang, "ac_default")) ")" } br;
                    (a.address.line1) @if let Some(l2) = &a.address.line2 { ", " (l2) } br;
                    (a.address.city) @if let Some(pc) = &a.address.postal_code { " " bdi { (pc) } } br;
                    bdi dir="ltr" { (a.address.phone) }
                }
                form.inline method="post" action={ "/account/addresses/" (a.id) "/delete" } {
                    (ctx.csrf_field())
                    button.link type="submit" { (t(lang, "ac_delete")) }
                }
            }
        }
        @if addresses.len() < MAX_SAVED_ADDRESSES {
            details open[addresses.is_empty() || message.is_some_and(|(ok, _)| !ok)] {
                summary { (t(lang, "ac_add_address")) }
                form method="post" action="/account/addresses" {
                    (ctx.csrf_field())
                    label { (t(lang, "ac_name")) input name="name" required maxlength="100" autocomplete="name" value=(form.name); }
                    label { (t(lang, "ac_line1")) input name="line1" required maxlength="200" autocomplete="address-line1" value=(form.line1); }
                    label { (t(lang, "ac_line2")) input name="line2" maxlength="200" autocomplete="address-line2" value=(form.line2); }
                    label { (t(lang, "ac_city")) input name="city" required maxlength="100" autocomplete="address-level2" value=(form.city); }
                    label { (t(lang, "ac_postal")) input name="postal_code" maxlength="16" autocomplete="postal-code" dir="ltr" value=(form.postal_code); }
                    label { (t(lang, "ac_country")) input name="country" required maxlength="2" autocomplete="country" dir="ltr" value=(if form.country.is_empty() { "MA" } else { form.country.as_str() }); }
                    label { (t(lang, "ac_phone")) input name="phone" type="tel" required maxlength="32" autocomplete="tel" dir="ltr" value=(form.phone); }
                    button.big type="submit" { (t(lang, "ac_save")) }
                }
            }
        }
    })
}

async fn account_page(
    State(app): State<App>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<AccountQuery>,
) -> Response {
    let lang = ctx.lang;
    let Some(account) = &ctx.account else {
        return Redirect::to("/account/login").into_response();
    };
    let message = match q.done.as_deref() {
        Some("saved") => Some((true, t(lang, "ac_saved"))),
        Some("deleted") => Some((true, t(lang, "ac_deleted"))),
        _ => None,
    };
    match account_body(&app, &ctx, account, message, &AddressForm::default()).await {
        Ok(body) => with_lang_cookie(lang, layout(&ctx, t(lang, "account"), body)),
        Err(r) => r,
    }
}

/// A delivery address typed on the account page.
#[derive(Deserialize, Default)]
struct AddressForm {
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
    phone: String,
    #[serde(default)]
    country: String,
}

async fn save_address(State(app): State<App>, ctx: Ctx, Form(f): Form<AddressForm>) -> Response {
    let lang = ctx.lang;
    let Some(account) = &ctx.account else {
        return Redirect::to("/account/login").into_response();
    };
    let country = match f.country.trim() {
        "" => "MA".to_owned(),
        c => c.to_owned(),
    };
    let address = Address {
        name: f.name.clone(),
        line1: f.line1.clone(),
        line2: Some(f.line2.clone()),
        city: f.city.clone(),
        postal_code: Some(f.postal_code.clone()),
        state: None,
        country,
        phone: f.phone.clone(),
    };
    let refuse = |status: StatusCode, key: &str| {
        let (app, ctx, f) = (&app, &ctx, &f);
        let message = t(lang, key);
        async move {
            match account_body(app, ctx, account, Some((false, message)), f).await {
                Ok(body) => (status, layout(ctx, t(lang, "account"), body)).into_response(),
                Err(r) => r,
            }
        }
    };
    match app
        .engine
        .accounts()
        .save_address(&account.id, &address)
        .await
    {
        Ok(_) => Redirect::to("/account?done=saved").into_response(),
        Err(TijaraError::Order(_)) => {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, "ac_bad_address").await
        }
        Err(TijaraError::TooManyAddresses { .. }) => {
            refuse(StatusCode::CONFLICT, "ac_too_many_addr").await
        }
        Err(e) => refusal(&ctx, &e),
    }
}

async fn delete_address(State(app): State<App>, ctx: Ctx, Path(address): Path<String>) -> Response {
    let Some(account) = &ctx.account else {
        return Redirect::to("/account/login").into_response();
    };
    match app
        .engine
        .accounts()
        .delete_address(&account.id, &address)
        .await
    {
        Ok(true) => Redirect::to("/account?done=deleted").into_response(),
        // Not this account's (or already gone): nothing deleted, back to the list.
        Ok(false) => problem(
            &ctx,
            StatusCode::NOT_FOUND,
            t(ctx.lang, "ac_not_found_address"),
        ),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The old withdrawal button (it posted the whole parcel): now the return request page, where
/// the shopper chooses the items, the quantities and a reason. Kept so old pages and links work.
async fn withdraw(Path((order, so)): Path<(String, String)>) -> Response {
    let (Ok(order), Ok(so)) = (OrderId::new(order), SellerOrderId::new(so)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Redirect::to(&format!("/orders/{order}/return/{so}")).into_response()
}

/// The seller application's own words.
fn sw(lang: tijara_core::Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "intro" => (
            "Vendez vos créations à toute la région. Remplissez ce formulaire : l'administrateur vérifie votre boutique et vous prévient par SMS et e-mail dès qu'elle est approuvée. En attendant, vous pouvez déjà préparer vos produits.",
            "بيعوا منتجاتكم في كل الجهة. املؤوا هذه الاستمارة: تتحقق الإدارة من متجركم وتخبركم برسالة قصيرة وبريد إلكتروني عند الموافقة. في الأثناء يمكنكم تحضير منتجاتكم.",
            "Sell your work across the region. Fill in this form: the administrator checks your shop and tells you by SMS and e-mail as soon as it is approved. Meanwhile you can already prepare your products.",
        ),
        "phone" => (
            "Téléphone (pour les SMS)",
            "الهاتف (للرسائل القصيرة)",
            "Phone (for SMS)",
        ),
        "phone_hint" => (
            "ex. 06 12 34 56 78. Il sert aussi de téléphone de l'expéditeur sur les étiquettes de vos colis, que le transporteur appelle pour l'enlèvement (modifiable dans votre profil).",
            "مثلا 06 12 34 56 78. يستعمل أيضا كهاتف المرسل على ملصقات طرودكم، يتصل به الناقل للاستلام (يمكن تغييره في ملفكم).",
            "e.g. 06 12 34 56 78. It is also the sender's phone on your parcels' labels, which the carrier calls for pick-up (you can change it in your profile).",
        ),
        "legal" => (
            "Statut et identifiants (facultatif)",
            "الوضعية والمعرفات (اختياري)",
            "Status and identifiers (optional)",
        ),
        "legal_hint" => (
            "Ils figurent sur les factures de vos clients. Sans eux, vous pouvez vendre quand même ; l'administrateur vous aidera.",
            "تظهر في فواتير زبائنكم. بدونها يمكنكم البيع أيضا؛ ستساعدكم الإدارة.",
            "They are printed on your buyers' invoices. Without them you can still sell; the administrator will help you.",
        ),
        "ae" => (
            "Je suis auto-entrepreneur (loi 114-13) : pas de TVA sur mes ventes",
            "أنا مقاول ذاتي (القانون 114-13): لا ضريبة على القيمة المضافة في مبيعاتي",
            "I am an auto-entrepreneur (law 114-13): no VAT on my sales",
        ),
        "ice" => ("ICE (15 chiffres)", "ICE (15 رقما)", "ICE (15 digits)"),
        "if" => (
            "Identifiant fiscal (IF)",
            "التعريف الضريبي (IF)",
            "Tax id (IF)",
        ),
        "rc" => (
            "Registre de commerce (RC)",
            "السجل التجاري (RC)",
            "Trade register (RC)",
        ),
        "bad_phone" => (
            "Téléphone : écrivez un numéro marocain (06 12 34 56 78) ou international (+33 6…).",
            "الهاتف: اكتبوا رقما مغربيا (06 12 34 56 78) أو دوليا (+33 6…).",
            "Phone: write a Moroccan number (06 12 34 56 78) or an international one (+33 6…).",
        ),
        "bad_ice" => (
            "ICE : il a 15 chiffres (regardez votre attestation ICE), ou laissez la case vide.",
            "ICE: يتكون من 15 رقما (انظروا شهادة ICE)، أو اتركوا الخانة فارغة.",
            "ICE: it has 15 digits (see your ICE certificate), or leave it empty.",
        ),
        "bad_if" => (
            "IF : écrivez seulement les chiffres (10 au plus), ou laissez la case vide.",
            "IF: اكتبوا الأرقام فقط (10 على الأكثر)، أو اتركوا الخانة فارغة.",
            "IF: write the digits only (10 at most), or leave it empty.",
        ),
        "bad_rc" => (
            "RC : 40 caractères au plus (numéro et ville du tribunal), ou laissez la case vide.",
            "RC: 40 حرفا على الأكثر (الرقم ومدينة المحكمة)، أو اتركوا الخانة فارغة.",
            "RC: 40 characters at most (number and court city), or leave it empty.",
        ),
        "email_taken" => (
            "a déjà un compte sur le marché (d'acheteur ou de vendeur). Une boutique a son propre compte : posez votre candidature avec une autre adresse e-mail (celle de la coopérative, par exemple). Votre boutique existe déjà ? Connectez-vous avec « Mon compte ».",
            "لديه حساب في السوق من قبل (مشتر أو بائع). للمتجر حسابه الخاص: قدموا طلبكم بعنوان بريد إلكتروني آخر (بريد التعاونية مثلا). متجركم موجود من قبل؟ سجلوا الدخول عبر «حسابي».",
            "already has an account on the marketplace (a shopper's or a seller's). A shop has an account of its own: apply with another e-mail address (the cooperative's, for example). Your shop exists already? Log in with \"My account\".",
        ),
        "bad_city" => (
            "Ville : écrivez la ville de votre atelier (80 caractères au plus).",
            "المدينة: اكتبوا مدينة ورشتكم (80 حرفا على الأكثر).",
            "City: write your workshop's city (80 characters at most).",
        ),
        "bad_name" => (
            "Nom : écrivez votre nom, celui de la personne à contacter (120 caractères au plus).",
            "الاسم: اكتبوا اسمكم، اسم الشخص الذي نتصل به (120 حرفا على الأكثر).",
            "Name: write your name, the person to contact (120 characters at most).",
        ),
        "bad_email" => (
            "E-mail : écrivez une adresse complète, par exemple fatima@gmail.com.",
            "البريد الإلكتروني: اكتبوا عنوانا كاملا، مثلا \u{2068}fatima@gmail.com\u{2069}.",
            "E-mail: write a whole address, for example fatima@gmail.com.",
        ),
        "bad_password" => (
            "Mot de passe : 8 caractères au moins. Choisissez-en un que vous retiendrez.",
            "كلمة السر: 8 أحرف على الأقل. اختاروا واحدة تتذكرونها.",
            "Password: 8 characters at least. Choose one you will remember.",
        ),
        "commission" => (
            "L'inscription est gratuite. Le marché garde une commission de {rate} sur le prix de chaque pièce vendue (la livraison n'en a pas) ; le reste est pour vous. Votre relevé la montre pour chaque commande.",
            "التسجيل مجاني. يأخذ السوق عمولة {rate} من ثمن كل قطعة مبيعة (بدون عمولة على التوصيل)؛ والباقي لكم. يبينها كشف حسابكم لكل طلب.",
            "Joining is free. The marketplace keeps a commission of {rate} of each piece's price when it sells (none on delivery); the rest is yours. Your statement shows it for each order.",
        ),
        "slow_down" => (
            "Trop de candidatures depuis cette connexion : réessayez dans quelques minutes. Ce que vous avez écrit est gardé ci-dessous (sauf le mot de passe).",
            "طلبات كثيرة من هذا الاتصال: أعيدوا المحاولة بعد دقائق. ما كتبتموه محفوظ أدناه (ما عدا كلمة السر).",
            "Too many applications from this connection: try again in a few minutes. What you wrote is kept below (except the password).",
        ),
        "try_again" => (
            "Votre candidature n'a pas pu être enregistrée : réessayez dans un instant. Ce que vous avez écrit est gardé ci-dessous (sauf le mot de passe).",
            "تعذر حفظ طلبكم: أعيدوا المحاولة بعد لحظة. ما كتبتموه محفوظ أدناه (ما عدا كلمة السر).",
            "Your application could not be saved: try again in a moment. What you wrote is kept below (except the password).",
        ),
        "bad_shop" => (
            "Nom de la boutique : écrivez-le (120 caractères au plus).",
            "اسم المتجر: اكتبوه (120 حرفا على الأكثر).",
            "Shop name: write it (120 characters at most).",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// What the applicant typed, kept in the form when it is shown again with an error.
#[derive(Deserialize, Default)]
struct SellForm {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    ice: String,
    #[serde(default)]
    if_number: String,
    #[serde(default)]
    rc: String,
    #[serde(default)]
    auto_entrepreneur: Option<String>,
}

fn sell_form(
    ctx: &Ctx,
    commission: tijara_core::Rate,
    errors: &crate::web::FieldErrors,
    message: Option<&str>,
    f: &SellForm,
) -> Markup {
    let lang = ctx.lang;
    let e = errors;
    // Each refusal and help follows its field's label (not inside it: a label's text is the
    // field's name), joined to the input by `aria-describedby`.
    html! {
        h1 { (t(lang, "sell")) }
        p { (sw(lang, "intro")) }
        p.notice { (sw(lang, "commission").replace("{rate}", &format!("{} %", commission.as_percent().normalize()))) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        (e.summary(lang))
        form method="post" action="/sell" novalidate[!e.is_empty()] {
            (ctx.csrf_field())
            label for="f-shop" { (t(lang, "shop_name")) }
            input id="f-shop" name="shop" required maxlength="120" value=(f.shop) aria-invalid=[e.invalid("shop")] aria-describedby=[e.described("shop", "")];
            (e.note("shop"))
            label { (t(lang, "kind")) select name="kind" {
                option value="artisan" selected[f.kind == "artisan"] { (t(lang, "artisan")) }
                option value="cooperative" selected[f.kind == "cooperative"] { (t(lang, "cooperative")) }
                option value="gie" selected[f.kind == "gie"] { "GIE" }
            } }
            label for="f-city" { (t(lang, "city")) }
            input id="f-city" name="city" value=(f.city) required maxlength="80" autocomplete="address-level2" aria-invalid=[e.invalid("city")] aria-describedby=[e.described("city", "")];
            (e.note("city"))
            label for="f-name" { (t(lang, "name")) }
            input id="f-name" name="name" required maxlength="120" autocomplete="name" value=(f.name) aria-invalid=[e.invalid("name")] aria-describedby=[e.described("name", "")];
            (e.note("name"))
            label for="f-email" { (t(lang, "email")) }
            input id="f-email" name="email" type="email" required autocomplete="email" dir="ltr" value=(f.email) aria-invalid=[e.invalid("email")] aria-describedby=[e.described("email", "")];
            (e.note("email"))
            label for="f-phone" { (sw(lang, "phone")) }
            input id="f-phone" name="phone" type="tel" required maxlength="32" autocomplete="tel" dir="ltr" value=(f.phone) aria-invalid=[e.invalid("phone")] aria-describedby=[e.described("phone", "phone-help")];
            small.muted id="phone-help" { (sw(lang, "phone_hint")) }
            (e.note("phone"))
            label for="f-password" { (t(lang, "password")) " (8+)" }
            input id="f-password" name="password" type="password" minlength="8" required autocomplete="new-password" aria-invalid=[e.invalid("password")] aria-describedby=[e.described("password", "")];
            (e.note("password"))
            fieldset {
                legend { (sw(lang, "legal")) }
                p.small { (sw(lang, "legal_hint")) }
                label.check { input type="checkbox" name="auto_entrepreneur" value="1" checked[f.auto_entrepreneur.is_some()]; " " (sw(lang, "ae")) }
                label for="f-ice" { (sw(lang, "ice")) }
                input id="f-ice" name="ice" inputmode="numeric" maxlength="20" dir="ltr" value=(f.ice) aria-invalid=[e.invalid("ice")] aria-describedby=[e.described("ice", "")];
                (e.note("ice"))
                label for="f-if_number" { (sw(lang, "if")) }
                input id="f-if_number" name="if_number" inputmode="numeric" maxlength="12" dir="ltr" value=(f.if_number) aria-invalid=[e.invalid("if_number")] aria-describedby=[e.described("if_number", "")];
                (e.note("if_number"))
                label for="f-rc" { (sw(lang, "rc")) }
                input id="f-rc" name="rc" maxlength="40" dir="ltr" value=(f.rc) aria-invalid=[e.invalid("rc")] aria-describedby=[e.described("rc", "")];
                (e.note("rc"))
            }
            button.big type="submit" { (t(lang, "sell")) }
        }
    }
}

async fn sell_page(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let commission = app.engine.region().default_commission;
    with_lang_cookie(
        lang,
        layout(
            &ctx,
            t(lang, "sell"),
            sell_form(
                &ctx,
                commission,
                &crate::web::FieldErrors::new(),
                None,
                // The marketplace's own city, a first guess the applicant changes.
                &SellForm {
                    city: "Dakhla".into(),
                    ..SellForm::default()
                },
            ),
        ),
    )
}

/// The applicant's words for a refused field, and the field.
fn application_error(
    lang: tijara_core::Lang,
    e: &ApplicationError,
) -> (&'static str, &'static str) {
    match e {
        ApplicationError::BadPhone => ("phone", sw(lang, "bad_phone")),
        ApplicationError::BadIce => ("ice", sw(lang, "bad_ice")),
        ApplicationError::BadIf => ("if_number", sw(lang, "bad_if")),
        _ => ("rc", sw(lang, "bad_rc")),
    }
}

/// A line of text typed in a form: trimmed, 1 to `max` characters, no control character.
fn one_line(typed: &str, max: usize) -> Option<&str> {
    let t = typed.trim();
    (!t.is_empty() && t.chars().count() <= max && !t.chars().any(char::is_control)).then_some(t)
}

/// A seller applies: every field is checked first, each wrong one said beside it (422, nothing
/// written); the seller is stored inactive, with the TVA status that follows, until an admin
/// approves it (the applicant is then told by SMS and e-mail); its account can already log in
/// to prepare products.
async fn sell(
    State(app): State<App>,
    ctx: Ctx,
    client: crate::security::ClientIp,
    headers: HeaderMap,
    Form(mut f): Form<SellForm>,
) -> Response {
    let lang = ctx.lang;
    let commission = app.engine.region().default_commission;
    let password = std::mem::take(&mut f.password);
    let f = &f;
    let refuse_fields = |errors: &crate::web::FieldErrors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                &ctx,
                t(lang, "sell"),
                sell_form(&ctx, commission, errors, None, f),
            ),
        )
            .into_response()
    };
    let kind = match f.kind.as_str() {
        "cooperative" => SellerKind::Cooperative,
        "gie" => SellerKind::Gie,
        _ => SellerKind::Artisan,
    };
    let mut errors = crate::web::FieldErrors::new();
    let shop = one_line(&f.shop, 120);
    if shop.is_none() {
        errors.add("shop", sw(lang, "bad_shop"));
    }
    let city = one_line(&f.city, 80);
    if city.is_none() {
        errors.add("city", sw(lang, "bad_city"));
    }
    if one_line(&f.name, 120).is_none() {
        errors.add("name", sw(lang, "bad_name"));
    }
    match tijara::usecases::accounts::normalize_email(&f.email) {
        Err(_) => errors.add("email", sw(lang, "bad_email")),
        Ok(email) => match app.engine.accounts().account_by_email(&email).await {
            // Said with what to do next: another address, or log in.
            Ok(Some(_)) => errors.add("email", format!("{email} {}", sw(lang, "email_taken"))),
            Ok(None) => {}
            // A failed look-up is no "free e-mail": an outage is a 503 page.
            Err(e) => return crate::web::refusal(&ctx, &e),
        },
    }
    let application = Application {
        phone: f.phone.clone(),
        ice: f.ice.clone(),
        if_number: f.if_number.clone(),
        rc: f.rc.clone(),
        auto_entrepreneur: f.auto_entrepreneur.is_some(),
    };
    for problem in application.problems() {
        let (field, sentence) = application_error(lang, &problem);
        errors.add(field, sentence);
    }
    if password.chars().count() < tijara::usecases::accounts::MIN_PASSWORD_CHARS
        || password.len() > 1024
    {
        errors.add("password", sw(lang, "bad_password"));
    }
    let (Some(shop), Some(city), Ok(checked), true) =
        (shop, city, application.check(), errors.is_empty())
    else {
        return refuse_fields(&errors);
    };
    // Every field is right: what `hash` can still refuse is too many sign-ups from this
    // connection (429, with `Retry-After`) or the hashing itself.
    let refuse_with = |status: StatusCode, _: String| {
        let message = if status == StatusCode::TOO_MANY_REQUESTS {
            sw(lang, "slow_down")
        } else {
            sw(lang, "try_again")
        };
        let none = crate::web::FieldErrors::new();
        (
            status,
            layout(
                &ctx,
                t(lang, "sell"),
                sell_form(&ctx, commission, &none, Some(message), f),
            ),
        )
            .into_response()
    };
    let password_hash = match hash(&app, &f.email, client, password, refuse_with).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    // The shop and its login in one commit: a refusal leaves neither (two steps could leave a
    // shop without a login when the same e-mail applied twice at once).
    let applied = app
        .engine
        .accounts()
        .apply_as_seller_with_login(
            SellerInput::new(shop.to_owned(), kind, city.to_owned(), checked.tax_status)
                .with_legal(checked.legal)
                // The phone she gave is the shop's too: her labels' sender and the courier's
                // pick-up call need one (she can change it in her profile).
                .with_contact(tijara_core::catalog::SellerContact::new(
                    Some(checked.phone.clone()),
                    None,
                )),
            NewAccount::new(
                f.email.clone(),
                f.name.clone(),
                password_hash,
                Role::Customer,
                lang,
            )
            .with_phone(checked.phone),
            None,
        )
        .await;
    match applied {
        Ok((_, a)) => start_session(&app, &headers, &a, "/seller").await,
        // The same e-mail applied in another tab meanwhile.
        Err(TijaraError::EmailTaken { .. }) => {
            let mut errors = crate::web::FieldErrors::new();
            errors.add(
                "email",
                format!("{} {}", f.email.trim(), sw(lang, "email_taken")),
            );
            refuse_fields(&errors)
        }
        // Every field was checked above: what is left is the storage's (a typed error page).
        Err(e) => crate::web::refusal(&ctx, &e),
    }
}

/// The account routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/login", get(login_page).post(login))
        .route("/account/logout", post(logout))
        .route("/account/register", get(register_page).post(register))
        .route(
            "/account/orders/{order}/{so}/withdraw",
            get(withdraw).post(withdraw),
        )
        .route("/account/addresses", post(save_address))
        .route("/account/addresses/{id}/delete", post(delete_address))
        .route("/sell", get(sell_page).post(sell))
}
