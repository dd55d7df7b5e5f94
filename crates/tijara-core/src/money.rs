//! Exact money: amounts in a currency, one rounding rule, exact allocation.
//!
//! # The rounding rule
//! Every amount Tijara stores or shows is a whole number of minor units (centimes for MAD). When a
//! computation produces more digits (a percentage discount, the HT part of a TTC price, a
//! commission, a conversion for display) the result is rounded to the minor unit **half away from
//! zero** ([`ROUNDING`]), once, at the named step that produced it; every other amount is then
//! derived by subtraction so that totals add up to the centime (TVA = TTC − HT, net = gross −
//! discount, seller share = gross − commission).
//!
//! We found no Moroccan text (CGI art. 145, DGI notes) that fixes how TVA is rounded on an
//! invoice, so Tijara uses the usual commercial rounding ("arrondi commercial", half away from
//! zero), applied per line; `docs/architecture.md` records the sources consulted.

use crate::currency::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// The one rounding rule of Tijara: to the currency's minor unit, half away from zero
/// (`0.005 → 0.01`, `-0.005 → -0.01`).
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Why a money operation failed. Money arithmetic never panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}: currencies differ")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The amount has more decimals than the currency's minor unit.
    #[error("{amount} has more than {digits} decimals, the minor unit of {currency}")]
    Precision {
        /// The rejected amount.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
        /// How many decimals the currency allows.
        digits: u32,
    },
    /// The result does not fit in the decimal type.
    #[error("amount overflow")]
    Overflow,
    /// An allocation was asked with no weights.
    #[error("cannot allocate over an empty list of weights")]
    NoWeights,
    /// An allocation weight is negative.
    #[error("allocation weight #{index} is negative ({weight})")]
    NegativeWeight {
        /// Position of the weight.
        index: usize,
        /// The weight.
        weight: Decimal,
    },
    /// All allocation weights are zero, so no share can be computed.
    #[error("cannot allocate {total}: all weights are zero")]
    ZeroWeights {
        /// The amount to allocate.
        total: Money,
    },
    /// The text is not a valid amount.
    #[error("{0:?} is not a valid amount")]
    Parse(String),
}

/// An exact amount of money in one currency, always a whole number of minor units.
///
/// ```
/// use tijara_core::{Money, Currency};
/// use rust_decimal::Decimal;
///
/// let price = Money::mad("249.90").unwrap();
/// let two = price.times(2).unwrap();
/// assert_eq!(two, Money::mad("499.80").unwrap());
/// assert!(price.checked_add(Money::zero(Currency::EUR)).is_err()); // mixed currencies
/// assert!(Money::mad("1.005").is_err()); // finer than a centime
/// assert_eq!(Money::rounded(Decimal::new(1005, 3), Currency::MAD).unwrap(), Money::mad("1.01").unwrap());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "MoneyRepr")]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// What a [`Money`] is read from: `{"amount": "12.50", "currency": "MAD"}`, checked by
/// [`Money::new`].
#[derive(Deserialize)]
#[serde(rename = "Money")]
struct MoneyRepr {
    amount: Decimal,
    currency: Currency,
}

impl TryFrom<MoneyRepr> for Money {
    type Error = MoneyError;
    fn try_from(r: MoneyRepr) -> Result<Self, Self::Error> {
        Money::new(r.amount, r.currency)
    }
}

// Written as `{"amount": "12.50", "currency": "MAD"}`: the text `rust_decimal` writes for the
// amount, made here from the amount's integer digits (`itoa`) and its scale. An order holds
// some forty amounts; `rust_decimal` makes the digits by dividing its 96-bit integer by ten
// once per digit, which was a third of the cost of writing every `Money`
// (`docs/benchmarks.md`, step 6). The text is the same, byte for byte (tested below).
impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Money", 2)?;
        out.serialize_field("amount", &AmountText(self.amount))?;
        out.serialize_field("currency", &self.currency)?;
        out.end()
    }
}

/// A decimal written as `rust_decimal` writes it with serde: `-` for a negative amount (also
/// a negative zero), the integer's digits, and `scale` digits after a point.
pub(crate) struct AmountText(pub(crate) Decimal);

