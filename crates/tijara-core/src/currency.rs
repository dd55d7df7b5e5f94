//! ISO 4217 currencies.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A currency: its ISO 4217 alphabetic code, numeric code and number of minor-unit digits.
///
/// Tijara charges in one currency per region (the Moroccan dirham, [`Currency::MAD`], for the
/// Dakhla region) and may show other currencies beside it for information. The known currencies
/// are listed in [`Currency::KNOWN`]; serde writes a currency as its code (`"MAD"`).
///
/// ```
/// use tijara_core::Currency;
/// let mad = Currency::from_code("mad").unwrap();
/// assert_eq!(mad, Currency::MAD);
/// assert_eq!((mad.numeric(), mad.minor_units()), (504, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency {
    code: [u8; 3],
    numeric: u16,
    minor_units: u8,
}

/// The text is not the code of a currency Tijara knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown currency code {0:?} (known: MAD, EUR, USD, GBP, CAD, CHF, TND, DZD, MRU, XOF, SAR, AED, JPY)"
)]
pub struct UnknownCurrency(pub String);

impl Currency {
    const fn new(code: &[u8; 3], numeric: u16, minor_units: u8) -> Self {
        Self {
            code: *code,
            numeric,
            minor_units,
        }
    }

    /// Moroccan dirham: ISO 4217 numeric 504, 2 decimals (1 dirham = 100 centimes).
    pub const MAD: Currency = Currency::new(b"MAD", 504, 2);
    /// Euro.
    pub const EUR: Currency = Currency::new(b"EUR", 978, 2);
    /// US dollar.
    pub const USD: Currency = Currency::new(b"USD", 840, 2);
    /// Pound sterling.
    pub const GBP: Currency = Currency::new(b"GBP", 826, 2);
    /// Canadian dollar.
    pub const CAD: Currency = Currency::new(b"CAD", 124, 2);
    /// Swiss franc.
    pub const CHF: Currency = Currency::new(b"CHF", 756, 2);
    /// Tunisian dinar (3 decimals).
    pub const TND: Currency = Currency::new(b"TND", 788, 3);
    /// Algerian dinar.
    pub const DZD: Currency = Currency::new(b"DZD", 12, 2);
    /// Mauritanian ouguiya.
    pub const MRU: Currency = Currency::new(b"MRU", 929, 2);
    /// West African CFA franc (no minor unit).
    pub const XOF: Currency = Currency::new(b"XOF", 952, 0);
    /// Saudi riyal.
    pub const SAR: Currency = Currency::new(b"SAR", 682, 2);
    /// UAE dirham.
    pub const AED: Currency = Currency::new(b"AED", 784, 2);
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency::new(b"JPY", 392, 0);

    /// Every currency [`Currency::from_code`] knows.
    pub const KNOWN: [Currency; 13] = [
        Self::MAD,
        Self::EUR,
        Self::USD,
        Self::GBP,
        Self::CAD,
        Self::CHF,
        Self::TND,
        Self::DZD,
        Self::MRU,
        Self::XOF,
        Self::SAR,
        Self::AED,
        Self::JPY,
    ];

    /// Looks a currency up by its alphabetic code, in any case.
    pub fn from_code(code: &str) -> Result<Currency, UnknownCurrency> {
        // Nearly always the code as written (serde's, upper case): compared as it is, with no
        // copy; else trimmed and in any case.
        if let Some(c) = Self::KNOWN.iter().find(|c| c.code == code.as_bytes()) {
            return Ok(*c);
        }
        let trimmed = code.trim().as_bytes();
        Self::KNOWN
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(trimmed))
            .copied()
            .ok_or_else(|| UnknownCurrency(code.to_owned()))
    }

    /// Looks a currency up by its ISO 4217 numeric code (CMI sends `504` for MAD).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        Self::KNOWN.iter().find(|c| c.numeric == numeric).copied()
    }

    /// The alphabetic code, e.g. `"MAD"`.
    pub fn code(&self) -> &'static str {
        // Every currency is one of `KNOWN` (the only constructor is private): its code as a
        // constant, with no UTF-8 check on every call (money is written with its currency's
        // code many times per order: issue 15's step 45).
        match &self.code {
            b"MAD" => "MAD",
            b"EUR" => "EUR",
            b"USD" => "USD",
            b"GBP" => "GBP",
            b"CAD" => "CAD",
            b"CHF" => "CHF",
            b"TND" => "TND",
            b"DZD" => "DZD",
            b"MRU" => "MRU",
            b"XOF" => "XOF",
            b"SAR" => "SAR",
            b"AED" => "AED",
            b"JPY" => "JPY",
            _ => "???",
        }
    }

    /// The ISO 4217 numeric code, e.g. `504`.
    pub fn numeric(&self) -> u16 {
        self.numeric
    }

    /// How many decimal digits the minor unit has (2 for MAD).
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::MAD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

