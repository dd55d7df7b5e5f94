//! Postal addresses of orders, and the phone numbers they carry.

use super::OrderError;
use crate::digits::ascii_digit;
use serde::{Deserialize, Serialize};

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Recipient's full name.
    pub name: String,
    /// Street, number, district (`N° 12, Rue …, Hay …`).
    pub line1: String,
    /// More details.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Postal code (required and checked for the countries of [`super::COUNTRY_RULES`] that
    /// use one, written in the country's layout).
    pub postal_code: Option<String>,
    /// State or province, for the countries whose addresses need one (the United States and
    /// Canada: its postal abbreviation, `NY`, `QC`); absent from addresses stored before it
    /// was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`MA`).
    pub country: String,
    /// Phone (carriers call before delivering).
    pub phone: String,
}

/// An address [`Address::normalized`] accepted, in its normalized form: what an order ships
/// to. Only this module makes one ([`Address::checked`], [`CheckedAddress::with_city`]), so
/// [`super::Order::place`] takes it without checking it again (the phone's check against the
/// numbering plans is the costly part, and checkout has checked the address already). Read it
/// as an [`Address`] (it dereferences to one); it is serialized as one, and read back through
/// [`Address::checked`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Address", try_from = "Address")]
pub struct CheckedAddress(Address);

impl CheckedAddress {
    /// The address.
    pub fn as_address(&self) -> &Address {
        &self.0
    }

    /// The address, unwrapped.
    pub fn into_address(self) -> Address {
        self.0
    }

    /// The address with its city and postal code as a region writes them (a city spelling
    /// and postal code of [`crate::region::Region::cities`]: what
    /// [`crate::region::resolve_city_as`] gives), checked again but for the phone: the phone
    /// and its country are unchanged, so is their check.
    pub fn with_city(self, city: String, postal_code: Option<String>) -> Result<Self, OrderError> {
        let phone = self.0.phone.clone();
        let changed = Address {
            city,
            postal_code,
            ..self.0
        };
        changed
            .tidied()
            .and_then(|a| a.with_postal(phone))
            .map(CheckedAddress)
    }
}

impl std::ops::Deref for CheckedAddress {
    type Target = Address;
    fn deref(&self) -> &Address {
        &self.0
    }
}

impl From<CheckedAddress> for Address {
    fn from(a: CheckedAddress) -> Address {
        a.0
    }
}

impl TryFrom<Address> for CheckedAddress {
    type Error = OrderError;
    fn try_from(a: Address) -> Result<Self, OrderError> {
        a.checked()
    }
}

/// Calling codes of some destinations, with the national trunk prefix each drops before its
/// code (`0` in France, none in Spain or Italy, `1` in the North American plan).
///
/// Kept for callers that show a calling code beside a phone field; [`normalize_phone`] reads
/// libphonenumber's metadata instead, which knows every country.
pub const CALLING_CODES: [(&str, &str, Option<char>); 25] = [
    ("AE", "971", Some('0')),
    ("BE", "32", Some('0')),
    ("CA", "1", Some('1')),
    ("CH", "41", Some('0')),
    ("CI", "225", None),
    ("DE", "49", Some('0')),
    ("DZ", "213", Some('0')),
    ("EG", "20", Some('0')),
    ("ES", "34", None),
    ("FR", "33", Some('0')),
    ("GB", "44", Some('0')),
    ("IT", "39", None),
    ("KW", "965", None),
    ("LU", "352", None),
    ("ML", "223", None),
    ("MR", "222", None),
    ("NL", "31", Some('0')),
    ("PT", "351", None),
    ("QA", "974", None),
    ("SA", "966", Some('0')),
    ("SE", "46", Some('0')),
    ("SN", "221", None),
    ("TN", "216", None),
    ("TR", "90", Some('0')),
    ("US", "1", Some('1')),
];

