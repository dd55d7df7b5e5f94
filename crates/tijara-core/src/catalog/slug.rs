//! Readable URL slugs from product titles in any script: an Arabic-only title gets a Latin
//! slug (`زربية` → `zrby-…`), never a bare random suffix.

/// The most characters a slug takes from the title (the suffix comes on top).
pub const SLUG_TITLE_CHARS: usize = 60;

/// A URL slug made from `title`: transliterated to Latin letters (Arabic, accented French...),
/// lower case, words joined by `-`, cut at [`SLUG_TITLE_CHARS`] on a word boundary, then
/// `-suffix` (a few random characters that keep two products of the same name apart). A
/// title with nothing to transliterate gives the suffix alone. The result passes
/// [`Product::validate`](super::Product::validate)'s slug rule when `suffix` is lower-case
/// ASCII letters, digits and `-`.
///
/// ```
/// use tijara_core::catalog::slug_from_title;
/// assert_eq!(slug_from_title("Tapis berbère, 2×3 m", "k3x9"), "tapis-berbere-2x3-m-k3x9");
/// assert!(slug_from_title("زربية صوفية", "k3x9").starts_with("zrby"));
/// assert_eq!(slug_from_title("  ", "k3x9"), "k3x9");
/// ```
pub fn slug_from_title(title: &str, suffix: &str) -> String {
    let latin = deunicode::deunicode_with_tofu(title, "-");
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in latin.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut base = String::new();
    for w in words {
        let extra = if base.is_empty() {
            w.len()
        } else {
            w.len() + 1
        };
        if base.len() + extra > SLUG_TITLE_CHARS {
            if base.is_empty() {
                base = w.chars().take(SLUG_TITLE_CHARS).collect();
            }
            break;
        }
        if !base.is_empty() {
            base.push('-');
        }
        base.push_str(&w);
    }
    let suffix = suffix.trim_matches('-');
    match (base.is_empty(), suffix.is_empty()) {
        (true, _) => suffix.to_owned(),
        (false, true) => base,
        (false, false) => format!("{base}-{suffix}"),
    }
}

/// The title a new product's slug is made from: the French one, else the English one, else
/// the Arabic one (transliterated), so the address reads the same as the shop's default
/// language where it can.
pub fn slug_title(title: &crate::i18n::LocalizedText) -> &str {
    use crate::i18n::Lang;
    [Lang::FR, Lang::EN, Lang::AR]
        .into_iter()
        .filter_map(|l| title.exact(l))
        .find(|t| !t.trim().is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_arabic_title_gets_a_latin_slug() {
        let s = slug_from_title("زربية صوفية", "ab12");
        assert!(s.ends_with("-ab12"), "{s}");
        assert!(
            s.len() > "-ab12".len() + 3,
            "readable words before the suffix: {s}"
        );
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{s}"
        );
        assert!(!s.contains("--"), "{s}");
    }

    #[test]
    fn accents_and_signs_are_folded() {
        assert_eq!(
            slug_from_title("Théière en cuivre — Fès", "x1"),
            "theiere-en-cuivre-fes-x1"
        );
        assert_eq!(slug_from_title("!!!", "x1"), "x1");
        assert_eq!(slug_from_title("Bol", ""), "bol");
    }

    #[test]
    fn a_long_title_is_cut_on_a_word() {
        let s = slug_from_title(&"tapis ".repeat(30), "x1");
        assert!(s.len() <= SLUG_TITLE_CHARS + 3, "{s}");
        assert!(s.ends_with("tapis-x1"), "{s}");
        let one = slug_from_title(&"a".repeat(200), "x1");
        assert_eq!(one.len(), SLUG_TITLE_CHARS + 3);
    }

    #[test]
    fn the_french_title_is_preferred_then_english_then_arabic() {
        use crate::i18n::{Lang, LocalizedText};
        let mut t = LocalizedText::default();
        t.set(Lang::AR, "زربية");
        assert_eq!(slug_title(&t), "زربية");
        t.set(Lang::EN, "Rug");
        assert_eq!(slug_title(&t), "Rug");
        t.set(Lang::FR, "Tapis");
        assert_eq!(slug_title(&t), "Tapis");
    }

    proptest! {
        #[test]
        fn any_title_gives_a_valid_slug(title in "\\PC{0,120}") {
            let s = slug_from_title(&title, "k3x9");
            prop_assert!(s.ends_with("k3x9"));
            prop_assert!(!s.starts_with('-') && !s.contains("--"));
            prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            prop_assert!(s.len() <= SLUG_TITLE_CHARS + 5);
        }
    }
}
