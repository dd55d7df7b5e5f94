//! Each engine refusal a shopper or seller can meet has its own sentence in every language,
//! and each has its own API code and status.

use axum::http::StatusCode;
use tijara::TijaraError;
use tijara_core::{CartId, Lang, OrderId, SellerId, SellerOrderId};
use tijara_storefront::api::ApiError;
use tijara_storefront::web::explain;

fn refusals() -> Vec<(TijaraError, StatusCode, &'static str)> {
    let order = OrderId::new("ord-1").expect("id");
    let part = SellerOrderId::new("ord-1-1").expect("id");
    vec![
        (
            TijaraError::EmptyCart,
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_cart",
        ),
        (
            TijaraError::ShippingNotChosen {
                seller: SellerId::new("slr-1").expect("id"),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "shipping_not_chosen",
        ),
        (
            TijaraError::ShippingOutdated,
            StatusCode::CONFLICT,
            "shipping_outdated",
        ),
        (
            TijaraError::CartClosed {
                cart: CartId::new("cart-1").expect("id"),
            },
            StatusCode::CONFLICT,
            "cart_closed",
        ),
        (
            TijaraError::NotAwaitingPayment {
                order: order.clone(),
            },
            StatusCode::CONFLICT,
            "not_awaiting_payment",
        ),
        (
            TijaraError::NotReadyToShip { order, part },
            StatusCode::CONFLICT,
            "not_ready_to_ship",
        ),
        (
            TijaraError::BadEmail { email: "x".into() },
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_email",
        ),
        (
            TijaraError::EmailTaken {
                email: "a@example.ma".into(),
            },
            StatusCode::CONFLICT,
            "email_taken",
        ),
    ]
}

#[test]
fn each_refusal_has_its_own_sentence_code_and_status() {
    for lang in [Lang::AR, Lang::FR, Lang::EN] {
        let mut seen = std::collections::HashSet::new();
        for (e, _, _) in refusals() {
            assert!(
                seen.insert(explain(lang, &e)),
                "{lang:?}: {e} shares a sentence"
            );
        }
    }
    assert_ne!(
        explain(Lang::EN, &TijaraError::EmptyCart),
        "Choose a delivery for each seller before ordering."
    );
    for (e, status, code) in refusals() {
        let ApiError(s, c, message) = ApiError::from(e);
        assert_eq!((s, c), (status, code), "{message}");
    }
    // A fault no caller can act on is the server's, and its detail is not shown.
    let ApiError(s, c, message) = ApiError::from(TijaraError::Invalid("cannot encode".into()));
    assert_eq!(
        (s, c),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    );
    assert!(!message.contains("encode"), "{message}");
    let ApiError(s, c, message) = ApiError::from(TijaraError::Unencodable {
        reason: "key must be a string".into(),
    });
    assert_eq!(
        (s, c),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    );
    assert!(!message.contains("key must be"), "{message}");
}
