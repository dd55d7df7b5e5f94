//! Regions: everything another regional marketplace changes to reuse Tijara.

use crate::cart::CartLimits;
use crate::currency::Currency;
use crate::i18n::{Lang, LocalizedText};
use crate::ids::TaxCategoryId;
use crate::money::{Money, MoneyError};
use crate::rate::Rate;
use crate::tax::{DatedTaxRate, TaxError, TaxRules};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A legal identifier that may be printed on invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegalIdKind {
    /// Identifiant commun de l'entreprise.
    Ice,
    /// Identifiant fiscal.
    If,
    /// Registre de commerce.
    Rc,
    /// Taxe professionnelle.
    Tp,
    /// Caisse nationale de sécurité sociale.
    Cnss,
}

/// What the region's invoices must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRules {
    /// Identifiers printed for a seller that has them (CGI art. 145-III for Morocco).
    pub seller_ids: Vec<LegalIdKind>,
    /// The mention printed when a seller charges no TVA.
    pub no_vat_mention: LocalizedText,
}

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

/// Why a region is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegionError {
    /// No language listed.
    #[error("a region needs at least one language")]
    NoLanguage,
    /// The default language is not among the region's languages.
    #[error("default language {0} is not one of the region's languages")]
    DefaultLangMissing(Lang),
    /// A display currency equals the charged currency.
    #[error("display currency {0} is the charged currency")]
    DisplayCurrencyIsCharged(Currency),
    /// The shipping tax category has no rate.
    #[error("shipping tax category: {0}")]
    ShippingTax(TaxError),
    /// Cart limits of zero.
    #[error("cart limits must allow at least one line of one unit")]
    CartLimits,
    /// A transfer hold outside 1 to 720 hours.
    #[error("the bank transfer hold must be 1 to 720 hours")]
    TransferHold,
}

/// A region's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Short code, e.g. `MA-DAK`.
    pub code: String,
    /// Name.
    pub name: LocalizedText,
    /// Languages the pages speak.
    pub languages: Vec<Lang>,
    /// Language used when a text is missing in the reader's.
    pub default_lang: Lang,
    /// The currency charged.
    pub currency: Currency,
    /// Offset of local time from UTC, in minutes (dates of tax rates and withdrawal periods are
    /// local dates).
    pub utc_offset_minutes: i32,
    /// Dated TVA rates per category.
    pub tax_rules: TaxRules,
    /// The tax category of shipping charges.
    pub shipping_tax_category: TaxCategoryId,
    /// Days after delivery during which a shopper may withdraw (law 31-08: 7 days).
    pub withdrawal_days: u16,
    /// Commission for sellers without their own rate.
    pub default_commission: Rate,
    /// Invoice requirements.
    pub invoice: InvoiceRules,
    /// Currencies shown beside the charged one, for information.
    pub display_currencies: Vec<Currency>,
    /// Cart bounds.
    pub cart_limits: CartLimits,
    /// How long an order paid by bank transfer holds its stock before it is cancelled and the
    /// stock returns to sale, in hours (default 48).
    #[serde(default = "default_transfer_hold_hours")]
    pub transfer_hold_hours: u32,
}

fn default_transfer_hold_hours() -> u32 {
    48
}

impl Region {
    /// [`Region::transfer_hold_hours`] as a duration.
    pub fn transfer_hold(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.transfer_hold_hours))
    }
}

fn tax_rate(
    category: &'static str,
    percent: u32,
    exemption: Option<&str>,
    fr: &str,
    ar: &str,
) -> DatedTaxRate {
    DatedTaxRate {
        category: TaxCategoryId::literal(category),
        rate: Rate::percent(percent).unwrap_or(Rate::ZERO),
        valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
        valid_until: None,
        exemption: exemption.map(str::to_owned),
        label: LocalizedText::new().with(Lang::Fr, fr).with(Lang::Ar, ar),
    }
}

