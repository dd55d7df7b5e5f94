//! What a shopper does after ordering: the actions shown on the order page (cancel, return),
//! their pages, and "track my order" for a shopper who lost the order's link.
//!
//! Routes (every one for the order's owner logged in, or the guest holding the order's token
//! `t`; anyone else gets the same "not found with this link" page, which leads to `/track`):
//! - `GET/POST /track`: the order number and the e-mail or phone given at checkout lead to the
//!   order's private link (throttled per client address: 429 with the time to retry);
//! - `GET /orders/{id}/cancel` (a confirmation page) then `POST /orders/{id}/cancel`;
//! - `GET/POST /orders/{id}/return/{so}`: a return request for one seller's parcel (items and
//!   quantities, a reason, how it works; for an order paid in cash or by transfer, the bank
//!   account the refund is transferred to).

use super::*;
use tijara::docs::OrderDoc;
use tijara_core::chrono::Duration;
use tijara_core::order::{FulfillmentStatus, SellerOrder};
use tijara_core::order_record::{CannotCancel, ReturnAsk};
use tijara_core::payment::PaymentStatus;
use tijara_core::returns::{
    MAX_RETURN_PHOTOS, RefundAccount, RefundAccountError, ReturnError, ReturnLine, ReturnReason,
    ReturnRequest, ReturnStatus, returnable_units, withdrawal_deadline,
};
use tijara_core::{ReturnId, SellerOrderId};

/// A button that opens `path` (with the guest's token as a hidden field): a real button with
/// no script, where a link styled as one would keep its underline.
fn go_button(path: &str, token: Option<&str>, label: &str) -> Markup {
    html! {
        form method="get" action=(path) {
            @if let Some(tk) = token { input type="hidden" name="t" value=(tk); }
            button type="submit" { (label) }
        }
    }
}

/// The order page for this visitor: the private link for a guest, the plain page for the owner.
fn order_link(id: &OrderId, token: Option<&str>) -> String {
    match token {
        Some(t) => order_url(id, t),
        None => format!("/orders/{id}"),
    }
}

fn is_owner(ctx: &Ctx, doc: &OrderDoc) -> bool {
    ctx.account.as_ref().is_some_and(|a| {
        doc.order
            .customer
            .as_ref()
            .is_some_and(|c| c.as_str() == a.id)
    })
}

/// The words explaining why the order cannot be cancelled now, or `None` when it can (nothing
/// left and nothing paid: a paid order is cancelled by the shop, which refunds).
fn cancel_block(doc: &OrderDoc) -> Option<&'static str> {
    match doc.cancel_refusal() {
        Some(CannotCancel::Shipped { .. }) => Some("ac_cannot_cancel_shipped"),
        Some(CannotCancel::AlreadyCancelled) => Some("ac_cancelled"),
        Some(_) => Some("ac_cannot_cancel_closed"),
        None => match doc.order.payment.status() {
            PaymentStatus::Captured
            | PaymentStatus::PartiallyRefunded
            | PaymentStatus::Refunded
            | PaymentStatus::Collected
            | PaymentStatus::Remitted => Some("ac_cannot_cancel_paid"),
            _ => None,
        },
    }
}

/// Where `r` stands, in the shopper's words: a paid parcel that came back undelivered is
/// not a return the shopper asked, its refund is on its way.
fn return_word_key(r: &ReturnRequest) -> &'static str {
    if r.is_came_back() && r.status() == ReturnStatus::Received {
        "ac_ret_came_back"
    } else {
        return_status_key(r.status())
    }
}

/// Where a return stands, in the shopper's words.
fn return_status_key(s: ReturnStatus) -> &'static str {
    match s {
        ReturnStatus::Requested => "ac_ret_requested",
        ReturnStatus::Approved => "ac_ret_approved",
        ReturnStatus::Rejected => "ac_ret_rejected",
        ReturnStatus::Received => "ac_ret_received",
        _ => "ac_ret_refunded",
    }
}

fn reason_key(r: ReturnReason) -> &'static str {
    match r {
        ReturnReason::ChangedMind => "ac_reason_changed_mind",
        ReturnReason::Damaged => "ac_reason_damaged",
        ReturnReason::NotAsDescribed => "ac_reason_not_as_described",
        ReturnReason::WrongItem => "ac_reason_wrong_item",
        ReturnReason::CameBack => "ac_reason_came_back",
        _ => "ac_reason_other",
    }
}

/// The returns asked on an order (numbered `reference`), with where each stands; a refused one
/// says why in the seller's words, framed in the shopper's language, and what to do next
/// (write to the seller through the marketplace, quoting the order's number). `token` is the
/// guest's link, which the photos' addresses carry.
fn returns_list(
    app: &App,
    ctx: &Ctx,
    doc: &OrderDoc,
    returns: &[&ReturnRequest],
    reference: &str,
    token: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    html! {
        ul {
            @for r in returns {
                li {
                    strong {
                        @if r.refund_due().is_some() { (aw(lang, "refund_coming")) }
                        @else { (t(lang, return_word_key(r))) }
                    } br;
                    span.small {
                        (t(lang, if r.is_came_back() { "ac_came_back_on" } else { "ac_asked_on" })) " " bdi { (crate::web::local_day(app, r.requested_at)) }
                        " · " bdi { (r.lines.iter().map(|l| l.quantity).sum::<u32>()) } " " (t(lang, "ac_items"))
                        @if let Some(code) = r.reason_code { " · " (t(lang, reason_key(code))) }
                    }
                    (return_photos(lang, r, token))
                    (refund_line(app, lang, doc, r))
                    @if asks_account(doc, r) { (account_form(ctx, doc, r, token)) }
                    // Given, before the refund is decided: where the money will go.
                    @if let (Some(a), None, true) = (r.refund_account(), r.refunded(), refund_by_transfer(doc)) {
                        p.small id={ "acct-" (r.id) } { (aw(lang, "account_given")) " " bdi dir="ltr" { (a.masked()) } }
                    }
                    @if r.status() == ReturnStatus::Rejected {
                        (refusal_note(lang, r, reference))
                    }
                }
            }
        }
    }
}

/// Whether the order page asks the shopper where to transfer `r`'s refund: an order refunded by
/// transfer (cash or transfer), a return without an account whose money has not left and that
/// will be refunded (not refused, not refunded with nothing).
fn asks_account(doc: &OrderDoc, r: &ReturnRequest) -> bool {
    refund_by_transfer(doc)
        && r.refund_account().is_none()
        && r.refund_sent().is_none()
        && match r.status() {
            ReturnStatus::Rejected => false,
            ReturnStatus::Refunded => r.refund_due().is_some(),
            _ => true,
        }
}

