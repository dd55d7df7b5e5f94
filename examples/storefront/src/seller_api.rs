//! The JSON API's logged-in part: sessions (bearer tokens, for a mobile app or a seller's
//! tools), public tracking, and the seller portal's actions.
//!
//! A client logs in with `POST /api/v1/sessions` and sends `Authorization: Bearer <token>`.
//! Bearer tokens are never sent by a browser on its own, so these routes need no CSRF token.
//! The seller is always taken from the session, never from the request: another seller's order
//! part or product answers `not_found`.

use crate::App;
use crate::api::{ApiError, Body, ErrorBody, Params};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tijara::IdempotencyKey;
use tijara::docs::OrderDoc;
use tijara::usecases::accounts::{Account, Role};
use tijara::usecases::catalog::{ProductFilter, ProductInput, StockAdjustment};
use tijara::usecases::fulfillment::ShipRequest;
use tijara_core::{MemberId, OrderId, ProductId, SellerId, SellerOrderId};

type ApiResult = Result<Response, ApiError>;

/// A product as a seller enters it (see `tijara::usecases::catalog::ProductInput`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema for the OpenAPI document only
pub struct ProductInputSchema {
    /// Replaced by the session's seller.
    seller_id: Option<String>,
    /// Category id.
    category_id: String,
    /// Unique URL slug.
    slug: String,
    /// Title per language: `{"ar": "...", "fr": "...", "en": "..."}`.
    #[schema(value_type = Object)]
    title: (),
    /// Description per language.
    #[schema(value_type = Object)]
    description: (),
    /// Materials.
    materials: Vec<String>,
    /// Ignored: photos are uploaded in the seller portal (by an approved seller), never set
    /// by URL.
    #[schema(value_type = Vec<Object>)]
    photos: (),
    /// The member artisan who made it.
    made_by: Option<String>,
    /// Variants: sku, options, price `{"amount": "149.50", "currency": "MAD"}`, tax_category,
    /// weight_grams, dimensions, shippable, stock_policy (`{"policy": "tracked"}`,
    /// `{"policy": "made_to_order", "lead_days": 21}` or `{"policy": "unlimited"}`),
    /// initial_stock.
    #[schema(value_type = Vec<Object>)]
    variants: (),
}

fn not_found(what: &str) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{what} not found"),
    )
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
}

/// The account of the request's bearer token (401 `unauthorized` without a live one).
pub struct ApiAccount(pub Account, pub String);

impl FromRequestParts<App> for ApiAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "log in with POST /api/v1/sessions and send Authorization: Bearer <token>".into(),
            )
        };
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        match app.engine.sessions().session(&token).await? {
            Some((_, account)) => Ok(ApiAccount(account, token)),
            None => Err(unauthorized()),
        }
    }
}

/// The seller (and member) of the request's bearer token (403 `forbidden` for other roles).
pub struct ApiSeller(pub SellerId, pub Option<MemberId>);

impl FromRequestParts<App> for ApiSeller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let ApiAccount(account, _) = ApiAccount::from_request_parts(parts, app).await?;
        match account.role {
            Role::Seller { seller_id, member } => Ok(ApiSeller(seller_id, member)),
            _ => Err(ApiError(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a seller's login is needed".into(),
            )),
        }
    }
}

/// The request's `Idempotency-Key`, bound to the seller of the bearer session (the merchant
/// account, as payment APIs scope keys), so another seller's key never answers this call.
fn key(headers: &HeaderMap, seller: &SellerId) -> Result<Option<IdempotencyKey>, ApiError> {
    match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        None => Ok(None),
        Some(k) => IdempotencyKey::new(k)
            .map(|k| Some(k.for_caller(format!("seller:{seller}"))))
            .map_err(ApiError::from),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Login {
    email: String,
    password: String,
}

fn account_json(a: &Account) -> serde_json::Value {
    json!({"id": a.id, "email": a.email, "name": a.name, "role": a.role, "lang": a.lang})
}

/// `POST /api/v1/sessions`: a bearer token for 7 days (ended sooner when unused, and by a
/// later login); the same throttling as the web login.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "accounts", request_body = Login,
    responses((status = 201, description = "`token` (send it as `Authorization: Bearer`), `expires_at`, `account`"), (status = 401, description = "`bad_credentials`", body = ErrorBody), (status = 429, description = "`throttled` after 5 failures for an account from one address (20 from one address, 50 for an account), or `busy`; `Retry-After` says when to try again", body = ErrorBody)))]
