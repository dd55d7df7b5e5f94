//! The marketplace's bank account, checked (a Moroccan RIB with its key, an IBAN with its
//! checksum, a SWIFT/BIC code), and the transfer instructions a shopper is given: to whom,
//! at which bank, which amount, which reference to write, and by when.

use tijara_core::order::OrderNumber;
use tijara_core::{Lang, Money};

/// Why a bank account setting was refused (at startup).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BankDetailsError {
    /// The beneficiary (account holder) is empty.
    #[error("the beneficiary (account holder) is required")]
    NoBeneficiary,
    /// The bank's name is empty.
    #[error("the bank's name is required")]
    NoBank,
    /// A RIB is 24 digits (spaces allowed).
    #[error("a RIB is 24 digits, got {length} characters of digits and others")]
    RibLength {
        /// How many characters were given (spaces removed).
        length: usize,
    },
    /// The RIB's last two digits are not its key.
    #[error("the RIB's key (its last two digits) is wrong: expected {expected:02}")]
    RibKey {
        /// The key its first 22 digits give.
        expected: u8,
    },
    /// An IBAN is 15 to 34 letters and digits, starting with a country code and two digits.
    #[error(
        "an IBAN starts with a country code and two check digits, then 11 to 30 letters or digits"
    )]
    IbanForm,
    /// The IBAN's check digits are wrong (a typing mistake).
    #[error("the IBAN's check digits are wrong: check it for a typing mistake")]
    IbanChecksum,
    /// A Moroccan IBAN must carry the RIB given.
    #[error("the Moroccan IBAN does not carry the RIB given")]
    IbanNotRib,
    /// A SWIFT (BIC) code is 8 or 11 characters: bank (4 letters), country (2 letters),
    /// place (2), branch (3, optional).
    #[error("a SWIFT (BIC) code is 8 or 11 characters, such as BCMAMAMC")]
    Swift,
}

/// The marketplace's bank account, checked. Shown to shoppers who pay by transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetails {
    beneficiary: String,
    bank: String,
    rib: String,
    iban: Option<String>,
    swift: Option<String>,
    demo: bool,
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The remainder by 97 of a long number written in decimal digits.
fn mod97(digits: impl Iterator<Item = u32>) -> u32 {
    digits.fold(0u32, |r, d| (r * 10 + d) % 97)
}

/// Checks a Moroccan RIB: 24 digits (spaces, dashes and dots allowed; Arabic-Indic digits read
/// as digits), the last two its key (the whole number is a multiple of 97). Returns its 24
/// digits. The check is [`tijara_core::bank::check_rib`]'s.
pub fn check_rib(rib: &str) -> Result<String, BankDetailsError> {
    tijara_core::bank::check_rib(&compact(rib)).map_err(|e| match e {
        tijara_core::bank::RibError::Key { expected } => BankDetailsError::RibKey { expected },
        _ => BankDetailsError::RibLength {
            length: compact(rib).chars().count(),
        },
    })
}

/// Checks an IBAN: country code, check digits, 11 to 30 letters or digits, and its ISO 13616
/// checksum (mod 97 is 1). Returns it without spaces, upper case.
pub fn check_iban(iban: &str) -> Result<String, BankDetailsError> {
    let iban = compact(iban);
    let b = iban.as_bytes();
    let form = (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric);
    if !form {
        return Err(BankDetailsError::IbanForm);
    }
    let moved = b[4..].iter().chain(&b[..4]);
    let digits = moved.flat_map(|&c| {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        if v >= 10 {
            vec![v / 10, v % 10]
        } else {
            vec![v]
        }
    });
    if mod97(digits) != 1 {
        return Err(BankDetailsError::IbanChecksum);
    }
    Ok(iban)
}

/// Checks a SWIFT (BIC) code: 8 or 11 characters. Returns it upper case.
pub fn check_swift(swift: &str) -> Result<String, BankDetailsError> {
    let s = compact(swift);
    let b = s.as_bytes();
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(u8::is_ascii_alphanumeric);
    if ok {
        Ok(s)
    } else {
        Err(BankDetailsError::Swift)
    }
}

/// Groups a code by four characters for reading (`MA64 0117 8000…`).
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

