//! Password reset and e-mail verification pages:
//! - `/account/forgot`: the e-mail form; the answer is the same whether or not an account has
//!   the address (no one learns who has an account), and the link goes out by e-mail (the
//!   demo mailbox in demo mode);
//! - `/account/reset?token=…`: the new-password form (the link works once, for 30 minutes;
//!   changing the password closes the account's sessions);
//! - `/account/verify?token=…`: confirms the account's e-mail and adds the guest orders placed
//!   with it to the account; `POST /account/verify/send` sends a new confirmation link to the
//!   logged-in account.

use crate::App;
use crate::auth::Ctx;
use crate::web::{layout, t, with_lang_cookie};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tijara::{LinkProblem, LinkPurpose, TijaraError};

fn forgot_form(ctx: &Ctx, message: Option<&str>, email: &str) -> Markup {
    let lang = ctx.lang;
    html! {
        h1 { (t(lang, "forgot_title")) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        p { (t(lang, "forgot_intro")) }
        form method="post" action="/account/forgot" {
            (ctx.csrf_field())
            label { (t(lang, "email")) input name="email" type="email" autocomplete="username" value=(email) required; }
            button.big type="submit" { (t(lang, "forgot_button")) }
        }
        p { a href="/account/login" { (t(lang, "login_now")) } }
    }
}

async fn forgot_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(
        lang,
        layout(&ctx, t(lang, "forgot_title"), forgot_form(&ctx, None, "")),
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(app): State<App>,
    ctx: Ctx,
    client: crate::security::ClientIp,
    Form(f): Form<ForgotForm>,
) -> Response {
    let lang = ctx.lang;
    if tijara::usecases::accounts::normalize_email(&f.email).is_err() {
        let email = f.email.chars().take(254).collect::<String>();
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                &ctx,
                t(lang, "forgot_title"),
                forgot_form(&ctx, Some(t(lang, "bad_email")), &email),
            ),
        )
            .into_response();
    }
    match app
        .engine
        .accounts()
        .request_password_reset(&f.email, client.text().as_deref())
        .await
    {
        Ok(Some(mail)) => crate::messages::send_reset(&app, &mail),
        // No account, or too many links asked within the hour: the same answer.
        Ok(None) => {}
        Err(e @ TijaraError::LoginThrottled { .. }) => {
            return crate::security::with_retry_after(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    layout(
                        &ctx,
                        t(lang, "forgot_title"),
                        forgot_form(&ctx, Some(t(lang, "forgot_throttled")), ""),
                    ),
                )
                    .into_response(),
                &e,
            );
        }
        Err(e) => return crate::web::refusal(&ctx, &e),
    }
    let body = html! {
        h1 { (t(lang, "forgot_sent_title")) }
        p.ok role="status" { (t(lang, "forgot_sent")) }
        p { a.button.big href="/account/login" { (t(lang, "login_now")) } }
        p { a href="/account/forgot" { (t(lang, "forgot_again")) } }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "forgot_sent_title"), body))
}

/// Why a link is refused, in words, with the button to go on.
fn link_refused(ctx: &Ctx, purpose: LinkPurpose, problem: LinkProblem) -> Response {
    let lang = ctx.lang;
    let (title, words, next, next_words) = match purpose {
        LinkPurpose::PasswordReset => (
            "reset_title",
            match problem {
                LinkProblem::Expired => "link_expired",
                LinkProblem::Used => "link_used",
                _ => "link_unknown",
            },
            "/account/forgot",
            "ask_new_link",
        ),
        _ => (
            "verify_send",
            match problem {
                LinkProblem::Expired => "verify_expired",
                LinkProblem::Used => "verify_used",
                _ => "verify_unknown",
            },
            "/account",
            "back_account",
        ),
    };
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    let body = html! {
        h1 { (t(lang, title)) }
        p.error role="alert" { (t(lang, words)) }
        p { a.button.big href=(next) { (t(lang, next_words)) } }
    };
    (status, layout(ctx, t(lang, title), body)).into_response()
}

