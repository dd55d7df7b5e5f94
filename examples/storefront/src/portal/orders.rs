//! The portal's orders: the list, "ready: ship", the label and tracking by hand.

use super::*;

pub(super) async fn dashboard(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let seller = match app.engine.catalog().seller(&seller_id).await {
        Ok(s) => s,
        Err(TijaraError::NotFound { .. }) => return forbidden(&ctx),
        Err(e) => return refusal(&ctx, &e),
    };
    let orders = match app
        .engine
        .orders()
        .seller_orders(&seller_id, None, 100)
        .await
    {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let member_name = member.as_ref().and_then(|m| {
        seller
            .members
            .iter()
            .find(|x| &x.id == m)
            .map(|x| x.name.clone())
    });
    let body = html! {
        h1 { (seller.name) }
        @if let Some(n) = &member_name { p { (n) " · " (w(lang, "member_of")) " " (seller.name) } }
        @if !seller.active { p.error role="status" { (w(lang, "pending")) } }
        @if let Some(so) = q.get("saved") { p.ok role="status" { "✔ " bdi { (so) } " — " (w(lang, "saved")) } }
        (nav(&ctx))
        h2 { (w(lang, "orders")) }
        @if orders.is_empty() { p { (t(lang, "none")) } }
        @for d in orders.iter().rev() {
            @for so in d.order.seller_orders.iter().filter(|s| s.seller_id == seller_id) {
                @let lines = visible_lines(so, &member);
                @if !lines.is_empty() {
                    (order_box(&ctx, d, so, &lines, member.is_none()))
                }
            }
        }
    };
    layout(&ctx, w(lang, "orders"), body).into_response()
}

pub(super) fn order_box(
    ctx: &Ctx,
    d: &OrderDoc,
    so: &SellerOrder,
    lines: &[&tijara_core::pricing::PricedLine],
    can_act: bool,
) -> Markup {
    let lang = ctx.lang;
    let o = &d.order;
    let shipment = d.shipments.iter().find(|s| s.seller_order_id == so.id);
    let base = format!("/seller/orders/{}/{}", o.id, so.id);
    html! {
        section.box {
            h3 { bdi { (o.reference()) } " — " (status_word(lang, so.status().as_str())) }
            p.muted { bdi { (o.placed_at.format("%Y-%m-%d %H:%M")) } " · " (o.shipping_address.name) " · " (o.shipping_address.city) " · " (status_word(lang, o.payment.status().as_str())) }
            ul { @for l in lines { li { bdi { (l.sku) } " × " (l.quantity) " — " bdi { (l.net.format(lang)) } } } }
            @if can_act && matches!(so.status(), FulfillmentStatus::Awaiting | FulfillmentStatus::Ready) {
                form method="post" action={ (base) "/ship" } {
                    (ctx.csrf_field())
                    button.big type="submit" { (w(lang, "ready")) }
                }
            }
            @if let Some(s) = shipment {
                p { a.button.big href={ (base) "/label" } target="_blank" { (w(lang, "label")) } }
                p { (t(lang, "tracking")) ": " (s.carrier) " " bdi { (s.tracking_number.clone().unwrap_or_default()) } " — " (status_word(lang, s.status().as_str())) }
                ol.timeline { @for e in s.events() { li { bdi { (e.at.format("%Y-%m-%d %H:%M")) } " — " (status_word(lang, e.status.as_str())) } } }
                @if can_act {
                    form method="post" action={ (base) "/tracking" } {
                        (ctx.csrf_field())
                        label { (w(lang, "number")) input name="number" value=(s.tracking_number.clone().unwrap_or_default()); }
                        label { (w(lang, "step")) select name="status" {
                            option value="" { "—" }
                            @for st in ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed"] {
                                option value=(st) { (status_word(lang, st)) }
                            }
                        } }
                        button type="submit" { (w(lang, "save")) }
                    }
                }
            }
        }
    }
}

