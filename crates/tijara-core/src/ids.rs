//! Identifiers of domain entities.
//!
//! The core never invents identifiers: they are passed in by the caller (the engine asks its id
//! generator), so every function here stays deterministic. Each identifier is a validated newtype
//! over a string, so a `SellerId` can never be handed where a `ProductId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier is empty or only white space.
    #[error("{kind} must not be empty")]
    Empty {
        /// Which identifier.
        kind: &'static str,
    },
    /// The identifier is longer than [`MAX_ID_LEN`] bytes.
    #[error("{kind} is {len} bytes long; at most {max} are allowed", max = MAX_ID_LEN)]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// The identifier holds white space or a control character.
    #[error("{kind} {value:?} must not contain white space or control characters")]
    BadCharacter {
        /// Which identifier.
        kind: &'static str,
        /// The rejected value.
        value: String,
    },
}

/// The longest identifier accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

pub(crate) fn check_id(kind: &'static str, value: &str) -> Result<(), IdError> {
    if value.trim().is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            kind,
            len: value.len(),
        });
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdError::BadCharacter {
            kind,
            value: value.to_owned(),
        });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $label:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            /// Validates and wraps an identifier: not empty, at most [`MAX_ID_LEN`] bytes, no
            /// white space or control characters.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_id($label, &value)?;
                Ok(Self(value.into()))
            }

            /// Wraps a literal known to be valid (checked in debug builds and by unit tests).
            #[allow(dead_code)]
            pub(crate) fn literal(value: &'static str) -> Self {
                debug_assert!(check_id($label, value).is_ok(), "invalid literal id");
                Self(value.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A seller: an artisan, a cooperative or a GIE.
    SellerId,
    "seller id"
);
id_type!(
    /// A member artisan of a cooperative or GIE.
    MemberId,
    "member id"
);
id_type!(
    /// A catalog category.
    CategoryId,
    "category id"
);
id_type!(
    /// A product (owned by one seller).
    ProductId,
    "product id"
);
id_type!(
    /// A purchasable variant of a product.
    VariantId,
    "variant id"
);
id_type!(
    /// A shopping cart.
    CartId,
    "cart id"
);
id_type!(
    /// A registered customer.
    CustomerId,
    "customer id"
);
id_type!(
    /// A promotion.
    PromotionId,
    "promotion id"
);
id_type!(
    /// An order placed by a customer (may span several sellers).
    OrderId,
    "order id"
);
id_type!(
    /// The part of an order that one seller fulfils.
    SellerOrderId,
    "seller order id"
);
id_type!(
    /// A stock reservation.
    ReservationId,
    "reservation id"
);
id_type!(
    /// A shipment of a seller order.
    ShipmentId,
    "shipment id"
);
id_type!(
    /// A return (withdrawal) request.
    ReturnId,
    "return id"
);
id_type!(
    /// A tax category, mapped to a TVA rate by the region's rules (e.g. `standard`).
    TaxCategoryId,
    "tax category id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids() {
        let id = SellerId::new("slr_coop-tafilalt.01").expect("valid");
        assert_eq!(id.as_str(), "slr_coop-tafilalt.01");
        assert_eq!(id.to_string(), "slr_coop-tafilalt.01");
    }

    #[test]
    fn rejects_empty_long_and_spaced_ids() {
        assert_eq!(
            ProductId::new("  "),
            Err(IdError::Empty { kind: "product id" })
        );
        assert!(matches!(
            ProductId::new("x".repeat(MAX_ID_LEN + 1)),
            Err(IdError::TooLong { len: 129, .. })
        ));
        assert!(matches!(
            VariantId::new("a b"),
            Err(IdError::BadCharacter { .. })
        ));
        assert!(matches!(
            VariantId::new("a\u{0}b"),
            Err(IdError::BadCharacter { .. })
        ));
    }

    #[test]
    fn serde_validates() {
        let ok: SellerId = serde_json::from_str("\"s1\"").expect("valid");
        assert_eq!(ok.as_str(), "s1");
        assert!(serde_json::from_str::<SellerId>("\"\"").is_err());
        assert_eq!(serde_json::to_string(&ok).expect("json"), "\"s1\"");
    }
}
