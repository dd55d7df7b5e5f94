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
    // The common case, in one pass without a branch per byte (the compiler checks 16 or 32
    // bytes at a time): 1 to `MAX_ID_LEN` bytes, each printable ASCII other than the space
    // (`!` to `~`). Anything else is told apart below.
    let bytes = value.as_bytes();
    if !bytes.is_empty()
        && bytes.len() <= MAX_ID_LEN
        && bytes
            .iter()
            .fold(true, |ok, b| ok & (b.wrapping_sub(b'!') <= b'~' - b'!'))
    {
        return Ok(());
    }
    // Ids are nearly always ASCII without white space: one pass over the bytes tells, and
    // the first byte that is not white space (the first, in practice) tells it is not blank.
    if value.is_ascii() {
        // `str::trim`'s white space, in ASCII: tab, line feed, VT, FF, carriage return, space.
        let blank = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
        if value.as_bytes().iter().all(blank) {
            return Err(IdError::Empty { kind });
        }
        if value.len() > MAX_ID_LEN {
            return Err(IdError::TooLong {
                kind,
                len: value.len(),
            });
        }
        if value.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(IdError::BadCharacter {
                kind,
                value: value.to_owned(),
            });
        }
        return Ok(());
    }
    if value.trim().is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            kind,
            len: value.len(),
        });
    }
    if has_space_or_control(value) {
        return Err(IdError::BadCharacter {
            kind,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Whether `value` (not all ASCII: [`check_id`] tests ASCII ids a byte at a time, where white
/// space and control characters are the bytes up to the space and DEL) holds white space or
/// a control character.
fn has_space_or_control(value: &str) -> bool {
    value.chars().any(|c| c.is_whitespace() || c.is_control())
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $label:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        // As a plain string, validated when read. Written by hand rather than with
        // `#[serde(try_from = "String", into = "String")]`, which copied every id into a new
        // `String` to write it and read each into a `String` before its own copy.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(crate::text_serde::TextVisitor {
                    expecting: "an identifier (a string)",
                    parse: |v: &str| -> Result<Self, IdError> {
                        check_id($label, v)?;
                        Ok(Self(v.into()))
                    },
                })
            }
        }

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

        // Borrowed text is copied once, into the id's own allocation (through `new`, it
        // would be copied into a `String` first).
        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                check_id($label, value)?;
                Ok(Self(value.into()))
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

    /// The check as first written, one character at a time.
    fn reference(kind: &'static str, value: &str) -> Result<(), IdError> {
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

    proptest::proptest! {
        #[test]
        fn the_ascii_check_is_the_character_check(
            value in "(\\PC|[\\x00-\\x7f]|\\s|\\p{Cc}){0,12}|[\\t-\\r ]{0,3}|[!-~]{120,140}|[ \\t]{129,131}|[ -~\\t]{127,131}",
        ) {
            proptest::prop_assert_eq!(check_id("id", &value), reference("id", &value));
        }

        #[test]
        fn ids_read_back_as_written(value in "[!-~]{1,40}|\\PC{1,12}") {
            let json = serde_json::to_string(&value).expect("json");
            let read: Result<ProductId, _> = serde_json::from_str(&json);
            match ProductId::new(value.clone()) {
                Ok(id) => {
                    proptest::prop_assert_eq!(read.expect("valid"), id.clone());
                    proptest::prop_assert_eq!(serde_json::to_string(&id).expect("json"), json);
                }
                Err(e) => {
                    let err = read.expect_err("refused");
                    proptest::prop_assert!(err.to_string().contains(&e.to_string()), "{err}");
                }
            }
        }
    }

    #[test]
    fn every_ascii_byte_is_judged_as_its_character() {
        for b in 0u8..=0x7f {
            for s in [format!("a{}b", b as char), (b as char).to_string()] {
                assert_eq!(check_id("id", &s), reference("id", &s), "byte {b:#04x}");
            }
        }
    }

    #[test]
    fn ids_are_read_from_escaped_and_owned_strings() {
        // An escape makes serde_json hand over an owned string, not a borrowed one.
        let id: SellerId = serde_json::from_str("\"s\\u00e91\"").expect("valid");
        assert_eq!(id.as_str(), "s\u{e9}1");
        let v = serde_json::json!("slr_1");
        let id: SellerId = serde_json::from_value(v).expect("from a value");
        assert_eq!(id.as_str(), "slr_1");
        let err = serde_json::from_str::<SellerId>("\"a b\"").expect_err("refused");
        assert!(
            err.to_string().contains("must not contain white space"),
            "{err}"
        );
        assert!(
            serde_json::from_str::<SellerId>("12").is_err(),
            "a number is no id"
        );
        // UTF-8 bytes, as a `String` accepted them; other bytes refused.
        use serde::de::IntoDeserializer;
        let d: serde::de::value::BytesDeserializer<'_, serde::de::value::Error> =
            b"slr_2".as_slice().into_deserializer();
        assert_eq!(SellerId::deserialize(d).expect("utf-8").as_str(), "slr_2");
        let d: serde::de::value::BytesDeserializer<'_, serde::de::value::Error> =
            [0xffu8, 0x41].as_slice().into_deserializer();
        assert!(SellerId::deserialize(d).is_err());
    }

    #[test]
    fn serde_validates() {
        let ok: SellerId = serde_json::from_str("\"s1\"").expect("valid");
        assert_eq!(ok.as_str(), "s1");
        assert!(serde_json::from_str::<SellerId>("\"\"").is_err());
        assert_eq!(serde_json::to_string(&ok).expect("json"), "\"s1\"");
    }
}
