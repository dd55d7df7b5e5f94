//! The JSON API (`/api/v1`): catalog, carts, shipping quotes, checkout and orders. Errors are
//! `{"code": "...", "message": "..."}` with a stable code (a body or query that does not parse is
//! `bad_request` with the status axum gives it: 400, 415 or 422); `Idempotency-Key` is honoured on
//! mutating calls, scoped by caller: a guest's key counts only for the cart it names, so two
//! clients sending the same key never share an answer.

use crate::App;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tijara::ports::storage::StorageError;
use tijara::usecases::cart::CartChange;
use tijara::usecases::catalog::ProductFilter;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{IdempotencyKey, TijaraError};
use tijara_core::order::Address;
use tijara_core::{CartId, CategoryId, Lang, Money, OrderId, SellerId, VariantId};

/// The body of every error answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code (`not_found`, `out_of_stock`, `invalid`, `already_exists`, ...).
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// A postal address (`country` is an ISO 3166 code: `MA`, `FR`...).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AddressSchema {
    /// Recipient.
    pub name: String,
    /// Street and number.
    pub line1: String,
    /// More.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country code.
    pub country: String,
    /// Phone.
    pub phone: String,
}

/// The code of a 409 for an `Idempotency-Key` whose first call is still in progress.
const IN_PROGRESS: &str = "idempotency_key_in_progress";

/// An API error.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub &'static str, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unavailable = self.0 == StatusCode::SERVICE_UNAVAILABLE;
        let mut response =
            (self.0, Json(json!({"code": self.1, "message": self.2}))).into_response();
        if self.1 == IN_PROGRESS {
            // The first call with this key is still running (or just failed): a retry in a few
            // seconds gets its answer, or starts a new call.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::web::RETRY_AFTER_SECS),
            );
        }
        if unavailable {
            let headers = response.headers_mut();
            headers.insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::web::RETRY_AFTER_SECS),
            );
            headers.insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
        }
        response
    }
}