/// The form that gives the account to transfer `r`'s refund to (the holder filled with the
/// order's name), posted to [`set_refund_account`].
fn account_form(ctx: &Ctx, doc: &OrderDoc, r: &ReturnRequest, token: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let id = format!("acct-{}", r.id);
    html! {
        form.refund-account method="post" action={ "/orders/" (doc.order.id) "/returns/" (r.id) "/account?lang=" (lang) } id=(id) {
            (ctx.csrf_field())
            @if let Some(tk) = token { input type="hidden" name="t" value=(tk); }
            p { strong { (aw(lang, "account_ask")) } }
            p.small.muted { (aw(lang, "account_why")) }
            label { (aw(lang, "refund_holder"))
                input name="refund_holder" maxlength="100" autocomplete="name" dir="auto" value=(doc.order.shipping_address.name); }
            label { (aw(lang, "refund_rib"))
                input name="refund_rib" maxlength="40" inputmode="numeric" autocomplete="off" dir="ltr" required; }
            button type="submit" { (aw(lang, "account_save")) }
        }
    }
}

/// The sentence's key for a refund account refused: a mistyped digit (the key), not 24 digits,
/// else the holder's name.
fn account_refusal(e: &RefundAccountError) -> &'static str {
    match e {
        RefundAccountError::RibKey => "err_rib_key",
        RefundAccountError::BadRib => "err_rib",
        _ => "err_holder",
    }
}

#[derive(Deserialize)]
struct AccountForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    refund_holder: String,
    #[serde(default)]
    refund_rib: String,
}

/// `POST /orders/{id}/returns/{ret}/account`: the shopper (the customer logged in, or the guest
/// with the order's link, `t`) says where to transfer a return's refund. Checked as the return
/// form checks it (holder, 24 digits, the key): a refusal says which, with the way back;
/// another's order or an unknown return is "not yours"; back to the order page once saved.
async fn set_refund_account(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, ret)): Path<(String, String)>,
    Form(f): Form<AccountForm>,
) -> Response {
    let lang = ctx.lang;
    let (doc, token) = match open_order(&app, &ctx, &id, Some(f.t.as_str())).await {
        Ok(x) => x,
        Err(r) => return private(r),
    };
    let Some(r) = ReturnId::new(ret)
        .ok()
        .and_then(|ret| doc.returns.iter().find(|r| r.id == ret))
    else {
        return private(not_yours(&ctx));
    };
    let back = match &token {
        Some(tk) => format!(
            "{}&lang={lang}#acct-{}",
            super::order_url(&doc.order.id, tk),
            r.id
        ),
        None => format!("/orders/{}?lang={lang}#acct-{}", doc.order.id, r.id),
    };
    let say = |status: StatusCode, key: &str| {
        private(crate::web::problem_with_link(
            &ctx,
            status,
            aw(lang, key),
            &back,
            aw(lang, "account_back"),
        ))
    };
    if !asks_account(&doc, r) {
        return say(StatusCode::CONFLICT, "account_not_asked");
    }
    let account = match RefundAccount::new(&f.refund_holder, &f.refund_rib) {
        Ok(a) => a,
        Err(e) => return say(StatusCode::UNPROCESSABLE_ENTITY, account_refusal(&e)),
    };
    match app
        .engine
        .orders()
        .set_return_refund_account(&doc.order.id, &r.id, account, None)
        .await
    {
        Ok(_) => private(Redirect::to(&back).into_response()),
        Err(TijaraError::Return(_)) => say(StatusCode::CONFLICT, "account_not_asked"),
        Err(e) => private(refusal(&ctx, &e)),
    }
}

/// The shopper's photos of a return's items: thumbnails, each opening the large image. A guest
/// who came by the order's private link (`token`) reads them with it (see [`return_photo`]).
pub(crate) fn return_photos(lang: Lang, r: &ReturnRequest, token: Option<&str>) -> Markup {
    let with_token = |url: &str| match token {
        Some(tk) if url.starts_with("/orders/") => format!("{url}?t={tk}"),
        _ => url.to_owned(),
    };
    html! {
        @if !r.photos().is_empty() {
            p.return-photos {
                span.small { (aw(lang, "photos_sent")) } br;
                @for (i, url) in r.photos().iter().map(|u| with_token(u)).enumerate() {
                    a href=(url) {
                        img src=(crate::media::thumb_url(&url)) width="96" height="96" loading="lazy"
                            alt={ (aw(lang, "photo_alt")) " " (i + 1) };
                    }
                    " "
                }
            }
        }
    }
}

/// A return as the admin reads it on the order's page: where it stands, when it was asked,
/// the shopper's reason and words, the seller's refusal, the photos.
pub(crate) fn return_summary(app: &App, lang: Lang, r: &ReturnRequest) -> Markup {
    html! {
        div.box.return-summary {
            strong { (aw(lang, "return_label")) ": "
                @if r.refund_due().is_some() { (aw(lang, "refund_coming")) }
                @else { (t(lang, return_word_key(r))) } } br;
            span.small {
                (t(lang, if r.is_came_back() { "ac_came_back_on" } else { "ac_asked_on" })) " " bdi { (crate::web::local_day(app, r.requested_at)) }
                " · " bdi { (r.lines.iter().map(|l| l.quantity).sum::<u32>()) } " " (t(lang, "ac_items"))
                @if let Some(code) = r.reason_code { " · " (t(lang, reason_key(code))) }
            }
            @if let Some(words) = &r.reason { p { q { bdi.name { (words) } } } }
            @if let Some(why) = r.refusal() { p { (aw(lang, "refused_because")) " " q { bdi.name { (why) } } } }
            (return_photos(lang, r, None))
        }
    }
}

/// Why the seller refused a return (their words, isolated: they may be in another language or
/// script) and what the shopper can do now.
fn refusal_note(lang: Lang, r: &ReturnRequest, reference: &str) -> Markup {
    let op = super::legal::Operator::from_env();
    html! {
        div.box.refused role="note" {
            @match r.refusal() {
                Some(why) => p { (aw(lang, "refused_because")) " " q { bdi.name { (why) } } },
                None => p { (aw(lang, "refused_no_reason")) },
            }
            p.small {
                (aw(lang, "refused_next")) " "
                a href={ "mailto:" (op.email) } { bdi dir="ltr" { (op.email) } } " · "
                bdi dir="ltr" { (op.phone) } " — "
                (aw(lang, "returns_quote")) " " bdi dir="ltr" { (reference) } "."
            }
        }
    }
}

