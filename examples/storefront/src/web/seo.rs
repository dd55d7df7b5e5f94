//! What search engines and link previews read of a page: its description, canonical address,
//! alternates in other languages, Open Graph and structured data.

use super::*;

/// A page's description for search engines and previews. The default says nothing beyond the
/// title.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// One or two sentences of what the page shows.
    pub description: Option<String>,
}

/// The `<head>` tags of `meta` for a page in `lang`.
pub(super) fn head(lang: Lang, meta: &Meta) -> Markup {
    let _ = lang;
    html! {
        @if let Some(d) = &meta.description { meta name="description" content=(d); }
    }
}

/// The footer's legal links (terms, privacy, legal notice) for a page in `lang`; empty until
/// the legal pages exist.
pub(super) fn footer_links(lang: Lang) -> Markup {
    let _ = lang;
    html! {}
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
}