impl From<TijaraError> for ApiError {
    fn from(e: TijaraError) -> Self {
        let (status, code) = match &e {
            TijaraError::NotFound { .. } | TijaraError::PartNotFound { .. } => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            TijaraError::OutOfStock { .. } => (StatusCode::CONFLICT, "out_of_stock"),
            TijaraError::IdempotencyMismatch { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            TijaraError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            TijaraError::EmptyCart => (StatusCode::UNPROCESSABLE_ENTITY, "empty_cart"),
            TijaraError::ShippingNotChosen { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "shipping_not_chosen")
            }
            TijaraError::ShippingOutdated => (StatusCode::CONFLICT, "shipping_outdated"),
            TijaraError::NothingToShip { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "nothing_to_ship")
            }
            TijaraError::ServiceUnavailable { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "service_unavailable")
            }
            TijaraError::NoCarrier { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "no_carrier"),
            TijaraError::PaymentSwitch(_) => (StatusCode::CONFLICT, "payment_switch_refused"),
            TijaraError::CodUnavailable { .. } => (StatusCode::CONFLICT, "cod_unavailable"),
            TijaraError::CodTotalChanged { .. } => (StatusCode::CONFLICT, "cod_total_changed"),
            TijaraError::TooManyAddresses { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "too_many_addresses")
            }
            TijaraError::LinkRefused { .. } => (StatusCode::GONE, "link_refused"),
            TijaraError::CartClosed { .. } => (StatusCode::CONFLICT, "cart_closed"),
            TijaraError::CartNotYours { .. } => (StatusCode::FORBIDDEN, "cart_not_yours"),
            TijaraError::Cart(_) => (StatusCode::UNPROCESSABLE_ENTITY, "cart_rule"),
            TijaraError::NotAwaitingPayment { .. } => {
                (StatusCode::CONFLICT, "not_awaiting_payment")
            }
            TijaraError::NotBankTransfer { .. } => (StatusCode::CONFLICT, "not_bank_transfer"),
            TijaraError::PartialCaptureUnsupported { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "partial_capture_unsupported",
            ),
            TijaraError::PartialRefundUnsupported { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "partial_refund_unsupported",
            ),
            TijaraError::CameBackRefundOpen { .. } => {
                (StatusCode::CONFLICT, "came_back_refund_open")
            }
            TijaraError::CaptureUnsupported { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "capture_unsupported")
            }
            TijaraError::NotReadyToShip { .. } => (StatusCode::CONFLICT, "not_ready_to_ship"),
            TijaraError::NotPaidYet { .. } => (StatusCode::CONFLICT, "not_paid_yet"),
            TijaraError::NoCarrierChosen { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "no_carrier_chosen")
            }
            TijaraError::NotShipped { .. } => (StatusCode::CONFLICT, "not_shipped"),
            TijaraError::NoTrackingNumber { .. } => (StatusCode::CONFLICT, "no_tracking_number"),
            TijaraError::LabelInUse { .. } => (StatusCode::CONFLICT, "label_in_use"),
            TijaraError::BadEmail { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "bad_email"),
            TijaraError::EmailTaken { .. } => (StatusCode::CONFLICT, "email_taken"),
            TijaraError::BadIdempotencyKey => (StatusCode::BAD_REQUEST, "bad_idempotency_key"),
            TijaraError::InvalidField { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            TijaraError::Id(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_id"),
            TijaraError::Money(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_amount"),
            TijaraError::WrongCurrency { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "wrong_currency")
            }
            TijaraError::UnknownTaxCategory { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unknown_tax_category")
            }
            TijaraError::NotAMember { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "not_a_member"),
            TijaraError::TooManyPhotos { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "too_many_photos")
            }
            TijaraError::StockNotTracked { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "stock_not_tracked")
            }
            TijaraError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            TijaraError::NotConfigured { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "not_configured")
            }
            TijaraError::IdempotencyInProgress { .. } => (StatusCode::CONFLICT, IN_PROGRESS),
            TijaraError::TrackingNumberTaken { .. } => {
                (StatusCode::CONFLICT, "tracking_number_taken")
            }
            TijaraError::NotAllowed { .. } => (StatusCode::FORBIDDEN, "not_allowed"),
            TijaraError::LoginThrottled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            TijaraError::Busy { .. } => (StatusCode::TOO_MANY_REQUESTS, "busy"),
            TijaraError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            TijaraError::SellerNotApproved(_) => (StatusCode::FORBIDDEN, "seller_not_approved"),
            TijaraError::TooManyUnpaidOrders { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_unpaid_orders")
            }
            TijaraError::Order(
                tijara_core::order::OrderError::AddressTooLong { .. }
                | tijara_core::order::OrderError::AddressControl(_)
                | tijara_core::order::OrderError::BadCountry
                | tijara_core::order::OrderError::BadPhone
                | tijara_core::order::OrderError::PostalCodeRequired { .. }
                | tijara_core::order::OrderError::BadPostalCode { .. }
                | tijara_core::order::OrderError::StateRequired { .. }
                | tijara_core::order::OrderError::BadState { .. }
                | tijara_core::order::OrderError::Address(_),
            ) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_address"),
            TijaraError::Customs(_) => (StatusCode::UNPROCESSABLE_ENTITY, "no_customs_data"),
            TijaraError::CodNotAbroad { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "cod_not_abroad")
            }
            e if e.is_temporary() => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
            // A slug, SKU, e-mail or number another document holds: the request's doing.
            TijaraError::Storage(StorageError::KeyTaken { .. }) => {
                (StatusCode::CONFLICT, "already_exists")
            }
            // Only the backend's own failures (and unreadable documents) are the server's.
            e if crate::web::is_server_fault(e) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            _ => (StatusCode::UNPROCESSABLE_ENTITY, "refused"),
        };
        // A storage fault's detail (paths, database messages) goes to the log, not to clients.
        let message = match &e {
            TijaraError::Storage(_) if status == StatusCode::SERVICE_UNAVAILABLE => {
                "the service is briefly unavailable; retry later".to_owned()
            }
            e if status == StatusCode::INTERNAL_SERVER_ERROR => {
                crate::web::log_server_fault(e);
                "the server failed; the fault is logged".to_owned()
            }
            _ => e.to_string(),
        };
        ApiError(status, code, message)
    }
}

type ApiResult = Result<Response, ApiError>;

/// A JSON body whose rejection (malformed JSON, missing field, wrong content type) is an
/// [`ApiError`] like every other error of the API.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Axum's `Json` reads every body through `serde_path_to_error`, which tracks the path
        // of each field read (about 1 % of a checkout's instructions, issue 15's step 45): a
        // body sent as plain `application/json` is read without it (`from_plain_json`). Other
        // content types (with parameters, `+json`, none) go through `Json` as before.
        if !plain_json(req.headers()) {
            return match Json::<T>::from_request(req, state).await {
                Ok(Json(v)) => Ok(Body(v)),
                Err(e) => Err(json_refused(e)),
            };
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError(e.status(), "bad_request", e.body_text()))?;
        from_plain_json(&bytes).map(Body)
    }
}

/// A body sent as plain `application/json`, read with `serde_json`; a body refused is read
/// again through axum's `Json`, whose rejection (status, message naming the field's path) is
/// the answer, as for any other JSON body.
fn from_plain_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).or_else(|_| match Json::<T>::from_bytes(bytes) {
        Ok(Json(v)) => Ok(v),
        Err(e) => Err(json_refused(e)),
    })
}

