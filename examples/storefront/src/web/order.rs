//! The order page (opened by its private link or from the account) and the payment cookie.

use super::*;
use tijara_core::Money;
use tijara_core::pricing::carrier_name;

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

/// How a visitor reached an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// By the order's private link (its access token).
    Token,
    /// As its logged-in customer.
    Owner,
    /// As an admin (reading only: the payment actions are the shopper's).
    Admin,
}

/// The order `id` for `ctx`'s visitor: by `token` (the link's `t`), or logged in as its
/// customer (or an admin, when `admin` reads are allowed). Anyone else gets the 404 page of an
/// unknown order, so a guess learns nothing; a wrong or old link says how to open the order.
pub(super) async fn open_order(
    app: &App,
    ctx: &Ctx,
    id: &str,
    token: Option<&str>,
    admin: bool,
) -> Result<(tijara::docs::OrderDoc, Access), Response> {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            layout(ctx, "404", html! { p { "404" } }),
        )
            .into_response()
    };
    let Ok(id) = OrderId::new(id.to_owned()) else {
        return Err(not_found());
    };
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        match found(app.engine.orders().order_with_token(&id, token).await) {
            Ok(Some(doc)) => return Ok((doc, Access::Token)),
            Ok(None) => {}
            Err(e) => return Err(refusal(ctx, &e)),
        }
    }
    let doc = match app.engine.orders().order(&id).await {
        Ok(doc) => doc,
        Err(TijaraError::NotFound { .. }) => return Err(not_found()),
        Err(e) => return Err(refusal(ctx, &e)),
    };
    let access = ctx.account.as_ref().and_then(|a| {
        if doc
            .order
            .customer
            .as_ref()
            .is_some_and(|c| c.as_str() == a.id)
        {
            Some(Access::Owner)
        } else if admin && a.is_admin() {
            Some(Access::Admin)
        } else {
            None
        }
    });
    match access {
        Some(access) => Ok((doc, access)),
        // An old link (the e-mail opens nothing any more) or a wrong token.
        None if token.is_some() => Err(lost_link(ctx)),
        None => Err(not_found()),
    }
}

/// The order page's address for whoever reached it: with the token for a guest's link.
fn page_url(doc: &tijara::docs::OrderDoc, access: Access) -> String {
    match access {
        Access::Token => order_url(&doc.order.id, doc.access_token.as_str()),
        _ => format!("/orders/{}", doc.order.id),
    }
}

/// What the order's big status line says, as a word key.
fn status_key(doc: &tijara::docs::OrderDoc) -> &'static str {
    use tijara_core::order::{FulfillmentStatus as F, OrderStatus as O};
    use tijara_core::payment::{PaymentMethod as M, PaymentStatus as P};
    use tijara_core::returns::ReturnStatus;
    let o = &doc.order;
    let p = &o.payment;
    let parts = || o.seller_orders.iter().map(|s| s.status());
    let arrived = || parts().all(|s| matches!(s, F::Delivered | F::Returned | F::Cancelled));
    match o.status() {
        O::Cancelled => "o_st_cancelled",
        O::AwaitingPayment => match (p.method(), p.status()) {
            (M::BankTransfer, _) => "o_st_transfer",
            (_, P::Failed) => "o_st_declined",
            _ => "o_st_card_pending",
        },
        // A paid parcel came back undelivered (and the shopper asked no return): its refund
        // says where it stands, not "delivered — return ..." (she asked for none).
        _ if arrived()
            && doc.returns.iter().any(|r| r.is_came_back())
            && doc.returns.iter().all(|r| r.is_came_back()) =>
        {
            let back = || doc.returns.iter().filter(|r| r.is_came_back());
            if back().any(|r| r.status() == ReturnStatus::Received) {
                "o_st_came_back_refund"
            } else if back().any(|r| r.refund_due().is_some()) {
                "o_st_came_back_refund_coming"
            } else {
                "o_st_came_back_refunded"
            }
        }
        // Once every parcel has arrived (or came back), a return says where it stands (it read
        // "paid — being prepared" or "you pay on delivery" once a part came back); an open
        // return before a refunded one. A parcel still on its way keeps the order's line.
        _ if arrived()
            && doc.returns.iter().any(|r| {
                matches!(
                    r.status(),
                    ReturnStatus::Requested | ReturnStatus::Approved | ReturnStatus::Received
                )
            }) =>
        {
            "o_st_return_open"
        }
        // A refund decided whose money has not left yet is still on its way.
        _ if arrived() && doc.returns.iter().any(|r| r.refund_due().is_some()) => {
            "o_st_return_refund_coming"
        }
        _ if arrived()
            && doc
                .returns
                .iter()
                .any(|r| r.status() == ReturnStatus::Refunded) =>
        {
            "o_st_return_refunded"
        }
        _ if parts().all(|s| matches!(s, F::Returned | F::Cancelled))
            && parts().any(|s| s == F::Returned) =>
        {
            "o_st_came_back"
        }
        _ if parts().all(|s| matches!(s, F::Delivered | F::Returned | F::Cancelled))
            && parts().any(|s| s == F::Delivered) =>
        {
            "o_st_delivered"
        }
        // Shipped for the engine from the label on; on its way once a carrier has it.
        _ if o
            .seller_orders
            .iter()
            .any(|so| super::part_status(doc, so) == "shipped") =>
        {
            "o_st_on_way"
        }
        _ if o
            .seller_orders
            .iter()
            .any(|so| super::part_status(doc, so) == "packed") =>
        {
            "o_st_packed"
        }
        _ if p.method() == M::CashOnDelivery => "o_st_cod",
        _ => "o_st_paid",
    }
}

