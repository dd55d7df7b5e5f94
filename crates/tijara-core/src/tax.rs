//! TVA (taxe sur la valeur ajoutée, الضريبة على القيمة المضافة): dated rates per tax category,
//! and the split of a tax-inclusive (TTC) amount into HT and TVA.
//!
//! Prices are TTC. For each priced line, `HT = round(TTC / (1 + rate))` with the one rounding
//! rule ([`crate::money::ROUNDING`]) and `TVA = TTC − HT`, so HT + TVA = TTC exactly on every
//! line, and the per-rate breakdown of an order adds up to its totals exactly.

use crate::currency::Currency;
use crate::i18n::LocalizedText;
use crate::ids::TaxCategoryId;
use crate::money::{Money, MoneyError};
use crate::rate::Rate;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why no TVA rate could be found or the rules are inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaxError {
    /// No rate of the category is in force on the date.
    #[error("no TVA rate for tax category {category} on {date}")]
    NoRate {
        /// The category.
        category: TaxCategoryId,
        /// The date asked.
        date: NaiveDate,
    },
    /// Two rates of one category are in force on the same day.
    #[error("TVA rates of category {category} overlap on {date}")]
    Overlap {
        /// The category.
        category: TaxCategoryId,
        /// The first day both apply.
        date: NaiveDate,
    },
    /// A rate ends before it starts.
    #[error("TVA rate of category {category} ends ({until}) before it starts ({from})")]
    EmptyPeriod {
        /// The category.
        category: TaxCategoryId,
        /// Start.
        from: NaiveDate,
        /// End (exclusive).
        until: NaiveDate,
    },
}

/// The TVA rate of one tax category over a period, as a finance law sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedTaxRate {
    /// The category (`standard`, `reduced-10`, `artisanal-carpet`...).
    pub category: TaxCategoryId,
    /// The rate.
    pub rate: Rate,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force (`None`: still in force).
    pub valid_until: Option<NaiveDate>,
    /// For a 0 % rate that is an exemption: the legal mention for the invoice
    /// (e.g. "Exonéré, CGI art. 91-I-C-4°").
    pub exemption: Option<String>,
    /// Name shown to people.
    #[serde(default)]
    pub label: LocalizedText,
}

impl DatedTaxRate {
    fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|u| date < u)
    }
}

/// The rate that applies to a line, with its exemption mention if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedTax {
    /// The rate.
    pub rate: Rate,
    /// Why no TVA is charged, when that is the case.
    pub exemption: Option<String>,
}

/// The TVA rules of a region: dated rates per category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<DatedTaxRate>", into = "Vec<DatedTaxRate>")]
pub struct TaxRules {
    rates: Vec<DatedTaxRate>,
}

impl TaxRules {
    /// Checks that no category has two rates in force on the same day.
    pub fn new(mut rates: Vec<DatedTaxRate>) -> Result<TaxRules, TaxError> {
        rates.sort_by(|a, b| {
            a.category
                .cmp(&b.category)
                .then(a.valid_from.cmp(&b.valid_from))
        });
        for r in &rates {
            if let Some(until) = r.valid_until
                && until <= r.valid_from
            {
                return Err(TaxError::EmptyPeriod {
                    category: r.category.clone(),
                    from: r.valid_from,
                    until,
                });
            }
        }
        for pair in rates.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.category == b.category && a.valid_until.is_none_or(|u| u > b.valid_from) {
                return Err(TaxError::Overlap {
                    category: a.category.clone(),
                    date: b.valid_from,
                });
            }
        }
        Ok(TaxRules { rates })
    }

    /// The rate of `category` in force on `date`.
    pub fn rate_for(
        &self,
        category: &TaxCategoryId,
        date: NaiveDate,
    ) -> Result<AppliedTax, TaxError> {
        self.rates
            .iter()
            .find(|r| &r.category == category && r.covers(date))
            .map(|r| AppliedTax {
                rate: r.rate,
                exemption: r.exemption.clone(),
            })
            .ok_or_else(|| TaxError::NoRate {
                category: category.clone(),
                date,
            })
    }

    /// All dated rates.
    pub fn rates(&self) -> &[DatedTaxRate] {
        &self.rates
    }

    /// The categories known.
    pub fn categories(&self) -> impl Iterator<Item = &TaxCategoryId> {
        let mut seen: Vec<&TaxCategoryId> = self.rates.iter().map(|r| &r.category).collect();
        seen.dedup();
        seen.into_iter()
    }
}

impl TryFrom<Vec<DatedTaxRate>> for TaxRules {
    type Error = TaxError;
    fn try_from(value: Vec<DatedTaxRate>) -> Result<Self, Self::Error> {
        TaxRules::new(value)
    }
}

impl From<TaxRules> for Vec<DatedTaxRate> {
    fn from(r: TaxRules) -> Self {
        r.rates
    }
}

/// A TTC amount split into its HT and TVA parts (`ht + tva == ttc` exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSplit {
    /// Hors taxes (before TVA).
    pub ht: Money,
    /// The TVA included.
    pub tva: Money,
    /// Toutes taxes comprises.
    pub ttc: Money,
}

