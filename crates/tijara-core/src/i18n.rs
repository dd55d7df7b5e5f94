//! Languages, multilingual text and money formatting for people.
//!
//! A [`Lang`] is any well-formed BCP 47 language tag (`ar`, `fr`, `zgh-Tfng`, `mey`); what Tijara
//! needs to know of a language (its direction, how it writes numbers, amounts and dates, which
//! languages stand in for it when a text is missing) is data: a [`LanguageInfo`], with built-in
//! defaults for Arabic, French, English and Spanish that a region may override, and defaults
//! derived from the script for any other tag (see [`crate::Region::language`]).
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
//! - **Any other tag**: `1 234,50 MAD` (the French pattern, with ISO codes for every currency but
//!   `€` and `£`) unless its region says otherwise.

use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

mod facts;
pub use facts::{CurrencyPlacement, Digits, Direction, LanguageInfo, NumberFormat};

/// The longest tag a [`Lang`] holds, in ASCII characters.
pub const MAX_TAG_LEN: usize = 23;

/// A language: a well-formed BCP 47 language tag (`ar`, `fr`, `zgh-Tfng`, `mey`), in its
/// canonical case (`zgh-Tfng-MA`), held inline so a `Lang` stays `Copy`.
///
/// The four languages Tijara has built-in texts and formats for are constants ([`Lang::AR`],
/// [`Lang::FR`], [`Lang::EN`], [`Lang::ES`]); they sort first, in that order, then every other
/// tag alphabetically. Serialized as the tag string (`"ar"`).
///
/// ```
/// use tijara_core::Lang;
/// let zgh = Lang::parse("zgh-tfng")?;
/// assert_eq!(zgh.to_string(), "zgh-Tfng");
/// assert_eq!(zgh.language(), "zgh");
/// assert_eq!(zgh.script(), Some("Tfng"));
/// assert_eq!(Lang::from_code("fr-MA")?, Lang::FR);
/// assert!(Lang::parse("not a tag").is_err());
/// # Ok::<(), tijara_core::LangError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lang {
    /// 0..=3 for ar, fr, en, es (the order of the former enum, kept so maps keyed by language
    /// list and serialize them as before), 4 for any other tag. A function of `tag`.
    rank: u8,
    /// The canonical tag, ASCII, padded with zeros.
    tag: [u8; MAX_TAG_LEN],
}

/// Why a text is not a language tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LangError {
    /// Not a well-formed BCP 47 (Unicode locale identifier) tag.
    #[error("{0:?} is not a well-formed BCP 47 language tag (e.g. ar, fr-MA, zgh-Tfng)")]
    IllFormed(String),
    /// Well-formed but longer than [`MAX_TAG_LEN`].
    #[error("language tag {0:?} is longer than 23 characters")]
    TooLong(String),
}

/// The former name of [`LangError`].
pub type UnknownLang = LangError;

const fn builtin_lang(rank: u8, code: &str) -> Lang {
    let bytes = code.as_bytes();
    let mut tag = [0u8; MAX_TAG_LEN];
    let mut i = 0;
    while i < bytes.len() {
        tag[i] = bytes[i];
        i += 1;
    }
    Lang { rank, tag }
}

#[allow(non_upper_case_globals)]
impl Lang {
    /// Arabic (written right to left).
    pub const AR: Lang = builtin_lang(0, "ar");
    /// French.
    pub const FR: Lang = builtin_lang(1, "fr");
    /// English.
    pub const EN: Lang = builtin_lang(2, "en");
    /// Spanish.
    pub const ES: Lang = builtin_lang(3, "es");
    /// Arabic (the spelling of the former enum; use [`Lang::AR`]).
    #[doc(hidden)]
    pub const Ar: Lang = Lang::AR;
    /// French (the spelling of the former enum; use [`Lang::FR`]).
    #[doc(hidden)]
    pub const Fr: Lang = Lang::FR;
    /// English (the spelling of the former enum; use [`Lang::EN`]).
    #[doc(hidden)]
    pub const En: Lang = Lang::EN;
    /// Spanish (the spelling of the former enum; use [`Lang::ES`]).
    #[doc(hidden)]
    pub const Es: Lang = Lang::ES;