/// Loads an order and the part of it that belongs to the logged-in seller.
pub(super) async fn my_part(
    app: &App,
    ctx: &Ctx,
    order: String,
    so: String,
) -> Result<(OrderDoc, SellerOrderId, SellerId), Response> {
    let (seller, member) = seller_of(ctx)?;
    if member.is_some() {
        // Members see their lines; shipping is the cooperative's job.
        return Err(forbidden(ctx));
    }
    let (Ok(order), Ok(so)) = (OrderId::new(order), SellerOrderId::new(so)) else {
        return Err(forbidden(ctx));
    };
    let doc = app
        .engine
        .orders()
        .order(&order)
        .await
        .map_err(|e| match e {
            TijaraError::NotFound { .. } => forbidden(ctx),
            e => refusal(ctx, &e),
        })?;
    match doc.order.seller_order(&so) {
        Ok(part) if part.seller_id == seller => Ok((doc, so, seller)),
        _ => {
            tracing::warn!(target: "security", seller = %seller, order = %doc.order.id, part = %so, "portal: not this seller's part");
            Err(forbidden(ctx))
        }
    }
}

/// "Ready to ship": marks the part ready (if not yet) and creates the shipment with the carrier
/// the shopper chose, then shows the label.
pub(super) async fn ship(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = doc.order.id.clone();
    let status = doc.order.seller_order(&so).map(|s| s.status()).ok();
    let engine = app.engine.clone();
    let (order, part) = (id.clone(), so.clone());
    // On its own task: a closed tab does not drop the carrier call half-way.
    let shipped = crate::detached(async move {
        if status == Some(FulfillmentStatus::Awaiting) {
            engine.fulfillment().mark_ready(&order, &part, None).await?;
        }
        engine
            .fulfillment()
            .ship_as(
                &Operator::Seller(seller),
                &order,
                &part,
                ShipRequest::new(),
                None,
            )
            .await
    })
    .await;
    if let Err(e) = shipped {
        return refusal(&ctx, &e);
    }
    Redirect::to(&format!("/seller/orders/{id}/{so}/label")).into_response()
}

pub(super) async fn label(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, _) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so) else {
        return forbidden(&ctx);
    };
    match app.engine.fulfillment().label(&doc.order.id, &s.id).await {
        Ok(l) => Html(tijara_render::label_html(&l)).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct TrackingForm {
    #[serde(default)]
    pub(super) number: String,
    #[serde(default)]
    pub(super) status: String,
}

/// Tracking by hand for carriers without an API: the carrier's number, and a step, applied by
/// the engine to this part's shipment with `by`'s rights.
pub(crate) async fn apply_tracking(
    app: &App,
    by: &Operator,
    doc: &OrderDoc,
    so: &SellerOrderId,
    number: &str,
    status: &str,
) -> Result<(), TijaraError> {
    let status: Option<TrackingStatus> = match status.trim() {
        "" => None,
        s => Some(
            serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
                TijaraError::InvalidField {
                    field: "status",
                    rule: format!("{s:?} is not a tracking step"),
                }
            })?,
        ),
    };
    let mut update = HandTracking::new().with_tracking_number(number);
    update.status = status;
    app.engine
        .fulfillment()
        .track_by_hand(by, &doc.order.id, so, update, None)
        .await?;
    Ok(())
}

pub(super) async fn tracking(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
    Form(f): Form<TrackingForm>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let by = Operator::Seller(seller);
    match apply_tracking(&app, &by, &doc, &so, &f.number, &f.status).await {
        Ok(()) => Redirect::to(&format!("/seller?saved={so}")).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The order routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller", get(dashboard))
        .route("/seller/orders/{order}/{so}/ship", post(ship))
        .route("/seller/orders/{order}/{so}/label", get(label))
        .route("/seller/orders/{order}/{so}/tracking", post(tracking))
}
