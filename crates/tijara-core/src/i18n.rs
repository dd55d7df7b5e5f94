//! Languages, multilingual text and money formatting for people.
//!
//! # Number format choices
//! - **French** (`fr`): `1 234,50 MAD` — comma decimal, no-break spaces (U+00A0) between groups of
//!   three and before the currency, as French typography and Moroccan invoices write it.
//! - **Arabic** (`ar`): `1.234,50 د.م.` — Western digits, which Moroccan commerce, banks and CMI use
//!   (CLDR's `ar-MA` locale also uses Latin digits with `,` as decimal and `.` as group separator),
//!   followed by the dirham symbol `د.م.`. Arabic-Indic digits (٠١٢…) are common in the Mashreq
//!   but would look foreign on a Moroccan receipt. In right-to-left pages the frontend isolates the
//!   amount (`<bdi>`), so the symbol stays after the number.
//! - **English** (`en`): `MAD 1,234.50`.
//! - **Spanish** (`es`, for Canary Islands visitors): `1.234,50 MAD`.

use crate::currency::Currency;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A language Tijara's texts and formats know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Lang {
    /// Arabic (written right to left).
    Ar,
    /// French.
    Fr,
    /// English.
    En,
    /// Spanish.
    Es,
}

/// The text is not a language code Tijara knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?} (known: ar, fr, en, es)")]
pub struct UnknownLang(pub String);

impl Lang {
    /// Every language, in the order used as a last-resort fallback.
    pub const ALL: [Lang; 4] = [Lang::Ar, Lang::Fr, Lang::En, Lang::Es];

    /// The BCP 47 code (`"ar"`).
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// Parses a code such as `"fr"`, `"FR"` or `"fr-MA"`.
    pub fn from_code(code: &str) -> Result<Lang, UnknownLang> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == primary)
            .ok_or_else(|| UnknownLang(code.to_owned()))
    }

    /// True for languages written right to left.
    pub fn is_rtl(&self) -> bool {
        matches!(self, Lang::Ar)
    }

    /// `"rtl"` or `"ltr"`, for the HTML `dir` attribute.
    pub fn dir(&self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text in several languages, e.g. a product title in Arabic, French and English.
///
/// ```
/// use tijara_core::{LocalizedText, Lang};
/// let title = LocalizedText::new()
///     .with(Lang::Ar, "وسادة جلدية")
///     .with(Lang::Fr, "Coussin en cuir");
/// assert_eq!(title.get(Lang::Fr, Lang::Ar), Some("Coussin en cuir"));
/// // No English text: falls back to the region's default language.
/// assert_eq!(title.get(Lang::En, Lang::Ar), Some("وسادة جلدية"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(BTreeMap<Lang, String>);

impl LocalizedText {
    /// An empty text.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same text in one language only.
    pub fn single(lang: Lang, text: impl Into<String>) -> Self {
        Self::new().with(lang, text)
    }

    /// Adds or replaces the text in `lang` (builder style).
    pub fn with(mut self, lang: Lang, text: impl Into<String>) -> Self {
        self.set(lang, text);
        self
    }

    /// Adds or replaces the text in `lang`; a blank text removes it.
    pub fn set(&mut self, lang: Lang, text: impl Into<String>) {
        let text = text.into();
        if text.trim().is_empty() {
            self.0.remove(&lang);
        } else {
            self.0.insert(lang, text);
        }
    }

    /// The text in `lang` only, without fallback.
    pub fn exact(&self, lang: Lang) -> Option<&str> {
        self.0.get(&lang).map(String::as_str)
    }

    /// The text in `lang`, else in `fallback` (the region's default language), else in the first
    /// language of [`Lang::ALL`] that has one. `None` only when the text is empty.
    pub fn get(&self, lang: Lang, fallback: Lang) -> Option<&str> {
        self.exact(lang)
            .or_else(|| self.exact(fallback))
            .or_else(|| Lang::ALL.into_iter().find_map(|l| self.exact(l)))
    }

    /// True when no language has a text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The languages that have a text.
    pub fn langs(&self) -> impl Iterator<Item = Lang> + '_ {
        self.0.keys().copied()
    }

    /// Every (language, text) pair.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> + '_ {
        self.0.iter().map(|(l, t)| (*l, t.as_str()))
    }
}

const NBSP: char = '\u{a0}';

struct NumberStyle {
    decimal: char,
    group: char,
}

