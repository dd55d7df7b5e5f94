//! What an address of each country needs: its postal code's shape, and whether a state or
//! province is part of it.
//!
//! Patterns cover the main destinations of the region's parcels (EU countries, the United
//! Kingdom, the United States, Canada, the Gulf states, West Africa). A country without a rule
//! here takes its postal code as free text (optional). A pattern reads `9` as a digit, `A` as a
//! letter and any other character as itself; spaces and hyphens typed by the shopper are
//! ignored when matching, and the code is written back in the pattern's layout (`sw1a1aa` →
//! `SW1A 1AA`, `123456789` → `12345-6789`).

use super::OrderError;

/// The address rules of one country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryRule {
    /// ISO 3166-1 alpha-2 code.
    pub code: &'static str,
    /// Accepted postal code layouts (`9` a digit, `A` a letter); empty: the country has no
    /// postal codes in general use, any text (or none) is accepted.
    pub postal_patterns: &'static [&'static str],
    /// True when a postal code must be given.
    pub postal_required: bool,
    /// The states or provinces a shopper must choose from (their postal abbreviations), empty
    /// when the country's addresses have none.
    pub states: &'static [&'static str],
    /// An example postal code, for error messages.
    pub example: &'static str,
    /// True when the destination's post writes the postal code after the city (`NEW YORK NY
    /// 10001`, `LONDON` / `SW1A 1AA`), false when before it (`75001 PARIS`).
    pub postal_after_city: bool,
}

const fn rule(
    code: &'static str,
    postal_patterns: &'static [&'static str],
    example: &'static str,
) -> CountryRule {
    CountryRule {
        code,
        postal_patterns,
        postal_required: !postal_patterns.is_empty(),
        states: &[],
        example,
        postal_after_city: false,
    }
}

const fn after(mut r: CountryRule) -> CountryRule {
    r.postal_after_city = true;
    r
}

const fn optional(mut r: CountryRule) -> CountryRule {
    r.postal_required = false;
    r
}

/// US states, the District of Columbia and the territories (USPS abbreviations).
pub const US_STATES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// Canadian provinces and territories (Canada Post abbreviations).
pub const CA_PROVINCES: [&str; 13] = [
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
];

const FIVE: &[&str] = &["99999"];
const FOUR: &[&str] = &["9999"];
const GB: &[&str] = &[
    "A9 9AA", "A99 9AA", "A9A 9AA", "AA9 9AA", "AA99 9AA", "AA9A 9AA",
];

/// The rules, by country code.
pub const COUNTRY_RULES: [CountryRule; 45] = [
    // Morocco: five digits; filled from the region's cities when left out.
    optional(rule("MA", FIVE, "73000")),
    // European Union and neighbours.
    rule("AT", FOUR, "1010"),
    rule("BE", FOUR, "1000"),
    rule("BG", FOUR, "1000"),
    rule("CH", FOUR, "1201"),
    rule("CY", FOUR, "1010"),
    rule("CZ", &["999 99"], "110 00"),
    rule("DE", FIVE, "10115"),
    rule("DK", FOUR, "1050"),
    rule("EE", FIVE, "10111"),
    rule("ES", FIVE, "28001"),
    rule("FI", FIVE, "00100"),
    rule("FR", FIVE, "75001"),
    rule("GR", &["999 99"], "105 57"),
    rule("HR", FIVE, "10000"),
    rule("HU", FOUR, "1011"),
    // Ireland: Eircodes are optional on post; taken as typed.
    optional(rule("IE", &[], "")),
    rule("IT", FIVE, "00184"),
    rule("LT", &["AA-99999"], "LT-01100"),
    rule("LU", &["9999"], "1009"),
    rule("LV", &["AA-9999"], "LV-1050"),
    rule("MT", &["AAA 9999", "AAA 999"], "VLT 1117"),
    rule("NL", &["9999 AA"], "1012 AB"),
    rule("PL", &["99-999"], "00-001"),
    rule("PT", &["9999-999"], "1100-148"),
    rule("RO", &["999999"], "010011"),
    rule("SE", &["999 99"], "111 22"),
    rule("SI", FOUR, "1000"),
    rule("SK", &["999 99"], "811 01"),
    // United Kingdom: outward and inward codes, written after the town.
    after(rule("GB", GB, "SW1A 1AA")),
    // North America: state or province required, code after it.
    CountryRule {
        states: &US_STATES,
        ..after(rule("US", &["99999", "99999-9999"], "10001"))
    },
    CountryRule {
        states: &CA_PROVINCES,
        ..after(rule("CA", &["A9A 9A9"], "H2X 1Y4"))
    },
    // Gulf states: Saudi Arabia, Kuwait, Bahrain and Oman use postal codes; the Emirates and
    // Qatar do not.
    after(rule("SA", &["99999", "99999-9999"], "12211")),
    after(rule("KW", FIVE, "13001")),
    after(rule("BH", &["999", "9999"], "317")),
    after(rule("OM", &["999"], "112")),
    rule("AE", &[], ""),
    rule("QA", &[], ""),
    // West Africa and the Maghreb neighbours.
    rule("SN", FIVE, "10200"),
    optional(rule("CI", &[], "")),
    rule("NG", &["999999"], "100001"),
    optional(rule("MR", &[], "")),
    optional(rule("ML", &[], "")),
    rule("DZ", FIVE, "16000"),
    rule("TN", FOUR, "1000"),
];

