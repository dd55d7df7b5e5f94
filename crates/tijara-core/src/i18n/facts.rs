//! Language facts: the direction a language is written in, how it writes numbers and amounts
//! ([`NumberFormat`]), and the [`LanguageInfo`] that gathers them, with Tijara's built-in
//! defaults.

use super::*;

/// The direction a language is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

/// Scripts written right to left (ISO 15924).
const RTL_SCRIPTS: &[&str] = &[
    "Arab", "Aran", "Hebr", "Thaa", "Syrc", "Syre", "Syrj", "Syrn", "Nkoo", "Adlm", "Rohg", "Mand",
    "Samr", "Mend", "Yezi",
];

/// Languages whose usual script is right to left: Arabic and its varieties (incl. Hassaniya,
/// `mey`, and Moroccan Darija, `ary`), Persian, Urdu, Pashto, Sorani, Sindhi, Uyghur, Hebrew,
/// Yiddish, Dhivehi (Thaana), Syriac, N'Ko.
const RTL_LANGUAGES: &[&str] = &[
    "ar", "arb", "ary", "arq", "aeb", "arz", "apc", "acm", "afb", "ayl", "mey", "shu", "fa", "prs",
    "ur", "ps", "ckb", "sd", "ug", "ks", "bal", "glk", "mzn", "lrc", "he", "iw", "yi", "dv", "syr",
    "nqo",
];

impl Direction {
    /// The direction of a tag's script: its script subtag if it has one (`zgh-Tfng`, `ber-Latn`:
    /// left to right; `ber-Arab`: right to left), else its language's usual script (`ar`, `mey`,
    /// `he`, `dv`: right to left; `zgh`, Tifinagh: left to right).
    pub fn of(lang: Lang) -> Direction {
        let rtl = match lang.script() {
            Some(script) => RTL_SCRIPTS.contains(&script),
            None => RTL_LANGUAGES.contains(&lang.language()),
        };
        if rtl { Direction::Rtl } else { Direction::Ltr }
    }

    /// `"rtl"` or `"ltr"`, for the HTML `dir` attribute.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// Where the currency goes beside an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CurrencyPlacement {
    /// Before: `€92.10`, `MAD 1,234.50` (a symbol sticks to the number, a code is followed by a
    /// no-break space).
    Before,
    /// After, with a no-break space: `1 234,50 MAD`.
    After,
}

/// The digits numbers are written with (CLDR numbering system names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Digits {
    /// 0123456789.
    #[serde(rename = "latn")]
    Latin,
    /// ٠١٢٣٤٥٦٧٨٩ (Arabic-Indic).
    #[serde(rename = "arab")]
    ArabicIndic,
    /// ۰۱۲۳۴۵۶۷۸۹ (Extended Arabic-Indic: Persian, Urdu).
    #[serde(rename = "arabext")]
    ExtendedArabicIndic,
}

impl Digits {
    /// `text` with its ASCII digits written in these digits.
    pub fn apply(&self, text: &str) -> String {
        if *self == Digits::Latin {
            return text.to_owned();
        }
        text.chars().map(|c| self.digit(c)).collect()
    }

    /// `c` written in these digits if it is an ASCII digit, else `c`.
    fn digit(self, c: char) -> char {
        let zero = match self {
            Digits::Latin => return c,
            Digits::ArabicIndic => 0x0660,
            Digits::ExtendedArabicIndic => 0x06F0,
        };
        match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(zero + d).unwrap_or(c),
            _ => c,
        }
    }
}

/// How a language writes numbers and amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFormat {
    /// The decimal separator.
    pub decimal: char,
    /// The separator between groups of three digits.
    pub group: char,
    /// Where the currency goes.
    pub currency: CurrencyPlacement,
    /// The digits.
    pub digits: Digits,
    /// Currency symbols by ISO code (`EUR` → `€`); a currency not listed is written by its code.
    #[serde(default)]
    pub symbols: BTreeMap<String, String>,
}

/// What Tijara knows of a language: its direction, number and date formats, and which languages
/// stand in for it when a text is missing.
///
/// ```
/// use tijara_core::i18n::{Direction, LanguageInfo};
/// use tijara_core::{Lang, Money};
/// let mey = LanguageInfo::builtin(Lang::parse("mey")?);
/// assert_eq!(mey.direction, Direction::Rtl, "Hassaniya is written in Arabic script");
/// let zgh = LanguageInfo::builtin(Lang::parse("zgh-Tfng")?);
/// assert_eq!(zgh.direction, Direction::Ltr, "Tifinagh is written left to right");
/// assert_eq!(zgh.format_money(&Money::mad("1234.5")?), "1\u{a0}234,50\u{a0}MAD");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageInfo {
    /// The language.
    pub tag: Lang,
    /// Its direction.
    pub direction: Direction,
    /// How it writes numbers and amounts.
    pub number: NumberFormat,
    /// How it writes a date, as a `chrono` strftime pattern (`%d/%m/%Y`).
    pub date: String,
    /// The languages whose text stands in for a missing one, in order (`zgh` → `ar`, `fr`);
    /// the region's default language and then any text come after them.
    #[serde(default)]
    pub fallbacks: Vec<Lang>,
}