/// The actions the order page offers `ctx`'s visitor on `doc` (opened with `token` when the
/// visitor came by the order's private link): only those possible now, for the owner or the
/// guest holding the token; and the returns already asked, with where each stands.
///
/// A delivered parcel offers its return button only until the end of the withdrawal period
/// ([`withdrawal_deadline`]); after it, the page says until when returns were possible and whom
/// to write to (the operator's contact, with the order number).
pub(super) fn order_actions(
    app: &App,
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    token: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let o = &doc.order;
    let now = app.engine.now();
    // The last day a delivered parcel could be returned, once its period is over.
    let period_over = |so: &SellerOrder| {
        so.delivered_at()
            .map(|at| withdrawal_deadline(at, app.engine.region()))
            .filter(|deadline| now >= *deadline)
            .map(|deadline| crate::web::local_day(app, deadline - Duration::seconds(1)))
    };
    if !(is_owner(ctx, doc) || token.is_some()) {
        return html! {};
    }
    let returns: Vec<&ReturnRequest> = doc.returns.iter().collect();
    let in_transit = o
        .seller_orders
        .iter()
        .any(|so| so.status() == FulfillmentStatus::Shipped);
    html! {
        @if !returns.is_empty() {
            section.box {
                h2 { (t(lang, "ac_returns")) }
                (returns_list(app, ctx, doc, &returns, &o.reference(), token))
            }
        }
        @for so in &o.seller_orders {
            @if so.status() == FulfillmentStatus::Delivered
                && !returnable_units(so, &doc.returns.iter().filter(|r| r.seller_order_id == so.id).cloned().collect::<Vec<_>>()).is_empty() {
                @if let Some(last_day) = period_over(so) {
                    @let op = super::legal::Operator::from_env();
                    p.small.return-over {
                        (aw(lang, "returns_until")) " " bdi dir="ltr" { (last_day) } ". "
                        (aw(lang, "returns_contact")) " "
                        a href={ "mailto:" (op.email) } { bdi dir="ltr" { (op.email) } } " · "
                        bdi dir="ltr" { (op.phone) } " — "
                        (aw(lang, "returns_quote")) " " bdi dir="ltr" { (o.reference()) } "."
                    }
                } @else {
                    (go_button(&format!("/orders/{}/return/{}", o.id, so.id), token, t(lang, "ac_return")))
                }
            }
        }
        @match cancel_block(doc) {
            None => { (go_button(&format!("/orders/{}/cancel", o.id), token, t(lang, "ac_cancel"))) }
            Some("ac_cancelled") => { p.ok role="status" { (t(lang, "ac_cancelled")) } }
            Some("ac_cannot_cancel_shipped") if in_transit => { p.small { (t(lang, "ac_cannot_cancel_shipped")) } }
            Some("ac_cannot_cancel_paid") => { p.small { (t(lang, "ac_cannot_cancel_paid")) } }
            Some(_) => {}
        }
    }
}

/// The page for an order this visitor may not open (or that does not exist: the same words),
/// leading to "track my order".
fn not_yours(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    error_page(
        ctx,
        StatusCode::NOT_FOUND,
        html! {
            p.error { (t(lang, "ac_not_yours")) }
            (go_button("/track", None, t(lang, "ac_track")))
        },
    )
}