/// A JSON body's rejection as an [`ApiError`].
fn json_refused(e: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError(e.status(), "bad_request", e.body_text())
}

/// An optional JSON body: `None` when the request's body is empty (whatever its
/// `Content-Type`), else read and refused as [`Body`] is.
pub struct MaybeBody<T>(pub Option<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for MaybeBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let plain = plain_json(&parts.headers);
        // Another content type is judged by `Json` on the request as it came (its headers
        // and extensions kept): only then are they copied.
        let kept = (!plain).then(|| parts.clone());
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| ApiError(e.status(), "bad_request", e.body_text()))?;
        if bytes.is_empty() {
            return Ok(MaybeBody(None));
        }
        match kept {
            None => from_plain_json(&bytes).map(|v| MaybeBody(Some(v))),
            Some(parts) => {
                let again = Request::from_parts(parts, axum::body::Body::from(bytes));
                let Body(v) = Body::<T>::from_request(again, state).await?;
                Ok(MaybeBody(Some(v)))
            }
        }
    }
}

/// Whether the request's `Content-Type` is exactly `application/json` (in any case), which
/// axum's `Json` takes too.
fn plain_json(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"application/json"))
}

/// A query string whose rejection is an [`ApiError`].
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Params(v)),
            Err(e) => Err(ApiError(e.status(), "bad_request", e.body_text())),
        }
    }
}

/// The request's `Idempotency-Key`, bound to `caller` (who sent it: the cart a guest's call
/// names), so one client's key never answers another's call.
fn key(headers: &HeaderMap, caller: &str) -> Result<Option<IdempotencyKey>, ApiError> {
    match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        None => Ok(None),
        Some(k) => IdempotencyKey::new(k)
            .map(|k| Some(k.for_caller(caller)))
            .map_err(ApiError::from),
    }
}

/// The caller a guest's call on a cart is bound to.
fn cart_caller(id: &str) -> String {
    format!("cart:{id}")
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message.into())
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    category: Option<String>,
    seller: Option<String>,
    q: Option<String>,
    min_price: Option<String>,
    max_price: Option<String>,
    #[serde(default)]
    in_stock: bool,
    after: Option<String>,
    limit: Option<u32>,
    sort: Option<String>,
    page: Option<u32>,
    city: Option<String>,
    seller_kind: Option<String>,
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/products", tag = "catalog",
    params(("category" = Option<String>, Query, description = "Category id"), ("seller" = Option<String>, Query, description = "Seller id"),
        ("q" = Option<String>, Query, description = "Search words, any language or spelling, typos forgiven (titles, categories, descriptions, materials, sellers, artisans). With `q` the answer is a search: `items`, `total`, `page`, `pages`, `facets` (`categories`, `cities`, `kinds` as `{value, count}`, `prices` per range: <200, 200-500, 500-1000, 1000-5000, 5000+ MAD, `in_stock`), `relaxed` (no product had every word) and `did_you_mean` (the query with its mistyped words corrected, in the words of `lang` when near enough, never in another script; `null` when every word was found as typed: given with results too)"),
        ("sort" = Option<String>, Query, description = "With `q`: `relevance` (default), `price_asc`, `price_desc`, `newest`"), ("page" = Option<u32>, Query, description = "With `q`: page number from 1"),
        ("city" = Option<String>, Query, description = "With `q`: the seller's city, as a facet names it"), ("seller_kind" = Option<String>, Query, description = "With `q`: `artisan`, `cooperative` or `gie`"),
        ("lang" = Option<String>, Query, description = "With `q`: the language the results are shown in (one of the shop's: `ar`, `fr`, `en`; default: the region's), which `did_you_mean` prefers, as the search page in that language does"),
        ("min_price" = Option<String>, Query, description = "Lowest price, MAD"),
        ("max_price" = Option<String>, Query, description = "Highest price, MAD"), ("in_stock" = Option<bool>, Query, description = "Only what can be bought now"),
        ("after" = Option<String>, Query, description = "Cursor from the previous page's `next`"), ("limit" = Option<u32>, Query, description = "Page size (1-100, default 20)")),
    responses((status = 200, description = "A page of products: `items` (product, variants with price and availability, seller) and `next`"), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "Refused input", body = ErrorBody)))]
pub(crate) async fn products(State(app): State<App>, Params(q): Params<ListQuery>) -> ApiResult {
    let money = |s: &Option<String>| {
        s.as_deref()
            .map(Money::mad)
            .transpose()
            .map_err(|e| bad(e.to_string()))
    };
    let mut filter = ProductFilter::default().with_in_stock(q.in_stock);
    filter.category = q
        .category
        .map(CategoryId::new)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    filter.seller = q
        .seller
        .map(SellerId::new)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    filter.min_price = money(&q.min_price)?;
    filter.max_price = money(&q.max_price)?;
    if let Some(text) = q.q {
        return search(
            &app,
            text,
            filter,
            SearchParams {
                sort: q.sort,
                page: q.page,
                city: q.city,
                seller_kind: q.seller_kind,
                limit: q.limit,
                after: q.after,
                lang: q.lang,
            },
        )
        .await;
    }
    let page = app
        .engine
        .catalog()
        .list_products(&filter, q.after.as_deref(), q.limit.unwrap_or(20))
        .await?;
    Ok(Json(page).into_response())
}