/// Splits a TTC amount at `rate`: `HT = round(TTC / (1 + rate))`, `TVA = TTC − HT`.
///
/// ```
/// use tijara_core::{Money, Rate, tax::split_ttc};
/// let s = split_ttc(Money::mad("120.00").unwrap(), Rate::percent(20).unwrap()).unwrap();
/// assert_eq!((s.ht, s.tva), (Money::mad("100.00").unwrap(), Money::mad("20.00").unwrap()));
/// ```
pub fn split_ttc(ttc: Money, rate: Rate) -> Result<TaxSplit, MoneyError> {
    let ht = match ht_minor(ttc, rate) {
        Some(minor) => Money::rounded(
            Decimal::from_i128_with_scale(minor, ttc.currency().minor_units()),
            ttc.currency(),
        )?,
        None => {
            let divisor = Decimal::ONE + rate.fraction();
            let ht_exact = ttc
                .amount()
                .checked_div(divisor)
                .ok_or(MoneyError::Overflow)?;
            Money::rounded(ht_exact, ttc.currency())?
        }
    };
    let tva = ttc.checked_sub(ht)?;
    Ok(TaxSplit { ht, tva, ttc })
}

/// HT in minor units, computed exactly on integers: with the rate `f = p / 10^s`,
/// `HT = TTC / (1 + f) = TTC × 10^s / (10^s + p)`, rounded half away from zero ([`crate::ROUNDING`])
/// from the exact quotient and remainder. The same result as the decimal division, without
/// its cost; `None` when the numbers do not fit (the caller then divides decimals).
fn ht_minor(ttc: Money, rate: Rate) -> Option<i128> {
    let f = rate.fraction();
    let unit = 10i128.checked_pow(f.scale())?;
    let den = unit.checked_add(f.mantissa())?;
    let num = ttc.amount().mantissa().checked_mul(unit)?;
    let (q, r) = (num / den, num % den);
    Some(if r.unsigned_abs() * 2 >= den.unsigned_abs() {
        q + num.signum()
    } else {
        q
    })
}

/// HT, TVA and TTC totals of one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TvaBucket {
    /// The rate.
    pub rate: Rate,
    /// Sum of HT.
    pub ht: Money,
    /// Sum of TVA.
    pub tva: Money,
    /// Sum of TTC.
    pub ttc: Money,
}

/// TVA totals per rate, as printed at the foot of a Moroccan invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TvaBreakdown {
    currency: Currency,
    /// By increasing rate; a handful at most, so a sorted vector beats a map.
    buckets: Vec<TvaBucket>,
}

impl TvaBreakdown {
    /// An empty breakdown.
    pub fn new(currency: Currency) -> Self {
        TvaBreakdown {
            currency,
            buckets: Vec::new(),
        }
    }

    /// Adds a split at `rate`.
    pub fn add(&mut self, rate: Rate, split: &TaxSplit) -> Result<(), MoneyError> {
        // Rates are kept normalized, so equal rates have the same digits: a cheap check finds
        // the bucket in the usual case before the ordered (decimal) comparison.
        let digits = rate.fraction().serialize();
        let i = match self
            .buckets
            .iter()
            .position(|b| b.rate.fraction().serialize() == digits)
        {
            Some(i) => i,
            None => match self.buckets.iter().position(|b| b.rate >= rate) {
                Some(i) if self.buckets[i].rate == rate => i,
                found => {
                    let i = found.unwrap_or(self.buckets.len());
                    let zero = Money::zero(self.currency);
                    self.buckets.insert(
                        i,
                        TvaBucket {
                            rate,
                            ht: zero,
                            tva: zero,
                            ttc: zero,
                        },
                    );
                    i
                }
            },
        };
        let b = &mut self.buckets[i];
        b.ht = b.ht.checked_add(split.ht)?;
        b.tva = b.tva.checked_add(split.tva)?;
        b.ttc = b.ttc.checked_add(split.ttc)?;
        Ok(())
    }

    /// Adds every bucket of another breakdown.
    pub fn merge(&mut self, other: &TvaBreakdown) -> Result<(), MoneyError> {
        for b in &other.buckets {
            self.add(
                b.rate,
                &TaxSplit {
                    ht: b.ht,
                    tva: b.tva,
                    ttc: b.ttc,
                },
            )?;
        }
        Ok(())
    }

    /// The buckets, by increasing rate.
    pub fn buckets(&self) -> impl Iterator<Item = &TvaBucket> {
        self.buckets.iter()
    }