/// A page whose URL may hold the order's token: no Referer to other sites, no shared cache.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The order `id` if this visitor may act on it: the guest with its token (answered back, to
/// keep in links), or the owner logged in (`None`).
async fn open_order(
    app: &App,
    ctx: &Ctx,
    id: &str,
    token: Option<&str>,
) -> Result<(OrderDoc, Option<String>), Response> {
    let Ok(id) = OrderId::new(id) else {
        return Err(not_yours(ctx));
    };
    if let Some(tk) = token.filter(|t| !t.is_empty() && t.len() <= 128) {
        match app.engine.orders().order_with_token(&id, tk).await {
            Ok(doc) => return Ok((doc, Some(tk.to_owned()))),
            Err(TijaraError::NotFound { .. }) => {}
            Err(e) => return Err(refusal(ctx, &e)),
        }
    }
    match found(app.engine.orders().order(&id).await) {
        Ok(Some(doc)) if is_owner(ctx, &doc) => Ok((doc, None)),
        Ok(_) => Err(not_yours(ctx)),
        Err(e) => Err(refusal(ctx, &e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Track my order.

#[derive(Deserialize, Default)]
struct TrackForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    contact: String,
}

fn track_form(app: &App, ctx: &Ctx, f: &TrackForm, message: Option<&str>) -> Markup {
    let lang = ctx.lang;
    // What a number looks like here: the region's prefix, then the year.
    let region = app.engine.region();
    let example = format!(
        "{}-{}-…",
        tijara_core::order::OrderNumber::prefix_for_region(&region.code),
        region.local_date(app.engine.now()).format("%Y")
    );
    html! {
        h1 { (t(lang, "ac_track")) }
        p { (t(lang, "ac_track_intro")) }
        @if let Some(m) = message { p.error role="alert" { (m) } }
        form method="post" action="/track" {
            (ctx.csrf_field())
            label { (t(lang, "ac_reference"))
                input name="reference" required maxlength="64" autocomplete="off" dir="ltr" value=(f.reference); }
            p.small { (t(lang, "ac_reference_hint")) " " bdi dir="ltr" { (example) } }
            label { (t(lang, "ac_contact"))
                input name="contact" required maxlength="254" autocomplete="email" dir="ltr" value=(f.contact); }
            button.big type="submit" { (t(lang, "ac_find")) }
        }
    }
}

async fn track_page(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    with_lang_cookie(
        lang,
        layout(
            &ctx,
            t(lang, "ac_track"),
            track_form(&app, &ctx, &TrackForm::default(), None),
        ),
    )
}

async fn track(
    State(app): State<App>,
    ctx: Ctx,
    client: crate::security::ClientIp,
    Form(f): Form<TrackForm>,
) -> Response {
    let lang = ctx.lang;
    let page = |status: StatusCode, message: String| {
        (
            status,
            layout(
                &ctx,
                t(lang, "ac_track"),
                track_form(&app, &ctx, &f, Some(&message)),
            ),
        )
            .into_response()
    };
    if f.reference.trim().is_empty() || f.contact.trim().is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "ac_track_missing").to_owned(),
        );
    }
    match app
        .engine
        .orders()
        .find_for_tracking(&f.reference, &f.contact, client.text().as_deref())
        .await
    {
        Ok(doc) => {
            Redirect::to(&order_url(&doc.order.id, doc.access_token.as_str())).into_response()
        }
        Err(TijaraError::NotFound { .. }) => {
            page(StatusCode::NOT_FOUND, t(lang, "ac_track_none").to_owned())
        }
        Err(e @ TijaraError::LoginThrottled { retry_after_secs }) => {
            let until = app.engine.now()
                + Duration::seconds(i64::try_from(retry_after_secs).unwrap_or(900))
                + Duration::minutes(i64::from(app.engine.region().utc_offset_minutes));
            crate::security::with_retry_after(
                page(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} {}", t(lang, "ac_track_wait"), until.format("%H:%M:%S")),
                ),
                &e,
            )
        }
        Err(e) => refusal(&ctx, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Cancel.

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    t: Option<String>,
}

fn cannot_cancel(ctx: &Ctx, doc: &OrderDoc, token: Option<&str>, key: &str) -> Response {
    let lang = ctx.lang;
    private(
        (
            StatusCode::CONFLICT,
            layout(
                ctx,
                t(lang, "ac_cancel"),
                html! {
                    h1 { (t(lang, "order")) " " bdi { (doc.order.reference()) } }
                    p.error role="alert" { (t(lang, key)) }
                    (go_button(&format!("/orders/{}", doc.order.id), token, t(lang, "ac_back_order")))
                },
            ),
        )
            .into_response(),
    )
}

async fn cancel_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<TokenForm>,
) -> Response {
    let lang = ctx.lang;
    let (doc, token) = match open_order(&app, &ctx, &id, q.t.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let token = token.as_deref();
    if let Some(key) = cancel_block(&doc) {
        return cannot_cancel(&ctx, &doc, token, key);
    }
    let o = &doc.order;
    let body = html! {
        h1 { (t(lang, "ac_cancel_q")) }
        p { (t(lang, "order")) " " bdi { (o.reference()) } }
        p.price { (t(lang, "ac_total")) " " bdi { (o.grand_total.format(lang)) } }
        p { (t(lang, "ac_cancel_explain")) }
        form method="post" action={ "/orders/" (o.id) "/cancel" } {
            (ctx.csrf_field())
            @if let Some(tk) = token { input type="hidden" name="t" value=(tk); }
            button.big type="submit" { (t(lang, "ac_cancel_yes")) }
        }
        p { a href=(order_link(&o.id, token)) { (t(lang, "ac_cancel_no")) } }
    };
    private(with_lang_cookie(
        lang,
        layout(&ctx, t(lang, "ac_cancel"), body),
    ))
}

async fn cancel(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Response {
    let (doc, token) = match open_order(&app, &ctx, &id, f.t.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let token = token.as_deref();
    if let Some(key) = cancel_block(&doc) {
        return cannot_cancel(&ctx, &doc, token, key);
    }
    match app.engine.orders().cancel_order(&doc.order.id, None).await {
        Ok(_) => Redirect::to(&order_link(&doc.order.id, token)).into_response(),
        // Something left meanwhile: say why, from the order as it is now.
        Err(TijaraError::Order(_)) => match app.engine.orders().order(&doc.order.id).await {
            Ok(now) => cannot_cancel(
                &ctx,
                &now,
                token,
                cancel_block(&now).unwrap_or("ac_cannot_cancel_closed"),
            ),
            Err(e) => refusal(&ctx, &e),
        },
        Err(e) => refusal(&ctx, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Returns.

/// What the return page shows of one parcel.
struct ReturnView<'a> {
    doc: &'a OrderDoc,
    part: &'a SellerOrder,
    token: Option<&'a str>,
    earlier: Vec<ReturnRequest>,
}

impl ReturnView<'_> {
    fn action(&self) -> String {
        format!("/orders/{}/return/{}", self.doc.order.id, self.part.id)
    }
}

/// The parcel's return form, or the page that says why there is none (not delivered, the
/// period over, everything already asked).
async fn return_page(
    app: &App,
    ctx: &Ctx,
    v: &ReturnView<'_>,
    status: StatusCode,
    message: Option<String>,
    errors: &crate::web::FieldErrors,
    chosen: &HashMap<String, String>,
) -> Response {
    let lang = ctx.lang;
    let back = order_link(&v.doc.order.id, v.token);
    let refuse = |status: StatusCode, text: Markup, more: Markup| {
        private(
            (
                status,
                layout(
                    ctx,
                    t(lang, "ac_return_title"),
                    html! {
                        h1 { (t(lang, "ac_return_title")) }
                        p.error role="alert" { (text) }
                        (more)
                        (go_button(&format!("/orders/{}", v.doc.order.id), v.token, t(lang, "ac_back_order")))
                    },
                ),
            )
                .into_response(),
        )
    };
    let Some(delivered_at) = v
        .part
        .delivered_at()
        .filter(|_| v.part.status() == FulfillmentStatus::Delivered)
    else {
        return refuse(
            StatusCode::CONFLICT,
            html! { (t(lang, "ac_not_delivered")) },
            html! {},
        );
    };
    let deadline = withdrawal_deadline(delivered_at, app.engine.region());
    let last_day = crate::web::local_day(app, deadline - Duration::seconds(1));
    if app.engine.now() >= deadline {
        return refuse(
            StatusCode::CONFLICT,
            html! { (t(lang, "ac_period_over")) " " bdi { (last_day) } ". " (t(lang, "ac_period_help")) },
            html! {},
        );
    }
    let left = returnable_units(v.part, &v.earlier);
    if left.is_empty() {
        let earlier: Vec<&ReturnRequest> = v.earlier.iter().collect();
        // A refused request says its own reason (asked before, on which day); else the
        // parcel's state.
        let text = message
            .clone()
            .unwrap_or_else(|| t(lang, "ac_nothing_left").to_owned());
        let status = if message.is_some() {
            status
        } else {
            StatusCode::CONFLICT
        };
        return refuse(
            status,
            html! { (text) },
            html! { h2 { (t(lang, "ac_returns")) } (returns_list(app, ctx, v.doc, &earlier, &v.doc.order.reference(), v.token)) },
        );
    }
    let ids: Vec<_> = v.part.lines.iter().map(|l| l.product_id.clone()).collect();
    let titles: HashMap<_, _> = match app.engine.catalog().products(&ids).await {
        Ok(p) => p
            .into_iter()
            .map(|p| {
                let title = p.product.title.get(lang, Lang::AR).unwrap_or("").to_owned();
                (p.product.id.clone(), title)
            })
            .collect(),
        Err(e) => return refusal(ctx, &e),
    };
    let seller = app.engine.catalog().seller(&v.part.seller_id).await.ok();
    let single = left.len() == 1;
    let chosen_reason = chosen.get("reason").map(String::as_str);
    let body = html! {
        h1 { (t(lang, "ac_return_title")) }
        p { (t(lang, "order")) " " bdi { (v.doc.order.reference()) }
            @if let Some(s) = &seller { " · " (s.name) } }
        p { (t(lang, "ac_return_intro")) " " strong { bdi { (last_day) } } }
        @if let Some(m) = &message { p.error role="alert" { (m) } }
        (errors.summary(lang))
        // Multipart (the photos): the CSRF token travels in the query, as the photo uploads' do.
        form method="post" action={ (v.action()) "?csrf=" (ctx.csrf) } enctype="multipart/form-data" {
            (ctx.csrf_field())
            @if let Some(tk) = v.token { input type="hidden" name="t" value=(tk); }
            fieldset.box {
                legend { (t(lang, "ac_return_which")) }
                @for l in &left {
                    @let line = v.part.lines.iter().find(|o| o.variant_id == l.variant_id);
                    @let name = line.and_then(|o| titles.get(&o.product_id)).map(String::as_str).unwrap_or("");
                    @let ordered = line.map_or(l.quantity, |o| o.quantity);
                    @let field = format!("q_{}", l.variant_id);
                    @let pre = chosen.get(&field).and_then(|q| q.parse::<u32>().ok()).unwrap_or(u32::from(single));
                    label {
                        (name) " — " (t(lang, "ac_return_qty")) " (" bdi { (l.quantity) } " " (t(lang, "ac_return_of")) " " bdi { (ordered) } ")"
                        select name=(field) {
                            @for n in 0..=l.quantity {
                                option value=(n) selected[n == pre] { (n) }
                            }
                        }
                    }
                }
            }
            fieldset.box {
                legend { (t(lang, "ac_reason")) }
                @for (i, r) in ReturnReason::ALL.iter().enumerate() {
                    label { input type="radio" name="reason" value=(r.as_str()) required[i == 0] checked[chosen_reason == Some(r.as_str())]; (t(lang, reason_key(*r))) }
                }
                label for="details" { (t(lang, "ac_details")) }
                textarea id="details" name="details" maxlength="500" rows="4" cols="34" { (chosen.get("details").map(String::as_str).unwrap_or("")) }
                label { (aw(lang, "photos_label"))
                    input type="file" name="photo" accept="image/jpeg,image/png,image/webp" multiple aria-describedby="photo-rules"; }
                p.small.muted id="photo-rules" { (aw(lang, "photos_rules")) }
            }
            @if refund_by_transfer(v.doc) {
                @let holder = chosen.get("refund_holder").map_or(v.doc.order.shipping_address.name.as_str(), String::as_str);
                // Neither field is `required`: a buyer without a bank account leaves the RIB
                // empty (and may clear the name); the holder is checked when a RIB is given.
                fieldset.box {
                    legend { (aw(lang, "refund_where")) }
                    p.small.muted id="refund-help" { (aw(lang, "refund_where_help")) }
                    label for="f-refund_holder" { (aw(lang, "refund_holder")) }
                    (errors.note("refund_holder"))
                    input id="f-refund_holder" name="refund_holder" maxlength="100" autocomplete="name" dir="auto"
                        value=(holder) aria-invalid=[errors.invalid("refund_holder")]
                        aria-describedby=[errors.described("refund_holder", "refund-help")];
                    label for="f-refund_rib" { (aw(lang, "refund_rib")) }
                    (errors.note("refund_rib"))
                    input id="f-refund_rib" name="refund_rib" maxlength="40" inputmode="numeric" autocomplete="off" dir="ltr"
                        placeholder="011 780 0000123456789012 96"
                        value=(chosen.get("refund_rib").map(String::as_str).unwrap_or(""))
                        aria-invalid=[errors.invalid("refund_rib")]
                        aria-describedby=[errors.described("refund_rib", "refund-help")];
                }
            }
            section.box {
                h2 { (t(lang, "ac_how_return")) }
                ol {
                    li { (t(lang, "ac_how_1")) }
                    li { (t(lang, "ac_how_2")) " "
                        // Where to send them: the shop's street address and phone when its
                        // profile has them (the name and city alone reach no one).
                        @if let Some(s) = &seller {
                            strong { bdi.name { (s.name) } }
                            @if let Some(a) = s.contact.address.as_deref().filter(|a| !a.trim().is_empty()) { ", " bdi.wrap { (a) } }
                            ", " (s.home_city)
                            @if let Some(p) = s.contact.phone.as_deref().or(s.whatsapp.as_deref()) { " · ☎ " bdi dir="ltr" { (p) } }
                        } }
                    li { (t(lang, "ac_how_3")) }
                    li { (t(lang, "ac_how_4")) }
                }
            }
            button.big type="submit" { (t(lang, "ac_send_request")) }
        }
        p { a href=(back) { (t(lang, "ac_back_order")) } }
    };
    private((status, layout(ctx, t(lang, "ac_return_title"), body)).into_response())
}

/// Loads the order and the parcel for the return routes.
async fn open_part(
    app: &App,
    ctx: &Ctx,
    id: &str,
    so: &str,
    token: Option<&str>,
) -> Result<(OrderDoc, Option<String>, SellerOrderId), Response> {
    let (doc, token) = open_order(app, ctx, id, token).await?;
    let Ok(so) = SellerOrderId::new(so) else {
        return Err(not_yours(ctx));
    };
    if doc.order.seller_order(&so).is_err() {
        return Err(not_yours(ctx));
    }
    Ok((doc, token, so))
}

fn view<'a>(
    doc: &'a OrderDoc,
    so: &SellerOrderId,
    token: Option<&'a str>,
) -> Option<ReturnView<'a>> {
    let part = doc.order.seller_orders.iter().find(|p| &p.id == so)?;
    Some(ReturnView {
        doc,
        part,
        token,
        earlier: doc
            .returns
            .iter()
            .filter(|r| &r.seller_order_id == so)
            .cloned()
            .collect(),
    })
}

async fn return_form(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, so)): Path<(String, String)>,
    Query(q): Query<TokenForm>,
) -> Response {
    let (doc, token, so) = match open_part(&app, &ctx, &id, &so, q.t.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(v) = view(&doc, &so, token.as_deref()) else {
        return not_yours(&ctx);
    };
    let none = crate::web::FieldErrors::new();
    return_page(&app, &ctx, &v, StatusCode::OK, None, &none, &HashMap::new()).await
}

/// The form's items: `q_<variant>` quantities, zeros left out; `None` for a quantity that is
/// not a number or a variant not in the parcel.
fn chosen_lines(part: &SellerOrder, form: &HashMap<String, String>) -> Option<Vec<ReturnLine>> {
    let mut lines = Vec::new();
    for (k, v) in form {
        let Some(variant) = k.strip_prefix("q_") else {
            continue;
        };
        let quantity: u32 = v.trim().parse().ok()?;
        let line = part
            .lines
            .iter()
            .find(|l| l.variant_id.as_str() == variant)?;
        if quantity > 0 {
            lines.push(ReturnLine {
                variant_id: line.variant_id.clone(),
                quantity,
            });
        }
    }
    Some(lines)
}

/// What the return form sent: its fields and its photos (bytes, at most
/// [`MAX_RETURN_PHOTOS`], each at most [`crate::media::MAX_UPLOAD_BYTES`]).
#[derive(Default)]
struct ReturnBody {
    form: HashMap<String, String>,
    photos: Vec<Vec<u8>>,
}

/// Reads the return form (multipart with photos, or URL-encoded without); a body too large,
/// too many photos or an unreadable body is refused with its status and word key.
async fn read_return_body(
    app: &App,
    req: axum::extract::Request,
) -> Result<ReturnBody, (StatusCode, &'static str)> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return match Form::<Vec<(String, String)>>::from_request(req, app).await {
            Ok(Form(f)) => Ok(ReturnBody {
                form: f.into_iter().collect(),
                photos: Vec::new(),
            }),
            Err(_) => Err((StatusCode::BAD_REQUEST, "photo_form")),
        };
    }
    let Ok(m) = axum::extract::Multipart::from_request(req, app).await else {
        return Err((StatusCode::BAD_REQUEST, "photo_form"));
    };
    match crate::media::read_photo_form(m, MAX_RETURN_PHOTOS).await {
        Ok(read) => Ok(ReturnBody {
            form: read.fields.into_iter().collect(),
            photos: read.photos,
        }),
        Err((e, _)) => Err((
            e.status(),
            match e {
                crate::media::PhotoFormError::TooLarge => "photo_size",
                crate::media::PhotoFormError::TooMany => "photo_count",
                crate::media::PhotoFormError::Unreadable => "photo_form",
            },
        )),
    }
}