/// The parameters of `GET /api/v1/products` that only a search (`q`) reads.
struct SearchParams {
    sort: Option<String>,
    page: Option<u32>,
    city: Option<String>,
    seller_kind: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
    lang: Option<String>,
}

/// `GET /api/v1/products?q=…`: a full-text search with facets and numbered pages.
async fn search(app: &App, text: String, filter: ProductFilter, p: SearchParams) -> ApiResult {
    use tijara::usecases::catalog::{MAX_SEARCH_PAGE, SearchRequest};
    use tijara_core::search::{SearchFilters, SearchSort};
    let SearchParams {
        sort,
        page,
        city,
        seller_kind,
        limit,
        after,
        lang,
    } = p;
    if after.is_some() || filter.seller.is_some() {
        return Err(bad(
            "with q, pages are numbered: use page (not after), and search all sellers (no seller)",
        ));
    }
    let sort = match sort.as_deref() {
        None | Some("") => SearchSort::Relevance,
        Some(s) => SearchSort::parse(s)
            .ok_or_else(|| bad("sort must be relevance, price_asc, price_desc or newest"))?,
    };
    if seller_kind
        .as_deref()
        .is_some_and(|k| !["artisan", "cooperative", "gie"].contains(&k))
    {
        return Err(bad("seller_kind must be artisan, cooperative or gie"));
    }
    let per_page = limit.unwrap_or(24);
    if !(1..=MAX_SEARCH_PAGE).contains(&per_page) {
        return Err(bad(format!("limit must be 1 to {MAX_SEARCH_PAGE}")));
    }
    let languages = &app.engine.region().languages;
    let lang = match lang.as_deref() {
        None | Some("") => None,
        Some(l) => Some(
            Lang::from_code(l)
                .ok()
                .filter(|l| languages.contains(l))
                .ok_or_else(|| {
                    let codes: Vec<&str> = languages.iter().map(Lang::code).collect();
                    bad(format!(
                        "lang must be one of the shop's languages: {}",
                        codes.join(", ")
                    ))
                })?,
        ),
    };
    let minor = |m: Option<Money>| m.and_then(|m| m.to_minor());
    let mut req = SearchRequest::new(text)
        .with_filters(SearchFilters {
            category: filter.category.map(|c| c.to_string()),
            seller_city: city.filter(|c| !c.is_empty()),
            seller_kind,
            min_price_minor: minor(filter.min_price),
            max_price_minor: minor(filter.max_price),
            in_stock: filter.in_stock,
        })
        .with_sort(sort)
        .with_page(page.unwrap_or(1).max(1), per_page);
    if let Some(lang) = lang {
        req = req.with_lang(lang);
    }
    let found = app.engine.catalog().search(&req).await?;
    Ok(Json(SearchAnswer {
        items: &found.items,
        total: found.total,
        page: found.page,
        pages: found.pages,
        facets: &found.facets,
        relaxed: found.relaxed,
        did_you_mean: found.did_you_mean.as_deref(),
    })
    .into_response())
}

/// The body of a search's answer, written straight from the results (no `serde_json::Value`
/// tree in between: building one cost a map and a copy of every string of 24 products).
#[derive(serde::Serialize)]
struct SearchAnswer<'a> {
    items: &'a [tijara::usecases::catalog::ProductView],
    total: u64,
    page: u32,
    pages: u32,
    facets: &'a tijara_core::search::Facets,
    relaxed: bool,
    did_you_mean: Option<&'a str>,
}

#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog",
    responses((status = 200, description = "Every category, by id: `items`, each `{\"id\", \"slug\", \"name\", \"parent\"}` where `name` holds the names by language code (`{\"ar\": \"الجلد\", \"fr\": \"Cuir\", \"en\": \"Leather\"}`; a language without a name is absent: show the region's default language's then) and `parent` is the id of the category it is inside, `null` for a main one. Filter products with `GET /api/v1/products?category={id}`")))]
pub(crate) async fn categories(State(app): State<App>) -> ApiResult {
    let items = app.engine.catalog().categories().await?;
    Ok(Json(json!({ "items": items })).into_response())
}

#[utoipa::path(get, path = "/api/v1/products/{slug}", tag = "catalog", params(("slug" = String, Path, description = "Product slug")),
    responses((status = 200, description = "The product with its variants"), (status = 404, description = "No such product", body = ErrorBody)))]