impl Region {
    /// Dakhla – Oued Ed-Dahab (Morocco): ar/fr/en with Arabic by default, MAD, Moroccan TVA
    /// (20 % standard; 14 %, 10 %, 7 % reduced; exempt categories incl. locally made artisanal
    /// carpets, CGI art. 91-I-C-4°), 7-day withdrawal (law 31-08), 10 % default commission,
    /// EUR and USD shown for shoppers abroad, local time UTC+1.
    pub fn dakhla() -> Region {
        let rules = TaxRules::new(vec![
            tax_rate("standard", 20, None, "Taux normal", "السعر العادي"),
            tax_rate("reduced-14", 14, None, "Taux réduit 14 %", "سعر مخفض 14٪"),
            tax_rate("reduced-10", 10, None, "Taux réduit 10 %", "سعر مخفض 10٪"),
            tax_rate("reduced-7", 7, None, "Taux réduit 7 %", "سعر مخفض 7٪"),
            tax_rate("exempt", 0, Some("Exonéré de TVA (CGI art. 91)"), "Exonéré", "معفى"),
            tax_rate(
                "artisanal-carpet",
                0,
                Some("Exonéré de TVA : tapis d'origine artisanale de production locale (CGI art. 91-I-C-4°)"),
                "Tapis artisanal (exonéré)",
                "زربية تقليدية (معفاة)",
            ),
        ])
        .unwrap_or_default();
        Region {
            code: "MA-DAK".into(),
            name: LocalizedText::new()
                .with(Lang::Ar, "جهة الداخلة - وادي الذهب")
                .with(Lang::Fr, "Dakhla – Oued Ed-Dahab")
                .with(Lang::En, "Dakhla – Oued Ed-Dahab"),
            languages: vec![Lang::Ar, Lang::Fr, Lang::En],
            default_lang: Lang::Ar,
            currency: Currency::MAD,
            utc_offset_minutes: 60,
            tax_rules: rules,
            shipping_tax_category: TaxCategoryId::literal("standard"),
            withdrawal_days: 7,
            default_commission: Rate::percent(10).unwrap_or(Rate::ZERO),
            invoice: InvoiceRules {
                seller_ids: vec![
                    LegalIdKind::Ice,
                    LegalIdKind::If,
                    LegalIdKind::Rc,
                    LegalIdKind::Tp,
                ],
                no_vat_mention: LocalizedText::new()
                    .with(Lang::Fr, "TVA non applicable")
                    .with(Lang::Ar, "غير خاضع للضريبة على القيمة المضافة")
                    .with(Lang::En, "VAT not applicable"),
            },
            display_currencies: vec![Currency::EUR, Currency::USD],
            cart_limits: CartLimits::default(),
            transfer_hold_hours: default_transfer_hold_hours(),
        }
    }

    /// Checks the region's consistency.
    pub fn validate(&self) -> Result<(), RegionError> {
        if self.languages.is_empty() {
            return Err(RegionError::NoLanguage);
        }
        if !self.languages.contains(&self.default_lang) {
            return Err(RegionError::DefaultLangMissing(self.default_lang));
        }
        if let Some(c) = self
            .display_currencies
            .iter()
            .find(|c| **c == self.currency)
        {
            return Err(RegionError::DisplayCurrencyIsCharged(*c));
        }
        if !self
            .tax_rules
            .rates()
            .iter()
            .any(|r| r.category == self.shipping_tax_category)
        {
            return Err(RegionError::ShippingTax(TaxError::NoRate {
                category: self.shipping_tax_category.clone(),
                date: NaiveDate::default(),
            }));
        }
        if self.cart_limits.max_lines == 0 || self.cart_limits.max_quantity_per_line == 0 {
            return Err(RegionError::CartLimits);
        }
        if !(1..=720).contains(&self.transfer_hold_hours) {
            return Err(RegionError::TransferHold);
        }
        Ok(())
    }