const NBSP: char = '\u{a0}';

fn symbols(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(c, s)| ((*c).to_owned(), (*s).to_owned()))
        .collect()
}

fn info(
    tag: Lang,
    direction: Direction,
    (decimal, group): (char, char),
    currency: CurrencyPlacement,
    syms: &[(&str, &str)],
    date: &str,
) -> LanguageInfo {
    LanguageInfo {
        tag,
        direction,
        number: NumberFormat {
            decimal,
            group,
            currency,
            digits: Digits::Latin,
            symbols: symbols(syms),
        },
        date: date.to_owned(),
        fallbacks: Vec::new(),
    }
}

static BUILTIN: LazyLock<[LanguageInfo; 4]> = LazyLock::new(|| {
    use CurrencyPlacement::{After, Before};
    use Direction::{Ltr, Rtl};
    let common = [("EUR", "€"), ("USD", "$US"), ("GBP", "£")];
    [
        info(
            Lang::AR,
            Rtl,
            (',', '.'),
            After,
            &[("MAD", "د.م."), ("EUR", "€"), ("USD", "$US"), ("GBP", "£")],
            "%d/%m/%Y",
        ),
        info(Lang::FR, Ltr, (',', NBSP), After, &common, "%d/%m/%Y"),
        info(
            Lang::EN,
            Ltr,
            ('.', ','),
            Before,
            &[("EUR", "€"), ("USD", "$"), ("GBP", "£")],
            "%d %b %Y",
        ),
        // Spanish readers were always shown French where a text lacked Spanish.
        LanguageInfo {
            fallbacks: vec![Lang::FR],
            ..info(Lang::ES, Ltr, (',', '.'), After, &common, "%d/%m/%Y")
        },
    ]
});

impl LanguageInfo {
    /// Tijara's defaults for a language: the formats of the module docs for ar, fr, en and es
    /// (Spanish falls back to French; the others have no fallbacks of their own); for any other
    /// tag, the direction of its script ([`Direction::of`]), the French number
    /// pattern with ISO codes (but `€`, `£`), day/month/year dates and no fallbacks.
    pub fn builtin(tag: Lang) -> Cow<'static, LanguageInfo> {
        match BUILTIN.iter().find(|i| i.tag == tag) {
            Some(i) => Cow::Borrowed(i),
            None => Cow::Owned(info(
                tag,
                Direction::of(tag),
                (',', NBSP),
                CurrencyPlacement::After,
                &[("EUR", "€"), ("GBP", "£")],
                "%d/%m/%Y",
            )),
        }
    }

    /// Formats an amount in this language's number format.
    pub fn format_money(&self, money: &Money) -> String {
        self.number.format_money(money)
    }

    /// Formats a date with this language's pattern and digits.
    pub fn format_date(&self, date: chrono::NaiveDate) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        // A bad pattern (refused when a region is read) writes the ISO date rather than panic.
        if write!(out, "{}", date.format(&self.date)).is_err() {
            out = date.to_string();
        }
        self.number.digits.apply(&out)
    }

    /// True when `pattern` is a date pattern `chrono` understands.
    pub fn is_date_pattern(pattern: &str) -> bool {
        !chrono::format::StrftimeItems::new(pattern)
            .any(|i| matches!(i, chrono::format::Item::Error))
    }
}

