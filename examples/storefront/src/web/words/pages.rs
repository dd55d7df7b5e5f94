//! Words of the shop's other pages (artisans' shops, legal pages, error pages), as (French,
//! Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "home" => ("Accueil", "الرئيسية", "Home"),
        _ => return None,
    })
}