/// Names in French (a language of the UPU, and of Moroccan post) of the countries of
/// [`COUNTRY_RULES`], for the country line of labels and customs declarations.
const NAMES_FR: [(&str, &str); 45] = [
    ("MA", "Maroc"),
    ("AT", "Autriche"),
    ("BE", "Belgique"),
    ("BG", "Bulgarie"),
    ("CH", "Suisse"),
    ("CY", "Chypre"),
    ("CZ", "Tchéquie"),
    ("DE", "Allemagne"),
    ("DK", "Danemark"),
    ("EE", "Estonie"),
    ("ES", "Espagne"),
    ("FI", "Finlande"),
    ("FR", "France"),
    ("GR", "Grèce"),
    ("HR", "Croatie"),
    ("HU", "Hongrie"),
    ("IE", "Irlande"),
    ("IT", "Italie"),
    ("LT", "Lituanie"),
    ("LU", "Luxembourg"),
    ("LV", "Lettonie"),
    ("MT", "Malte"),
    ("NL", "Pays-Bas"),
    ("PL", "Pologne"),
    ("PT", "Portugal"),
    ("RO", "Roumanie"),
    ("SE", "Suède"),
    ("SI", "Slovénie"),
    ("SK", "Slovaquie"),
    ("GB", "Royaume-Uni"),
    ("US", "États-Unis"),
    ("CA", "Canada"),
    ("SA", "Arabie saoudite"),
    ("KW", "Koweït"),
    ("BH", "Bahreïn"),
    ("OM", "Oman"),
    ("AE", "Émirats arabes unis"),
    ("QA", "Qatar"),
    ("SN", "Sénégal"),
    ("CI", "Côte d'Ivoire"),
    ("NG", "Nigeria"),
    ("MR", "Mauritanie"),
    ("ML", "Mali"),
    ("DZ", "Algérie"),
    ("TN", "Tunisie"),
];

/// A country's name in French for a label's or declaration's country line (its code when
/// Tijara does not know it).
///
/// ```
/// assert_eq!(tijara_core::order::country_name_fr("US"), "États-Unis");
/// assert_eq!(tijara_core::order::country_name_fr("JP"), "JP");
/// ```
pub fn country_name_fr(code: &str) -> &str {
    NAMES_FR
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map_or(code, |(_, n)| n)
}

/// The rules of a country (upper-case ISO code), if Tijara knows them.
///
/// ```
/// use tijara_core::order::country_rule;
///
/// assert!(country_rule("US").is_some_and(|r| !r.states.is_empty()));
/// assert!(country_rule("ZZ").is_none());
/// ```
pub fn country_rule(code: &str) -> Option<&'static CountryRule> {
    COUNTRY_RULES.iter().find(|r| r.code == code)
}

fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// `code` (spaces and hyphens ignored, any case) in `pattern`'s layout, if it fits.
fn fit(code: &str, pattern: &str) -> Option<String> {
    let typed: Vec<char> = compact(code).chars().collect();
    let slots: Vec<char> = pattern
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if typed.len() != slots.len() {
        return None;
    }
    let ok = typed.iter().zip(&slots).all(|(t, s)| match s {
        '9' => t.is_ascii_digit(),
        'A' => t.is_ascii_uppercase(),
        lit => t == lit,
    });
    if !ok {
        return None;
    }
    let mut it = typed.into_iter();
    pattern
        .chars()
        .map(|p| match p {
            ' ' | '-' => Some(p),
            _ => it.next(),
        })
        .collect::<Option<String>>()
}

