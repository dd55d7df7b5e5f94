//! Digits as people type them: Arabic and Persian keyboards type Arabic-Indic digits (٠١٢ or
//! ۰۱۲), the same digits. One rule for every number read from a person (phones, RIBs, amounts,
//! search), below every module that reads one.

/// The ASCII digit of an Arabic-Indic (U+0660–U+0669) or Extended Arabic-Indic
/// (U+06F0–U+06F9) digit, which Arabic and Persian keyboards type; any other character is
/// returned as it is. One rule for every number a person types (phones, RIBs, amounts, search).
///
/// ```
/// use tijara_core::digits::ascii_digit;
/// let typed: String = "٠٦١٢ ۳۴".chars().map(ascii_digit).collect();
/// assert_eq!(typed, "0612 34");
/// ```
pub fn ascii_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (u32::from(c) - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (u32::from(c) - 0x06F0) as u8),
        c => c,
    }
}

/// Whether `c` is a bidirectional mark (LRM, RLM, ALM, the embeddings and overrides, the
/// isolates): invisible characters an Arabic keyboard, or a figure copied from a right-to-left
/// page, puts around numbers; a number read from a person skips them.
///
/// ```
/// use tijara_core::digits::is_direction_mark;
/// let typed: String = "\u{200F}12\u{2069}".chars().filter(|c| !is_direction_mark(*c)).collect();
/// assert_eq!(typed, "12");
/// ```
pub fn is_direction_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}