pub(crate) async fn product(State(app): State<App>, Path(slug): Path<String>) -> ApiResult {
    Ok(Json(app.engine.catalog().product_by_slug(&slug).await?).into_response())
}

/// The body of `POST /api/v1/carts`, which may be empty.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCart {
    /// The cart's first item: the cart is created holding it, in one call.
    item: Option<AddItem>,
}

#[utoipa::path(post, path = "/api/v1/carts", tag = "cart", params(("Idempotency-Key" = Option<String>, Header, description = "Checked but not kept: every call makes a new cart")),
    request_body(content = Option<NewCart>, description = "Optional. `{\"item\": {\"variant_id\": \"var_…\", \"quantity\": 1}}` creates the cart holding that item (one call instead of two: a shop's first \"add to cart\"); no body, or `{}`, creates an empty cart"),
    responses((status = 201, description = "A new guest cart"), (status = 409, description = "`out_of_stock`: the cart is not created", body = ErrorBody), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 415, description = "A body that is not JSON (send `Content-Type: application/json`, or no body for an empty cart)", body = ErrorBody), (status = 422, description = "`cart_rule` (no such variant, one not for sale, a quantity outside the shop's bounds), `invalid` (a malformed variant id), `bad_request` (a missing or unknown field): the cart is not created", body = ErrorBody)))]
pub(crate) async fn create_cart(
    State(app): State<App>,
    headers: HeaderMap,
    MaybeBody(body): MaybeBody<NewCart>,
) -> ApiResult {
    // A guest's new cart has no caller to bind a key to (no login, no cart yet), and the
    // request carries nothing else that tells two clients apart: replaying would hand the cart
    // (its id is its only credential) to anyone sending the same key. So the key is checked
    // but not kept; a retried creation makes another cart, which holds no stock.
    key(&headers, "")?;
    let carts = app.engine.carts();
    let cart = match body.and_then(|b| b.item) {
        None => carts.create_cart(None, None).await?,
        Some(item) => {
            let variant = VariantId::new(item.variant_id).map_err(|e| bad(e.to_string()))?;
            carts
                .create_cart_with(None, &variant, item.quantity, None)
                .await?
        }
    };
    Ok((StatusCode::CREATED, Json(cart)).into_response())
}

fn cart_id(id: String) -> Result<CartId, ApiError> {
    CartId::new(id).map_err(|e| bad(e.to_string()))
}

#[utoipa::path(get, path = "/api/v1/carts/{id}", tag = "cart", params(("id" = String, Path, description = "Cart id")),
    responses((status = 200, description = "`cart` and `priced` (lines, TVA buckets, shipping, totals)"), (status = 404, description = "No such cart", body = ErrorBody)))]
pub(crate) async fn cart(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let id = cart_id(id)?;
    let doc = app.engine.carts().cart(&id).await?;
    let priced = app.engine.carts().price(&id).await?;
    Ok(Json(json!({"cart": doc, "priced": priced})).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AddItem {
    variant_id: String,
    quantity: u32,
}

#[utoipa::path(post, path = "/api/v1/carts/{id}/items", tag = "cart", params(("id" = String, Path, description = "Cart id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer")),
    request_body = AddItem, responses((status = 200, description = "The cart"), (status = 409, description = "`out_of_stock`", body = ErrorBody), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "Refused input", body = ErrorBody)))]
pub(crate) async fn add_item(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(b): Body<AddItem>,
) -> ApiResult {
    let k = key(&headers, &cart_caller(&id))?;
    let variant = VariantId::new(b.variant_id).map_err(|e| bad(e.to_string()))?;
    let doc = app
        .engine
        .carts()
        .change_cart(
            &cart_id(id)?,
            CartChange::Add {
                variant,
                quantity: b.quantity,
            },
            k.as_ref(),
        )
        .await?;
    Ok(Json(doc).into_response())
}

#[utoipa::path(delete, path = "/api/v1/carts/{id}/items/{variant}", tag = "cart", params(("id" = String, Path, description = "Cart id"), ("variant" = String, Path, description = "Variant id")),
    responses((status = 200, description = "The cart"), (status = 404, description = "No such cart", body = ErrorBody)))]
pub(crate) async fn remove_item(
    State(app): State<App>,
    headers: HeaderMap,
    Path((id, variant)): Path<(String, String)>,
) -> ApiResult {
    let k = key(&headers, &cart_caller(&id))?;
    let variant = VariantId::new(variant).map_err(|e| bad(e.to_string()))?;
    let doc = app
        .engine
        .carts()
        .change_cart(&cart_id(id)?, CartChange::Remove { variant }, k.as_ref())
        .await?;
    Ok(Json(doc).into_response())
}