/// Checks an address's postal code and state against its country's rule, and writes them
/// in the country's layout. Countries without a rule accept anything (and nothing).
///
/// ```
/// use tijara_core::order::check_postal;
///
/// assert_eq!(check_postal("GB", Some("sw1a1aa"), None).unwrap().0.as_deref(), Some("SW1A 1AA"));
/// assert!(check_postal("FR", Some("7500"), None).is_err());
/// assert!(check_postal("US", Some("10001"), None).is_err()); // the state is missing
/// assert_eq!(check_postal("US", Some("10001"), Some("ny")).unwrap().1.as_deref(), Some("NY"));
/// ```
///
/// # Errors
/// [`OrderError::PostalCodeRequired`], [`OrderError::BadPostalCode`],
/// [`OrderError::StateRequired`], [`OrderError::BadState`].
pub fn check_postal(
    country: &str,
    postal_code: Option<&str>,
    state: Option<&str>,
) -> Result<(Option<String>, Option<String>), OrderError> {
    let postal_code = postal_code.map(str::trim).filter(|s| !s.is_empty());
    let state = state.map(str::trim).filter(|s| !s.is_empty());
    let Some(rule) = country_rule(country) else {
        return Ok((postal_code.map(str::to_owned), state.map(str::to_owned)));
    };
    let postal = match postal_code {
        None if rule.postal_required => {
            return Err(OrderError::PostalCodeRequired {
                country: rule.code,
                example: rule.example,
            });
        }
        None => None,
        Some(code) if rule.postal_patterns.is_empty() => Some(code.to_owned()),
        Some(code) => Some(
            rule.postal_patterns
                .iter()
                .find_map(|p| fit(code, p))
                .ok_or(OrderError::BadPostalCode {
                    country: rule.code,
                    example: rule.example,
                })?,
        ),
    };
    let state = match (rule.states.is_empty(), state) {
        (true, s) => s.map(str::to_owned),
        (false, None) => return Err(OrderError::StateRequired { country: rule.code }),
        (false, Some(s)) => {
            let s = s.to_ascii_uppercase();
            Some(
                rule.states
                    .iter()
                    .find(|x| **x == s)
                    .map(|x| (*x).to_owned())
                    .ok_or(OrderError::BadState { country: rule.code })?,
            )
        }
    };
    Ok((postal, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_destinations_are_checked_and_laid_out() {
        let ok = [
            ("FR", "75001", "75001"),
            ("FR", " 13 008 ", "13008"),
            ("DE", "10115", "10115"),
            ("NL", "1012ab", "1012 AB"),
            ("PT", "1100148", "1100-148"),
            ("GB", "sw1a 1aa", "SW1A 1AA"),
            ("GB", "M1 1AE", "M1 1AE"),
            ("US", "10001", "10001"),
            ("US", "10001 1234", "10001-1234"),
            ("CA", "h2x1y4", "H2X 1Y4"),
            ("SA", "12211", "12211"),
            ("SN", "10200", "10200"),
            ("MA", "73000", "73000"),
        ];
        for (country, typed, written) in ok {
            let state = match country {
                "US" => Some("NY"),
                "CA" => Some("QC"),
                _ => None,
            };
            let (postal, _) = check_postal(country, Some(typed), state)
                .unwrap_or_else(|e| panic!("{country} {typed}: {e}"));
            assert_eq!(postal.as_deref(), Some(written), "{country} {typed}");
        }
        for (country, typed) in [
            ("FR", "7500"),
            ("FR", "75O01"),
            ("GB", "12345"),
            ("US", "1000"),
            ("CA", "123 456"),
            ("NL", "1012"),
            ("MA", "7300"),
        ] {
            let state = match country {
                "US" => Some("NY"),
                "CA" => Some("QC"),
                _ => None,
            };
            assert!(
                matches!(
                    check_postal(country, Some(typed), state),
                    Err(OrderError::BadPostalCode { .. })
                ),
                "{country} {typed}"
            );
        }
    }

    #[test]
    fn required_codes_states_and_free_text() {
        assert_eq!(
            check_postal("FR", None, None),
            Err(OrderError::PostalCodeRequired {
                country: "FR",
                example: "75001"
            })
        );
        assert!(check_postal("MA", None, None).is_ok());
        assert!(check_postal("AE", None, None).is_ok());
        assert_eq!(
            check_postal("AE", Some("PO Box 1234"), None)
                .unwrap()
                .0
                .as_deref(),
            Some("PO Box 1234")
        );
        assert_eq!(
            check_postal("US", Some("10001"), None),
            Err(OrderError::StateRequired { country: "US" })
        );
        assert_eq!(
            check_postal("CA", Some("H2X 1Y4"), Some("XX")),
            Err(OrderError::BadState { country: "CA" })
        );
        // A country without a rule keeps what was typed.
        assert_eq!(
            check_postal("JP", Some("100-0001"), Some("Tokyo")).unwrap(),
            (Some("100-0001".into()), Some("Tokyo".into()))
        );
    }

    #[test]
    fn rules_are_consistent() {
        for r in &COUNTRY_RULES {
            assert_ne!(country_name_fr(r.code), r.code, "{} has a name", r.code);
        }
        for (i, r) in COUNTRY_RULES.iter().enumerate() {
            assert!(
                !COUNTRY_RULES[..i].iter().any(|o| o.code == r.code),
                "{} twice",
                r.code
            );
            if !r.postal_patterns.is_empty() {
                assert!(
                    r.postal_patterns
                        .iter()
                        .any(|p| fit(r.example, p).is_some()),
                    "{}'s example {} fits none of its patterns",
                    r.code,
                    r.example
                );
            }
        }
    }
}
