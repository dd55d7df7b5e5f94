//! A seller's application: the contact phone, the optional legal identifiers (ICE, IF, RC)
//! and the auto-entrepreneur status, checked and turned into what the seller record keeps.
//!
//! The TVA follows the status (see `MOROCCO.md`): an auto-entrepreneur (law 114-13) charges
//! no TVA; a seller giving an ICE without that status is taken as registered for the TVA;
//! a seller giving neither charges none ("non assujetti"), which the admin can change.

use crate::catalog::{LegalIds, SellerTaxStatus};

/// What an applicant typed (every field as typed; [`Application::check`] tidies them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Application {
    /// The phone the marketplace reaches them on (Moroccan `06…`/`07…`/`05…`, or E.164).
    pub phone: String,
    /// ICE: 15 digits (spaces allowed), or empty.
    pub ice: String,
    /// Identifiant fiscal: digits, or empty.
    pub if_number: String,
    /// Registre de commerce (number and court city), or empty.
    pub rc: String,
    /// Declared auto-entrepreneur (law 114-13).
    pub auto_entrepreneur: bool,
}

/// Why an application is refused (each names the field to correct).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// The phone is not a Moroccan mobile or fixed number, nor an international one.
    #[error("phone: not a phone number (e.g. 06 12 34 56 78 or +212 6 12 34 56 78)")]
    BadPhone,
    /// The ICE is not 15 digits.
    #[error("ICE: must be 15 digits")]
    BadIce,
    /// The IF is not 1 to 10 digits.
    #[error("IF: must be 1 to 10 digits")]
    BadIf,
    /// The RC is too long or has control characters.
    #[error("RC: at most 40 characters")]
    BadRc,
}

/// An application once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedApplication {
    /// The phone in E.164 (`+212612345678`).
    pub phone: String,
    /// The legal identifiers given.
    pub legal: LegalIds,
    /// The TVA status that follows.
    pub tax_status: SellerTaxStatus,
}

/// The mention on an auto-entrepreneur's invoices.
pub const AUTO_ENTREPRENEUR_MENTION: &str = "TVA non applicable — auto-entrepreneur, loi 114-13";
/// The mention on the invoices of a seller who gave neither an ICE nor the status.
pub const NOT_LIABLE_MENTION: &str = "TVA non applicable — non assujetti";

/// A phone number in E.164: `0612345678` / `06 12 34 56 78` / `+212 6…` / `00212 6…`
/// become `+212612345678`; another country's `+…` number is kept if it is E.164.
pub fn normalize_phone(typed: &str) -> Result<String, ApplicationError> {
    let compact: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let e164 = if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = compact.strip_prefix('0') {
        // A Moroccan national number: 0 then 9 digits starting 5, 6 or 7.
        if rest.len() != 9 || !matches!(rest.as_bytes().first(), Some(b'5' | b'6' | b'7')) {
            return Err(ApplicationError::BadPhone);
        }
        format!("+212{rest}")
    } else {
        compact
    };
    if !crate::catalog::is_e164(&e164) {
        return Err(ApplicationError::BadPhone);
    }
    if let Some(national) = e164.strip_prefix("+212")
        && (national.len() != 9 || !matches!(national.as_bytes().first(), Some(b'5' | b'6' | b'7')))
    {
        return Err(ApplicationError::BadPhone);
    }
    Ok(e164)
}