impl AmountText {
    /// The text in `buf`, returned as the part of it written.
    pub(crate) fn write(&self, buf: &mut [u8; 64]) -> usize {
        let mut digits = itoa::Buffer::new();
        let magnitude = self.0.mantissa().unsigned_abs();
        // Amounts of money fit in 64 bits, which `itoa` writes faster than 128.
        let text = match u64::try_from(magnitude) {
            Ok(small) => digits.format(small),
            Err(_) => digits.format(magnitude),
        }
        .as_bytes();
        let scale = self.0.scale() as usize;
        let mut at = 0;
        let mut put = |part: &[u8]| {
            buf[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        };
        if self.0.is_sign_negative() {
            put(b"-");
        }
        if scale == 0 {
            put(text);
        } else if text.len() > scale {
            // "12.50": the digits, a point before the last `scale` of them.
            let (whole, fraction) = text.split_at(text.len() - scale);
            put(whole);
            put(b".");
            put(fraction);
        } else {
            // "0.05": a zero, the point, zeros up to the digits.
            put(b"0.");
            put(&[b'0'; 28][..scale - text.len()]);
            put(text);
        }
        at
    }
}

impl Serialize for AmountText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // 29 digits at most (a 96-bit integer), a point, a sign and up to 28 leading zeros.
        let mut buf = [0u8; 64];
        let n = self.write(&mut buf);
        // Only ASCII digits, '-' and '.' are written: this never fails.
        let text = std::str::from_utf8(&buf[..n]).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(text)
    }
}

/// The longest whole part [`Money::parse_typed`] takes, in digits (a thousand billion).
const MAX_TYPED_DIGITS: usize = 15;