fn style(lang: Lang) -> NumberStyle {
    match lang {
        Lang::Fr => NumberStyle {
            decimal: ',',
            group: NBSP,
        },
        Lang::Ar | Lang::Es => NumberStyle {
            decimal: ',',
            group: '.',
        },
        Lang::En => NumberStyle {
            decimal: '.',
            group: ',',
        },
    }
}

fn symbol(currency: Currency, lang: Lang) -> &'static str {
    match (currency.code(), lang) {
        ("MAD", Lang::Ar) => "د.م.",
        ("EUR", _) => "€",
        ("USD", Lang::En) => "$",
        ("USD", _) => "$US",
        ("GBP", _) => "£",
        _ => "",
    }
}

fn group_digits(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

impl Money {
    /// Formats the amount for a reader of `lang` (see the module docs for the choices).
    ///
    /// ```
    /// use tijara_core::{Money, Lang};
    /// let m = Money::mad("1234.5").unwrap();
    /// assert_eq!(m.format(Lang::Fr), "1\u{a0}234,50\u{a0}MAD");
    /// assert_eq!(m.format(Lang::Ar), "1.234,50\u{a0}د.م.");
    /// assert_eq!(m.format(Lang::En), "MAD\u{a0}1,234.50");
    /// ```
    pub fn format(&self, lang: Lang) -> String {
        let st = style(lang);
        let text = self.amount().abs().to_string();
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (text.as_str(), None),
        };
        let mut number = String::new();
        if self.is_negative() {
            number.push('-');
        }
        number.push_str(&group_digits(int, st.group));
        if let Some(frac) = frac {
            number.push(st.decimal);
            number.push_str(frac);
        }
        let sym = symbol(self.currency(), lang);
        match (lang, sym) {
            (Lang::En, "") => format!("{}{NBSP}{number}", self.currency().code()),
            (Lang::En, s) => {
                // "$1,234.50", "-€5.00"
                match number.strip_prefix('-') {
                    Some(rest) => format!("-{s}{rest}"),
                    None => format!("{s}{number}"),
                }
            }
            (_, "") => format!("{number}{NBSP}{}", self.currency().code()),
            (_, s) => format!("{number}{NBSP}{s}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mad(s: &str) -> Money {
        Money::mad(s).expect("amount")
    }

    #[test]
    fn formats_per_locale() {
        assert_eq!(
            mad("1234567.5").format(Lang::Fr),
            "1\u{a0}234\u{a0}567,50\u{a0}MAD"
        );
        assert_eq!(mad("0.5").format(Lang::Fr), "0,50\u{a0}MAD");
        assert_eq!(mad("999").format(Lang::Ar), "999,00\u{a0}د.م.");
        assert_eq!(mad("-1234").format(Lang::Ar), "-1.234,00\u{a0}د.م.");
        assert_eq!(mad("-1234").format(Lang::En), "MAD\u{a0}-1,234.00");
        assert_eq!(mad("1000").format(Lang::Es), "1.000,00\u{a0}MAD");
        let eur = Money::parse("92.1", Currency::EUR).expect("eur");
        assert_eq!(eur.format(Lang::Fr), "92,10\u{a0}€");
        assert_eq!(eur.format(Lang::En), "€92.10");
        assert_eq!(eur.negated().format(Lang::En), "-€92.10");
        let usd = Money::parse("1500", Currency::USD).expect("usd");
        assert_eq!(usd.format(Lang::Fr), "1\u{a0}500,00\u{a0}$US");
        let yen = Money::parse("1500", Currency::JPY).expect("jpy");
        assert_eq!(yen.format(Lang::En), "JPY\u{a0}1,500");
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::from_code("fr-MA"), Ok(Lang::Fr));
        assert_eq!(Lang::from_code("AR"), Ok(Lang::Ar));
        assert!(Lang::from_code("de").is_err());
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::En.dir(), "ltr");
    }

    #[test]
    fn localized_text_fallback() {
        let t = LocalizedText::new()
            .with(Lang::En, "Tea bag")
            .with(Lang::Fr, "  ");
        assert_eq!(t.exact(Lang::Fr), None);
        assert_eq!(t.get(Lang::Fr, Lang::Ar), Some("Tea bag"));
        assert_eq!(LocalizedText::new().get(Lang::Fr, Lang::Ar), None);
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(json, r#"{"en":"Tea bag"}"#);
    }
}