/// The word key and status of a refused photo, as the product photos' (see
/// [`crate::media::PhotoError`]): too large is 413, the rest 422, a storage fault 503.
fn photo_problem(e: &crate::media::PhotoError) -> (StatusCode, &'static str) {
    use crate::media::PhotoError;
    match e {
        PhotoError::Size => (StatusCode::PAYLOAD_TOO_LARGE, "photo_size"),
        PhotoError::Format => (StatusCode::UNPROCESSABLE_ENTITY, "photo_format"),
        PhotoError::Dimensions | PhotoError::Unreadable(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "photo_broken")
        }
        PhotoError::Storage(_) => (StatusCode::SERVICE_UNAVAILABLE, "photo_store"),
    }
}

/// `POST /orders/{id}/return/{so}` (multipart: the fields and up to [`MAX_RETURN_PHOTOS`]
/// photos; URL-encoded without photos is read too). Nothing is written unless everything is
/// right: the items and the reason are checked, then every photo is decoded, and only then
/// are the photos stored and the request made with them.
async fn request_return(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, so)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    let lang = ctx.lang;
    let body = match read_return_body(&app, req).await {
        Ok(b) => b,
        Err((status, key)) => {
            return private(problem(&ctx, status, aw(lang, key)));
        }
    };
    let form = body.form;
    let (doc, token, so) =
        match open_part(&app, &ctx, &id, &so, form.get("t").map(String::as_str)).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let Some(v) = view(&doc, &so, token.as_deref()) else {
        return not_yours(&ctx);
    };
    let again = |status: StatusCode, message: String| {
        let (app, ctx, v, form) = (&app, &ctx, &v, &form);
        async move {
            let none = crate::web::FieldErrors::new();
            return_page(app, ctx, v, status, Some(message), &none, form).await
        }
    };
    let lines = match chosen_lines(v.part, &form) {
        Some(l) if !l.is_empty() => l,
        _ => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                t(lang, "ac_pick_items").to_owned(),
            )
            .await;
        }
    };
    let Some(reason) = form.get("reason").and_then(|r| ReturnReason::parse(r)) else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "ac_pick_reason").to_owned(),
        )
        .await;
    };
    let details = form.get("details").cloned();
    // Cash or transfer: where the marketplace transfers the refund, checked before any photo
    // is stored.
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    // No RIB typed (a buyer without a bank account): the marketplace will ask how to refund.
    let refund_to = if refund_by_transfer(v.doc) && !field("refund_rib").trim().is_empty() {
        match RefundAccount::new(field("refund_holder"), field("refund_rib")) {
            Ok(a) => Some(a),
            Err(e) => {
                // Both fields said at once: the holder's refusal hides the RIB's otherwise.
                let rib_error = match e {
                    RefundAccountError::BadRib | RefundAccountError::RibKey => Some(e.clone()),
                    _ => RefundAccount::new("-", field("refund_rib")).err(),
                };
                let mut errors = crate::web::FieldErrors::new();
                if rib_error.as_ref() != Some(&e) {
                    errors.add("refund_holder", aw(lang, "err_holder"));
                }
                if let Some(e) = &rib_error {
                    errors.add("refund_rib", aw(lang, account_refusal(e)));
                }
                return return_page(
                    &app,
                    &ctx,
                    &v,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    &errors,
                    &form,
                )
                .await;
            }
        }
    } else {
        None
    };
    // Every photo decoded before any is stored, so a bad second photo leaves no trace.
    for bytes in &body.photos {
        let checked = tokio::task::spawn_blocking({
            let bytes = bytes.clone();
            move || crate::media::process(&bytes).map(|_| ())
        })
        .await;
        let refused = match checked {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(photo_problem(&e)),
            Err(_) => Some((StatusCode::SERVICE_UNAVAILABLE, "photo_store")),
        };
        if let Some((status, key)) = refused {
            return again(status, aw(lang, key).to_owned()).await;
        }
    }
    // Not public: served only to whoever may read the order (see `return_photo`).
    let mut photos = Vec::new();
    for bytes in body.photos {
        match crate::media::store_private(&app, bytes).await {
            Ok(file) => photos.push(return_photo_path(&doc.order.id, &file)),
            Err(e) => {
                let (status, key) = photo_problem(&e);
                return again(status, aw(lang, key).to_owned()).await;
            }
        }
    }
    match app
        .engine
        .orders()
        .request_return_asked(
            &doc.order.id,
            &so,
            ReturnAsk::new(lines, reason)
                .with_details(details)
                .with_photos(photos)
                .with_refund_to(refund_to),
            None,
        )
        .await
    {
        Ok(_) => {
            let to = order_link(&doc.order.id, token.as_deref());
            let sep = if to.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{to}{sep}done=withdraw")).into_response()
        }
        Err(TijaraError::Return(e)) => {
            let (status, message) = match e {
                ReturnError::AlreadyRequested {
                    requested_at,
                    status,
                    ..
                } => (
                    StatusCode::CONFLICT,
                    format!(
                        "{} {}. {} {}",
                        t(lang, "ac_already_asked"),
                        crate::web::local_day(&app, requested_at),
                        t(lang, "ac_status_is"),
                        t(lang, return_status_key(status))
                    ),
                ),
                ReturnError::TooMany { returnable, .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{} {returnable}", t(lang, "ac_too_many")),
                ),
                ReturnError::ReasonTooLong { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t(lang, "ac_reason_long").to_owned(),
                ),
                ReturnError::ReasonControl => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t(lang, "ac_reason_bad").to_owned(),
                ),
                ReturnError::TooManyPhotos { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    aw(lang, "photo_count").to_owned(),
                ),
                ReturnError::NotAPhoto(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    aw(lang, "photo_format").to_owned(),
                ),
                ReturnError::NoLines | ReturnError::UnknownLine(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t(lang, "ac_pick_items").to_owned(),
                ),
                // Not delivered, the period over: the page says it from the parcel itself.
                _ => (StatusCode::CONFLICT, String::new()),
            };
            if message.is_empty() {
                let none = crate::web::FieldErrors::new();
                return return_page(&app, &ctx, &v, status, None, &none, &form).await;
            }
            again(status, message).await
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// The address of a return's photo `file` (stored by [`crate::media::store_private`]) on the
/// order `id`: what the return keeps, and the route that serves it ([`return_photo`]).
pub(crate) fn return_photo_path(id: &tijara_core::OrderId, file: &str) -> String {
    format!("/orders/{id}/photos/{file}")
}

/// The `t` of a return photo's address (a guest's link).
#[derive(Deserialize)]
pub(super) struct PhotoQuery {
    t: Option<String>,
}

/// `GET /orders/{id}/photos/{file}`: a photo the shopper attached to a return, for those who may
/// read it: the guest holding the order's link (`?t=`), its logged-in customer, an admin, and
/// the seller whose parcel the return is about (a member of a cooperative: for the pieces they
/// made, as the returns page shows them). The photo must be one of the order's returns' (of that
/// seller's parcels, for a seller). Anyone else, and any other name, gets a 404, as for an
/// unknown order, so a guess learns nothing. Photos of returns asked before this route existed
/// are moved here at start ([`crate::startup::hide_return_photos`]).
pub(super) async fn return_photo(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<PhotoQuery>,
) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let Ok(id) = tijara_core::OrderId::new(id) else {
        return not_found();
    };
    if !crate::media::valid_name(&file) {
        return not_found();
    }
    let large = match file.strip_suffix(&format!("-{}.jpg", crate::media::THUMB)) {
        Some(stem) => format!("{stem}-{}.jpg", crate::media::LARGE),
        None => file.clone(),
    };
    let path = return_photo_path(&id, &large);
    // Whoever may read the order page reads every photo of its returns (the order page's own
    // check); a seller, only those of the returns on her parcels.
    let seller = ctx.seller();
    let (doc, whole) =
        match super::order::open_order(&app, &ctx, id.as_str(), q.t.as_deref(), true).await {
            Ok((doc, _)) => (doc, true),
            Err(refused) if seller.is_none() => return refused,
            Err(_) => match app.engine.orders().order(&id).await {
                Ok(doc) => (doc, false),
                Err(TijaraError::NotFound { .. }) => return not_found(),
                Err(e) => return refusal(&ctx, &e),
            },
        };
    let shown = doc.returns.iter().any(|r| {
        r.photos().contains(&path)
            && (whole
                || seller.as_ref().is_some_and(|(seller, member)| {
                    doc.order.seller_order(&r.seller_order_id).is_ok_and(|so| {
                        so.seller_id == *seller && crate::portal::member_sees(so, r, member)
                    })
                }))
    });
    if !shown {
        return not_found();
    }
    crate::media::serve_private(&app, &file).await
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/track", get(track_page).post(track))
        .route("/orders/{id}/photos/{file}", get(return_photo))
        .route("/orders/{id}/cancel", get(cancel_page).post(cancel))
        .route(
            "/orders/{id}/returns/{ret}/account",
            axum::routing::post(set_refund_account),
        )
        .route(
            "/orders/{id}/return/{so}",
            get(return_form)
                .post(request_return)
                .layer(axum::extract::DefaultBodyLimit::max(
                    MAX_RETURN_PHOTOS * crate::media::MAX_UPLOAD_BYTES + 64 * 1024,
                )),
        )
}