/// The payment a quote or review is for: a gateway's code (`cod` adds the carriers'
/// cash-collection fees).
#[derive(Deserialize)]
pub(crate) struct PaymentQuery {
    payment: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/carts/{id}/shipping-quotes", tag = "checkout", params(("id" = String, Path, description = "Cart id"), ("payment" = Option<String>, Query, description = "The payment gateway's code: with `cod` each price includes the carrier's cash-collection fee (`cod_fee`)")),
    request_body(content = AddressSchema, description = "Where to deliver"), responses((status = 200, description = "Carrier options per seller (price MAD, days, COD fee, carrier's name); a seller with no option is one no carrier delivers to this address"), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "Refused input", body = ErrorBody)))]
pub(crate) async fn quotes(
    State(app): State<App>,
    Path(id): Path<String>,
    Params(q): Params<PaymentQuery>,
    Body(address): Body<Address>,
) -> ApiResult {
    let checkout = app.engine.checkout();
    let payment = match q.payment.as_deref() {
        Some(code) => Some(checkout.payment_method(code)?),
        None => None,
    };
    Ok(Json(
        checkout
            .shipping_quotes_for(&cart_id(id)?, &address, payment)
            .await?,
    )
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/carts/{id}/review", tag = "checkout", params(("id" = String, Path, description = "Cart id"), ("payment" = String, Query, description = "The payment gateway's code (`cod`, `cmi`, `transfer`)")),
    request_body(content = AddressSchema, description = "The address shipping was chosen for"), responses((status = 200, description = "What placing the order will charge: `priced` (lines, sellers, TVA, `grand_total`), each seller's chosen `quote` (carrier's name, days, COD fee)"), (status = 409, description = "`shipping_outdated`", body = ErrorBody), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "`shipping_not_chosen`, `no_carrier`, refused input", body = ErrorBody)))]
pub(crate) async fn review(
    State(app): State<App>,
    Path(id): Path<String>,
    Params(q): Params<PaymentQuery>,
    Body(address): Body<Address>,
) -> ApiResult {
    let checkout = app.engine.checkout();
    let code = q
        .payment
        .ok_or_else(|| bad("payment: a payment gateway's code is required"))?;
    let payment = checkout.payment_method(&code)?;
    Ok(Json(checkout.review(&cart_id(id)?, &address, payment).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Choose {
    #[schema(value_type = AddressSchema)]
    address: Address,
    seller_id: String,
    carrier: String,
    service: String,
}

#[utoipa::path(post, path = "/api/v1/carts/{id}/shipping", tag = "checkout", params(("id" = String, Path, description = "Cart id")),
    request_body = Choose, responses((status = 200, description = "The cart"), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "Refused input", body = ErrorBody)))]
pub(crate) async fn choose(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(b): Body<Choose>,
) -> ApiResult {
    let k = key(&headers, &cart_caller(&id))?;
    let seller = SellerId::new(b.seller_id).map_err(|e| bad(e.to_string()))?;
    let doc = app
        .engine
        .checkout()
        .choose_shipping(
            &cart_id(id)?,
            b.address,
            &seller,
            ShippingSelection::new(b.carrier, b.service),
            k.as_ref(),
        )
        .await?;
    Ok(Json(doc).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Checkout {
    cart_id: String,
    email: String,
    #[schema(value_type = AddressSchema)]
    address: Address,
    payment: String,
    #[serde(default)]
    lang: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "checkout", params(("Idempotency-Key" = Option<String>, Header, description = "A retry answers the first order")),
    request_body = Checkout, responses((status = 201, description = "`order` and `payment` (a redirect form for CMI, instructions for a transfer)"), (status = 409, description = "`out_of_stock`", body = ErrorBody), (status = 400, description = "Malformed body or query", body = ErrorBody), (status = 422, description = "Refused input", body = ErrorBody)))]
pub(crate) async fn checkout(
    State(app): State<App>,
    headers: HeaderMap,
    client: crate::security::ClientIp,
    Body(b): Body<Checkout>,
) -> ApiResult {
    let k = key(&headers, &cart_caller(&b.cart_id))?;
    let lang = b
        .lang
        .as_deref()
        .and_then(|l| Lang::from_code(l).ok())
        .unwrap_or(Lang::FR);
    let placed = app
        .engine
        .checkout()
        .place_order_from(
            PlaceOrderRequest::new(
                CheckoutCart::Stored {
                    cart: cart_id(b.cart_id)?,
                },
                b.email,
                b.address,
                b.payment,
                lang,
            ),
            client.for_limits(),
            k.as_ref(),
        )
        .await?;
    // The order's JSON as placing wrote it, not written a second time (the same bytes as
    // `Json(placed)`).
    let body = placed.to_json().map_err(|e| {
        tracing::error!(target: "storefront", error = %e, "cannot write a placed order's answer");
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed; the fault is logged".to_owned(),
        )
    })?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// The query of a guest's order: its access token (`access_token` of the placed order).
#[derive(Deserialize)]
pub(crate) struct OrderQuery {
    #[serde(default)]
    pub(crate) t: Option<String>,
}

/// A guest's order by its access token: a wrong or missing token looks like no order, and says
/// what to send instead (the e-mail opens nothing).
pub(crate) async fn order_by_token(
    app: &App,
    id: String,
    token: Option<&str>,
) -> Result<tijara::docs::OrderDoc, ApiError> {
    let id = OrderId::new(id).map_err(|e| bad(e.to_string()))?;
    match token {
        Some(t) => Ok(app
            .engine
            .orders()
            .order_with_token(&id, t)
            .await
            .map_err(|e| match e {
                TijaraError::NotFound { .. } => no_order(&id),
                e => ApiError::from(e),
            })?),
        None => Err(no_order(&id)),
    }
}

fn no_order(id: &OrderId) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("order {id} not found: send ?t= with the access_token given when it was placed"),
    )
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path, description = "Order id"), ("t" = String, Query, description = "The order's `access_token`, given when it was placed")),
    responses((status = 200, description = "`order`, `shipments`, `returns` (a refund's bank account, `refund_to`, shows its RIB's last four digits only)"), (status = 404, description = "No such order for this token", body = ErrorBody)))]