/// Checks a phone number of an address in `country` (ISO 3166-1 alpha-2, upper case) and
/// writes it in E.164 (`+212612345678`), by the numbering plans of libphonenumber (the
/// `phonenumber` crate).
///
/// Accepted: digits (ASCII or Arabic-Indic) with spaces, `-`, `.`, parentheses and one leading
/// `+` (or `00`). An international form (`+…`, `00…`) is read whatever the country; a national
/// form is read in `country`'s plan (`06 12 34 56 78`, `07…` mobiles and `05…` landlines in
/// Morocco; `06 12 34 56 78` in `FR` is `+33612345678`). Refused ([`OrderError::BadPhone`]):
/// letters, a number that is no valid number of its country's plan (too short, too long, a
/// range not in use), and a national form for a country code that names no numbering plan.
pub fn normalize_phone(phone: &str, country: &str) -> Result<String, OrderError> {
    use std::str::FromStr;
    let phone: String = phone.trim().chars().map(ascii_digit).collect();
    let (plus, rest) = match phone.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, phone.as_str()),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return Err(OrderError::BadPhone);
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(4..=17).contains(&digits.len()) {
        return Err(OrderError::BadPhone);
    }
    let text = match (plus, digits.strip_prefix("00")) {
        (true, _) => format!("+{digits}"),
        (false, Some(international)) => format!("+{international}"),
        (false, None) => digits,
    };
    let plan = phonenumber::country::Id::from_str(country.trim()).ok();
    if plan.is_none() && !text.starts_with('+') {
        return Err(OrderError::BadPhone);
    }
    let number = phonenumber::parse(plan, &text).map_err(|_| OrderError::BadPhone)?;
    if !phonenumber::is_valid(&number) {
        return Err(OrderError::BadPhone);
    }
    // E.164 is `+`, the country code and the national number (its leading zeros included),
    // as the library's formatter writes it; written from its parts, without the formatter,
    // which first matches the number against its country's display formats (regular
    // expressions) that E.164 does not use.
    let e164 = format!("+{}{}", number.country().code(), number.national());
    let digits = e164.strip_prefix('+').unwrap_or(&e164);
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OrderError::BadPhone);
    }
    Ok(e164)
}

impl Address {
    /// Bounds of the fields, in characters: name and city 100, each street line 200, postal code
    /// 16, phone 32 (labels print them; longer text is refused, not cut).
    pub const LIMITS: [(&'static str, usize); 7] = [
        ("name", 100),
        ("line1", 200),
        ("line2", 200),
        ("city", 100),
        ("postal_code", 16),
        ("phone", 32),
        ("state", 64),
    ];

    /// The address checked and tidied: fields trimmed, none empty that is required, none longer
    /// than [`Address::LIMITS`], no control character, a two-letter country in upper case and
    /// the phone normalized by [`normalize_phone`] for that country.
    ///
    /// A pure function, not remembered here: the engine remembers the addresses checkout has
    /// resolved (its `Addresses`), where one checkout asks for the same address several times.
    pub fn normalized(&self) -> Result<Address, OrderError> {
        let out = self.tidied()?;
        let phone = normalize_phone(&out.phone, &out.country)?;
        out.with_postal(phone)
    }

    /// [`Address::normalized`] as a [`CheckedAddress`]: what [`super::Order::place`] takes.
    pub fn checked(&self) -> Result<CheckedAddress, OrderError> {
        self.normalized().map(CheckedAddress)
    }

    /// The address with its fields trimmed and checked (bounds, control characters, required
    /// fields, the country's form); the phone and the postal code are left as they are.
    fn tidied(&self) -> Result<Address, OrderError> {
        let trim = |s: &str| s.trim().to_owned();
        let out = Address {
            name: trim(&self.name),
            line1: trim(&self.line1),
            line2: self.line2.as_deref().map(trim).filter(|s| !s.is_empty()),
            city: trim(&self.city),
            postal_code: self
                .postal_code
                .as_deref()
                .map(trim)
                .filter(|s| !s.is_empty()),
            state: self.state.as_deref().map(trim).filter(|s| !s.is_empty()),
            country: self.country.trim().to_ascii_uppercase(),
            phone: trim(&self.phone),
        };
        let empty = String::new();
        let fields = [
            ("name", &out.name),
            ("line1", &out.line1),
            ("line2", out.line2.as_ref().unwrap_or(&empty)),
            ("city", &out.city),
            ("postal_code", out.postal_code.as_ref().unwrap_or(&empty)),
            ("phone", &out.phone),
            ("state", out.state.as_ref().unwrap_or(&empty)),
        ];
        for ((field, value), (_, max)) in fields.into_iter().zip(Address::LIMITS) {
            if value.chars().any(char::is_control) {
                return Err(OrderError::AddressControl(field));
            }
            if value.chars().count() > max {
                return Err(OrderError::AddressTooLong { field, max });
            }
        }
        for (field, value) in [
            ("name", &out.name),
            ("line1", &out.line1),
            ("city", &out.city),
            ("country", &out.country),
            ("phone", &out.phone),
        ] {
            if value.is_empty() {
                return Err(OrderError::Address(field));
            }
        }
        if out.country.len() != 2 || !out.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(OrderError::BadCountry);
        }
        Ok(out)
    }