fn digits(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Application {
    /// Checks and tidies the application; the first wrong field is the error (every wrong
    /// field: [`Application::problems`]).
    pub fn check(&self) -> Result<CheckedApplication, ApplicationError> {
        let phone = normalize_phone(&self.phone)?;
        let ice = self.ice()?;
        let if_number = self.if_number()?;
        let rc = self.rc()?;
        let some = |s: String| (!s.is_empty()).then_some(s);
        let tax_status = if self.auto_entrepreneur {
            SellerTaxStatus::Exempt {
                reason: AUTO_ENTREPRENEUR_MENTION.into(),
            }
        } else if !ice.is_empty() {
            SellerTaxStatus::VatRegistered
        } else {
            SellerTaxStatus::Exempt {
                reason: NOT_LIABLE_MENTION.into(),
            }
        };
        Ok(CheckedApplication {
            phone,
            legal: LegalIds {
                ice: some(ice),
                if_number: some(if_number),
                rc: some(rc),
                ..LegalIds::default()
            },
            tax_status,
        })
    }

    /// Every wrong field, in the form's order (phone, ICE, IF, RC): a form can mark them all
    /// at once. Empty when [`Application::check`] succeeds.
    ///
    /// ```
    /// use tijara_core::onboarding::{Application, ApplicationError};
    ///
    /// let a = Application {
    ///     phone: "12345".into(),
    ///     ice: "123".into(),
    ///     ..Application::default()
    /// };
    /// assert_eq!(a.problems(), vec![ApplicationError::BadPhone, ApplicationError::BadIce]);
    /// ```
    pub fn problems(&self) -> Vec<ApplicationError> {
        [
            normalize_phone(&self.phone).err(),
            self.ice().err(),
            self.if_number().err(),
            self.rc().err(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn ice(&self) -> Result<String, ApplicationError> {
        let ice = digits(&self.ice);
        if !ice.is_empty() && (ice.len() != 15 || !ice.bytes().all(|b| b.is_ascii_digit())) {
            return Err(ApplicationError::BadIce);
        }
        Ok(ice)
    }

    fn if_number(&self) -> Result<String, ApplicationError> {
        let if_number = digits(&self.if_number);
        if !if_number.is_empty()
            && (if_number.len() > 10 || !if_number.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApplicationError::BadIf);
        }
        Ok(if_number)
    }

    fn rc(&self) -> Result<String, ApplicationError> {
        let rc = self.rc.trim().to_owned();
        if rc.chars().count() > 40 || rc.chars().any(char::is_control) {
            return Err(ApplicationError::BadRc);
        }
        Ok(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn app(phone: &str) -> Application {
        Application {
            phone: phone.into(),
            ..Application::default()
        }
    }

    #[test]
    fn moroccan_phones_become_e164() {
        for typed in [
            "0612345678",
            "06 12 34 56 78",
            "+212 6 12 34 56 78",
            "00212612345678",
            "06.12.34.56.78",
        ] {
            assert_eq!(
                normalize_phone(typed).as_deref(),
                Ok("+212612345678"),
                "{typed}"
            );
        }
        assert_eq!(
            normalize_phone("+33612345678").as_deref(),
            Ok("+33612345678")
        );
        for bad in [
            "",
            "12345",
            "0812345678",
            "061234567",
            "+2126123456789",
            "phone",
        ] {
            assert_eq!(
                normalize_phone(bad),
                Err(ApplicationError::BadPhone),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_tva_follows_the_status() {
        let ae = Application {
            auto_entrepreneur: true,
            ice: "001234567000089".into(),
            ..app("0612345678")
        };
        assert!(
            matches!(ae.check().map(|c| c.tax_status), Ok(SellerTaxStatus::Exempt { reason }) if reason == AUTO_ENTREPRENEUR_MENTION)
        );
        let registered = Application {
            ice: "001 234 567 000 089".into(),
            ..app("0612345678")
        };
        let checked = registered.check().expect("valid");
        assert_eq!(checked.tax_status, SellerTaxStatus::VatRegistered);
        assert_eq!(checked.legal.ice.as_deref(), Some("001234567000089"));
        assert!(
            matches!(app("0612345678").check().map(|c| c.tax_status), Ok(SellerTaxStatus::Exempt { reason }) if reason == NOT_LIABLE_MENTION)
        );
    }

    #[test]
    fn wrong_identifiers_are_named() {
        let bad_ice = Application {
            ice: "12345".into(),
            ..app("0612345678")
        };
        assert_eq!(bad_ice.check(), Err(ApplicationError::BadIce));
        let bad_if = Application {
            if_number: "12a".into(),
            ..app("0612345678")
        };
        assert_eq!(bad_if.check(), Err(ApplicationError::BadIf));
        let bad_rc = Application {
            rc: "x".repeat(41),
            ..app("0612345678")
        };
        assert_eq!(bad_rc.check(), Err(ApplicationError::BadRc));
        let all_wrong = Application {
            phone: "12".into(),
            ice: "1".into(),
            if_number: "x".into(),
            rc: "x".repeat(41),
            auto_entrepreneur: false,
        };
        assert_eq!(
            all_wrong.problems(),
            vec![
                ApplicationError::BadPhone,
                ApplicationError::BadIce,
                ApplicationError::BadIf,
                ApplicationError::BadRc
            ]
        );
    }

    proptest! {
        #[test]
        fn any_nine_digit_mobile_is_accepted(n in 600_000_000u32..800_000_000) {
            let checked = normalize_phone(&format!("0{n}"));
            prop_assert_eq!(checked, Ok(format!("+212{n}")));
        }

        #[test]
        fn checking_never_panics(phone in ".{0,30}", ice in ".{0,20}", ifn in ".{0,12}", rc in ".{0,50}") {
            let _ = Application { phone, ice, if_number: ifn, rc, auto_entrepreneur: false }.check();
        }

        /// `problems` lists a field exactly when `check` would refuse it alone, and its first
        /// problem is `check`'s error.
        #[test]
        fn problems_agree_with_check(phone in "[0-9 +]{0,14}", ice in "[0-9a ]{0,17}", ifn in "[0-9a]{0,12}", rc in ".{0,45}") {
            let a = Application { phone, ice, if_number: ifn, rc, auto_entrepreneur: false };
            let problems = a.problems();
            prop_assert_eq!(problems.first().cloned(), a.check().err());
            prop_assert_eq!(problems.is_empty(), a.check().is_ok());
        }
    }
}