/// The payment's state in words, as a word key.
fn payment_key(doc: &tijara::docs::OrderDoc) -> &'static str {
    use tijara_core::payment::{PaymentMethod as M, PaymentStatus as P};
    let p = &doc.order.payment;
    match (p.method(), p.status()) {
        (_, P::Refunded) => "o_pay_refunded",
        // Part of it (a return's items, not the delivery): "refunded" alone reads as all.
        (_, P::PartiallyRefunded) => "o_pay_part_refunded",
        (_, P::Voided) => "o_pay_voided",
        (M::CashOnDelivery, P::AwaitingDelivery) => "o_pay_cod",
        (M::CashOnDelivery, _) => "o_pay_cod_done",
        (M::BankTransfer, P::Pending | P::Failed) => "o_pay_transfer_wait",
        (M::BankTransfer, _) => "o_pay_transfer_ok",
        (_, P::Failed) => "o_pay_card_declined",
        (_, P::Pending) => "o_pay_card_pending",
        _ => "o_pay_card_ok",
    }
}

/// Whether the shopper has paid or committed to paying: a card authorized or captured, cash on
/// delivery or a bank transfer placed. Only then is the shopper thanked.
fn committed(doc: &tijara::docs::OrderDoc) -> bool {
    use tijara_core::order::OrderStatus as O;
    use tijara_core::payment::PaymentMethod as M;
    match doc.order.status() {
        O::Cancelled => false,
        O::AwaitingPayment => doc.order.payment.method() == M::BankTransfer,
        _ => true,
    }
}

/// Whether money came in for the order (a card authorized or captured, a transfer received).
fn money_in(doc: &tijara::docs::OrderDoc) -> bool {
    let p = &doc.order.payment;
    !p.authorized().is_zero() || !p.captured().is_zero() || !p.collected().is_zero()
}

/// The hidden fields a payment form carries: the CSRF token, and the link's token for a guest.
fn action_fields(ctx: &Ctx, doc: &tijara::docs::OrderDoc, access: Access) -> Markup {
    html! {
        (ctx.csrf_field())
        @if access == Access::Token { input type="hidden" name="t" value=(doc.access_token.as_str()); }
    }
}