impl Money {
    /// An exact amount; refuses amounts finer than the currency's minor unit.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_units();
        let normalized = amount.normalize();
        if normalized.scale() > digits {
            return Err(MoneyError::Precision {
                amount,
                currency,
                digits,
            });
        }
        let mut amount = normalized;
        amount.rescale(digits);
        Ok(Money { amount, currency })
    }

    /// Wraps an amount already known to have at most the currency's decimals (the sum,
    /// difference or integer multiple of valid amounts), only fixing its scale.
    fn exact(mut amount: Decimal, currency: Currency) -> Money {
        let digits = currency.minor_units();
        if amount.scale() != digits {
            amount.rescale(digits);
        }
        Money { amount, currency }
    }

    /// Rounds `amount` to the currency's minor unit with [`ROUNDING`].
    pub fn rounded(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_units();
        Ok(Money::exact(
            amount.round_dp_with_strategy(digits, ROUNDING),
            currency,
        ))
    }

    /// Parses a dot-decimal amount in MAD, e.g. `"1234.50"`.
    pub fn mad(text: &str) -> Result<Money, MoneyError> {
        Money::parse(text, Currency::MAD)
    }

    /// Parses a dot-decimal amount in `currency`.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let amount: Decimal = text
            .trim()
            .parse()
            .map_err(|_| MoneyError::Parse(text.to_owned()))?;
        Money::new(amount, currency)
    }

    /// Parses an amount **as a person types it** in a form, or as the shop shows it, in
    /// `currency`:
    /// - Arabic-Indic digits are digits ([`crate::digits::ascii_digit`]); marks that only steer
    ///   the text's direction (pasted from an Arabic page) are ignored;
    /// - the unit may come before or after: `MAD`, `DH`, `DHS`, `درهم`, `د.م.` (any case);
    /// - the decimal mark is `٫`, or the last of `.` and `,` when both appear, or a lone `.` or
    ///   `,` followed by at most the currency's decimals (`120,5`, `120.50`);
    /// - thousands are grouped by three with spaces, `٬`, or the other of `.` and `,`
    ///   (`1 250,50`, `1.250,50`, `1,250.50`, `1.000.000`).
    ///
    /// A lone `.` or `,` between one to three digits and three (`2.000`, `1,250`) is refused
    /// as ambiguous (two thousand, or two dirhams?), as is any group not of three digits, or a
    /// whole part of more than 15 digits: a wrong amount is worse than a question. The units
    /// are stripped for MAD only. Refused: [`MoneyError::Parse`] with the text as typed; more
    /// decimals than the currency has, [`MoneyError::Precision`] (even zeros: `0,001`).
    ///
    /// ```
    /// use tijara_core::{Currency, Lang, Money};
    /// let m = |t| Money::parse_typed(t, Currency::MAD).map(|m| m.amount().to_string());
    /// assert_eq!(m("1 250,50 DH").unwrap(), "1250.50");
    /// assert_eq!(m("١٢٠٫٥").unwrap(), "120.50");
    /// assert!(m("2.000").is_err(), "two thousand, or two?");
    /// let shown = Money::mad("1234.5").unwrap();
    /// for lang in [Lang::AR, Lang::FR, Lang::EN] {
    ///     assert_eq!(Money::parse_typed(&shown.format(lang), Currency::MAD), Ok(shown));
    /// }
    /// ```
    pub fn parse_typed(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let bad = || MoneyError::Parse(text.to_owned());
        let cleaned: String = text
            .chars()
            .filter(|c| !crate::digits::is_direction_mark(*c))
            .map(crate::digits::ascii_digit)
            .collect();
        let mut t = cleaned.trim();
        // The dirham's names only: "5 DH" is no amount in euros.
        let units: &[&str] = if currency == Currency::MAD {
            &["د.م.", "د.م", "درهم", "dhs", "dh", "mad"]
        } else {
            &[]
        };
        for unit in units {
            let n = unit.len();
            if t.len() > n
                && t.is_char_boundary(t.len() - n)
                && t[t.len() - n..].eq_ignore_ascii_case(unit)
            {
                t = t[..t.len() - n].trim_end();
                break;
            }
            if t.len() > n && t.is_char_boundary(n) && t[..n].eq_ignore_ascii_case(unit) {
                t = t[n..].trim_start();
                break;
            }
        }
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, t.strip_prefix('+').unwrap_or(t).trim_start()),
        };
        // Runs of digits between separators, each separator as typed.
        let mut runs: Vec<String> = vec![String::new()];
        let mut seps: Vec<char> = Vec::new();
        for c in t.chars() {
            match c {
                '0'..='9' => runs.last_mut().ok_or_else(bad)?.push(c),
                '.' | ',' | '\u{066B}' | '\u{066C}' => {
                    seps.push(c);
                    runs.push(String::new());
                }
                c if c.is_whitespace() => {
                    seps.push(' ');
                    runs.push(String::new());
                }
                _ => return Err(bad()),
            }
        }
        // Which separator, if any, is the decimal mark.
        let has = |c: char| seps.contains(&c);
        let decimal = if has('\u{066B}') {
            seps.iter().rposition(|&c| c == '\u{066B}')
        } else if has('.') && has(',') {
            seps.iter().rposition(|&c| c == '.' || c == ',')
        } else {
            match seps.iter().filter(|&&c| c == '.' || c == ',').count() {
                1 => {
                    let i = seps
                        .iter()
                        .position(|&c| c == '.' || c == ',')
                        .ok_or_else(bad)?;
                    // Three digits after it, one to three before (not 0), and no other
                    // grouping: a thousands mark as much as a decimal one.
                    let before = runs.get(i).map_or("", String::as_str);
                    let ambiguous = runs.get(i + 1).map_or(0, String::len) == 3
                        && (1..=3).contains(&before.len())
                        && before.bytes().any(|b| b != b'0')
                        && seps.len() == 1;
                    if ambiguous {
                        return Err(bad());
                    }
                    Some(i)
                }
                _ => None,
            }
        };
        // The decimal mark is the last separator, and the only one of its kind.
        if let Some(i) = decimal
            && (i + 1 != seps.len() || seps.iter().filter(|&&c| c == seps[i]).count() != 1)
        {
            return Err(bad());
        }
        let (whole, fraction) = match decimal {
            Some(i) => (&runs[..=i], runs.get(i + 1).map_or("", String::as_str)),
            None => (&runs[..], ""),
        };
        // Groups of three after the first (one to three digits) when grouped at all.
        if whole.len() > 1
            && (!(1..=3).contains(&whole[0].len()) || whole[1..].iter().any(|g| g.len() != 3))
        {
            return Err(bad());
        }
        let integer: String = whole.concat();
        // No digit, or more than any marketplace's amount (a pasted number, a typo).
        if (integer.is_empty() && fraction.is_empty())
            || integer.trim_start_matches('0').len() > MAX_TYPED_DIGITS
        {
            return Err(bad());
        }
        let number = format!(
            "{}{}.{}",
            if negative { "-" } else { "" },
            if integer.is_empty() { "0" } else { &integer },
            if fraction.is_empty() { "0" } else { fraction }
        );
        let amount: Decimal = number.parse().map_err(|_| bad())?;
        let digits = currency.minor_units();
        if fraction.len() > digits as usize {
            return Err(MoneyError::Precision {
                amount,
                currency,
                digits,
            });
        }
        Money::new(amount, currency)
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_units());
        Money { amount, currency }
    }

    /// An amount given in minor units (centimes for MAD): `from_minor(12345, MAD)` is 123.45 MAD.
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money {
            amount: Decimal::new(minor, currency.minor_units()),
            currency,
        }
    }

    /// The amount in minor units, if it fits in an `i64`.
    pub fn to_minor(&self) -> Option<i64> {
        let mut m = self.amount;
        m.rescale(self.currency.minor_units());
        i64::try_from(m.mantissa()).ok()
    }

    /// The amount, with exactly the currency's number of decimals.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True for an amount of zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True for an amount below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// True for an amount above zero.
    pub fn is_positive(&self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`; an error for mixed currencies or overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Money::of_minor(
            self.amount.mantissa() + other.amount.mantissa(),
            self.currency,
        )
    }

    /// `self - other`; an error for mixed currencies or overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Money::of_minor(
            self.amount.mantissa() - other.amount.mantissa(),
            self.currency,
        )
    }

    /// An amount from a count of minor units. Every amount is kept at its currency's scale, so
    /// a mantissa is a count of minor units, and two mantissas (under 2^96 each) add without
    /// overflowing an `i128`.
    pub(crate) fn of_minor(minor: i128, currency: Currency) -> Result<Money, MoneyError> {
        Decimal::try_from_i128_with_scale(minor, currency.minor_units())
            .map(|amount| Money { amount, currency })
            .map_err(|_| MoneyError::Overflow)
    }

    /// `self × quantity`, exact.
    pub fn times(self, quantity: u32) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::exact(amount, self.currency))
    }

    /// `self × factor`, rounded once with [`ROUNDING`].
    pub fn mul_rounded(self, factor: Decimal) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        Money::rounded(amount, self.currency)
    }

    /// The amount with its sign flipped.
    pub fn negated(self) -> Money {
        Money {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    /// The smaller of two amounts of the same currency.
    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        // One currency, one scale: the mantissas order the amounts.
        Ok(if other.amount.mantissa() < self.amount.mantissa() {
            other
        } else {
            self
        })
    }

    /// Compares two amounts of the same currency.
    pub fn compare(&self, other: &Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount.mantissa().cmp(&other.amount.mantissa()))
    }

    /// Adds up amounts that must all be in `currency` (zero for none).
    pub fn sum<I>(currency: Currency, amounts: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = Money>,
    {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Converts to another currency at `rate` (units of `to` per unit of `self`), rounded with
    /// [`ROUNDING`]. Used only for indicative display amounts, never to charge.
    pub fn convert(self, to: Currency, rate: Decimal) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(rate).ok_or(MoneyError::Overflow)?;
        Money::rounded(amount, to)
    }

    /// Splits `self` into parts proportional to `weights` that add up exactly to `self`.
    ///
    /// Largest-remainder method on minor units: each part first gets the floor of its exact
    /// share; the centimes left over go one each to the parts with the largest remainders, the
    /// earlier part first on a tie. Every part is therefore within one minor unit of its exact
    /// share, and the same input always gives the same parts. A negative total is split like its
    /// absolute value, then negated.
    ///
    /// ```
    /// use tijara_core::Money;
    /// use rust_decimal::Decimal;
    /// let parts = Money::mad("100.00").unwrap()
    ///     .allocate(&[Decimal::ONE, Decimal::ONE, Decimal::ONE]).unwrap();
    /// let text: Vec<String> = parts.iter().map(|m| m.amount().to_string()).collect();
    /// assert_eq!(text, ["33.34", "33.33", "33.33"]);
    /// ```
    ///
    /// # Errors
    /// [`MoneyError::NoWeights`], [`MoneyError::NegativeWeight`], [`MoneyError::ZeroWeights`],
    /// or [`MoneyError::Overflow`] for weights whose exact products do not fit in 128 bits.
    pub fn allocate(self, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        if weights.is_empty() {
            return Err(MoneyError::NoWeights);
        }
        if let Some((index, weight)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| w.is_sign_negative() && !w.is_zero())
        {
            return Err(MoneyError::NegativeWeight {
                index,
                weight: *weight,
            });
        }
        // Scale every weight to a common integer so the arithmetic below is exact.
        let scale = weights.iter().map(Decimal::scale).max().unwrap_or(0);
        let mut ints = Vec::with_capacity(weights.len());
        for w in weights {
            let factor = 10u128
                .checked_pow(scale - w.scale())
                .ok_or(MoneyError::Overflow)?;
            let mantissa = u128::try_from(w.mantissa()).map_err(|_| MoneyError::Overflow)?;
            ints.push(mantissa.checked_mul(factor).ok_or(MoneyError::Overflow)?);
        }
        let total_weight = ints
            .iter()
            .try_fold(0u128, |acc, w| acc.checked_add(*w))
            .ok_or(MoneyError::Overflow)?;
        if total_weight == 0 {
            return Err(MoneyError::ZeroWeights { total: self });
        }
        let minor = self.to_minor().ok_or(MoneyError::Overflow)?;
        let negative = minor < 0;
        let units = u128::from(minor.unsigned_abs());

        let mut parts = Vec::with_capacity(ints.len());
        let mut remainders = Vec::with_capacity(ints.len());
        let mut given = 0u128;
        for (index, w) in ints.iter().enumerate() {
            let product = units.checked_mul(*w).ok_or(MoneyError::Overflow)?;
            let floor = product / total_weight;
            given += floor;
            parts.push(floor);
            remainders.push((product % total_weight, index));
        }
        let left_over = units - given;
        // Largest remainder first; on a tie the earlier part first.
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, index) in remainders
            .iter()
            .take(usize::try_from(left_over).unwrap_or(usize::MAX))
        {
            parts[*index] += 1;
        }
        parts
            .into_iter()
            .map(|p| {
                let p = i64::try_from(p).map_err(|_| MoneyError::Overflow)?;
                Ok(Money::from_minor(
                    if negative { -p } else { p },
                    self.currency,
                ))
            })
            .collect()
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Plain, locale-neutral form: `1234.50 MAD`. Use [`Money::format`] for people.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn mad(s: &str) -> Money {
        Money::mad(s).expect("valid amount")
    }

    #[test]
    fn amounts_are_read_as_people_type_them() {
        let typed = |t: &str| Money::parse_typed(t, Currency::MAD).map(|m| m.amount().to_string());
        for (text, want) in [
            ("120", "120.00"),
            (" 120,5 ", "120.50"),
            ("120.50", "120.50"),
            ("1 250,50", "1250.50"),
            ("1\u{a0}250,50\u{a0}MAD", "1250.50"),
            ("1\u{202f}250", "1250.00"),
            ("120 DH", "120.00"),
            ("120dhs", "120.00"),
            ("120 Dh", "120.00"),
            ("١٢٠", "120.00"),
            ("١٢٠٫٥٠", "120.50"),
            ("١٬٢٥٠", "1250.00"),
            ("۱۲۰,۵", "120.50"),
            ("١٢٠ درهم", "120.00"),
            ("-5", "-5.00"),
            // As the shop shows amounts, pasted back.
            ("1.234,50\u{a0}د.م.", "1234.50"),
            ("\u{200F}1.234,50\u{a0}د.م.\u{200F}", "1234.50"),
            ("MAD\u{a0}1,234.50", "1234.50"),
            ("1,234.50", "1234.50"),
            ("1.000.000", "1000000.00"),
            ("1 000 000,5", "1000000.50"),
            (".5", "0.50"),
            ("5.", "5.00"),
            ("+7", "7.00"),
        ] {
            assert_eq!(typed(text).as_deref(), Ok(want), "{text}");
        }
        for text in [
            "",
            "  ",
            "douze",
            "12,5,0",
            "1.2.3",
            "DH",
            "120 €",
            "12a",
            "1-2",
            "درهم",
            "+",
            "-",
            // Two thousand, or two? One thousand two hundred and fifty, or 1.25? Asked, not
            // guessed.
            "2.000",
            "1,250",
            "999.999",
            // Groups not of three, a decimal mark before a group mark.
            "12 50",
            "1,234,56",
            "1.234.5",
            "1,5.000",
            "12.34,5.6",
        ] {
            assert_eq!(
                typed(text),
                Err(MoneyError::Parse(text.to_owned())),
                "{text}"
            );
        }
        for text in ["1.234,567", "0,001", "1234.567", "1٫234"] {
            assert!(
                matches!(typed(text), Err(MoneyError::Precision { .. })),
                "{text}"
            );
        }
        // Spaces after the sign; units for MAD only; no absurd amounts.
        assert_eq!(typed(" - 5 DH").as_deref(), Ok("-5.00"));
        assert!(Money::parse_typed("5 DH", Currency::EUR).is_err());
        assert_eq!(
            Money::parse_typed("5,50", Currency::EUR).map(|m| m.amount().to_string()),
            Ok("5.50".to_owned())
        );
        assert!(typed(&"9".repeat(16)).is_err());
        assert_eq!(typed(&"9".repeat(15)).map(|m| m.len()), Ok(18));
        assert!(typed(&"1".repeat(10_000)).is_err());
        assert!(matches!(
            typed("1,000.000"),
            Err(MoneyError::Precision { .. })
        ));
    }

    #[test]
    fn keeps_two_decimals() {
        assert_eq!(mad("12").amount().to_string(), "12.00");
        assert_eq!(mad("12.5").amount().to_string(), "12.50");
        assert_eq!(
            Money::mad("0.001"),
            Err(MoneyError::Precision {
                amount: dec!(0.001),
                currency: Currency::MAD,
                digits: 2
            })
        );
        assert!(matches!(Money::mad("abc"), Err(MoneyError::Parse(_))));
        assert_eq!(
            Money::mad("1.500").expect("trailing zeros are fine"),
            mad("1.5")
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let r = |d: Decimal| Money::rounded(d, Currency::MAD).expect("round");
        assert_eq!(r(dec!(0.005)), mad("0.01"));
        assert_eq!(r(dec!(0.0049)), mad("0.00"));
        assert_eq!(r(dec!(-0.005)), mad("-0.01"));
        assert_eq!(r(dec!(2.675)), mad("2.68"));
        assert_eq!(
            Money::rounded(dec!(10.5), Currency::XOF)
                .expect("round")
                .amount(),
            dec!(11)
        );
    }

    #[test]
    fn refuses_mixed_currencies() {
        let eur = Money::new(dec!(1), Currency::EUR).expect("eur");
        let err = mad("1").checked_add(eur).expect_err("mixed");
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                left: Currency::MAD,
                right: Currency::EUR
            }
        );
        assert!(mad("1").checked_sub(eur).is_err());
        assert!(mad("1").min(eur).is_err());
        assert!(mad("1").compare(&eur).is_err());
        assert!(Money::sum(Currency::MAD, [mad("1"), eur]).is_err());
        assert_eq!(
            err.to_string(),
            "cannot combine MAD with EUR: currencies differ"
        );
    }

    #[test]
    fn arithmetic_and_minor_units() {
        assert_eq!(
            mad("10.10").checked_sub(mad("0.20")).expect("sub"),
            mad("9.90")
        );
        assert_eq!(mad("3.33").times(3).expect("mul"), mad("9.99"));
        assert_eq!(
            mad("100").mul_rounded(dec!(0.155)).expect("mul"),
            mad("15.50")
        );
        assert_eq!(
            mad("0.03").mul_rounded(dec!(0.5)).expect("mul"),
            mad("0.02")
        );
        assert_eq!(Money::from_minor(12345, Currency::MAD), mad("123.45"));
        assert_eq!(mad("-1.23").to_minor(), Some(-123));
        assert!(mad("-1").is_negative() && !mad("0").is_negative() && mad("1").is_positive());
        assert_eq!(mad("5").negated(), mad("-5"));
        let max = Money::new(Decimal::MAX, Currency::XOF).expect("max");
        assert_eq!(max.checked_add(max), Err(MoneyError::Overflow));
        assert_eq!(max.times(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn converts_for_display() {
        let eur = mad("1000")
            .convert(Currency::EUR, dec!(0.0921))
            .expect("convert");
        assert_eq!(eur, Money::new(dec!(92.10), Currency::EUR).expect("eur"));
    }

    /// The amount's text is `rust_decimal`'s, for every mantissa, sign and scale.
    fn same_text_as_rust_decimal(d: Decimal) {
        assert_eq!(
            serde_json::to_string(&super::AmountText(d)).expect("json"),
            serde_json::to_string(&d).expect("json"),
            "{d:?}"
        );
    }

    #[test]
    fn amounts_are_written_as_rust_decimal_writes_them() {
        for d in [
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(0, 2),
            -Decimal::new(0, 2),
            Decimal::new(0, 28),
            -Decimal::new(0, 28),
            Decimal::new(12345, 5),
            Decimal::new(-12345, 5),
            Decimal::from_i128_with_scale(i128::from(u64::MAX), 2),
            Decimal::from_i128_with_scale(i128::from(u64::MAX) + 1, 2),
            -Decimal::from_i128_with_scale(i128::from(u64::MAX) + 1, 28),
            Decimal::new(5, 2),
            Decimal::new(-5, 2),
            Decimal::new(12345, 2),
            Decimal::new(-12345, 3),
            Decimal::new(7, 0),
            Decimal::new(1, 28),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, false, 28),
            Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, true, 28),
        ] {
            same_text_as_rust_decimal(d);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_amount_is_written_as_rust_decimal_writes_it(
            lo in proptest::prop_oneof![proptest::strategy::Just(0u32), proptest::prelude::any::<u32>()],
            mid in proptest::prop_oneof![proptest::strategy::Just(0u32), proptest::prelude::any::<u32>()],
            hi in proptest::prop_oneof![proptest::strategy::Just(0u32), proptest::prelude::any::<u32>()],
            negative: bool,
            scale in 0u32..=28,
        ) {
            same_text_as_rust_decimal(Decimal::from_parts(lo, mid, hi, negative, scale));
        }

        #[test]
        fn money_reads_back_what_it_writes(cents in proptest::prelude::any::<i64>()) {
            let m = Money::new(Decimal::new(cents, 2), Currency::MAD).expect("cents");
            let json = serde_json::to_string(&m).expect("json");
            proptest::prop_assert_eq!(serde_json::from_str::<Money>(&json).expect("back"), m);
        }
    }

    #[test]
    fn serde_round_trip_is_exact() {
        let m = mad("1234.50");
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(json, r#"{"amount":"1234.50","currency":"MAD"}"#);
        let back: Money = serde_json::from_str(&json).expect("back");
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.234","currency":"MAD"}"#).is_err());
    }

    #[test]
    fn allocation_examples_and_errors() {
        let parts = mad("0.05")
            .allocate(&[dec!(1), dec!(1), dec!(1)])
            .expect("alloc");
        assert_eq!(parts, vec![mad("0.02"), mad("0.02"), mad("0.01")]);
        let parts = mad("10").allocate(&[dec!(0.3), dec!(0.7)]).expect("alloc");
        assert_eq!(parts, vec![mad("3"), mad("7")]);
        let parts = mad("-0.05").allocate(&[dec!(1), dec!(1)]).expect("alloc");
        assert_eq!(parts, vec![mad("-0.03"), mad("-0.02")]);
        let parts = mad("1").allocate(&[dec!(0), dec!(2)]).expect("alloc");
        assert_eq!(parts, vec![mad("0"), mad("1")]);
        assert_eq!(mad("1").allocate(&[]), Err(MoneyError::NoWeights));
        assert_eq!(
            mad("1").allocate(&[dec!(1), dec!(-1)]),
            Err(MoneyError::NegativeWeight {
                index: 1,
                weight: dec!(-1)
            })
        );
        assert!(matches!(
            mad("1").allocate(&[dec!(0)]),
            Err(MoneyError::ZeroWeights { .. })
        ));
    }

    fn amount() -> impl Strategy<Value = Money> {
        (-10_000_000_000i64..10_000_000_000).prop_map(|m| Money::from_minor(m, Currency::MAD))
    }

    fn weights() -> impl Strategy<Value = Vec<Decimal>> {
        prop::collection::vec((0u64..1_000_000_000, 0u32..6), 1..40)
            .prop_map(|ws| {
                ws.into_iter()
                    .map(|(m, s)| Decimal::new(m as i64, s))
                    .collect()
            })
            .prop_filter("some weight positive", |ws: &Vec<Decimal>| {
                ws.iter().any(|w| !w.is_zero())
            })
    }

    proptest! {
        /// Any amount in centimes, written with a comma or the Arabic decimal mark, in ASCII
        /// or Arabic-Indic digits, with or without the unit, reads back exactly.
        #[test]
        fn typed_amounts_read_back(centimes in 0i64..10_000_000_000, arabic: bool, comma: bool, unit: bool) {
            let m = Money::new(Decimal::new(centimes, 2), Currency::MAD).expect("money");
            let mut text = m.amount().to_string();
            if comma {
                text = text.replace('.', if arabic { "\u{066B}" } else { "," });
            }
            if arabic {
                text = text
                    .chars()
                    .map(|c| match c.to_digit(10) {
                        Some(d) => char::from_u32(0x0660 + d).expect("digit"),
                        None => c,
                    })
                    .collect();
            }
            if unit {
                text.push_str(" DH");
            }
            prop_assert_eq!(Money::parse_typed(&text, Currency::MAD), Ok(m));
        }

        /// Every amount as the shop writes it, in each built-in language, reads back exactly
        /// (pasted from a page into a form).
        #[test]
        fn shown_amounts_read_back(centimes in 0i64..100_000_000_000) {
            let m = Money::new(Decimal::new(centimes, 2), Currency::MAD).expect("money");
            for lang in [crate::Lang::AR, crate::Lang::FR, crate::Lang::EN] {
                prop_assert_eq!(Money::parse_typed(&m.format(lang), Currency::MAD), Ok(m), "{}", m.format(lang));
            }
        }
    }

    proptest! {
        #[test]
        fn allocation_sums_exactly_and_stays_within_a_centime(total in amount(), ws in weights()) {
            let parts = total.allocate(&ws).expect("allocate");
            prop_assert_eq!(parts.len(), ws.len());
            prop_assert_eq!(Money::sum(Currency::MAD, parts.iter().copied()).expect("sum"), total);
            let weight_sum: Decimal = ws.iter().sum();
            for (part, w) in parts.iter().zip(&ws) {
                let exact = total.amount() * (*w / weight_sum);
                let diff = (part.amount() - exact).abs();
                prop_assert!(diff < dec!(0.0100001), "part {} exact {} diff {}", part, exact, diff);
                if w.is_zero() { prop_assert!(part.is_zero()); }
            }
            // Deterministic.
            prop_assert_eq!(total.allocate(&ws).expect("again"), parts);
        }

        #[test]
        fn add_then_sub_round_trips(a in amount(), b in amount()) {
            let s = a.checked_add(b).expect("add");
            prop_assert_eq!(s.checked_sub(b).expect("sub"), a);
        }

        #[test]
        fn rounding_is_within_half_a_centime(m in -1_000_000_000i64..1_000_000_000, s in 0u32..8) {
            let d = Decimal::new(m, s);
            let r = Money::rounded(d, Currency::MAD).expect("round");
            prop_assert!((r.amount() - d).abs() <= dec!(0.005));
        }
    }
}