/// This module's own words added for the order page (French, Arabic, English).
fn aw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "returns_until" => (
            "Le retour de ce colis était possible jusqu'au",
            "كان إرجاع هذا الطرد ممكنا حتى",
            "This parcel could be returned until",
        ),
        "returns_contact" => (
            "Pour un article défectueux, écrivez-nous :",
            "إذا كانت السلعة معيبة، راسلنا:",
            "For a faulty item, write to us:",
        ),
        "returns_quote" => (
            "en indiquant la commande",
            "مع ذكر رقم الطلب",
            "quoting order",
        ),
        "photos_label" => (
            "Photos des articles (facultatif, 3 au plus)",
            "صور السلع (اختياري، 3 على الأكثر)",
            "Photos of the items (optional, 3 at most)",
        ),
        "photos_rules" => (
            "JPEG, PNG ou WebP, 5 Mo au plus chacune. Montrez le défaut ou l'état de l'article : le vendeur les verra avec votre demande.",
            "JPEG أو PNG أو WebP، 5 ميغا على الأكثر لكل صورة. أظهر العيب أو حالة السلعة: سيراها البائع مع طلبك.",
            "JPEG, PNG or WebP, 5 MB at most each. Show the fault or the item's state: the seller sees them with your request.",
        ),
        "photos_sent" => ("Photos envoyées :", "الصور المرسلة:", "Photos sent:"),
        "photo_alt" => ("Photo", "صورة", "Photo"),
        "photo_count" => (
            "3 photos au plus : retirez-en une et envoyez à nouveau.",
            "3 صور على الأكثر: احذف واحدة وأرسل مرة أخرى.",
            "3 photos at most: remove one and send again.",
        ),
        "photo_size" => (
            "Une photo dépasse 5 Mo : choisissez-en une plus légère (ou réduisez-la) et envoyez à nouveau.",
            "إحدى الصور تتجاوز 5 ميغا: اختر صورة أخف (أو صغّرها) وأرسل مرة أخرى.",
            "A photo is over 5 MB: choose a lighter one (or shrink it) and send again.",
        ),
        "photo_format" => (
            "Ce fichier n'est pas une photo JPEG, PNG ou WebP : choisissez une photo et envoyez à nouveau.",
            "هذا الملف ليس صورة JPEG أو PNG أو WebP: اختر صورة وأرسل مرة أخرى.",
            "This file is not a JPEG, PNG or WebP photo: choose a photo and send again.",
        ),
        "photo_broken" => (
            "Cette photo ne peut pas être lue (abîmée ou trop grande) : prenez-en une autre et envoyez à nouveau.",
            "تعذرت قراءة هذه الصورة (تالفة أو كبيرة جدا): التقط صورة أخرى وأرسل مرة أخرى.",
            "This photo cannot be read (damaged or too large): take another one and send again.",
        ),
        "photo_store" => (
            "Les photos ne peuvent pas être enregistrées pour le moment : réessayez dans quelques minutes.",
            "تعذر حفظ الصور حاليا: حاول مرة أخرى بعد دقائق.",
            "The photos cannot be saved right now: try again in a few minutes.",
        ),
        "photo_form" => (
            "Le formulaire n'a pas pu être lu : rechargez la page et recommencez.",
            "تعذرت قراءة الاستمارة: أعد تحميل الصفحة وحاول مرة أخرى.",
            "The form could not be read: reload the page and try again.",
        ),
        "refused_because" => (
            "Le vendeur a refusé ce retour. Sa raison :",
            "رفض البائع هذا الإرجاع. السبب الذي ذكره:",
            "The seller refused this return. Their reason:",
        ),
        "refused_no_reason" => (
            "Le vendeur a refusé ce retour sans donner de raison.",
            "رفض البائع هذا الإرجاع دون ذكر السبب.",
            "The seller refused this return without giving a reason.",
        ),
        "refused_next" => (
            "Vous n'êtes pas d'accord, ou l'article est défectueux ? Écrivez au marché, qui transmettra au vendeur et vous répondra :",
            "لا توافق، أو السلعة معيبة؟ راسل السوق، وسينقل رسالتك إلى البائع ويرد عليك:",
            "Do you disagree, or is the item faulty? Write to the marketplace, which will pass it on to the seller and answer you:",
        ),
        "refund_where" => (
            "Où vous rembourser ?",
            "أين نرد لك المبلغ؟",
            "Where should we refund you?",
        ),
        "refund_where_help" => (
            "Vous avez payé à la livraison ou par virement : le marché vous rembourse par virement. Donnez le RIB (24 chiffres, sur votre carnet de chèques ou votre application bancaire) et le nom du titulaire du compte. Seul le marché le voit, pour ce remboursement. Pas de compte bancaire ? Laissez le RIB vide : le marché vous contactera pour convenir du remboursement.",
            "دفعت عند الاستلام أو بتحويل: يرد لك السوق المبلغ بتحويل بنكي. أدخل رقم الحساب البنكي RIB (24 رقما، في دفتر الشيكات أو تطبيق البنك) واسم صاحب الحساب. لا يراه إلا السوق، لهذا الاسترداد فقط. ليس لديك حساب بنكي؟ اترك خانة RIB فارغة: سيتصل بك السوق للاتفاق على طريقة الاسترداد.",
            "You paid on delivery or by transfer: the marketplace refunds you by bank transfer. Give the RIB (24 digits, on your chequebook or in your bank's app) and the account holder's name. Only the marketplace sees it, for this refund. No bank account? Leave the RIB empty: the marketplace will contact you to agree how to refund you.",
        ),
        "refund_holder" => ("Titulaire du compte", "صاحب الحساب", "Account holder"),
        "account_ask" => (
            "Où vous virer le remboursement ?",
            "إلى أي حساب نحول لك المبلغ المسترد؟",
            "Where should we transfer your refund?",
        ),
        "account_why" => (
            "Vous avez payé en espèces ou par virement : le marché vous rend l'argent par virement. Donnez le titulaire et le RIB du compte ; sans RIB, le marché vous contactera.",
            "دفعت نقدا أو بتحويل: يرد إليك السوق المبلغ بتحويل بنكي. أعط اسم صاحب الحساب ورقم RIB؛ وبدونه سيتصل بك السوق.",
            "You paid in cash or by transfer: the marketplace returns the money by bank transfer. Give the account holder and the RIB; without one, the marketplace will contact you.",
        ),
        "account_given" => (
            "Le remboursement sera viré sur le compte",
            "سيحول المبلغ المسترد إلى الحساب",
            "The refund will be transferred to the account",
        ),
        "account_save" => (
            "Enregistrer ce compte",
            "حفظ هذا الحساب",
            "Save this account",
        ),
        "account_back" => (
            "Retour à la commande",
            "العودة إلى الطلب",
            "Back to the order",
        ),
        "account_not_asked" => (
            "Ce remboursement n'attend plus de compte (déjà envoyé, ou le retour a été refusé) : rechargez la commande pour voir où il en est.",
            "هذا الاسترداد لم يعد ينتظر حسابا (أُرسل من قبل أو رُفض الإرجاع): أعد تحميل الطلب لترى حالته.",
            "This refund no longer waits for an account (already sent, or the return was refused): reload the order to see where it stands.",
        ),
        "refund_rib" => (
            "RIB (24 chiffres)",
            "رقم الحساب RIB (24 رقما)",
            "RIB (24 digits)",
        ),
        "err_holder" => (
            "Écrivez le nom du titulaire du compte, comme sur le RIB (100 caractères au plus).",
            "اكتب اسم صاحب الحساب كما في RIB (100 حرف على الأكثر).",
            "Write the account holder's name as on the RIB (100 characters at most).",
        ),
        "err_rib" => (
            "Le RIB doit avoir 24 chiffres (les espaces sont acceptés) : recopiez-le depuis votre relevé d'identité bancaire.",
            "يجب أن يتكون RIB من 24 رقما (المسافات مقبولة): انسخه من كشف هويتك البنكية.",
            "The RIB has 24 digits (spaces are fine): copy it from your bank details (relevé d'identité bancaire).",
        ),
        "err_rib_key" => (
            "Ce RIB ne tient pas : un chiffre est mal recopié (ses deux derniers chiffres ne vont pas avec les autres). Recopiez-le depuis votre relevé d'identité bancaire.",
            "رقم RIB هذا غير صحيح: أحد الأرقام منسوخ خطأ (الرقمان الأخيران لا يتوافقان مع الباقي). انسخه مرة أخرى من كشف هويتك البنكية.",
            "This RIB does not add up: a digit is mistyped (its last two digits do not match the others). Copy it again from your bank details.",
        ),
        "return_label" => ("Retour", "إرجاع", "Return"),
        "refund_done" => ("remboursé.", "تم رده.", "refunded."),
        "refund_coming" => (
            "Remboursement décidé : en route",
            "تم قبول الاسترداد: في الطريق",
            "Refund decided: on its way",
        ),
        "refund_of" => ("Remboursement de", "استرداد مبلغ", "Refund of"),
        "refund_card_sent" => (
            "rendu à votre carte le",
            "أعيد إلى بطاقتك في",
            "returned to your card on",
        ),
        "refund_card_days" => (
            "Votre banque l'affiche sous quelques jours.",
            "يظهر في حسابك البنكي خلال أيام.",
            "Your bank shows it within a few days.",
        ),
        "refund_sent_on" => ("envoyé le", "أرسل في", "sent on"),
        "refund_to_account" => ("au compte", "إلى الحساب", "to the account"),
        "refund_reference" => ("référence", "المرجع", "reference"),
        "refund_due_account" => (
            "le marché va le virer au compte",
            "سيحوله السوق إلى الحساب",
            "the marketplace will transfer it to the account",
        ),
        "refund_due_card" => (
            "le marché va le rendre à votre carte",
            "سيعيده السوق إلى بطاقتك",
            "the marketplace will return it to your card",
        ),
        "refund_due_ask" => (
            "le marché vous contactera pour savoir sur quel compte le virer",
            "سيتصل بك السوق لمعرفة الحساب الذي يحوله إليه",
            "the marketplace will contact you for the account to transfer it to",
        ),
        "refund_told" => (
            "Vous serez prévenu quand il sera envoyé.",
            "سنخبرك عند إرساله.",
            "You will be told when it is sent.",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// Whether a return's refund goes back by bank transfer: an order paid in cash on delivery or
/// by transfer has no card to return it to, so the shopper gives an account.
pub(crate) fn refund_by_transfer(doc: &OrderDoc) -> bool {
    doc.order.payment.method().refunds_by_transfer()
}

/// Where a return's refund stands, for the shopper: the amount, and whether it went back to
/// the card or was transferred (when, to which account, the bank's reference), or what comes
/// next. Empty before the seller refunds.
pub(crate) fn refund_line(app: &App, lang: Lang, doc: &OrderDoc, r: &ReturnRequest) -> Markup {
    let Some(amount) = r.refunded().filter(|a| a.is_positive()) else {
        return html! {};
    };
    let c = if lang == Lang::FR { "\u{a0}:" } else { ":" };
    html! {
        p.refund-line {
            (aw(lang, "refund_of")) " " strong { bdi { (amount.format(lang)) } } (c) " "
            @match (r.refund_sent(), r.refund_account()) {
                (Some(sent), _) if sent.through_gateway => {
                    (aw(lang, "refund_card_sent")) " " bdi { (crate::web::local_day(app, sent.at)) } ". "
                    (aw(lang, "refund_card_days"))
                }
                (Some(sent), account) => {
                    (aw(lang, "refund_sent_on")) " " bdi { (crate::web::local_day(app, sent.at)) }
                    @if let Some(a) = account { " " (aw(lang, "refund_to_account")) " " bdi dir="ltr" { (a.masked()) } }
                    " (" (aw(lang, "refund_reference")) " " bdi dir="ltr" { (sent.reference) } ")."
                }
                // Refunded before refunds were sent through the shop: nothing more to say.
                (None, _) if r.refund_due().is_none() => { (aw(lang, "refund_done")) }
                (None, Some(a)) => {
                    (aw(lang, "refund_due_account")) " " bdi dir="ltr" { (a.masked()) } " (" bdi.name { (a.holder()) } "). "
                    (aw(lang, "refund_told"))
                }
                (None, None) if refund_by_transfer(doc) => {
                    (aw(lang, "refund_due_ask")) ". " (aw(lang, "refund_told"))
                }
                (None, None) => { (aw(lang, "refund_due_card")) ". " (aw(lang, "refund_told")) }
            }
        }
    }
}