/// The bank transfer instructions of an order, in a printable box.
fn transfer_box(app: &App, ctx: &Ctx, doc: &tijara::docs::OrderDoc) -> Markup {
    let lang = ctx.lang;
    let o = &doc.order;
    let pay_by = app.engine.checkout().pay_by(o);
    let i = tijara_pay_offline::transfer_instructions(
        &app.bank,
        o.payment.amount(),
        &o.reference(),
        pay_by,
    );
    let a = &i.account;
    html! {
        section.box.transfer-box aria-labelledby="transfer-title" {
            h2 #transfer-title { (t(lang, "o_transfer_title")) }
            @if a.is_demo() { p.error { (t(lang, "o_demo_account")) } }
            dl {
                dt { (t(lang, "o_amount")) } dd.price { bdi { (i.amount.format(lang)) } }
                dt { (t(lang, "o_reference")) } dd { strong { bdi dir="ltr" { (i.reference) } } }
                @if let Some(d) = i.pay_by { dt { (t(lang, "o_pay_by")) } dd { bdi dir="ltr" { (d.format("%d/%m/%Y %H:%M")) } } }
                dt { (t(lang, "o_beneficiary")) } dd { (a.beneficiary()) }
                dt { (t(lang, "o_bank")) } dd { (a.bank()) }
                dt { (t(lang, "o_rib")) } dd { bdi dir="ltr" { (tijara_pay_offline::grouped(a.rib())) } }
                @if let Some(iban) = a.iban() { dt { (t(lang, "o_iban")) } dd { bdi dir="ltr" { (tijara_pay_offline::grouped(iban)) } } }
                @if let Some(swift) = a.swift() { dt { (t(lang, "o_swift")) } dd { bdi dir="ltr" { (swift) } } }
            }
            p { (t(lang, "o_transfer_note")) }
            p.small { (t(lang, "o_print")) }
        }
    }
}

