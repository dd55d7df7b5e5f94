//! Moroccan bank account numbers (RIB): 24 digits, the last two a key that makes the whole
//! number a multiple of 97, so that a typing mistake is caught before money is sent.

/// Why a RIB was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RibError {
    /// Not 24 digits once spaces, dots and dashes are removed.
    #[error("a RIB is 24 digits, got {length} characters of digits and others")]
    Length {
        /// How many characters were left.
        length: usize,
    },
    /// The last two digits are not the key the first 22 give (a typing mistake).
    #[error("the RIB's key (its last two digits) is wrong: expected {expected:02}")]
    Key {
        /// The key its first 22 digits give.
        expected: u8,
    },
}

/// The remainder by 97 of a long number written in decimal digits.
fn mod97(digits: impl Iterator<Item = u32>) -> u32 {
    digits.fold(0u32, |r, d| (r * 10 + d) % 97)
}

/// Checks a Moroccan RIB as printed (spaces, no-break spaces, dots and dashes allowed; Arabic-Indic
/// digits read as the same digits): 24 digits whose last two are the key. Returns the 24 ASCII
/// digits.
///
/// ```
/// use tijara_core::bank::{RibError, check_rib};
///
/// assert_eq!(check_rib("011 780 0000123456789012 96"), Ok("011780000012345678901296".into()));
/// assert_eq!(check_rib("011780000012345678901234"), Err(RibError::Key { expected: 96 }));
/// assert_eq!(check_rib("0117"), Err(RibError::Length { length: 4 }));
/// assert_eq!(check_rib("٠١١٧٨٠٠٠٠٠١٢٣٤٥٦٧٨٩٠١٢٩٦"), Ok("011780000012345678901296".into()));
/// ```
pub fn check_rib(rib: &str) -> Result<String, RibError> {
    // Arabic keyboards type Arabic-Indic digits (٠١٢ or ۰۱۲): the same digits.
    let rib: String = rib
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .map(crate::digits::ascii_digit)
        .collect();
    if rib.len() != 24 || !rib.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RibError::Length {
            length: rib.chars().count(),
        });
    }
    let digits = rib.bytes().map(|b| u32::from(b - b'0'));
    if mod97(digits) != 0 {
        let first = rib.bytes().take(22).map(|b| u32::from(b - b'0'));
        let r = mod97(first.chain([0, 0]));
        let expected = u8::try_from((97 - r) % 97).unwrap_or(0);
        return Err(RibError::Key { expected });
    }
    Ok(rib)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any 22 digits with their key pass; changing one digit is always caught.
        #[test]
        fn the_key_catches_any_one_digit_typo(first in "[0-9]{22}", at in 0usize..24, by in 1u8..10) {
            let r = mod97(first.bytes().map(|b| u32::from(b - b'0')).chain([0, 0]));
            let rib = format!("{first}{:02}", (97 - r) % 97);
            prop_assert_eq!(check_rib(&rib), Ok(rib.clone()));
            let mut typo = rib.into_bytes();
            typo[at] = b'0' + (typo[at] - b'0' + by) % 10;
            let typo = String::from_utf8(typo).expect("digits");
            let caught = matches!(check_rib(&typo), Err(RibError::Key { .. }));
            prop_assert!(caught, "{} passed", typo);
        }
    }
}
