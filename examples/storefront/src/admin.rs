//! The marketplace's administration: approve sellers and set commissions, orders (refunds,
//! bank transfers, tracking entered by hand), payouts marked paid, and the event outbox.
//! Every route requires an admin account.

mod payouts;

use crate::App;
use crate::auth::Ctx;
use crate::portal::{apply_tracking, month_bounds};
use crate::web::{layout, problem, refusal, status_word};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use tijara::usecases::catalog::SellerInput;
use tijara_core::{Money, OrderId, Rate, SellerId, SellerOrderId};

fn admin_only(ctx: &Ctx) -> Option<Response> {
    match &ctx.account {
        Some(a) if a.is_admin() => None,
        Some(_) => Some(problem(ctx, StatusCode::FORBIDDEN, "403")),
        None => Some(Redirect::to("/account/login").into_response()),
    }
}

fn nav() -> Markup {
    html! {
        nav.portal {
            a.button href="/admin" { "Vendeurs · البائعون" } " "
            a.button href="/admin/orders" { "Commandes · الطلبات" } " "
            a.button href="/admin/payouts" { "Virements · التحويلات" } " "
            a.button href="/admin/events" { "Événements · الأحداث" }
            " " a.button href="/admin/mailbox" { "Messages · الرسائل" }
        }
    }
}

async fn sellers(State(app): State<App>, ctx: Ctx) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let list = match app.engine.catalog().list_sellers(None, 200).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        h1 { "Administration" }
        (nav())
        h2 { "Vendeurs · البائعون" }
        table {
            tr { th { "Nom" } th { "Ville" } th { "Type" } th { "État" } th { "Commission %" } }
            @for s in &list {
                tr {
                    td { (s.name) }
                    td { (s.home_city) }
                    td { (format!("{:?}", s.kind)) }
                    td {
                        form.inline method="post" action={ "/admin/sellers/" (s.id) "/active" } {
                            (ctx.csrf_field())
                            input type="hidden" name="active" value=(!s.active);
                            @if s.active { "✔ actif " button type="submit" { "Suspendre" } }
                            @else { "⏳ en attente " button type="submit" { "Approuver" } }
                        }
                    }
                    td {
                        form.inline method="post" action={ "/admin/sellers/" (s.id) "/commission" } {
                            (ctx.csrf_field())
                            input name="percent" inputmode="decimal" size="5" value=(s.commission_rate.as_percent().normalize());
                            button type="submit" { "OK" }
                        }
                    }
                }
            }
        }
    };
    layout(&ctx, "Administration", body).into_response()
}

#[derive(Deserialize)]
struct ActiveForm {
    active: bool,
}

fn seller_id(ctx: &Ctx, id: String) -> Result<SellerId, Response> {
    SellerId::new(id).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))
}

async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match app
        .engine
        .catalog()
        .set_seller_active(&id, f.active, None)
        .await
    {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
struct CommissionForm {
    percent: String,
}

async fn set_commission(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CommissionForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let rate = f
        .percent
        .trim()
        .replace(',', ".")
        .parse::<tijara_core::Decimal>()
        .map_err(|e| e.to_string())
        .and_then(|p| Rate::from_percent(p).map_err(|e| e.to_string()));
    let rate = match rate {
        Ok(r) => r,
        Err(e) => return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &e),
    };
    let seller = match app.engine.catalog().seller(&id).await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let input = SellerInput::from(seller).with_commission_rate(rate);
    match app.engine.catalog().update_seller(&id, input, None).await {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

async fn orders(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let page = match app
        .engine
        .orders()
        .all_orders(q.get("after").map(String::as_str), 100)
        .await
    {
        Ok(page) => page,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        h1 { "Commandes · الطلبات" }
        (nav())
        table {
            @for d in &page.items {
                tr {
                    td { a href={ "/admin/orders/" (d.order.id) } { bdi { (d.order.reference()) } } }
                    td { bdi { (d.order.placed_at.format("%Y-%m-%d %H:%M")) } }
                    td { bdi { (d.order.email) } }
                    td { bdi { (d.order.grand_total.format(lang)) } }
                    td { (status_word(lang, d.order.status().as_str())) " · " (status_word(lang, d.order.payment.status().as_str())) }
                }
            }
        }
        @if let Some(n) = &page.next { p { a.button href={ "/admin/orders?after=" (n) } { "→" } } }
    };
    layout(&ctx, "Commandes", body).into_response()
}

async fn order(State(app): State<App>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let Ok(id) = OrderId::new(id) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let o = &doc.order;
    let body = html! {
        h1 { "Commande " bdi { (o.reference()) } }
        (nav())
        p { bdi { (o.email) } " · " (o.shipping_address.name) " · " (o.shipping_address.city) " (" (o.shipping_address.country) ")" }
        p { (status_word(lang, o.status().as_str())) " · " (status_word(lang, o.payment.status().as_str())) " · " bdi { (o.grand_total.format(lang)) } }
        @for so in &o.seller_orders {
            section.box {
                h2 { bdi { (so.id) } " — " (status_word(lang, so.status().as_str())) }
                ul { @for l in &so.lines { li { bdi { (l.sku) } " × " (l.quantity) " — " bdi { (l.net.format(lang)) } } } }
                @if let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so.id) {
                    p { (s.carrier) " " bdi { (s.tracking_number.clone().unwrap_or_default()) } " — " (status_word(lang, s.status().as_str())) }
                    form method="post" action={ "/admin/orders/" (o.id) "/" (so.id) "/tracking" } {
                        (ctx.csrf_field())
                        label { "N° de suivi" input name="number" value=(s.tracking_number.clone().unwrap_or_default()); }
                        label { "Étape" select name="status" {
                            option value="" { "—" }
                            @for st in ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed", "returned_to_sender"] {
                                option value=(st) { (status_word(lang, st)) }
                            }
                        } }
                        button type="submit" { "Enregistrer" }
                    }
                }
            }
        }
        h2 { "Remboursement · استرجاع" }
        form method="post" action={ "/admin/orders/" (o.id) "/refund" } {
            (ctx.csrf_field())
            label { "Montant (MAD)" input name="amount" inputmode="decimal" required; }
            button type="submit" { "Rembourser" }
        }
        h2 { "Virement reçu · تحويل مستلم" }
        form method="post" action={ "/admin/orders/" (o.id) "/transfer" } {
            (ctx.csrf_field())
            label { "Montant (MAD)" input name="amount" inputmode="decimal" value=(o.grand_total.amount()) required; }
            label { "Référence bancaire" input name="reference" required; }
            button type="submit" { "Confirmer" }
        }
        h2 { "Journal des paiements" }
        ol { @for e in &doc.payment_log { li { code { (serde_json::to_string(e).unwrap_or_default()) } } } }
    };
    layout(&ctx, "Commande", body).into_response()
}