pub(super) async fn order_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    if q.contains_key("email") && !q.contains_key("t") && ctx.account.is_none() {
        // An old link (the e-mail opens nothing any more).
        return lost_link(&ctx);
    }
    let (doc, access) =
        match open_order(&app, &ctx, &id, q.get("t").map(String::as_str), true).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let via_token = access == Access::Token;
    let o = &doc.order;
    let mut sellers = HashMap::new();
    for so in &o.seller_orders {
        if let Ok(s) = app.engine.catalog().seller(&so.seller_id).await {
            sellers.insert(so.seller_id.clone(), s.name);
        }
    }
    // Product names and pictures, in one read (a product since removed shows its line
    // without them).
    let lines = || o.seller_orders.iter().flat_map(|so| so.lines.iter());
    let ids = lines().map(|l| &l.product_id);
    let views = app.engine.catalog().products_to_show(ids).await;
    let mut products = HashMap::new();
    for l in lines() {
        if products.contains_key(&l.product_id) {
            continue;
        }
        if let Some(p) = views.iter().find(|v| v.product.id == l.product_id) {
            let title = p
                .product
                .title
                .get(lang, Lang::FR)
                .unwrap_or(l.sku.as_str())
                .to_owned();
            let photo = p
                .product
                .photos
                .iter()
                .find(|ph| is_local_media_path(&ph.url))
                .map(|ph| crate::media::thumb_url(&ph.url));
            products.insert(l.product_id.clone(), (title, photo));
        }
    }
    let token = via_token.then(|| doc.access_token.as_str());
    let here = page_url(&doc, access);
    let keep_t = if via_token {
        format!("?t={}", doc.access_token.as_str())
    } else {
        String::new()
    };
    let awaiting = o.status() == tijara_core::order::OrderStatus::AwaitingPayment;
    let card = o.payment.method() == tijara_core::payment::PaymentMethod::Card;
    let shopper = access != Access::Admin;
    let st = status_key(&doc);
    let confirmed = matches!(
        o.status(),
        tijara_core::order::OrderStatus::Confirmed | tijara_core::order::OrderStatus::Completed
    );
    let _ = &here;
    // Only the ways to pay that work now are offered (cash on delivery is not when a carrier
    // would charge another delivery price to collect cash).
    let mut can_switch = HashMap::new();
    // Cash on delivery's new total when the carriers charge for collecting cash.
    let mut cod_total = None;
    if awaiting && card && shopper {
        let ok = app
            .engine
            .checkout()
            .check_switch_payment(&o.id, "transfer")
            .await
            .is_ok();
        can_switch.insert("transfer", ok);
        if let Ok(r) = app.engine.checkout().cod_repricing(&o.id).await
            && r.grand_total.is_positive()
        {
            can_switch.insert("cod", true);
            cod_total = r.changes_total().then_some(r.grand_total);
        }
    }
    let offers = |g: &str| can_switch.get(g).copied().unwrap_or(false);
    // The total in another currency, indicative: for a parcel going abroad (each currency the
    // order was priced in), else only the one the visitor chose to see prices in (a buyer in
    // Morocco paying in dirhams is shown no euro nor dollar).
    let abroad = app.engine.region().is_abroad(&o.shipping_address.country);
    let show_display = |d: &tijara_core::region::DisplayAmount| {
        abroad || ctx.display.as_ref().is_some_and(|r| r.to == d.rate.to)
    };
    let body = html! {
        h1 { (t(lang, "o_number")) br; bdi dir="ltr" { (o.reference()) } }
        p.status-line.big.(if st == "o_st_declined" || st == "o_st_cancelled" { "error" } else if committed(&doc) { "ok" } else { "" }) role="status" { (t(lang, st)) }
        @if q.get("done").is_some_and(|d| d == "withdraw") { p.ok role="status" { (t(lang, "withdraw_done")) } }
        @else if committed(&doc) {
            p { (t(lang, if money_in(&doc) { "o_thanks_paid" } else { "thanks" })) }
        }
        @if via_token && ctx.account.is_none() { p.small { (t(lang, "keep_link")) } }
        @if awaiting && card && shopper {
            section.box.payment-outcome {
                p { (t(lang, if st == "o_st_declined" { "o_declined_text" } else { "o_pending_text" })) }
                form method="post" action={ "/orders/" (o.id) "/pay" } {
                    (action_fields(&ctx, &doc, access))
                    button.big type="submit" { (t(lang, if st == "o_st_declined" { "o_retry_card" } else { "o_pay_card" })) " — " bdi { (o.grand_total.format(lang)) } }
                }
                @for (g, key) in [("cod", "o_switch_cod"), ("transfer", "o_switch_transfer")] {
                    @if offers(g) {
                        form method="post" action={ "/orders/" (o.id) "/switch" } {
                            (action_fields(&ctx, &doc, access))
                            input type="hidden" name="gateway" value=(g);
                            button type="submit" { span { (t(lang, key))
                                @if let (true, Some(total)) = (g == "cod", cod_total) { " — " (w(lang, "new_total")) " " bdi { (total.format(lang)) } } } }
                        }
                    }
                }
            }
        }
        @if awaiting && o.payment.method() == tijara_core::payment::PaymentMethod::BankTransfer {
            (transfer_box(&app, &ctx, &doc))
        }
        p { (t(lang, "o_payment")) ": " (t(lang, payment_key(&doc)))
            // How much of it: "partly refunded" alone leaves the buyer guessing.
            @if doc.order.payment.status() == tijara_core::payment::PaymentStatus::PartiallyRefunded {
                " — " bdi { (doc.order.payment.refunded().format(lang)) } " " (t(lang, "o_pay_of")) " " bdi { (doc.order.grand_total.format(lang)) }
            }
        }
        section.items {
            h2 { (t(lang, "o_items")) }
            ul {
                @for l in o.seller_orders.iter().flat_map(|so| so.lines.iter()) {
                    @let (name, photo) = products.get(&l.product_id).cloned().unwrap_or_else(|| (l.sku.to_string(), None));
                    li {
                        @if let Some(src) = &photo { img.thumb src=(src) alt="" width="64" height="64" loading="lazy"; }
                        div.line-text {
                            span { (name) } br;
                            span.muted { bdi { (l.quantity) " × " (l.unit_price.format(lang)) } }
                        }
                        bdi.money { (l.net.format(lang)) }
                    }
                }
            }
        }
        section.address {
            h2 { (t(lang, "o_deliver_to")) }
            // Every line, as the destination's post lays it out (the second line and the state
            // were left out), each in its own direction.
            @let a = &o.shipping_address;
            p { bdi.wrap { (a.name) } @for line in super::checkout::address_lines(&app, lang, a) { br; bdi.wrap { (line) } }
                br; bdi dir="ltr" { (a.phone) } }
        }
        @for so in &o.seller_orders {
            section.box.parcel {
                h2 { (t(lang, "seller_order")) " " (sellers.get(&so.seller_id).map(String::as_str).unwrap_or(so.seller_id.as_str())) " — " (status_word(lang, super::part_status(&doc, so))) }
                @if let Some(ship) = &so.shipping {
                    p { (t(lang, "o_carrier")) ": " (ship.choice.carrier_label(carrier_name))
                        @if let Some((a, b)) = ship.choice.estimated_days { " · " (t(lang, "o_estimate")) ": " bdi dir="ltr" { (a) "–" (b) } " " (t(lang, "days")) } }
                }
                @if let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so.id) {
                    @let shown = so.shipping.as_ref().filter(|sh| sh.choice.carrier == s.carrier).map_or_else(|| carrier_name(&s.carrier), |sh| sh.choice.carrier_label(carrier_name));
                    // The marketplace's provisional reference is not the carrier's number: the
                    // shopper gets the number, and the carrier's page, once typed in.
                    @if let Some(number) = s.carrier_number() {
                        p { (t(lang, "o_tracking_no")) " (" (shown) "): " bdi dir="ltr" { (number) } " — " (status_word(lang, s.status().as_str())) }
                        @if let Some(href) = app.engine.fulfillment().carriers().find(|c| c.code() == s.carrier).and_then(|c| c.tracking_url(number)) {
                            p { a href=(href) rel="noopener noreferrer" { (t(lang, "o_track_link")) } }
                        }
                    } @else if s.status() == tijara_core::fulfillment::TrackingStatus::LabelCreated {
                        p.muted { (t(lang, "o_tracking_later")) }
                    } @else {
                        p { (t(lang, "o_carrier")) ": " (shown) " — " (status_word(lang, s.status().as_str())) }
                    }
                    ol.timeline { @for e in s.events() { li { bdi dir="ltr" { (super::local_time(&app, e.at)) } " — " (status_word(lang, e.status.as_str())) @if !e.carrier_text.is_empty() { " (" (e.carrier_text) ")" } } } }
                }
                @if confirmed && shopper {
                    p { a href={ "/orders/" (o.id) "/invoice/" (so.id) (keep_t) } { (t(lang, "o_invoice")) } }
                }
            }
        }
        section.totals {
            table {
                tr { th { (t(lang, "o_items_total")) } td { bdi { (o.items_net.format(lang)) } } }
                tr { th { (t(lang, "o_shipping")) } td { bdi { (o.shipping_total.format(lang)) } } }
                @for b in o.tva.buckets() {
                    tr.small { th { (t(lang, "o_tva_incl")) " " bdi { (b.rate.as_percent().normalize()) " %" } } td { bdi { (b.tva.format(lang)) } } }
                }
                tr.price { th { (t(lang, "total")) } td { bdi { (o.grand_total.format(lang)) }
                    @for d in o.display_totals.iter().filter(|d| show_display(d)) { " ≈ " bdi { (d.amount.format(lang)) } " (" (t(lang, "abroad")) ")" } } }
            }
            @if !confirmed { p.small { (t(lang, "o_invoice_later")) } }
        }
        (super::aftercare::order_actions(&app, &ctx, &doc, token))
    };
    // A guest who opened the order by its link keeps the token when switching language or
    // currency (the token is the verified one: hex, nothing to escape).
    let keep = if via_token {
        format!("&t={}", doc.access_token.as_str())
    } else {
        String::new()
    };
    let title = format!("{} {}", t(lang, "order"), o.reference());
    let r = with_lang_cookie(lang, layout_keeping(&ctx, &title, body, &keep));
    private(r)
}