    /// The first instant of a local day (`date` at midnight in the region's time).
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::minutes(i64::from(self.utc_offset_minutes))
    }

    /// A local month (`"2026-11"`) as its first instant and the next month's; `None` if the
    /// text is not a month.
    pub fn month(&self, month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        use chrono::Datelike;
        let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()?;
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }?;
        Some((self.day_start(first), self.day_start(next)))
    }

    /// The region's local date at instant `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        match FixedOffset::east_opt(self.utc_offset_minutes.saturating_mul(60)) {
            Some(offset) => at.with_timezone(&offset).date_naive(),
            None => at.date_naive(),
        }
    }

    /// The language to use for a reader asking for `wanted` (the default when the region does
    /// not speak it).
    pub fn lang_or_default(&self, wanted: Option<Lang>) -> Lang {
        wanted
            .filter(|l| self.languages.contains(l))
            .unwrap_or(self.default_lang)
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::dakhla()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dakhla_is_consistent() {
        let r = Region::dakhla();
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.tax_rules.rates().len(), 6);
        for t in r.tax_rules.rates() {
            assert!(TaxCategoryId::new(t.category.as_str()).is_ok());
        }
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let std = r
            .tax_rules
            .rate_for(&r.shipping_tax_category, d)
            .expect("rate");
        assert_eq!(std.rate, Rate::percent(20).expect("rate"));
        let carpet = r
            .tax_rules
            .rate_for(&TaxCategoryId::new("artisanal-carpet").expect("id"), d)
            .expect("rate");
        assert!(carpet.rate.is_zero() && carpet.exemption.is_some());
        assert_eq!(r.default_lang, Lang::Ar);
        assert_eq!(Region::default(), r);
    }

    #[test]
    fn validation_errors() {
        let mut r = Region::dakhla();
        r.default_lang = Lang::Es;
        assert_eq!(r.validate(), Err(RegionError::DefaultLangMissing(Lang::Es)));
        r = Region::dakhla();
        r.display_currencies.push(Currency::MAD);
        assert_eq!(
            r.validate(),
            Err(RegionError::DisplayCurrencyIsCharged(Currency::MAD))
        );
        r = Region::dakhla();
        r.shipping_tax_category = TaxCategoryId::new("nope").expect("id");
        assert!(matches!(r.validate(), Err(RegionError::ShippingTax(_))));
        r = Region::dakhla();
        r.languages.clear();
        assert_eq!(r.validate(), Err(RegionError::NoLanguage));
        r = Region::dakhla();
        r.cart_limits.max_lines = 0;
        assert_eq!(r.validate(), Err(RegionError::CartLimits));
    }

    #[test]
    fn local_dates_and_languages() {
        let r = Region::dakhla();
        let late = Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 30, 0)
            .single()
            .expect("time");
        assert_eq!(
            r.local_date(late),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")
        );
        assert_eq!(r.lang_or_default(Some(Lang::Fr)), Lang::Fr);
        assert_eq!(r.lang_or_default(Some(Lang::Es)), Lang::Ar);
        assert_eq!(r.lang_or_default(None), Lang::Ar);
    }

    #[test]
    fn months_are_local() {
        let r = Region::dakhla();
        let (from, until) = r.month("2026-12").expect("month");
        assert_eq!(from.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-12-31T23:00:00+00:00");
        assert!(r.month("2026-13").is_none());
        assert!(r.month("soon").is_none());
    }

    #[test]
    fn display_rates_convert() {
        let rate = DisplayRate {
            to: Currency::EUR,
            rate: Decimal::new(921, 4),
            as_of: Utc
                .with_ymd_and_hms(2026, 11, 28, 0, 0, 0)
                .single()
                .expect("time"),
        };
        let shown = rate
            .convert(Money::mad("250").expect("m"))
            .expect("convert");
        assert_eq!(
            shown.amount,
            Money::parse("23.03", Currency::EUR).expect("m")
        );
    }
}