    /// The languages with built-in texts and formats, in the order used as a last-resort
    /// fallback.
    pub const ALL: [Lang; 4] = [Lang::AR, Lang::FR, Lang::EN, Lang::ES];

    /// Reads a tag exactly (its case made canonical: `ZGH-tfng` is `zgh-Tfng`; `_` read as `-`).
    pub fn parse(tag: &str) -> Result<Lang, LangError> {
        let trimmed = tag.trim().replace('_', "-");
        let canonical = icu_locale_core::Locale::normalize(&trimmed)
            .map_err(|_| LangError::IllFormed(tag.to_owned()))?;
        // `und` (undetermined) and the empty tag name no language.
        if canonical.is_empty() || canonical == "und" || canonical.starts_with("und-") {
            return Err(LangError::IllFormed(tag.to_owned()));
        }
        let bytes = canonical.as_bytes();
        if bytes.len() > MAX_TAG_LEN {
            return Err(LangError::TooLong(tag.to_owned()));
        }
        let rank = Lang::ALL
            .iter()
            .position(|l| l.code() == canonical)
            .map_or(4, |p| p as u8);
        let mut buf = [0u8; MAX_TAG_LEN];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(Lang { rank, tag: buf })
    }

    /// Reads a code such as `"fr"`, `"FR"`, `"fr-MA"` or `"zgh-Tfng"`: a tag whose language is
    /// one of the built-in four is that language (`fr-MA` is [`Lang::FR`]), any other
    /// well-formed tag is kept whole; an ill-formed one is refused.
    pub fn from_code(code: &str) -> Result<Lang, LangError> {
        let lang = Lang::parse(code)?;
        Ok(Lang::ALL
            .into_iter()
            .find(|l| l.code() == lang.language())
            .unwrap_or(lang))
    }

    /// The tag (`"ar"`, `"zgh-Tfng"`).
    pub fn code(&self) -> &str {
        let len = self.tag.iter().position(|b| *b == 0).unwrap_or(MAX_TAG_LEN);
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.tag[..len]).unwrap_or_default()
    }

    /// The language subtag (`"zgh"` of `zgh-Tfng`).
    pub fn language(&self) -> &str {
        self.code().split('-').next().unwrap_or_default()
    }

    /// The script subtag, if the tag has one (`"Tfng"` of `zgh-Tfng`).
    pub fn script(&self) -> Option<&str> {
        self.code()
            .split('-')
            .nth(1)
            .filter(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic()))
    }

    /// The tag less its last subtag (`zgh-Tfng` → `zgh`), as BCP 47 lookup truncates;
    /// `None` for a bare language.
    pub fn parent(&self) -> Option<Lang> {
        let code = self.code();
        let mut cut = code.rfind('-')?;
        // A single-letter subtag (an extension's singleton) goes with what follows it.
        while cut >= 2 && code.as_bytes()[cut - 2] == b'-' {
            cut -= 2;
        }
        Lang::parse(&code[..cut]).ok()
    }

    /// True for one of the four languages with built-in texts ([`Lang::ALL`]).
    pub fn is_builtin(&self) -> bool {
        self.rank < 4
    }

    /// True for languages written right to left (by default: from the script, see
    /// [`Direction::of`]; a region may say otherwise, see [`crate::Region::dir`]).
    pub fn is_rtl(&self) -> bool {
        Direction::of(*self) == Direction::Rtl
    }

    /// `"rtl"` or `"ltr"`, for the HTML `dir` attribute.
    pub fn dir(&self) -> &'static str {
        Direction::of(*self).as_str()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The built-in four as the former enum printed them.
        match *self {
            Lang::AR => f.write_str("Ar"),
            Lang::FR => f.write_str("Fr"),
            Lang::EN => f.write_str("En"),
            Lang::ES => f.write_str("Es"),
            _ => write!(f, "Lang({:?})", self.code()),
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = LangError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s)
    }
}

