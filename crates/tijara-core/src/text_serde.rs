//! Reading a value written as a string: one visitor for every type that serde reads from its
//! text through a parsing function (ids, currencies, languages), taking a borrowed string
//! without copying it first.

use std::fmt;

/// Reads a `T` from text with `parse`; `expecting` names what a wrong input should have been.
pub(crate) struct TextVisitor<T, E> {
    pub(crate) expecting: &'static str,
    pub(crate) parse: fn(&str) -> Result<T, E>,
}

impl<T, Why: fmt::Display> serde::de::Visitor<'_> for TextVisitor<T, Why> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }

    /// UTF-8 bytes, as a `String` took them (binary formats may hand text over so).
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
        }
    }
}