/// The token is in the URL: no Referer to other sites, no shared cache.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A refusal of a payment action, with the button back to the order.
fn action_refused(ctx: &Ctx, status: StatusCode, key: &str, back: &str) -> Response {
    error_page(
        ctx,
        status,
        html! {
            p.error role="alert" { (t(ctx.lang, key)) }
            p { a.button href=(back) { (t(ctx.lang, "o_back")) } }
        },
    )
}

/// The card payment form (to CMI's hosted page), binding CMI's return to this browser.
/// The step before CMI's secure page: the order's number (it is saved), the amount, what
/// happens next, the button that posts the signed form to CMI, and the order's page for paying
/// later (its private link: the order is kept, its items set aside a while).
pub(super) fn card_form(
    app: &App,
    ctx: &Ctx,
    order: &tijara_core::order::Order,
    token: &str,
    url: &str,
    fields: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let page = layout(ctx, t(lang, "pay"), html! {
        h1 { (t(lang, "o_number")) br; bdi dir="ltr" { (order.reference()) } }
        p.status-line role="status" { (t(lang, "o_saved_pay")) }
        form #pay method="post" action=(url) {
            @for (k, v) in fields { input type="hidden" name=(k) value=(v); }
            button.big type="submit" { (t(lang, "o_go_pay")) " — " bdi { (order.grand_total.format(lang)) } }
        }
        p.small.muted { (t(lang, "o_cmi_note")) }
        p { a href=(order_url(&order.id, token)) { (t(lang, "o_pay_later")) } }
    })
    .into_response();
    private(set_payment_cookie(app, page, &order.id, token))
}

