//! Order numbers people read and quote: `DAK-2026-483920` (the region's prefix, the year of
//! placing, digits). The order's id stays the internal key; the number is what a page, an
//! e-mail, an invoice or a bank transfer's reference shows.
//!
//! The core only checks and spells numbers: the engine draws the digits (at random, so no
//! counter is contended by every checkout and no number reveals how many orders were placed)
//! and claims each number as a unique storage key, drawing again when it is taken.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a text is not an order number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderNumberError {
    /// The prefix is not 1 to 6 upper-case letters or digits.
    #[error("an order number's prefix is 1 to 6 letters or digits, got {0:?}")]
    Prefix(String),
    /// The year is not a four-digit year.
    #[error("an order number's year has four digits, got {0}")]
    Year(i32),
    /// The serial part is not 6 to 12 digits.
    #[error("an order number ends with 6 to 12 digits")]
    Digits,
    /// The text does not have the form `PREFIX-YYYY-DIGITS`.
    #[error("an order number reads like DAK-2026-483920")]
    Form,
}

/// A human order number: `PREFIX-YYYY-DIGITS`, upper case, e.g. `DAK-2026-483920`.
/// Serialized as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber(String);

/// The fewest digits of a number's serial part.
pub const MIN_DIGITS: usize = 6;
/// The most digits of a number's serial part.
pub const MAX_DIGITS: usize = 12;

fn check_prefix(prefix: &str) -> Result<(), OrderNumberError> {
    let ok = (1..=6).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(OrderNumberError::Prefix(prefix.to_owned()))
    }
}

impl OrderNumber {
    /// The number `prefix-year-serial`, the serial written with `width` digits (zero-padded;
    /// `width` is clamped to 6..=12; a serial too large for it is
    /// refused).
    ///
    /// ```
    /// use tijara_core::order::OrderNumber;
    ///
    /// let n = OrderNumber::new("DAK", 2026, 123, 6).unwrap();
    /// assert_eq!(n.as_str(), "DAK-2026-000123");
    /// ```
    pub fn new(
        prefix: &str,
        year: i32,
        serial: u64,
        width: usize,
    ) -> Result<Self, OrderNumberError> {
        check_prefix(prefix)?;
        if !(1000..=9999).contains(&year) {
            return Err(OrderNumberError::Year(year));
        }
        let width = width.clamp(MIN_DIGITS, MAX_DIGITS);
        let digits = format!("{serial:0width$}");
        if digits.len() > width {
            return Err(OrderNumberError::Digits);
        }
        Ok(OrderNumber(format!("{prefix}-{year}-{digits}")))
    }

    /// Reads a number as a person types it: surrounding spaces, a leading `#` and lower case
    /// are accepted (`  dak-2026-000123 ` is `DAK-2026-000123`).
    pub fn parse(text: &str) -> Result<Self, OrderNumberError> {
        let text = text.trim().trim_start_matches('#').to_ascii_uppercase();
        let mut parts = text.split('-');
        let (Some(prefix), Some(year), Some(digits), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(OrderNumberError::Form);
        };
        check_prefix(prefix)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderNumberError::Form);
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(OrderNumberError::Digits);
        }
        Ok(OrderNumber(text))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix a region's code gives its numbers: the part after the last `-`, letters and
    /// digits only, upper case, at most 6 characters (`MA-DAK` gives `DAK`); `ORD` if nothing
    /// is left.
    ///
    /// ```
    /// use tijara_core::order::OrderNumber;
    ///
    /// assert_eq!(OrderNumber::prefix_for_region("MA-DAK"), "DAK");
    /// assert_eq!(OrderNumber::prefix_for_region("--"), "ORD");
    /// ```
    pub fn prefix_for_region(code: &str) -> String {
        let last = code
            .rsplit('-')
            .find(|p| !p.trim().is_empty())
            .unwrap_or("");
        let prefix: String = last
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .take(6)
            .collect();
        if prefix.is_empty() {
            "ORD".to_owned()
        } else {
            prefix
        }
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrderNumber {
    type Error = OrderNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrderNumber::parse(&value)
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> String {
        n.0
    }
}

impl std::str::FromStr for OrderNumber {
    type Err = OrderNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_are_spelled_and_read_back() {
        let n = OrderNumber::new("DAK", 2026, 42, 6).expect("number");
        assert_eq!(n.to_string(), "DAK-2026-000042");
        assert_eq!(OrderNumber::parse(" #dak-2026-000042 "), Ok(n.clone()));
        let json = serde_json::to_string(&n).expect("json");
        assert_eq!(json, "\"DAK-2026-000042\"");
        assert_eq!(serde_json::from_str::<OrderNumber>(&json).expect("read"), n);
    }

    #[test]
    fn bad_numbers_are_refused_with_their_reason() {
        assert_eq!(
            OrderNumber::new("dak", 2026, 1, 6),
            Err(OrderNumberError::Prefix("dak".into()))
        );
        assert_eq!(
            OrderNumber::new("DAK", 26, 1, 6),
            Err(OrderNumberError::Year(26))
        );
        assert_eq!(
            OrderNumber::new("DAK", 2026, 1_000_000, 6),
            Err(OrderNumberError::Digits)
        );
        assert_eq!(OrderNumber::parse("DAK-2026"), Err(OrderNumberError::Form));
        assert_eq!(
            OrderNumber::parse("DAK-26-000001"),
            Err(OrderNumberError::Form)
        );
        assert_eq!(
            OrderNumber::parse("DAK-2026-12a456"),
            Err(OrderNumberError::Digits)
        );
        assert_eq!(
            OrderNumber::parse("DAK-2026-12345"),
            Err(OrderNumberError::Digits)
        );
        assert_eq!(
            OrderNumber::parse("TOOLONGX-2026-123456"),
            Err(OrderNumberError::Prefix("TOOLONGX".into()))
        );
        assert!(serde_json::from_str::<OrderNumber>("\"x\"").is_err());
    }

    #[test]
    fn a_region_code_gives_a_short_prefix() {
        assert_eq!(OrderNumber::prefix_for_region("MA-DAK"), "DAK");
        assert_eq!(OrderNumber::prefix_for_region("MA-GON"), "GON");
        assert_eq!(OrderNumber::prefix_for_region("dakhla"), "DAKHLA");
        assert_eq!(OrderNumber::prefix_for_region("é-"), "ORD");
    }

    proptest! {
        #[test]
        fn every_number_made_reads_back(serial in 0u64..1_000_000_000, year in 1000i32..10000, width in 0usize..20) {
            if let Ok(n) = OrderNumber::new("DAK", year, serial, width) {
                prop_assert_eq!(OrderNumber::parse(n.as_str()), Ok(n.clone()));
                prop_assert!(n.as_str().len() <= 3 + 1 + 4 + 1 + MAX_DIGITS);
            }
        }

        #[test]
        fn parsing_never_panics(text in ".{0,40}") {
            let _ = OrderNumber::parse(&text);
        }
    }
}