impl NumberFormat {
    /// Formats an amount: grouped digits, the decimal separator, the currency's symbol (or
    /// code) where this format puts it.
    pub fn format_money(&self, money: &Money) -> String {
        // The amount's digits as `Money` serializes them ("1234.50"), without a sign; then one
        // string, sized once, is written (an order's messages format several amounts each).
        let mut buf = [0u8; 64];
        let n = crate::money::AmountText(money.amount().abs()).write(&mut buf);
        let text = &buf[..n];
        let (int, frac) = match text.iter().position(|&b| b == b'.') {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let currency = money.currency();
        let code = currency.code();
        let symbol = self.symbols.get(code).map(String::as_str);
        let unit = symbol.unwrap_or(code);
        // Up to 4 bytes a digit or separator, the unit, a sign and a no-break space.
        let mut out = String::with_capacity(4 * (n + int.len() / 3) + unit.len() + 4);
        let negative = money.is_negative();
        match (self.currency, symbol) {
            (CurrencyPlacement::Before, Some(_)) => {
                // "$1,234.50", "-€5.00"
                if negative {
                    out.push('-');
                }
                out.push_str(unit);
                self.push_number(&mut out, int, frac);
            }
            (CurrencyPlacement::Before, None) => {
                // "MAD 1,234.50", "MAD -5.00"
                out.push_str(unit);
                out.push(NBSP);
                if negative {
                    out.push('-');
                }
                self.push_number(&mut out, int, frac);
            }
            (CurrencyPlacement::After, _) => {
                if negative {
                    out.push('-');
                }
                self.push_number(&mut out, int, frac);
                out.push(NBSP);
                out.push_str(unit);
            }
        }
        out
    }

    /// Pushes the integer digits `int` in groups of three and, with `frac`, the decimal
    /// separator and those digits (both ASCII digits only). Every ASCII digit pushed, a
    /// separator that is one included, is written in this format's digits.
    fn push_number(&self, out: &mut String, int: &[u8], frac: Option<&[u8]>) {
        let push = |out: &mut String, c: char| out.push(self.digits.digit(c));
        for (i, &b) in int.iter().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                push(out, self.group);
            }
            push(out, char::from(b));
        }
        if let Some(frac) = frac {
            push(out, self.decimal);
            for &b in frac {
                push(out, char::from(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    /// The former `format_money`, kept as the reference: the amount's `Decimal` text, its
    /// digits grouped, the whole number's ASCII digits mapped, then the currency placed.
    fn reference(f: &NumberFormat, money: &Money) -> String {
        fn group_digits(digits: &str, sep: char) -> String {
            let mut out = String::new();
            let len = digits.len();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (len - i).is_multiple_of(3) {
                    out.push(sep);
                }
                out.push(c);
            }
            out
        }
        let text = money.amount().abs().to_string();
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (text.as_str(), None),
        };
        let mut number = String::new();
        if money.is_negative() {
            number.push('-');
        }
        number.push_str(&group_digits(int, f.group));
        if let Some(frac) = frac {
            number.push(f.decimal);
            number.push_str(frac);
        }
        let number = f.digits.apply(&number);
        let currency = money.currency();
        let code = currency.code();
        match (f.currency, f.symbols.get(code).map(String::as_str)) {
            (CurrencyPlacement::Before, None) => format!("{code}{NBSP}{number}"),
            (CurrencyPlacement::Before, Some(s)) => match number.strip_prefix('-') {
                Some(rest) => format!("-{s}{rest}"),
                None => format!("{s}{number}"),
            },
            (CurrencyPlacement::After, s) => format!("{number}{NBSP}{}", s.unwrap_or(code)),
        }
    }

    fn separator() -> impl Strategy<Value = char> {
        prop_oneof![
            Just(','),
            Just('.'),
            Just(NBSP),
            Just('\u{202f}'),
            Just('\u{66b}'),
            Just('\''),
            // A digit as a separator is absurd, but written in the format's digits as before.
            Just('7'),
        ]
    }

    proptest! {
        /// Every format, currency and amount (both signs, zero, the largest minor counts) is
        /// written as the former code wrote it.
        #[test]
        fn amounts_are_written_as_the_reference_writes_them(
            minor in prop_oneof![any::<i64>(), -10_000_000i64..10_000_000, Just(0i64)],
            currency in prop::sample::select(Currency::KNOWN.to_vec()),
            decimal in separator(),
            group in separator(),
            before in any::<bool>(),
            digits in prop::sample::select(vec![
                Digits::Latin,
                Digits::ArabicIndic,
                Digits::ExtendedArabicIndic,
            ]),
            symbol in prop::option::of(prop_oneof![Just("€"), Just("د.م."), Just("$"), Just("")]),
        ) {
            let money = Money::from_minor(minor, currency);
            let format = NumberFormat {
                decimal,
                group,
                currency: if before { CurrencyPlacement::Before } else { CurrencyPlacement::After },
                digits,
                symbols: symbol
                    .map(|s| [(currency.code().to_owned(), s.to_owned())].into())
                    .unwrap_or_default(),
            };
            prop_assert_eq!(format.format_money(&money), reference(&format, &money));
            prop_assert_eq!(format.format_money(&money.negated()), reference(&format, &money.negated()));
        }

        /// Amounts past 64 bits (sums can reach `Decimal`'s 96), which the digits' writer
        /// takes on another path, are written as the reference writes them too.
        #[test]
        fn the_largest_amounts_are_written_as_the_reference_writes_them(
            lo in any::<u32>(),
            mid in any::<u32>(),
            hi in any::<u32>(),
            negative in any::<bool>(),
            currency in prop::sample::select(Currency::KNOWN.to_vec()),
            digits in prop::sample::select(vec![Digits::Latin, Digits::ArabicIndic]),
        ) {
            let amount = Decimal::from_parts(lo, mid, hi, negative, currency.minor_units());
            let money = Money::new(amount, currency);
            prop_assume!(money.is_ok());
            let money = money.expect("assumed");
            for format in [
                LanguageInfo::builtin(Lang::FR).number.clone(),
                NumberFormat { digits, ..LanguageInfo::builtin(Lang::EN).number.clone() },
            ] {
                prop_assert_eq!(format.format_money(&money), reference(&format, &money));
            }
        }
    }

    /// Each language Tijara knows writes its amounts as before, in its own digits.
    #[test]
    fn every_builtin_language_writes_as_before() {
        for info in BUILTIN.iter() {
            for (minor, currency) in [
                (123_456_750, Currency::MAD),
                (-5, Currency::EUR),
                (1_500, Currency::JPY),
                (0, Currency::USD),
                (1_234_567, Currency::TND),
            ] {
                let money = Money::from_minor(minor, currency);
                assert_eq!(
                    info.format_money(&money),
                    reference(&info.number, &money),
                    "{}",
                    info.tag
                );
            }
        }
    }
}
