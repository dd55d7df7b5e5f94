//! Indicative amounts in other currencies: the shopper abroad sees an estimate, and is always
//! charged in the region's currency. Below `region` and `order`, which both use it.

use crate::currency::Currency;
use crate::money::{Money, MoneyError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exchange rate for display: `rate` units of `to` per unit of the region's currency, as
/// of `as_of`. Snapshotted on each order so what the shopper saw is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayRate {
    /// The display currency.
    pub to: Currency,
    /// Units of `to` per unit of the charged currency.
    pub rate: Decimal,
    /// When the rate was read.
    pub as_of: DateTime<Utc>,
}

/// An indicative amount in a display currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayAmount {
    /// The converted amount (indicative only).
    pub amount: Money,
    /// The rate used.
    pub rate: DisplayRate,
}

impl DisplayRate {
    /// Converts an amount of the charged currency for display.
    pub fn convert(&self, amount: Money) -> Result<DisplayAmount, MoneyError> {
        Ok(DisplayAmount {
            amount: amount.convert(self.to, self.rate)?,
            rate: *self,
        })
    }
}