impl BankDetails {
    /// Checks and builds the account: beneficiary and bank required, the RIB with its key,
    /// the IBAN (if given) with its checksum (a Moroccan IBAN, `MA…`, must carry the RIB),
    /// the SWIFT code (if given) of 8 or 11 characters.
    ///
    /// ```
    /// use tijara_pay_offline::BankDetails;
    ///
    /// let account = BankDetails::new(
    ///     "Dakhla Market SARL",
    ///     "Banque Exemple",
    ///     "011 780 0000123456789012 96",
    ///     Some("MA64 0117 8000 0012 3456 7890 1296"),
    ///     Some("BCMAMAMC"),
    /// )
    /// .unwrap();
    /// assert_eq!(account.rib(), "011780000012345678901296");
    /// assert!(BankDetails::new("X", "Y", "011780000012345678901297", None, None).is_err());
    /// ```
    pub fn new(
        beneficiary: &str,
        bank: &str,
        rib: &str,
        iban: Option<&str>,
        swift: Option<&str>,
    ) -> Result<Self, BankDetailsError> {
        let beneficiary = beneficiary.trim();
        let bank = bank.trim();
        if beneficiary.is_empty() {
            return Err(BankDetailsError::NoBeneficiary);
        }
        if bank.is_empty() {
            return Err(BankDetailsError::NoBank);
        }
        let rib = check_rib(rib)?;
        let iban = iban
            .filter(|s| !s.trim().is_empty())
            .map(check_iban)
            .transpose()?;
        if let Some(i) = &iban
            && i.starts_with("MA")
            && i.get(4..) != Some(rib.as_str())
        {
            return Err(BankDetailsError::IbanNotRib);
        }
        let swift = swift
            .filter(|s| !s.trim().is_empty())
            .map(check_swift)
            .transpose()?;
        Ok(BankDetails {
            beneficiary: beneficiary.to_owned(),
            bank: bank.to_owned(),
            rib,
            iban,
            swift,
            demo: false,
        })
    }

    /// The demo marketplace's account: a made-up RIB and IBAN with valid keys, at a bank named
    /// "Banque de démonstration", marked as a demo ([`BankDetails::is_demo`]) so pages say
    /// that no money must be sent to it.
    pub fn demo() -> Self {
        BankDetails {
            beneficiary: "Dakhla Market (démo)".into(),
            bank: "Banque de démonstration".into(),
            rib: "011780000012345678901296".into(),
            iban: Some("MA64011780000012345678901296".into()),
            swift: Some("DEMOMAMCXXX".into()),
            demo: true,
        }
    }

    /// Who receives the transfer.
    pub fn beneficiary(&self) -> &str {
        &self.beneficiary
    }
    /// The bank.
    pub fn bank(&self) -> &str {
        &self.bank
    }
    /// The 24-digit RIB, without spaces.
    pub fn rib(&self) -> &str {
        &self.rib
    }
    /// The IBAN, for payers abroad.
    pub fn iban(&self) -> Option<&str> {
        self.iban.as_deref()
    }
    /// The SWIFT (BIC) code, for payers abroad.
    pub fn swift(&self) -> Option<&str> {
        self.swift.as_deref()
    }
    /// True for the demo account: no money must be sent to it.
    pub fn is_demo(&self) -> bool {
        self.demo
    }
}

/// What a shopper needs to pay an order by transfer: the account, the amount, the reference to
/// write on the transfer, and the deadline (local time), as data a page or a message lays out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferInstructions {
    /// The marketplace's account.
    pub account: BankDetails,
    /// The amount to transfer.
    pub amount: Money,
    /// What to write as the transfer's reference: the order's number (or, for an order
    /// placed before numbers existed, the short reference the caller gives).
    pub reference: String,
    /// When the money must be in (the engine's `pay_by`); unpaid by then, the order is
    /// cancelled.
    pub pay_by: Option<tijara_core::chrono::DateTime<tijara_core::chrono::FixedOffset>>,
}

/// The transfer instructions of an order: for the order page and for messages (e-mail, SMS).
/// `reference` is the order's number (`Order::reference()` in the core gives it, or a short
/// form of the id for old orders); `pay_by` the engine's deadline
/// (`engine.orders()` … `PaymentRequest::pay_by`, i.e. the placing time plus the region's
/// transfer hold, in the region's local time).
///
/// ```
/// use tijara_pay_offline::{BankDetails, transfer_instructions};
/// use tijara_core::{Lang, Money};
///
/// let i = transfer_instructions(&BankDetails::demo(), Money::mad("250.00").unwrap(), "DAK-2026-000123", None);
/// assert!(i.text(Lang::FR).contains("DAK-2026-000123"));
/// ```
pub fn transfer_instructions(
    account: &BankDetails,
    amount: Money,
    reference: &str,
    pay_by: Option<tijara_core::chrono::DateTime<tijara_core::chrono::FixedOffset>>,
) -> TransferInstructions {
    TransferInstructions {
        account: account.clone(),
        amount,
        reference: reference.to_owned(),
        pay_by,
    }
}

/// Builds the instructions from an order number (the usual case).
pub fn transfer_instructions_for(
    account: &BankDetails,
    amount: Money,
    number: &OrderNumber,
    pay_by: Option<tijara_core::chrono::DateTime<tijara_core::chrono::FixedOffset>>,
) -> TransferInstructions {
    transfer_instructions(account, amount, number.as_str(), pay_by)
}

