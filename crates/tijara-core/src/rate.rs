//! Rates: TVA rates, commission rates, discount percentages.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rate between 0 and 1 inclusive (`0.20` is 20 %).
///
/// ```
/// use tijara_core::Rate;
/// let tva = Rate::percent(20).unwrap();
/// assert_eq!(tva.to_string(), "20 %");
/// assert!(Rate::percent(120).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Rate(Decimal);

/// The value is not a rate between 0 and 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a rate between 0 and 1 (0 % to 100 %)")]
pub struct RateError(pub Decimal);

impl Rate {
    /// 0 %.
    pub const ZERO: Rate = Rate(Decimal::ZERO);
    /// 100 %.
    pub const ONE: Rate = Rate(Decimal::ONE);

    /// A rate from a fraction (`0.2` for 20 %).
    pub fn new(fraction: Decimal) -> Result<Rate, RateError> {
        if fraction < Decimal::ZERO || fraction > Decimal::ONE {
            return Err(RateError(fraction));
        }
        Ok(Rate(fraction.normalize()))
    }

    /// A rate from a whole percentage (`20` for 20 %).
    pub fn percent(percent: u32) -> Result<Rate, RateError> {
        Rate::new(Decimal::from(percent) / Decimal::ONE_HUNDRED)
    }

    /// A rate from a decimal percentage (`12.5` for 12.5 %).
    pub fn from_percent(percent: Decimal) -> Result<Rate, RateError> {
        Rate::new(percent / Decimal::ONE_HUNDRED)
    }

    /// The rate as a fraction.
    pub fn fraction(&self) -> Decimal {
        self.0
    }

    /// The rate as a percentage (`20` for 20 %).
    pub fn as_percent(&self) -> Decimal {
        (self.0 * Decimal::ONE_HUNDRED).normalize()
    }

    /// True for 0 %.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl TryFrom<Decimal> for Rate {
    type Error = RateError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Rate::new(value)
    }
}

impl From<Rate> for Decimal {
    fn from(r: Rate) -> Decimal {
        r.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.as_percent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn bounds_and_forms() {
        assert_eq!(Rate::percent(14).expect("rate").fraction(), dec!(0.14));
        assert_eq!(
            Rate::from_percent(dec!(12.5)).expect("rate").to_string(),
            "12.5 %"
        );
        assert_eq!(Rate::new(dec!(-0.01)), Err(RateError(dec!(-0.01))));
        assert!(Rate::new(dec!(1.01)).is_err());
        assert!(Rate::ZERO.is_zero());
        assert_eq!(Rate::ONE.as_percent(), dec!(100));
        let r: Rate = serde_json::from_str("\"0.10\"").expect("json");
        assert_eq!(r, Rate::percent(10).expect("rate"));
        assert!(serde_json::from_str::<Rate>("\"2\"").is_err());
    }
}
