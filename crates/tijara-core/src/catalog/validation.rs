//! Validation results: the problems a seller, category or product can have, and the rule for
//! local photo paths.

use super::*;

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The product's customs data is incomplete or malformed.
    #[error("customs: {error}")]
    Customs {
        /// What is wrong.
        error: crate::customs::CustomsError,
    },
    /// A required field is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A value that must be unique appears twice.
    #[error("{field} {value:?} appears more than once")]
    Duplicate {
        /// The field.
        field: &'static str,
        /// The repeated value.
        value: String,
    },
    /// A SKU with characters other than letters, digits and `-_./`, or longer than 64.
    #[error("SKU {value:?} must be 1 to 64 letters, digits or -_./")]
    BadSku {
        /// The rejected SKU.
        value: String,
    },
    /// A slug with characters other than lower-case letters, digits and `-`.
    #[error("slug {value:?} must be lower-case letters, digits and '-'")]
    BadSlug {
        /// The rejected slug.
        value: String,
    },
    /// A bank account that is not a 24-digit RIB.
    #[error("bank account {value:?} is not a 24-digit RIB")]
    BadRib {
        /// The rejected value.
        value: String,
    },
    /// A WhatsApp contact that is not an E.164 number (`+` then 8 to 15 digits).
    #[error("WhatsApp number {value:?} is not in the form +212612345678")]
    BadWhatsApp {
        /// The rejected value.
        value: String,
    },
    /// A seller's phone that is not an E.164 number (`+` then 8 to 15 digits).
    #[error("phone {value:?} must be an international number, like +212612345678")]
    BadPhone {
        /// The rejected value.
        value: String,
    },
    /// A sender address that is too long or holds a control character other than a line
    /// break.
    #[error("the address must be at most {max} characters, without control characters")]
    BadAddress {
        /// The limit.
        max: usize,
    },
    /// A negative price.
    #[error("variant {sku} has a negative price ({price})")]
    NegativePrice {
        /// The variant.
        sku: Sku,
        /// Its price.
        price: Money,
    },
    /// A shippable variant weighing nothing (carriers price by weight).
    #[error("variant {sku} is shippable but weighs 0 g")]
    ZeroWeight {
        /// The variant.
        sku: Sku,
    },
    /// A dimension of zero.
    #[error("variant {sku} has a zero dimension")]
    ZeroDimension {
        /// The variant.
        sku: Sku,
    },
    /// A product with no variant.
    #[error("product {product} has no variant")]
    NoVariants {
        /// The product.
        product: ProductId,
    },
    /// A product attributed to a member its seller does not have (or no longer has).
    #[error("member {member} is not an active member of the seller")]
    UnknownMember {
        /// The member.
        member: MemberId,
    },
    /// Member artisans on a seller that is a lone artisan.
    #[error("seller {seller} is an artisan and cannot have members")]
    MembersNotAllowed {
        /// The seller.
        seller: SellerId,
    },
    /// A product validated against another seller.
    #[error("product {product} does not belong to this seller")]
    WrongSeller {
        /// The product.
        product: ProductId,
    },
    /// An ICE that is not 15 digits.
    #[error("ICE {value:?} must be 15 digits")]
    BadIce {
        /// The rejected value.
        value: String,
    },
    /// A price of zero: every variant on sale costs something.
    #[error("variant {sku} has a price of zero")]
    ZeroPrice {
        /// The variant.
        sku: Sku,
    },
    /// A photo that is not a path on the shop itself (see [`is_local_media_path`]).
    #[error("photo {value:?} must be a path on this shop, like /media/…")]
    BadPhotoUrl {
        /// The rejected URL (its first 80 characters).
        value: String,
    },
}

/// The longest photo path accepted.
pub const MAX_PHOTO_PATH: usize = 300;

/// True for a photo URL that is a path on the shop itself (`/media/…`, `/images/…`): it starts
/// with one `/`, has at most [`MAX_PHOTO_PATH`] characters, only ASCII letters, digits and
/// `/._-`, and no `..`. A scheme (`javascript:`, `data:`, `https:`), a remote host (`//host/…`),
/// a query or a backslash are refused, so a product page never loads a remote pixel or a script.
pub fn is_local_media_path(url: &str) -> bool {
    url.len() <= MAX_PHOTO_PATH
        && url.starts_with('/')
        && !url.starts_with("//")
        && !url.contains("..")
        && url.len() > 1
        && url
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
}

/// Every problem validation found, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationError {
    problems: Vec<Problem>,
}

impl ValidationError {
    /// The problems (at least one).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl From<Problem> for ValidationError {
    fn from(p: Problem) -> Self {
        ValidationError { problems: vec![p] }
    }
}

#[derive(Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    pub(super) fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    pub(super) fn finish(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { problems: self.0 })
        }
    }
}