impl Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(crate::text_serde::TextVisitor {
            expecting: "a BCP 47 language tag such as \"ar\" or \"zgh-Tfng\"",
            parse: Lang::parse,
        })
    }
}

/// A text in several languages, e.g. a product title in Arabic, French and English.
///
/// ```
/// use tijara_core::{LocalizedText, Lang};
/// let title = LocalizedText::new()
///     .with(Lang::AR, "وسادة جلدية")
///     .with(Lang::FR, "Coussin en cuir");
/// assert_eq!(title.get(Lang::FR, Lang::AR), Some("Coussin en cuir"));
/// // No English text: falls back to the region's default language.
/// assert_eq!(title.get(Lang::EN, Lang::AR), Some("وسادة جلدية"));
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

    /// The text in `lang` (or a shorter form of its tag: `zgh` for `zgh-Tfng`), else in
    /// `fallback` (the region's default language), else in the first language of [`Lang::ALL`]
    /// that has one, else in any. `None` only when the text is empty. With a region at hand,
    /// [`crate::Region::text`] also follows the language's fallbacks.
    pub fn get(&self, lang: Lang, fallback: Lang) -> Option<&str> {
        self.get_in([lang, fallback])
    }

    /// The text in the first language of `order` that has one (each tried with the shorter
    /// forms of its tag: `zgh-Tfng`, then `zgh`), else in the first language of [`Lang::ALL`]
    /// that has one, else in any. `None` only when the text is empty.
    ///
    /// ```
    /// use tijara_core::{LocalizedText, Lang};
    /// let zgh = Lang::parse("zgh-Tfng")?;
    /// let t = LocalizedText::new().with(Lang::FR, "Tapis").with(Lang::AR, "زربية");
    /// assert_eq!(t.get_in([zgh, Lang::AR, Lang::FR]), Some("زربية"));
    /// # Ok::<(), tijara_core::LangError>(())
    /// ```
    pub fn get_in(&self, order: impl IntoIterator<Item = Lang>) -> Option<&str> {
        order
            .into_iter()
            .find_map(|l| {
                let mut next = Some(l);
                std::iter::from_fn(|| {
                    let cur = next?;
                    next = cur.parent();
                    Some(cur)
                })
                .find_map(|l| self.exact(l))
            })
            .or_else(|| Lang::ALL.into_iter().find_map(|l| self.exact(l)))
            .or_else(|| self.0.values().next().map(String::as_str))
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

impl Money {
    /// Formats the amount for a reader of `lang`, with Tijara's built-in format for it (see the
    /// module docs for the choices; [`crate::Region::format_money`] uses the region's).
    ///
    /// ```
    /// use tijara_core::{Money, Lang};
    /// let m = Money::mad("1234.5").unwrap();
    /// assert_eq!(m.format(Lang::FR), "1\u{a0}234,50\u{a0}MAD");
    /// assert_eq!(m.format(Lang::AR), "1.234,50\u{a0}د.م.");
    /// assert_eq!(m.format(Lang::EN), "MAD\u{a0}1,234.50");
    /// ```
    pub fn format(&self, lang: Lang) -> String {
        LanguageInfo::builtin(lang).format_money(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;

    /// Code written against the former enum (`Lang::Ar`, `match lang { Lang::Fr => .. }`) keeps
    /// compiling and meaning the same language.
    #[test]
    fn the_former_enum_spellings_are_the_same_languages() {
        assert_eq!(Lang::Ar, Lang::AR);
        assert_eq!(Lang::Fr, Lang::FR);
        assert_eq!(Lang::En, Lang::EN);
        assert_eq!(Lang::Es, Lang::ES);
        let word = |l: Lang| match l {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            _ => "other",
        };
        assert_eq!(word(Lang::AR), "ar");
        assert_eq!(word(Lang::FR), "fr");
        assert_eq!(word(Lang::EN), "other");
    }
    use proptest::prelude::*;

    fn mad(s: &str) -> Money {
        Money::mad(s).expect("amount")
    }

    fn lang(s: &str) -> Lang {
        Lang::parse(s).expect("tag")
    }

    #[test]
    fn formats_per_locale() {
        assert_eq!(
            mad("1234567.5").format(Lang::FR),
            "1\u{a0}234\u{a0}567,50\u{a0}MAD"
        );
        assert_eq!(mad("0.5").format(Lang::FR), "0,50\u{a0}MAD");
        assert_eq!(mad("999").format(Lang::AR), "999,00\u{a0}د.م.");
        assert_eq!(mad("-1234").format(Lang::AR), "-1.234,00\u{a0}د.م.");
        assert_eq!(mad("-1234").format(Lang::EN), "MAD\u{a0}-1,234.00");
        assert_eq!(mad("1000").format(Lang::ES), "1.000,00\u{a0}MAD");
        let eur = Money::parse("92.1", Currency::EUR).expect("eur");
        assert_eq!(eur.format(Lang::FR), "92,10\u{a0}€");
        assert_eq!(eur.format(Lang::EN), "€92.10");
        assert_eq!(eur.negated().format(Lang::EN), "-€92.10");
        let usd = Money::parse("1500", Currency::USD).expect("usd");
        assert_eq!(usd.format(Lang::FR), "1\u{a0}500,00\u{a0}$US");
        let yen = Money::parse("1500", Currency::JPY).expect("jpy");
        assert_eq!(yen.format(Lang::EN), "JPY\u{a0}1,500");
    }

    #[test]
    fn other_languages_and_digits() {
        assert_eq!(
            mad("1234.5").format(lang("zgh-Tfng")),
            "1\u{a0}234,50\u{a0}MAD"
        );
        let usd = Money::parse("1500", Currency::USD).expect("usd");
        assert_eq!(usd.format(lang("mey")), "1\u{a0}500,00\u{a0}USD");
        let mut fa = LanguageInfo::builtin(lang("fa")).into_owned();
        fa.number.digits = Digits::ExtendedArabicIndic;
        assert_eq!(fa.format_money(&mad("12.5")), "۱۲,۵۰\u{a0}MAD");
        let mut ar = LanguageInfo::builtin(Lang::AR).into_owned();
        ar.number.digits = Digits::ArabicIndic;
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).expect("date");
        assert_eq!(ar.format_date(d), "٠٩/٠٣/٢٠٢٦");
        assert_eq!(
            LanguageInfo::builtin(Lang::EN).format_date(d),
            "09 Mar 2026"
        );
        assert!(LanguageInfo::is_date_pattern("%d/%m/%Y"));
        assert!(!LanguageInfo::is_date_pattern("%Q"));
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::from_code("fr-MA"), Ok(Lang::FR));
        assert_eq!(Lang::from_code("AR"), Ok(Lang::AR));
        assert_eq!(
            Lang::from_code("de").map(|l| l.to_string()),
            Ok("de".into())
        );
        assert_eq!(Lang::from_code("zgh_tfng"), Ok(lang("zgh-Tfng")));
        assert!(matches!(Lang::from_code("d"), Err(LangError::IllFormed(_))));
        assert!(matches!(Lang::from_code(""), Err(LangError::IllFormed(_))));
        assert!(matches!(
            Lang::from_code("fr--MA"),
            Err(LangError::IllFormed(_))
        ));
        assert!(matches!(
            Lang::parse("en-Latn-US-valencia-u-ca-gregory"),
            Err(LangError::TooLong(_))
        ));
        assert_eq!(Lang::AR.dir(), "rtl");
        assert_eq!(Lang::EN.dir(), "ltr");
        assert_eq!(lang("mey").dir(), "rtl", "Hassaniya: Arabic script");
        assert_eq!(lang("zgh").dir(), "ltr", "Tamazight: Tifinagh");
        assert_eq!(lang("zgh-Tfng").dir(), "ltr");
        assert_eq!(lang("ber-Latn").dir(), "ltr");
        assert_eq!(lang("ber-Arab").dir(), "rtl");
        assert_eq!(lang("dv").dir(), "rtl");
        assert_eq!(lang("zgh-Tfng-MA").parent(), Some(lang("zgh-Tfng")));
        assert_eq!(lang("zgh-Tfng").parent(), Some(lang("zgh")));
        assert_eq!(lang("zgh").parent(), None);
        // Matches on the constants, old and new spellings.
        let name = |l: Lang| match l {
            Lang::AR => "ar",
            Lang::FR => "fr",
            _ => "other",
        };
        assert_eq!(
            (name(Lang::AR), name(Lang::FR), name(lang("mey"))),
            ("ar", "fr", "other")
        );
        assert_eq!(
            format!("{:?} {:?}", Lang::AR, lang("mey")),
            "Ar Lang(\"mey\")"
        );
    }

    #[test]
    fn the_serialized_form_is_unchanged() {
        // Keys as the enum wrote them, in the enum's order: stored texts read back identically.
        let t = LocalizedText::new()
            .with(Lang::ES, "es")
            .with(Lang::EN, "en")
            .with(Lang::FR, "fr")
            .with(Lang::AR, "ar")
            .with(lang("zgh-Tfng"), "ⵣ")
            .with(lang("mey"), "م");
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(
            json,
            r#"{"ar":"ar","fr":"fr","en":"en","es":"es","mey":"م","zgh-Tfng":"ⵣ"}"#
        );
        let back: LocalizedText = serde_json::from_str(&json).expect("read");
        assert_eq!(back, t);
        assert_eq!(serde_json::to_string(&Lang::AR).expect("json"), r#""ar""#);
        let read: Lang = serde_json::from_str(r#""es""#).expect("lang");
        assert_eq!(read, Lang::ES);
        assert!(serde_json::from_str::<Lang>(r#""not a tag""#).is_err());
    }

    #[test]
    fn localized_text_fallback() {
        let t = LocalizedText::new()
            .with(Lang::EN, "Tea bag")
            .with(Lang::FR, "  ");
        assert_eq!(t.exact(Lang::FR), None);
        assert_eq!(t.get(Lang::FR, Lang::AR), Some("Tea bag"));
        assert_eq!(LocalizedText::new().get(Lang::FR, Lang::AR), None);
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(json, r#"{"en":"Tea bag"}"#);
        let zgh = LocalizedText::new()
            .with(lang("zgh"), "ⴰⵣⵔⴱⵉ")
            .with(lang("mey"), "زربية");
        assert_eq!(
            zgh.get(lang("zgh-Tfng"), Lang::AR),
            Some("ⴰⵣⵔⴱⵉ"),
            "shorter tag"
        );
        assert_eq!(
            zgh.get(Lang::FR, Lang::AR),
            Some("زربية"),
            "any text at last"
        );
        assert_eq!(zgh.get_in([Lang::EN, lang("mey")]), Some("زربية"));
    }

    /// Well-formed `language[-script][-region]` tags, in any case.
    fn tag() -> impl Strategy<Value = String> {
        (
            "[a-zA-Z]{2,3}",
            proptest::option::of("[a-zA-Z]{4}"),
            proptest::option::of(prop_oneof!["[a-zA-Z]{2}", "[0-9]{3}"]),
        )
            .prop_map(|(l, s, r)| {
                let mut t = l;
                for part in [s, r].into_iter().flatten() {
                    t.push('-');
                    t.push_str(&part);
                }
                t
            })
            .prop_filter("und names no language", |t| {
                !t.to_ascii_lowercase().starts_with("und")
            })
    }

    proptest! {
        #[test]
        fn any_well_formed_tag_round_trips(t in tag()) {
            let l = Lang::parse(&t).expect("well-formed");
            prop_assert!(l.to_string().eq_ignore_ascii_case(&t));
            prop_assert_eq!(Lang::parse(&l.to_string()), Ok(l));
            let json = serde_json::to_string(&l).expect("json");
            prop_assert_eq!(json.clone(), format!("\"{l}\""));
            let back: Lang = serde_json::from_str(&json).expect("read");
            prop_assert_eq!(back, l);
            prop_assert_eq!(l.is_builtin(), Lang::ALL.contains(&l));
        }
    }
}