pub(crate) async fn order(
    State(app): State<App>,
    Path(id): Path<String>,
    Params(q): Params<OrderQuery>,
) -> ApiResult {
    let doc = order_by_token(&app, id, q.t.as_deref()).await?;
    // The shopper's view: a rate card's provisional reference is no number to follow, so
    // `tracking_number` is the carrier's or null (`provisional_number` says one is on the label).
    let mut shipments = json!(doc.shipments);
    if let Some(list) = shipments.as_array_mut() {
        for (v, s) in list.iter_mut().zip(&doc.shipments) {
            if s.provisional_number {
                v["tracking_number"] = serde_json::Value::Null;
            }
        }
    }
    // A refund's bank account: whoever holds the order's link reads its last digits only.
    let returns: Vec<_> = doc.returns.iter().map(|r| r.public_json()).collect();
    Ok(Json(json!({
        "order": doc.order,
        "shipments": shipments,
        "returns": returns,
    }))
    .into_response())
}

/// The order `id` for a caller holding its access token `t`, or logged in (bearer token) as
/// its customer; anyone else gets the 404 of an unknown order, so a guess learns nothing.
async fn order_for_caller(
    app: &App,
    headers: &HeaderMap,
    id: String,
    token: Option<&str>,
) -> Result<tijara::docs::OrderDoc, ApiError> {
    let order = OrderId::new(id.clone()).map_err(|e| bad(e.to_string()))?;
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        match app.engine.orders().order_with_token(&order, t).await {
            Ok(doc) => return Ok(doc),
            Err(TijaraError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(b) = bearer
        && let Some((_, account)) = app.engine.sessions().session(b).await?
    {
        match app.engine.orders().order(&order).await {
            Ok(doc)
                if doc
                    .order
                    .customer
                    .as_ref()
                    .is_some_and(|c| c.as_str() == account.id) =>
            {
                return Ok(doc);
            }
            Ok(_) | Err(TijaraError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(no_order(&order))
}

/// A 409 `already_paid`: the order's payment is in (or it no longer awaits one); nothing is
/// charged.
fn not_payable(doc: &tijara::docs::OrderDoc) -> ApiError {
    let p = &doc.order.payment;
    if !p.authorized().is_zero() || !p.captured().is_zero() || !p.collected().is_zero() {
        ApiError(
            StatusCode::CONFLICT,
            "already_paid",
            "this order is already paid: nothing more is charged".into(),
        )
    } else {
        ApiError(
            StatusCode::CONFLICT,
            "not_awaiting_payment",
            "this order no longer awaits a payment (paid on delivery, or cancelled): read it with GET /api/v1/orders/{id}".into(),
        )
    }
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "orders", params(("id" = String, Path, description = "Order id"), ("t" = Option<String>, Query, description = "The order's `access_token` (or send the customer's bearer token)")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "`payment`: a new card attempt's redirect form (CMI's hosted page)"), (status = 404, description = "No such order for this token or login", body = ErrorBody), (status = 409, description = "`already_paid` (nothing is charged twice) or `not_awaiting_payment`", body = ErrorBody)))]
pub(crate) async fn order_pay(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(q): Params<OrderQuery>,
) -> ApiResult {
    let doc = order_for_caller(&app, &headers, id, q.t.as_deref()).await?;
    if doc.order.status() != tijara_core::order::OrderStatus::AwaitingPayment {
        return Err(not_payable(&doc));
    }
    let checkout = app.engine.checkout();
    let started = if doc.order.payment.method() == tijara_core::payment::PaymentMethod::Card {
        checkout.start_payment(&doc.order.id, None).await
    } else {
        // A transfer order pays by card by switching back to the card (as the order page).
        checkout.switch_payment(&doc.order.id, "cmi", None).await
    };
    match started {
        Ok(payment) => Ok(Json(json!({ "payment": payment })).into_response()),
        Err(TijaraError::NotAwaitingPayment { .. }) => Err(not_payable(&doc)),
        Err(e) => Err(e.into()),
    }
}

/// The body of `POST /api/v1/orders/{id}/switch`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SwitchBody {
    /// The payment gateway's code: `cod`, `transfer` or `cmi`.
    pub payment: String,
    /// For cash on delivery whose carriers charge a collection fee: the new grand total the
    /// shopper accepted (a decimal string, as `total` of a `cod_total_changed` answer).
    #[serde(default)]
    pub accept_total: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/switch", tag = "orders", params(("id" = String, Path, description = "Order id"), ("t" = Option<String>, Query, description = "The order's `access_token` (or send the customer's bearer token)"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer")),
    security((), ("bearer" = [])),
    request_body = SwitchBody,
    responses((status = 200, description = "`order` (its new payment and totals) and `payment` (the new method's instructions, or a card's redirect form)"), (status = 404, description = "No such order for this token or login", body = ErrorBody), (status = 409, description = "`cod_total_changed` (with `total` and `before`: show the new total, then send it as `accept_total`), `cod_unavailable`, `payment_switch_refused`, `already_paid`", body = ErrorBody), (status = 422, description = "`invalid`: unknown payment code or a malformed `accept_total`", body = ErrorBody)))]