// As its code. Written by hand: the derived `into = "String"` allocated a `String` for each
// amount written (every `Money` carries its currency), `try_from = "String"` one for each read.
impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(crate::text_serde::TextVisitor {
            expecting: "a currency code (a string)",
            parse: Currency::from_code,
        })
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::from_code(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule `from_code` keeps: the trimmed text, upper-cased, is a known code.
    fn by_the_rule(code: &str) -> Option<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        Currency::KNOWN.iter().find(|c| c.code() == upper).copied()
    }

    #[test]
    fn every_known_currency_writes_its_own_code() {
        for c in Currency::KNOWN {
            assert_eq!(c.code().as_bytes(), &c.code, "{c:?}");
            assert_eq!(Currency::from_code(c.code()), Ok(c));
        }
    }

    proptest! {
        #[test]
        fn from_code_follows_the_rule(
            known in 0usize..13,
            case in proptest::collection::vec(any::<bool>(), 3),
            before in "[ \t\n\u{a0}\u{3000}]{0,2}",
            after in "[ \t\r\u{2003}]{0,2}",
            other in "\\PC{0,6}",
        ) {
            let code: String = Currency::KNOWN[known]
                .code()
                .chars()
                .zip(&case)
                .map(|(ch, &lower)| if lower { ch.to_ascii_lowercase() } else { ch })
                .collect();
            for text in [code.clone(), format!("{before}{code}{after}"), other.clone()] {
                prop_assert_eq!(Currency::from_code(&text).ok(), by_the_rule(&text), "{:?}", text);
            }
        }
    }

    #[test]
    fn looks_up_by_code_and_numeric() {
        assert_eq!(Currency::from_code(" eur "), Ok(Currency::EUR));
        assert_eq!(Currency::from_numeric(504), Some(Currency::MAD));
        assert_eq!(Currency::from_numeric(1), None);
        assert!(Currency::from_code("XXX").is_err());
        assert_eq!(Currency::default(), Currency::MAD);
        assert_eq!(Currency::TND.minor_units(), 3);
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(
            serde_json::to_string(&Currency::MAD).expect("json"),
            "\"MAD\""
        );
        let c: Currency = serde_json::from_str("\"usd\"").expect("json");
        assert_eq!(c, Currency::USD);
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
        // From an owned string (an escape) and from a value, as before.
        let c: Currency = serde_json::from_str("\"M\\u0041D\"").expect("json");
        assert_eq!(c, Currency::MAD);
        let c: Currency = serde_json::from_value(serde_json::json!("EUR")).expect("value");
        assert_eq!(c, Currency::EUR);
        let err = serde_json::from_str::<Currency>("\"ABC\"").expect_err("unknown");
        let why = Currency::from_code("ABC").expect_err("unknown").to_string();
        assert!(err.to_string().starts_with(&why), "{err}");
        assert!(
            serde_json::from_str::<Currency>("504").is_err(),
            "a number is no code"
        );
        use serde::de::IntoDeserializer;
        let d: serde::de::value::BytesDeserializer<'_, serde::de::value::Error> =
            b"MAD".as_slice().into_deserializer();
        assert_eq!(Currency::deserialize(d).expect("utf-8"), Currency::MAD);
    }
}