    /// The tidied address with `phone` (checked) and its postal code and state checked for
    /// its country.
    fn with_postal(self, phone: String) -> Result<Address, OrderError> {
        let (postal_code, state) = super::check_postal(
            &self.country,
            self.postal_code.as_deref(),
            self.state.as_deref(),
        )?;
        Ok(Address {
            phone,
            postal_code,
            state,
            ..self
        })
    }

    /// True when the address is outside `home` (the region's country, `MA`).
    pub fn is_abroad(&self, home: &str) -> bool {
        !self.country.trim().eq_ignore_ascii_case(home.trim())
    }

    /// The address's lines as the destination's post expects them on a label or a customs
    /// declaration, the country last in capitals (`country_name`, in the language of the
    /// country of origin as the UPU asks): the town line is `75001 PARIS` in most of Europe
    /// and Africa, `NEW YORK NY 10001` in the United States and Canada, and `LONDON` then
    /// `SW1A 1AA` in the United Kingdom (see [`super::CountryRule::postal_after_city`]).
    ///
    /// ```
    /// use tijara_core::order::Address;
    ///
    /// let a = Address {
    ///     name: "Jane Doe".into(),
    ///     line1: "350 Fifth Avenue".into(),
    ///     line2: None,
    ///     city: "New York".into(),
    ///     postal_code: Some("10118".into()),
    ///     state: Some("NY".into()),
    ///     country: "US".into(),
    ///     phone: "+12125550123".into(),
    /// };
    /// assert_eq!(
    ///     a.postal_lines("États-Unis"),
    ///     ["Jane Doe", "350 Fifth Avenue", "NEW YORK NY 10118", "ÉTATS-UNIS"]
    /// );
    /// ```
    pub fn postal_lines(&self, country_name: &str) -> Vec<String> {
        let mut lines = vec![self.name.clone(), self.line1.clone()];
        lines.extend(self.line2.clone());
        let city = self.city.to_uppercase();
        let code = self.postal_code.as_deref().unwrap_or("");
        let rule = super::country_rule(&self.country);
        let join = |parts: &[&str]| {
            parts
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        };
        match rule {
            Some(r) if r.code == "GB" => {
                lines.push(city);
                if !code.is_empty() {
                    lines.push(code.to_owned());
                }
            }
            Some(r) if r.postal_after_city => {
                let state = self.state.as_deref().unwrap_or("");
                lines.push(join(&[&city, state, code]));
            }
            _ => {
                let state = self.state.as_deref().unwrap_or("");
                lines.push(join(&[code, &city]));
                if !state.is_empty() {
                    lines.push(state.to_uppercase());
                }
            }
        }
        lines.push(country_name.to_uppercase());
        lines
    }
}

#[cfg(test)]
mod normalized_tests {
    use super::Address;