pub(crate) async fn order_switch(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(q): Params<OrderQuery>,
    Body(b): Body<SwitchBody>,
) -> ApiResult {
    let doc = order_for_caller(&app, &headers, id, q.t.as_deref()).await?;
    if !matches!(b.payment.as_str(), "cod" | "transfer" | "cmi") {
        return Err(bad("payment must be one of cod, transfer, cmi"));
    }
    let accepted = match b.accept_total.as_deref() {
        None => None,
        Some(text) => match Money::parse(text, doc.order.currency) {
            Ok(m) if m.is_positive() => Some(m),
            _ => {
                return Err(bad(
                    "accept_total must be a positive decimal amount such as \"512.50\"",
                ));
            }
        },
    };
    let k = key(&headers, &format!("order:{}", doc.order.id))?;
    let checkout = app.engine.checkout();
    let done = match accepted {
        Some(total) => {
            checkout
                .switch_payment_accepting(&doc.order.id, &b.payment, total, k.as_ref())
                .await
        }
        None => {
            checkout
                .switch_payment(&doc.order.id, &b.payment, k.as_ref())
                .await
        }
    };
    match done {
        Ok(payment) => {
            let order = app.engine.orders().order(&doc.order.id).await?;
            Ok(Json(json!({ "order": order.order, "payment": payment })).into_response())
        }
        Err(TijaraError::CodTotalChanged { total, before, .. }) => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "code": "cod_total_changed",
                "message": format!("cash on delivery changes the total from {before} to {total} (the carriers' collection fee): show it, then send it as accept_total"),
                "total": total.amount().to_string(),
                "before": before.amount().to_string(),
            })),
        )
            .into_response()),
        Err(
            TijaraError::PaymentSwitch(
                tijara_core::order_record::SwitchRefusal::NotAwaitingPayment { .. }
                | tijara_core::order_record::SwitchRefusal::PaymentUnderway { .. },
            )
            | TijaraError::NotAwaitingPayment { .. },
        ) => Err(not_payable(&doc)),
        Err(TijaraError::NotConfigured { .. }) => Err(bad(format!(
            "payment {} is not offered by this shop",
            b.payment
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The API's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/categories", get(categories))
        .route("/api/v1/products", get(products))
        .route("/api/v1/products/{slug}", get(product))
        .route("/api/v1/carts", post(create_cart))
        .route("/api/v1/carts/{id}", get(cart))
        .route("/api/v1/carts/{id}/items", post(add_item))
        .route("/api/v1/carts/{id}/items/{variant}", delete(remove_item))
        .route("/api/v1/carts/{id}/shipping-quotes", post(quotes))
        .route("/api/v1/carts/{id}/shipping", post(choose))
        .route("/api/v1/carts/{id}/review", post(review))
        .route("/api/v1/orders", post(checkout))
        .route("/api/v1/orders/{id}", get(order))
        .route("/api/v1/orders/{id}/pay", post(order_pay))
        .route("/api/v1/orders/{id}/switch", post(order_switch))
}
