//! The web shop: server-rendered pages in Arabic (right to left), French and English, that work
//! without JavaScript; the CMI endpoints; product images.

use crate::App;
use crate::cookies::cookie;
use crate::ctx::Ctx;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use tijara::TijaraError;
use tijara::ports::payment::{NotificationRequest, PaymentStart};
use tijara::ports::storage::StorageError;
use tijara::usecases::cart::CartChange;
use tijara::usecases::catalog::{ProductFilter, ProductView};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::catalog::is_local_media_path;
use tijara_core::inventory::Availability;
use tijara_core::order::Address;
use tijara_core::{CartId, CategoryId, Lang, OrderId, SellerId, VariantId};

mod aftercare;
mod artisans;
mod cart;
mod checkout;
mod errors;
mod fields;
mod layout;
mod legal;
pub use legal::operator_is_demo;
mod order;
mod payment;
mod search;
mod seo;
mod shop;
mod words;
pub(crate) use aftercare::{refund_by_transfer, return_photo_path, return_photos, return_summary};
pub(crate) use checkout::address_lines;
pub use errors::*;
pub use fields::FieldErrors;
pub use layout::*;
pub use order::order_url;
pub use seo::Meta;
pub(crate) use seo::consent_line;
use words::other_langs;
pub use words::{learn_languages, page_dir, pick, t, ui_lang};

/// `Ok(Some(v))`, `Ok(None)` when the engine says [`TijaraError::NotFound`], and the error for
/// every other failure (an outage, an unreadable record): only "not found" means absent.
pub fn found<T>(r: Result<T, TijaraError>) -> Result<Option<T>, TijaraError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(TijaraError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The visitor's open cart. A cart that is gone or closed is none; any other failure (an
/// outage, an unreadable cart) is an error, never an empty cart or a fresh cart in place of the
/// shopper's.
pub(crate) async fn cart_of(app: &App, headers: &HeaderMap) -> Result<Option<CartId>, TijaraError> {
    let Some(id) =
        crate::cookies::shop_cookie(app, headers, "cart").and_then(|c| CartId::new(c).ok())
    else {
        return Ok(None);
    };
    Ok(found(app.engine.carts().cart(&id).await)?
        .and_then(|doc| (doc.status == tijara::docs::CartStatus::Open).then_some(id)))
}

/// The cart cookie: HttpOnly, SameSite=Lax, and Secure when the shop is served over HTTPS.
pub(crate) fn set_cart(app: &App, mut r: Response, id: &CartId) -> Response {
    let secure = if app.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "cart={id}; Path=/; SameSite=Lax; HttpOnly; Max-Age=2592000{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The shop's routes: each part of the shop adds its own.
pub fn routes() -> Router<App> {
    Router::new()
        .merge(shop::routes())
        .merge(cart::routes())
        .merge(checkout::routes())
        .merge(order::routes())
        .merge(payment::routes())
        .merge(aftercare::routes())
        .merge(seo::routes())
        .merge(legal::routes())
        .merge(artisans::routes())
}

/// An instant on the region's clock, written with chrono's `format`.
pub fn local_format(
    app: &crate::App,
    at: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
    format: &str,
) -> String {
    app.engine
        .region()
        .local_datetime(at)
        .format(format)
        .to_string()
}

/// [`local_time`]'s day only (`2026-12-07`).
pub fn local_day(
    app: &crate::App,
    at: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
) -> String {
    local_format(app, at, "%Y-%m-%d")
}

/// An instant as the region's people read it on their clocks (`2026-12-07 11:23`): the admin's,
/// the artisan's and the shopper's pages show the same time for the same event.
pub fn local_time(
    app: &crate::App,
    at: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
) -> String {
    local_format(app, at, "%Y-%m-%d %H:%M")
}