    fn at(phone: &str, country: &str) -> Address {
        Address {
            name: "Fatima".into(),
            line1: "1 Rue Tarfaya".into(),
            line2: None,
            city: "Dakhla".into(),
            postal_code: Some("73000".into()),
            state: None,
            country: country.into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn the_same_phone_is_judged_by_each_country_plan() {
        // National forms: valid in Morocco and in France, each in its own plan; no plan
        // for "ZZ".
        let ma = at("0612345678", "MA").normalized().map(|a| a.phone);
        let fr = at("0612345678", "FR").normalized().map(|a| a.phone);
        let zz = at("0612345678", "ZZ").normalized();
        assert_eq!(ma.as_deref(), Ok("+212612345678"));
        assert_eq!(fr.as_deref(), Ok("+33612345678"));
        assert!(zz.is_err());
    }

    #[test]
    fn a_checked_address_is_the_normalized_one_and_reads_back_checked() {
        let given = at(" 06 12 34 56 78 ", "ma");
        let checked = given.checked().expect("valid");
        assert_eq!(checked.as_address(), &given.normalized().expect("valid"));
        assert_eq!(checked.phone, "+212612345678");
        let json = serde_json::to_string(&checked).expect("json");
        assert_eq!(
            json,
            serde_json::to_string(checked.as_address()).expect("json")
        );
        let back: super::CheckedAddress = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, checked);
        // Text that is no valid address is not read as a checked one.
        let bad = json.replace("+212612345678", "12");
        assert!(serde_json::from_str::<super::CheckedAddress>(&bad).is_err());
    }

    #[test]
    fn a_new_city_is_checked_again_and_the_phone_kept() {
        let checked = at("0612345678", "MA").checked().expect("valid");
        let moved = checked
            .clone()
            .with_city(" Laâyoune ".into(), Some("70000".into()))
            .expect("valid city");
        assert_eq!(moved.city, "Laâyoune");
        assert_eq!(moved.postal_code.as_deref(), Some("70000"));
        assert_eq!(moved.phone, checked.phone);
        assert_eq!(moved.as_address().checked().as_ref(), Ok(&moved));
        assert_eq!(
            checked.clone().with_city("Dakhla\nX".into(), None),
            Err(super::OrderError::AddressControl("city"))
        );
        assert_eq!(
            checked.with_city(" ".into(), None),
            Err(super::OrderError::Address("city"))
        );
    }

    proptest::proptest! {
        /// A normalized address is its own normalized form: checkout resolves the address,
        /// and placing the order checks it again without changing it.
        #[test]
        fn normalizing_twice_changes_nothing(
            phone in "[0-9+ ]{1,14}",
            country in proptest::sample::select(vec!["MA", "ma ", "FR", "US", "ZZ"]),
            name in " ?[A-Za-z]{1,12} ?",
        ) {
            let mut a = at(&phone, country);
            a.name = name;
            if let Ok(once) = a.normalized() {
                proptest::prop_assert_eq!(once.normalized(), Ok(once.clone()));
            }
        }

        /// The E.164 text written from the number's parts is the library formatter's, leading
        /// zeros of a national number (Italy's) included.
        #[test]
        fn the_e164_text_is_the_formatters(
            phone in "(\\+|00)?[0-9]{4,15}",
            country in proptest::sample::select(vec!["MA", "FR", "IT", "US", "GB", "SN", "ZZ"]),
        ) {
            use std::str::FromStr;
            if let Ok(ours) = super::normalize_phone(&phone, country) {
                let plan = phonenumber::country::Id::from_str(country).ok();
                let text = if phone.starts_with('+') { phone.clone() } else if let Some(rest) = phone.strip_prefix("00") { format!("+{rest}") } else { phone.clone() };
                let number = phonenumber::parse(plan, &text).expect("parsed before");
                let theirs = number.format().mode(phonenumber::Mode::E164).to_string();
                proptest::prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn an_italian_number_keeps_its_leading_zero() {
        assert_eq!(
            super::normalize_phone("+39 06 6982 0000", "IT"),
            Ok("+390669820000".to_owned())
        );
        assert_eq!(
            super::normalize_phone("0661-123456", "MA"),
            Ok("+212661123456".to_owned())
        );
    }
}