#[derive(Deserialize)]
struct AmountForm {
    amount: String,
    #[serde(default)]
    reference: String,
}

fn order_id(ctx: &Ctx, id: String) -> Result<OrderId, Response> {
    OrderId::new(id).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))
}

/// What an admin does with an amount on an order.
enum MoneyAction {
    Refund,
    ConfirmTransfer,
}

/// Refunds or confirms a transfer (the admin's e-mail is kept in the payment log).
async fn money_action(
    app: &App,
    ctx: &Ctx,
    id: String,
    f: &AmountForm,
    action: MoneyAction,
) -> Response {
    if let Some(r) = admin_only(ctx) {
        return r;
    }
    let id = match order_id(ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let admin = ctx
        .account
        .as_ref()
        .map(|a| a.email.clone())
        .unwrap_or_default();
    let amount = match Money::mad(f.amount.trim().replace(',', ".").as_str()) {
        Ok(m) => m,
        Err(e) => return problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    let result = match action {
        MoneyAction::Refund => {
            // On its own task: a closed tab does not drop the bank call half-way.
            let (engine, order) = (app.engine.clone(), id.clone());
            crate::detached(async move {
                engine
                    .payments()
                    .refund_payment(&order, amount, &admin, None)
                    .await
                    .map(|_| ())
            })
            .await
        }
        MoneyAction::ConfirmTransfer => app
            .engine
            .payments()
            .confirm_bank_transfer(&id, amount, &f.reference, &admin, None)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/orders/{id}")).into_response(),
        Err(e) => refusal(ctx, &e),
    }
}

async fn refund(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AmountForm>,
) -> Response {
    money_action(&app, &ctx, id, &f, MoneyAction::Refund).await
}

async fn transfer(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AmountForm>,
) -> Response {
    money_action(&app, &ctx, id, &f, MoneyAction::ConfirmTransfer).await
}

#[derive(Deserialize)]
struct TrackingForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
}

async fn tracking(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, so)): Path<(String, String)>,
    Form(f): Form<TrackingForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let (Ok(id), Ok(so)) = (OrderId::new(id), SellerOrderId::new(so)) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let by = tijara::usecases::fulfillment::Operator::Marketplace;
    match apply_tracking(&app, &by, &doc, &so, &f.number, &f.status).await {
        Ok(()) => Redirect::to(&format!("/admin/orders/{id}")).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

async fn events(State(app): State<App>, ctx: Ctx) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let list = match app.engine.storage().pending_events(200).await {
        Ok(list) => list,
        Err(e) => return refusal(&ctx, &e.into()),
    };
    let body = html! {
        h1 { "Événements · الأحداث" }
        (nav())
        p.muted { "Les 200 plus anciens événements de la file d'envoi (outbox), non encore acquittés." }
        table {
            @for e in &list {
                tr { td { (e.seq) } td { bdi { (e.created_at.format("%Y-%m-%d %H:%M:%S")) } } td { code { (e.kind) } } td { bdi { (e.aggregate) } } td { code { (e.payload) } } }
            }
        }
    };
    layout(&ctx, "Événements", body).into_response()
}

/// The admin routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(sellers))
        .route("/admin/sellers/{id}/active", post(set_active))
        .route("/admin/sellers/{id}/commission", post(set_commission))
        .route("/admin/orders", get(orders))
        .route("/admin/orders/{id}", get(order))
        .route("/admin/orders/{id}/refund", post(refund))
        .route("/admin/orders/{id}/transfer", post(transfer))
        .route("/admin/orders/{id}/{so}/tracking", post(tracking))
        .route("/admin/events", get(events))
        .merge(payouts::routes())
}
