#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod customs;
mod invoice;
mod label;

pub use customs::{customs_html, customs_html_for};
pub use invoice::{invoice_html, invoice_html_for, invoice_html_in};
pub use label::{barcode_svg, label_html, label_html_with};

/// Escapes text for HTML content and double-quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