/// `POST /orders/{id}/pay` (`t`: the link's token, or logged in as the order's customer): a
/// new card attempt for an order still awaiting its card payment, then the form to CMI. A paid
/// order answers 409 "already paid" and charges nothing.
pub(super) async fn order_pay(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (doc, access) =
        match open_order(&app, &ctx, &id, form.get("t").map(String::as_str), false).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let back = page_url(&doc, access);
    if doc.order.status() != tijara_core::order::OrderStatus::AwaitingPayment {
        let key = if money_in(&doc) {
            "o_already_paid"
        } else {
            "o_not_payable"
        };
        return action_refused(&ctx, StatusCode::CONFLICT, key, &back);
    }
    if doc.order.payment.method() != tijara_core::payment::PaymentMethod::Card {
        // A transfer order pays by card only after choosing the card again (a switch).
        return switch_to(&app, &ctx, &doc, access, "cmi").await;
    }
    match app
        .engine
        .checkout()
        .start_payment(&doc.order.id, None)
        .await
    {
        Ok(PaymentStart::Redirect { url, fields }) => card_form(
            &app,
            &ctx,
            &doc.order,
            doc.access_token.as_str(),
            &url,
            &fields,
        ),
        Ok(_) => Redirect::to(&back).into_response(),
        Err(TijaraError::NotAwaitingPayment { .. }) => {
            action_refused(&ctx, StatusCode::CONFLICT, "o_already_paid", &back)
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// `POST /orders/{id}/switch` (`gateway`: `cod`, `transfer` or `cmi`; `t` or the owner's
/// login): pays the unpaid order another way, then back to the order (or on to CMI).
pub(super) async fn order_switch(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (doc, access) =
        match open_order(&app, &ctx, &id, form.get("t").map(String::as_str), false).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let gateway = form.get("gateway").map(String::as_str).unwrap_or_default();
    if !matches!(gateway, "cod" | "transfer" | "cmi") {
        return action_refused(
            &ctx,
            StatusCode::BAD_REQUEST,
            "o_bad_gateway",
            &page_url(&doc, access),
        );
    }
    // The grand total the shopper accepted on the confirmation page (cash on delivery with a
    // collection fee).
    let accepted = match form.get("accept").filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => match Money::parse(a, doc.order.currency) {
            Ok(m) if m.is_positive() => Some(m),
            _ => {
                return action_refused(
                    &ctx,
                    StatusCode::BAD_REQUEST,
                    "o_bad_gateway",
                    &page_url(&doc, access),
                );
            }
        },
    };
    switch_accepting(&app, &ctx, &doc, access, gateway, accepted).await
}

async fn switch_to(
    app: &App,
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    access: Access,
    gateway: &str,
) -> Response {
    switch_accepting(app, ctx, doc, access, gateway, None).await
}

/// The page asking the shopper to confirm cash on delivery at its new total: each parcel's
/// delivery before and after the carrier's collection fee, the new total, and the button that
/// switches at exactly that total (or back to the order, which keeps its card payment).
async fn cod_confirm(
    app: &App,
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    access: Access,
) -> Response {
    let lang = ctx.lang;
    let back = page_url(doc, access);
    let r = match app.engine.checkout().cod_repricing(&doc.order.id).await {
        Ok(r) => r,
        Err(e) => return refusal(ctx, &e),
    };
    let mut names = HashMap::new();
    for p in &r.parcels {
        if let Ok(s) = app.engine.catalog().seller(&p.seller_id).await {
            names.insert(p.seller_id.clone(), s.name);
        }
    }
    // From the old price to the new one, in the reading direction.
    let arrow = if page_dir(lang) == "rtl" {
        "←"
    } else {
        "→"
    };
    let body = html! {
        h1 { (w(lang, "cod_title")) }
        p { (w(lang, "cod_why")) }
        section.box.totals {
            table {
                @for p in &r.parcels {
                    tr {
                        th { (t(lang, "o_shipping")) " — " (names.get(&p.seller_id).map(String::as_str).unwrap_or(p.seller_id.as_str())) }
                        td { del { bdi.money { (p.before.format(lang)) } } " " (arrow) " " strong { bdi.money { (p.after.format(lang)) } } }
                    }
                }
                tr { th { (w(lang, "old_total")) } td { bdi.money { (r.grand_total_before.format(lang)) } } }
                tr.price { th { (w(lang, "new_total_head")) } td { bdi.money { (r.grand_total.format(lang)) } } }
            }
        }
        form method="post" action={ "/orders/" (doc.order.id) "/switch" } {
            (action_fields(ctx, doc, access))
            input type="hidden" name="gateway" value="cod";
            input type="hidden" name="accept" value=(r.grand_total.amount().to_string());
            button.big.primary type="submit" { span { (w(lang, "cod_confirm")) " — " bdi { (r.grand_total.format(lang)) } } }
        }
        p { a.button href=(back) { (w(lang, "cod_keep")) } }
    };
    private(with_lang_cookie(
        lang,
        layout(ctx, w(lang, "cod_title"), body),
    ))
}

async fn switch_accepting(
    app: &App,
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    access: Access,
    gateway: &str,
    accepted: Option<Money>,
) -> Response {
    let back = page_url(doc, access);
    let checkout = app.engine.checkout();
    let done = match accepted {
        Some(total) => {
            checkout
                .switch_payment_accepting(&doc.order.id, gateway, total, None)
                .await
        }
        None => checkout.switch_payment(&doc.order.id, gateway, None).await,
    };
    match done {
        Ok(PaymentStart::Redirect { url, fields }) => {
            match app.engine.orders().order(&doc.order.id).await {
                Ok(doc) => card_form(
                    app,
                    ctx,
                    &doc.order,
                    doc.access_token.as_str(),
                    &url,
                    &fields,
                ),
                Err(e) => refusal(ctx, &e),
            }
        }
        Ok(_) => Redirect::to(&back).into_response(),
        // The total changes with the carriers' collection fee (or changed since the shopper
        // saw it): the shopper sees the new one and confirms it.
        Err(TijaraError::CodTotalChanged { .. }) => {
            let mut r = cod_confirm(app, ctx, doc, access).await;
            if accepted.is_some() {
                *r.status_mut() = StatusCode::CONFLICT;
            }
            r
        }
        Err(TijaraError::CodUnavailable { .. }) => error_page(
            ctx,
            StatusCode::CONFLICT,
            html! {
                p.error role="alert" { (w(ctx.lang, "cod_unavailable")) }
                p { a.button href=(back) { (t(ctx.lang, "o_back")) } }
            },
        ),
        Err(TijaraError::PaymentSwitch(r)) => {
            use tijara_core::order_record::SwitchRefusal as R;
            let key = match r {
                R::SameMethod { .. } => return Redirect::to(&back).into_response(),
                R::PaymentUnderway { .. } | R::NotAwaitingPayment { .. } if money_in(doc) => {
                    "o_already_paid"
                }
                _ => "o_switch_refused",
            };
            action_refused(ctx, StatusCode::CONFLICT, key, &back)
        }
        Err(TijaraError::NotConfigured { .. }) => {
            action_refused(ctx, StatusCode::BAD_REQUEST, "o_bad_gateway", &back)
        }
        Err(e) => refusal(ctx, &e),
    }
}

/// `GET /orders/{id}/invoice/{seller_order}?t=…`: the printable invoice of one seller's part,
/// for whoever may open the order, once it is paid or confirmed (an invoice gets its legal
/// number when first shown).
pub(super) async fn order_invoice(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, seller_order)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (doc, access) =
        match open_order(&app, &ctx, &id, q.get("t").map(String::as_str), true).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let back = page_url(&doc, access);
    let Some(so) = tijara_core::SellerOrderId::new(seller_order)
        .ok()
        .filter(|so| doc.order.seller_orders.iter().any(|s| &s.id == so))
    else {
        return (
            StatusCode::NOT_FOUND,
            layout(
                &ctx,
                "404",
                html! { p { "404" } p { a.button href=(back) { (t(lang, "o_back")) } } },
            ),
        )
            .into_response();
    };
    if !matches!(
        doc.order.status(),
        tijara_core::order::OrderStatus::Confirmed | tijara_core::order::OrderStatus::Completed
    ) {
        return action_refused(&ctx, StatusCode::CONFLICT, "o_invoice_later", &back);
    }
    match app.engine.orders().invoice(&doc.order.id, &so).await {
        Ok(inv) => private(
            axum::response::Html(tijara_render::invoice_html_for(
                &inv,
                lang,
                app.engine.region(),
                &doc.order.reference(),
            ))
            .into_response(),
        ),
        Err(e) => refusal(&ctx, &e),
    }
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/orders/{id}", get(order_page))
        .route("/orders/{id}/pay", post(order_pay))
        .route("/orders/{id}/switch", post(order_switch))
        .route("/orders/{id}/invoice/{seller_order}", get(order_invoice))
}

/// The page for a link that does not open the order (an old e-mail link, a wrong token): 404,
/// with the way to find the order again ("Track my order").
fn lost_link(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    error_page(
        ctx,
        StatusCode::NOT_FOUND,
        html! {
            p.error { (t(lang, "order_link")) }
            p { a.button.primary href="/track" { (t(lang, "ac_lost_link")) } }
        },
    )
}

/// This module's own words (French, Arabic, English).
fn w(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "new_total" => ("nouveau total", "المجموع الجديد", "new total"),
        "new_total_head" => ("Nouveau total", "المجموع الجديد", "New total"),
        "cod_unavailable" => (
            "Le transporteur de cette commande n'encaisse pas à la livraison : payez par carte ou par virement.",
            "ناقل هذا الطلب لا يحصّل المبلغ عند الاستلام: ادفع بالبطاقة أو بالتحويل البنكي.",
            "This order's carrier does not collect cash on delivery: pay by card or by bank transfer.",
        ),
        "old_total" => ("Total actuel", "المجموع الحالي", "Total now"),
        "cod_title" => (
            "Payer à la livraison ?",
            "الدفع عند الاستلام؟",
            "Pay cash on delivery?",
        ),
        "cod_why" => (
            "Le transporteur facture des frais pour encaisser le paiement à la livraison : la livraison et le total changent comme ci-dessous. Rien n'est changé tant que vous ne confirmez pas.",
            "يفرض الناقل رسوما على تحصيل المبلغ عند الاستلام: يتغير ثمن التوصيل والمجموع كما هو مبين أدناه. لن يتغير شيء ما لم تؤكد.",
            "The carrier charges a fee for collecting cash on delivery: the delivery and the total change as below. Nothing changes until you confirm.",
        ),
        "cod_confirm" => (
            "Confirmer le paiement à la livraison",
            "تأكيد الدفع عند الاستلام",
            "Confirm cash on delivery",
        ),
        "cod_keep" => (
            "Garder le paiement par carte",
            "الإبقاء على الدفع بالبطاقة",
            "Keep paying by card",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}