    /// Total over all rates.
    pub fn total(&self) -> Result<TaxSplit, MoneyError> {
        let c = self.currency;
        Ok(TaxSplit {
            ht: Money::sum(c, self.buckets.iter().map(|b| b.ht))?,
            tva: Money::sum(c, self.buckets.iter().map(|b| b.tva))?,
            ttc: Money::sum(c, self.buckets.iter().map(|b| b.ttc))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }
    fn cat(s: &str) -> TaxCategoryId {
        TaxCategoryId::new(s).expect("id")
    }
    fn rate(cat_: &str, pct: u32, from: NaiveDate, until: Option<NaiveDate>) -> DatedTaxRate {
        DatedTaxRate {
            category: cat(cat_),
            rate: Rate::percent(pct).expect("rate"),
            valid_from: from,
            valid_until: until,
            exemption: None,
            label: LocalizedText::default(),
        }
    }

    #[test]
    fn dated_rates_follow_the_finance_law() {
        // Water: 7 % until 2024, 8 % in 2024-2025, 10 % from 2026 (LF 2024 reform).
        let rules = TaxRules::new(vec![
            rate("water", 10, date(2026, 1, 1), None),
            rate("water", 7, date(2000, 1, 1), Some(date(2024, 1, 1))),
            rate("water", 8, date(2024, 1, 1), Some(date(2026, 1, 1))),
        ])
        .expect("rules");
        let pct = |d| {
            rules
                .rate_for(&cat("water"), d)
                .expect("rate")
                .rate
                .as_percent()
        };
        assert_eq!(pct(date(2023, 12, 31)).to_string(), "7");
        assert_eq!(pct(date(2024, 1, 1)).to_string(), "8");
        assert_eq!(pct(date(2026, 11, 28)).to_string(), "10");
        assert_eq!(
            rules.rate_for(&cat("water"), date(1999, 1, 1)),
            Err(TaxError::NoRate {
                category: cat("water"),
                date: date(1999, 1, 1)
            })
        );
        assert!(rules.rate_for(&cat("other"), date(2026, 1, 1)).is_err());
        assert_eq!(rules.categories().count(), 1);
    }

    #[test]
    fn rejects_overlaps_and_empty_periods() {
        assert!(matches!(
            TaxRules::new(vec![
                rate("s", 20, date(2020, 1, 1), None),
                rate("s", 10, date(2024, 1, 1), None)
            ]),
            Err(TaxError::Overlap { .. })
        ));
        assert!(matches!(
            TaxRules::new(vec![rate(
                "s",
                20,
                date(2020, 1, 1),
                Some(date(2020, 1, 1))
            )]),
            Err(TaxError::EmptyPeriod { .. })
        ));
    }

    #[test]
    fn splits_ttc() {
        let m = |s| Money::mad(s).expect("m");
        let s = split_ttc(m("249.90"), Rate::percent(20).expect("r")).expect("split");
        assert_eq!((s.ht, s.tva), (m("208.25"), m("41.65")));
        let s = split_ttc(m("0.01"), Rate::percent(20).expect("r")).expect("split");
        assert_eq!((s.ht, s.tva), (m("0.01"), m("0.00")));
        let s = split_ttc(m("100"), Rate::ZERO).expect("split");
        assert_eq!((s.ht, s.tva), (m("100"), m("0")));
    }

    proptest! {
        #[test]
        fn integer_split_equals_the_decimal_division(
            minor in -10_000_000_000i64..10_000_000_000,
            (rate_scale, rate_mantissa) in (0u32..=4).prop_flat_map(|s| (Just(s), 0i64..=10i64.pow(s))),
        ) {
            let fraction = Decimal::new(rate_mantissa, rate_scale);
            let r = Rate::new(fraction).expect("rate");
            let ttc = Money::from_minor(minor, Currency::MAD);
            let by_decimals = Money::rounded(
                ttc.amount().checked_div(Decimal::ONE + r.fraction()).expect("div"),
                Currency::MAD,
            )
            .expect("round");
            prop_assert_eq!(split_ttc(ttc, r).expect("split").ht, by_decimals);
        }

        #[test]
        fn split_adds_up_and_breakdown_matches(amounts in prop::collection::vec((0i64..10_000_000, prop::sample::select(vec![0u32, 7, 10, 14, 20])), 1..30)) {
            let mut b = TvaBreakdown::new(Currency::MAD);
            let mut total = Money::zero(Currency::MAD);
            for (minor, pct) in &amounts {
                let ttc = Money::from_minor(*minor, Currency::MAD);
                let r = Rate::percent(*pct).expect("rate");
                let s = split_ttc(ttc, r).expect("split");
                prop_assert_eq!(s.ht.checked_add(s.tva).expect("add"), ttc);
                prop_assert!(!s.tva.is_negative() && !s.ht.is_negative());
                // TVA is within a centime of the exact rate applied to HT.
                let exact = s.ht.amount() * r.fraction();
                prop_assert!((s.tva.amount() - exact).abs() <= Decimal::new(1, 2) * (Decimal::ONE + r.fraction()));
                b.add(r, &s).expect("add");
                total = total.checked_add(ttc).expect("add");
            }
            let t = b.total().expect("total");
            prop_assert_eq!(t.ttc, total);
            prop_assert_eq!(t.ht.checked_add(t.tva).expect("add"), total);
        }
    }
}