pub(crate) async fn login(
    State(app): State<App>,
    client: crate::security::ClientIp,
    Body(b): Body<Login>,
) -> ApiResult {
    let account = match crate::security::login(&app, &b.email, b.password, client).await {
        Ok(a) => a,
        Err(e) => {
            let retry = crate::security::retry_after(&e);
            let mut res = ApiError::from(e).into_response();
            if let Some(secs) = retry {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
            }
            return Ok(res);
        }
    };
    let token = crate::auth::random_token();
    let csrf = crate::auth::random_token();
    let session = app
        .engine
        .sessions()
        .open_session(
            &account.id,
            &token,
            &csrf,
            tijara_core::chrono::Duration::days(crate::auth::SESSION_DAYS),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "expires_at": session.expires_at,
            "account": account_json(&account),
        })),
    )
        .into_response())
}

/// `DELETE /api/v1/sessions`: logs the token out.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "accounts", security(("bearer" = [])), responses((status = 204, description = "Logged out"), (status = 401, description = "No live token", body = ErrorBody)))]
pub(crate) async fn logout(State(app): State<App>, ApiAccount(_, token): ApiAccount) -> ApiResult {
    app.engine.sessions().close_session(&token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/me`: the logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), responses((status = 200, description = "The account: id, email, name, role, lang"), (status = 401, description = "No live token", body = ErrorBody)))]
pub(crate) async fn me(ApiAccount(a, _): ApiAccount) -> ApiResult {
    Ok(Json(account_json(&a)).into_response())
}

/// `GET /api/v1/orders/{id}/tracking?t=`: each parcel's status and timeline.
#[utoipa::path(get, path = "/api/v1/orders/{id}/tracking", tag = "orders", params(("id" = String, Path, description = "Order id"), ("t" = String, Query, description = "The order's `access_token`, given when it was placed")),
    responses((status = 200, description = "Each parcel: status, carrier, tracking number, timeline"), (status = 404, description = "No such order for this token", body = ErrorBody)))]
pub(crate) async fn tracking(
    State(app): State<App>,
    Path(id): Path<String>,
    Params(q): Params<crate::api::OrderQuery>,
) -> ApiResult {
    let doc = crate::api::order_by_token(&app, id, q.t.as_deref()).await?;
    let id = doc.order.id.clone();
    let parcels: Vec<_> = doc
        .order
        .seller_orders
        .iter()
        .map(|so| {
            let s = doc.shipments.iter().find(|s| s.seller_order_id == so.id);
            json!({
                "seller_order_id": so.id,
                "seller_id": so.seller_id,
                "status": so.status(),
                "carrier": s.map(|s| s.carrier.clone()),
                // The carrier's number only: the marketplace's provisional reference of a
                // carrier without an API follows nothing.
                "tracking_number": s.and_then(|s| s.carrier_number()),
                "shipment_status": s.map(|s| s.status()),
                "events": s.map(|s| s.events().to_vec()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({"order_id": id, "parcels": parcels})).into_response())
}

// ---- seller portal ---------------------------------------------------------------------------

/// The order and the part of it that the seller (not a member) may act on.
async fn my_part(
    app: &App,
    seller: &ApiSeller,
    order: String,
    part: String,
) -> Result<(OrderDoc, SellerOrderId), ApiError> {
    if seller.1.is_some() {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "forbidden",
            "member artisans see their lines; the seller ships".into(),
        ));
    }
    let (Ok(order), Ok(part)) = (OrderId::new(order), SellerOrderId::new(part)) else {
        return Err(not_found("order part"));
    };
    let doc = app
        .engine
        .orders()
        .order(&order)
        .await
        .map_err(|e| match e {
            tijara::TijaraError::NotFound { .. } => not_found("order part"),
            e => ApiError::from(e),
        })?;
    match doc.order.seller_order(&part) {
        Ok(p) if p.seller_id == seller.0 => Ok((doc, part)),
        _ => {
            tracing::warn!(target: "security", seller = %seller.0, order = %doc.order.id, part = %part, "seller API: not this seller's part");
            Err(not_found("order part"))
        }
    }
}

/// `GET /api/v1/seller/orders`: the seller's order parts, newest first (a member's: only the
/// lines of her products).
#[utoipa::path(get, path = "/api/v1/seller/orders", tag = "seller", security(("bearer" = [])), responses((status = 200, description = "The seller's order parts, newest first"), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn seller_orders(State(app): State<App>, seller: ApiSeller) -> ApiResult {
    let ApiSeller(id, member) = &seller;
    let page = app.engine.orders().seller_orders(id, None, 100).await?;
    let parts: Vec<_> = page
        .items
        .iter()
        .rev()
        .flat_map(|d| {
            d.order
                .seller_orders
                .iter()
                .filter(|so| &so.seller_id == id)
                .filter_map(|so| {
                    let lines: Vec<_> = so
                        .lines
                        .iter()
                        .filter(|l| member.is_none() || l.made_by == *member)
                        .collect();
                    (!lines.is_empty()).then(|| {
                        json!({
                            "order_id": d.order.id,
                            "seller_order_id": so.id,
                            "number": d.order.reference(),
                            "work": d.work(so),
                            "placed_at": d.order.placed_at,
                            "status": so.status(),
                            "payment_status": d.order.payment.status(),
                            "ship_to": {"name": d.order.shipping_address.name, "city": d.order.shipping_address.city, "country": d.order.shipping_address.country},
                            "lines": lines,
                            "cod_amount": so.cod_amount,
                            "shipment": d.shipments.iter().find(|s| s.seller_order_id == so.id),
                        })
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Json(json!({"items": parts})).into_response())
}

/// `POST /api/v1/seller/orders/{order}/{part}/ship`: ready and shipped with the shopper's
/// carrier (or the one in the body); answers the shipment.
#[utoipa::path(post, path = "/api/v1/seller/orders/{order}/{part}/ship", tag = "seller", security(("bearer" = [])), params(("order" = String, Path, description = "Order id"), ("part" = String, Path, description = "Seller order id"), ("Idempotency-Key" = Option<String>, Header, description = "A retry never makes a second parcel")),
    responses((status = 201, description = "The shipment with its tracking number"), (status = 404, description = "Not this seller's part", body = ErrorBody), (status = 403, description = "`not_allowed`: another carrier or service than the shopper chose", body = ErrorBody), (status = 409, description = "`idempotency_key_in_progress`: a request with this key is still running or just failed; retry after `Retry-After` seconds", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn ship(
    State(app): State<App>,
    seller: ApiSeller,
    headers: HeaderMap,
    Path((order, part)): Path<(String, String)>,
    body: Option<axum::Json<ShipRequest>>,
) -> ApiResult {
    let k = key(&headers, &seller.0)?;
    let (doc, part) = my_part(&app, &seller, order, part).await?;
    let id = doc.order.id.clone();
    let awaiting = doc.order.seller_order(&part).map(|s| s.status()).ok()
        == Some(tijara_core::order::FulfillmentStatus::Awaiting);
    let request = body.map(|b| b.0).unwrap_or_default();
    let by = tijara::usecases::fulfillment::Operator::Seller(seller.0.clone());
    let engine = app.engine.clone();
    let shipment = crate::detached(async move {
        if awaiting {
            // With the ship's key: a duplicate that saw the part awaiting after the first one
            // shipped it gets the first "ready" again instead of a refusal.
            engine
                .fulfillment()
                .mark_ready(&id, &part, k.as_ref())
                .await?;
        }
        engine
            .fulfillment()
            .ship_as(&by, &id, &part, request, k.as_ref())
            .await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(shipment)).into_response())
}

/// `GET /api/v1/seller/orders/{order}/{part}/label`: what the label shows.
#[utoipa::path(get, path = "/api/v1/seller/orders/{order}/{part}/label", tag = "seller", security(("bearer" = [])), params(("order" = String, Path, description = "Order id"), ("part" = String, Path, description = "Seller order id")),
    responses((status = 200, description = "What the label shows: sender, recipient, tracking number, parcels, COD amount"), (status = 404, description = "Not this seller's part, or not shipped", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn label(
    State(app): State<App>,
    seller: ApiSeller,
    Path((order, part)): Path<(String, String)>,
) -> ApiResult {
    let (doc, part) = my_part(&app, &seller, order, part).await?;
    let s = doc
        .shipments
        .iter()
        .find(|s| s.seller_order_id == part)
        .ok_or_else(|| not_found("shipment"))?;
    Ok(Json(app.engine.fulfillment().label(&doc.order.id, &s.id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TrackingBody {
    #[serde(default)]
    tracking_number: String,
    #[serde(default)]
    status: String,
}

/// `POST /api/v1/seller/orders/{order}/{part}/tracking`: the carrier's number and/or a step
/// (carriers without an API), applied to this part's shipment only (`Fulfillment::track_by_hand`).
#[utoipa::path(post, path = "/api/v1/seller/orders/{order}/{part}/tracking", tag = "seller", security(("bearer" = [])), params(("order" = String, Path, description = "Order id"), ("part" = String, Path, description = "Seller order id")), request_body = TrackingBody,
    responses((status = 200, description = "The shipment"), (status = 422, description = "Bad number or step", body = ErrorBody), (status = 409, description = "`tracking_number_taken`: another shipment has this number", body = ErrorBody), (status = 403, description = "`not_allowed`: a step a seller may not record (`returned_to_sender`)", body = ErrorBody), (status = 404, description = "Not this seller's part", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn set_tracking(
    State(app): State<App>,
    seller: ApiSeller,
    Path((order, part)): Path<(String, String)>,
    Body(b): Body<TrackingBody>,
) -> ApiResult {
    let (doc, part) = my_part(&app, &seller, order, part).await?;
    let by = tijara::usecases::fulfillment::Operator::Seller(seller.0.clone());
    crate::portal::apply_tracking(&app, &by, &doc, &part, &b.tracking_number, &b.status).await?;
    let doc = app.engine.orders().order(&doc.order.id).await?;
    let s = doc.shipments.iter().find(|s| s.seller_order_id == part);
    Ok(Json(s).into_response())
}

/// `GET /api/v1/seller/products`: the seller's products, active or not.
#[utoipa::path(get, path = "/api/v1/seller/products", tag = "seller", security(("bearer" = [])), responses((status = 200, description = "The seller's products, active or not"), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn seller_products(
    State(app): State<App>,
    ApiSeller(id, member): ApiSeller,
) -> ApiResult {
    let filter = ProductFilter::default()
        .with_seller(id)
        .with_include_inactive(true);
    let mut page = app
        .engine
        .catalog()
        .list_products(&filter, None, 100)
        .await?;
    page.items
        .retain(|v| member.is_none() || v.product.made_by == member);
    Ok(Json(page).into_response())
}

/// `POST /api/v1/seller/products`: a new product of the logged-in seller (`seller_id` in the
/// body is replaced by the session's).
#[utoipa::path(post, path = "/api/v1/seller/products", tag = "seller", security(("bearer" = [])), request_body(content = ProductInputSchema, description = "The product (`tijara::usecases::catalog::ProductInput`); `seller_id` is the session's"),
    responses((status = 201, description = "The product"), (status = 409, description = "`already_exists`: another product has this slug or SKU", body = ErrorBody), (status = 422, description = "Invalid product", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn create_product(
    State(app): State<App>,
    ApiSeller(id, member): ApiSeller,
    headers: HeaderMap,
    Body(mut input): Body<ProductInput>,
) -> ApiResult {
    let k = key(&headers, &id)?;
    input.seller_id = id;
    // Photos come from uploads only (approved sellers, their own files), never from URLs.
    input.photos.clear();
    if member.is_some() {
        input.made_by = member;
    }
    let p = app
        .engine
        .catalog()
        .create_product(input, k.as_ref())
        .await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

async fn mine(app: &App, seller: &ApiSeller, id: String) -> Result<ProductId, ApiError> {
    let id = ProductId::new(id).map_err(|_| not_found("product"))?;
    let v = app
        .engine
        .catalog()
        .product(&id)
        .await
        .map_err(|_| not_found("product"))?;
    if v.product.seller_id != seller.0 || (seller.1.is_some() && v.product.made_by != seller.1) {
        return Err(not_found("product"));
    }
    Ok(id)
}

/// `PUT /api/v1/seller/products/{id}`: replaces the product's details.
#[utoipa::path(put, path = "/api/v1/seller/products/{id}", tag = "seller", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), request_body(content = ProductInputSchema, description = "The product's new details"),
    responses((status = 200, description = "The product"), (status = 404, description = "Not this seller's product", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn update_product(
    State(app): State<App>,
    seller: ApiSeller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(mut input): Body<ProductInput>,
) -> ApiResult {
    let k = key(&headers, &seller.0)?;
    let id = mine(&app, &seller, id).await?;
    input.seller_id = seller.0.clone();
    Ok(Json(
        app.engine
            .catalog()
            .update_product(&id, input, k.as_ref())
            .await?,
    )
    .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct StockBody {
    variant_id: String,
    /// `{"type": "add"|"remove"|"set", "units": n}`
    #[schema(value_type = Object)]
    adjustment: StockAdjustment,
}

/// `POST /api/v1/seller/products/{id}/stock`: add, remove or set a variant's units.
#[utoipa::path(post, path = "/api/v1/seller/products/{id}/stock", tag = "seller", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), request_body = StockBody,
    responses((status = 200, description = "The stock counter"), (status = 404, description = "Not this seller's product", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn stock(
    State(app): State<App>,
    seller: ApiSeller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(b): Body<StockBody>,
) -> ApiResult {
    let k = key(&headers, &seller.0)?;
    let id = mine(&app, &seller, id).await?;
    let v = app.engine.catalog().product(&id).await?;
    let variant = v
        .product
        .variants
        .iter()
        .find(|x| x.id.as_str() == b.variant_id)
        .ok_or_else(|| not_found("variant"))?;
    Ok(Json(
        app.engine
            .catalog()
            .adjust_stock(&variant.id, b.adjustment, k.as_ref())
            .await?,
    )
    .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ActiveBody {
    active: bool,
}

/// `POST /api/v1/seller/products/{id}/active`: sell it or stop selling it.
#[utoipa::path(post, path = "/api/v1/seller/products/{id}/active", tag = "seller", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), request_body = ActiveBody,
    responses((status = 200, description = "The product"), (status = 404, description = "Not this seller's product", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn active(
    State(app): State<App>,
    seller: ApiSeller,
    Path(id): Path<String>,
    Body(b): Body<ActiveBody>,
) -> ApiResult {
    let id = mine(&app, &seller, id).await?;
    Ok(Json(
        app.engine
            .catalog()
            .set_product_active(&id, b.active, None)
            .await?,
    )
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

/// `GET /api/v1/seller/statement?month=YYYY-MM`: the month's statement computed by the engine
/// (line by line, each line's commission at its category's rate, over every order), what is
/// held and why, and, for the seller itself, the payouts made. A cooperative's member artisan
/// gets her own lines and share only: no cooperative totals, no payouts.
#[utoipa::path(get, path = "/api/v1/seller/statement", tag = "seller", security(("bearer" = [])), params(("month" = Option<String>, Query, description = "YYYY-MM (default: this month)")),
    responses((status = 200, description = "`month`, `statement` (`scope`, `totals`: sales, refunds, commission, share, cod_collected, held_not_delivered, held_cod_not_remitted, payable; `members` and `unattributed` for the seller; `lines`) and, for the seller, `payouts` (each with the `orders` it covers)"), (status = 400, description = "`month` is not YYYY-MM", body = ErrorBody), (status = 401, description = "No live bearer token", body = ErrorBody), (status = 403, description = "Not a seller's login", body = ErrorBody)))]
pub(crate) async fn statement(
    State(app): State<App>,
    ApiSeller(id, member): ApiSeller,
    Params(q): Params<MonthQuery>,
) -> ApiResult {
    let given = q.month.as_deref().map(str::trim).filter(|m| !m.is_empty());
    if given.is_some_and(|m| app.engine.region().month(m).is_none()) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "bad_month",
            "month must be YYYY-MM, like 2026-11".into(),
        ));
    }
    let (month, from, until) = crate::portal::month_bounds(&app, given);
    let scope = match &member {
        Some(m) => tijara_core::statement::Scope::Member(m.clone()),
        None => tijara_core::statement::Scope::Seller,
    };
    let st = app
        .engine
        .payouts()
        .statement(&id, scope, from, until)
        .await?;
    if member.is_some() {
        return Ok(Json(json!({"month": month, "statement": st})).into_response());
    }
    let payouts = app.engine.payouts().all_payouts(&id).await?;
    Ok(Json(json!({"month": month, "statement": st, "payouts": payouts})).into_response())
}

/// The logged-in part of the API.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/sessions", post(login).delete(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/orders/{id}/tracking", get(tracking))
        .route("/api/v1/seller/orders", get(seller_orders))
        .route("/api/v1/seller/orders/{order}/{part}/ship", post(ship))
        .route("/api/v1/seller/orders/{order}/{part}/label", get(label))
        .route(
            "/api/v1/seller/orders/{order}/{part}/tracking",
            post(set_tracking),
        )
        .route(
            "/api/v1/seller/products",
            get(seller_products).post(create_product),
        )
        .route(
            "/api/v1/seller/products/{id}",
            axum::routing::put(update_product),
        )
        .route("/api/v1/seller/products/{id}/stock", post(stock))
        .route("/api/v1/seller/products/{id}/active", post(active))
        .route("/api/v1/seller/statement", get(statement))
}