fn refused(ctx: &Ctx, e: &TijaraError) -> Response {
    match e {
        TijaraError::LinkRefused { purpose, problem } => link_refused(ctx, *purpose, *problem),
        other => crate::web::refusal(ctx, other),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn reset_form(ctx: &Ctx, token: &str, email: &str, message: Option<&str>) -> Markup {
    let lang = ctx.lang;
    html! {
        h1 { (t(lang, "reset_title")) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        p { (t(lang, "reset_for")) " " bdi { (email) } }
        p { (t(lang, "reset_intro")) }
        form method="post" action="/account/reset" {
            (ctx.csrf_field())
            input type="hidden" name="token" value=(token);
            label { (t(lang, "new_password")) input name="password" type="password" autocomplete="new-password" minlength="8" required; }
            button.big type="submit" { (t(lang, "reset_button")) }
        }
    }
}

async fn reset_page(State(app): State<App>, ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    let lang = ctx.lang;
    match app.engine.accounts().check_password_reset(&q.token).await {
        Ok(account) => with_lang_cookie(
            lang,
            layout(
                &ctx,
                t(lang, "reset_title"),
                reset_form(&ctx, &q.token, &account.email, None),
            ),
        ),
        Err(e) => refused(&ctx, &e),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(State(app): State<App>, ctx: Ctx, Form(f): Form<ResetForm>) -> Response {
    let lang = ctx.lang;
    // The link first (cheap), then the password's hash (slow), then the link used up.
    let email = match app.engine.accounts().check_password_reset(&f.token).await {
        Ok(account) => account.email,
        Err(e) => return refused(&ctx, &e),
    };
    let again = |status: StatusCode, key: &str| {
        (
            status,
            layout(
                &ctx,
                t(lang, "reset_title"),
                reset_form(&ctx, &f.token, &email, Some(t(lang, key))),
            ),
        )
            .into_response()
    };
    if f.password.chars().count() < tijara::usecases::accounts::MIN_PASSWORD_CHARS {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "reset_short");
    }
    let hash = match crate::security::hash_new_password(&app, f.password).await {
        Ok(h) => h,
        Err(e @ TijaraError::Busy { .. }) => {
            return crate::security::with_retry_after(
                again(StatusCode::SERVICE_UNAVAILABLE, "reset_busy"),
                &e,
            );
        }
        Err(TijaraError::InvalidField { .. }) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, "reset_short");
        }
        Err(e) => return crate::web::refusal(&ctx, &e),
    };
    match app
        .engine
        .accounts()
        .finish_password_reset(&f.token, &hash)
        .await
    {
        Ok(_) => {
            let body = html! {
                h1 { (t(lang, "reset_done_title")) }
                p.ok role="status" { (t(lang, "reset_done")) }
                p { a.button.big href="/account/login" { (t(lang, "login_now")) } }
            };
            with_lang_cookie(lang, layout(&ctx, t(lang, "reset_done_title"), body))
        }
        Err(e) => refused(&ctx, &e),
    }
}

async fn verify(State(app): State<App>, ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    let lang = ctx.lang;
    match app.engine.accounts().verify_email(&q.token).await {
        Ok(done) => {
            let body = html! {
                h1 { (t(lang, "verify_title")) }
                p.ok role="status" { (t(lang, "verify_done")) " " bdi { (done.account.email) } }
                @if !done.attached.is_empty() {
                    p { (t(lang, "verify_attached")) }
                    ul { @for o in &done.attached { li { bdi { (o) } } } }
                }
                p { a.button.big href="/account" { (t(lang, "see_my_orders")) } }
            };
            with_lang_cookie(lang, layout(&ctx, t(lang, "verify_title"), body))
        }
        Err(e) => refused(&ctx, &e),
    }
}

async fn send_verification(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let Some(account) = &ctx.account else {
        return Redirect::to("/account/login").into_response();
    };
    let sent = match crate::messages::send_verification(&app, account).await {
        Ok(sent) => sent,
        Err(e) => return crate::web::refusal(&ctx, &e),
    };
    let body = html! {
        h1 { (t(lang, "verify_send")) }
        @if sent {
            p.ok role="status" { (t(lang, "verify_sent")) " " bdi { (account.email) } "." }
        } @else {
            p.ok role="status" { (t(lang, "verify_already")) }
        }
        p { a.button.big href="/account" { (t(lang, "back_account")) } }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "verify_send"), body))
}

/// The password-reset and e-mail verification routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/account/forgot", get(forgot_page).post(forgot))
        .route("/account/reset", get(reset_page).post(reset))
        .route("/account/verify", get(verify))
        .route("/account/verify/send", post(send_verification))
}
