//! The OpenAPI 3 document of the JSON API, generated from the handlers' annotations (utoipa)
//! and served at `/api/openapi.json`.

use crate::App;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tijara storefront API",
        description = "The headless part of the Dakhla handicraft marketplace: catalog, carts, checkout, orders, tracking and the seller portal. Amounts are decimal strings in MAD (tax included). Errors are `{\"code\", \"message\"}`; mutating calls honour `Idempotency-Key`."
    ),
    paths(
        crate::api::categories,
        crate::api::products,
        crate::api::product,
        crate::api::create_cart,
        crate::api::cart,
        crate::api::add_item,
        crate::api::remove_item,
        crate::api::quotes,
        crate::api::review,
        crate::api::choose,
        crate::api::checkout,
        crate::api::order,
        crate::api::order_pay,
        crate::api::order_switch,
        crate::seller_api::login,
        crate::seller_api::logout,
        crate::seller_api::me,
        crate::seller_api::tracking,
        crate::seller_api::seller_orders,
        crate::seller_api::ship,
        crate::seller_api::label,
        crate::seller_api::set_tracking,
        crate::seller_api::seller_products,
        crate::seller_api::create_product,
        crate::seller_api::update_product,
        crate::seller_api::stock,
        crate::seller_api::active,
        crate::seller_api::statement,
    ),
    components(schemas(crate::api::ErrorBody, crate::api::AddressSchema, crate::api::SwitchBody)),
    modifiers(&Bearer),
    tags(
        (name = "catalog", description = "Products and their availability"),
        (name = "cart", description = "Guest carts"),
        (name = "checkout", description = "Shipping quotes and placing orders"),
        (name = "orders", description = "Orders and tracking"),
        (name = "accounts", description = "Bearer sessions"),
        (name = "seller", description = "The artisan portal's actions (a seller's bearer token)"),
    )
)]
pub struct ApiDoc;

async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /api/openapi.json`.
pub fn routes() -> Router<App> {
    Router::new().route("/api/openapi.json", get(document))
}