impl TransferInstructions {
    /// The instructions as one plain sentence in `lang` (for an SMS or a plain-text e-mail).
    pub fn text(&self, lang: Lang) -> String {
        let a = &self.account;
        let amount = self.amount.format(lang);
        let abroad = match (a.iban(), a.swift()) {
            (Some(i), Some(s)) => format!(" IBAN {i}, SWIFT {s}."),
            (Some(i), None) => format!(" IBAN {i}."),
            _ => String::new(),
        };
        let (fr, ar, en) = match self.pay_by {
            Some(d) => (
                format!(" avant le {}", d.format("%d/%m/%Y à %H:%M")),
                format!(" قبل {}", d.format("%d/%m/%Y %H:%M")),
                format!(" by {}", d.format("%d/%m/%Y %H:%M")),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        match lang {
            Lang::AR => format!(
                "حوّل {amount} إلى {} ({}) على الحساب RIB {}{ar}، مع كتابة المرجع {}.{abroad}",
                a.beneficiary, a.bank, a.rib, self.reference
            ),
            Lang::EN => format!(
                "Transfer {amount} to {} ({}), RIB {}{en}, writing the reference {}.{abroad}",
                a.beneficiary, a.bank, a.rib, self.reference
            ),
            _ => format!(
                "Virez {amount} à {} ({}), RIB {}{fr}, en indiquant la référence {}.{abroad}",
                a.beneficiary, a.bank, a.rib, self.reference
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rib_is_checked_with_its_key() {
        assert_eq!(
            check_rib("011 519 0000012050005349 21"),
            Ok("011519000001205000534921".into())
        );
        assert_eq!(
            check_rib("011519000001205000534922"),
            Err(BankDetailsError::RibKey { expected: 21 })
        );
        assert_eq!(
            check_rib("0115190000012050005349"),
            Err(BankDetailsError::RibLength { length: 22 })
        );
        assert_eq!(
            check_rib("01151900000120500053492A"),
            Err(BankDetailsError::RibLength { length: 24 })
        );
    }

    #[test]
    fn an_iban_is_checked_with_its_checksum() {
        assert!(check_iban("MA64 0115 1900 0001 2050 0053 4921").is_ok());
        assert!(check_iban("FR76 3000 6000 0112 3456 7890 189").is_ok());
        assert_eq!(
            check_iban("MA65011519000001205000534921"),
            Err(BankDetailsError::IbanChecksum)
        );
        assert_eq!(check_iban("64MA0115"), Err(BankDetailsError::IbanForm));
        assert_eq!(check_iban("MA6401151900é"), Err(BankDetailsError::IbanForm));
    }

    #[test]
    fn the_account_is_checked_whole() {
        let ok = BankDetails::new(
            " Dakhla Market SARL ",
            "Banque Exemple",
            "011519000001205000534921",
            Some("MA64011519000001205000534921"),
            Some("bcmamamc"),
        )
        .expect("valid");
        assert_eq!(ok.beneficiary(), "Dakhla Market SARL");
        assert_eq!(ok.swift(), Some("BCMAMAMC"));
        assert!(!ok.is_demo());
        let e = |b, k, r, i, s| BankDetails::new(b, k, r, i, s).err();
        assert_eq!(
            e(" ", "B", "011519000001205000534921", None, None),
            Some(BankDetailsError::NoBeneficiary)
        );
        assert_eq!(
            e("A", "", "011519000001205000534921", None, None),
            Some(BankDetailsError::NoBank)
        );
        assert_eq!(
            e(
                "A",
                "B",
                "011519000001205000534921",
                Some("MA64011780000012345678901296"),
                None
            ),
            Some(BankDetailsError::IbanNotRib)
        );
        assert_eq!(
            e("A", "B", "011519000001205000534921", None, Some("BCMA")),
            Some(BankDetailsError::Swift)
        );
        // The demo account's own codes pass the checks.
        let d = BankDetails::demo();
        assert!(BankDetails::new(d.beneficiary(), d.bank(), d.rib(), d.iban(), d.swift()).is_ok());
        assert!(d.is_demo());
    }

    #[test]
    fn instructions_name_amount_reference_and_deadline() {
        let pay_by =
            tijara_core::chrono::DateTime::parse_from_rfc3339("2026-12-03T17:15:00+01:00").ok();
        let i = transfer_instructions(
            &BankDetails::demo(),
            Money::mad("1250.00").expect("m"),
            "DAK-2026-000123",
            pay_by,
        );
        let fr = i.text(Lang::FR);
        assert!(fr.contains("1\u{a0}250,00\u{a0}MAD"), "{fr}");
        assert!(fr.contains("DAK-2026-000123") && fr.contains("03/12/2026 à 17:15"));
        assert!(fr.contains("IBAN MA64011780000012345678901296"));
        assert!(i.text(Lang::AR).contains("DAK-2026-000123"));
        assert_eq!(grouped("MA6401"), "MA64 01");
    }
}
