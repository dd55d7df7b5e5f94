//! A form's refused fields, each said beside its field: the input marked `aria-invalid` and
//! described by the sentence (`err-<field>`), and a summary at the top that counts them, so a
//! form with several mistakes shows them all at once.

use maud::{Markup, html};
use tijara_core::Lang;

/// The refusals of one form, in the form's order.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    list: Vec<(&'static str, String)>,
}

impl FieldErrors {
    /// No refusal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses `field` with `sentence` (a field refused twice keeps its first sentence).
    pub fn add(&mut self, field: &'static str, sentence: impl Into<String>) {
        if self.sentence(field).is_none() {
            self.list.push((field, sentence.into()));
        }
    }

    /// True when no field is refused.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many fields are refused.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The sentence refusing `field`, if it is refused.
    pub fn sentence(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, s)| s.as_str())
    }

    /// `aria-invalid`'s value for `field`: `"true"` when refused.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        self.sentence(field).map(|_| "true")
    }

    /// `aria-describedby` for `field`: its help's id (`help`, may be empty) and, when refused,
    /// its sentence's; `None` when neither.
    pub fn described(&self, field: &str, help: &str) -> Option<String> {
        match (self.sentence(field).is_some(), help.is_empty()) {
            (true, true) => Some(format!("err-{field}")),
            (true, false) => Some(format!("{help} err-{field}")),
            (false, true) => None,
            (false, false) => Some(help.to_owned()),
        }
    }

    /// The sentence beside `field` (nothing when it is not refused).
    pub fn note(&self, field: &str) -> Markup {
        html! {
            @if let Some(s) = self.sentence(field) {
                span.error.field-error id={ "err-" (field) } { (s) }
            }
        }
    }

    /// The summary at the top of the form: how many fields to correct, each sentence linking
    /// to its field (nothing when none is refused).
    pub fn summary(&self, lang: Lang) -> Markup {
        if self.list.is_empty() {
            return html! {};
        }
        // Arabic counts in three forms after one: the dual (2), the plural (3 to 10), then
        // the singular again (11 and more).
        let head = match self.list.len() {
            1 => crate::web::pick(
                lang,
                "Un champ à corriger :",
                "خانة واحدة للتصحيح:",
                "One field to correct:",
            )
            .to_owned(),
            2 => crate::web::pick(
                lang,
                "2 champs à corriger :",
                "خانتان للتصحيح:",
                "2 fields to correct:",
            )
            .to_owned(),
            n => crate::web::pick(
                lang,
                "{n} champs à corriger :",
                if n <= 10 {
                    "{n} خانات للتصحيح:"
                } else {
                    "{n} خانة للتصحيح:"
                },
                "{n} fields to correct:",
            )
            .replace("{n}", &n.to_string()),
        };
        html! {
            div.error role="alert" {
                p { strong { (head) } }
                ul { @for (field, s) in &self.list { li { a href={ "#f-" (field) } { (s) } } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_kept_in_order_once_per_field() {
        let mut e = FieldErrors::new();
        assert!(e.is_empty() && e.summary(Lang::FR).into_string().is_empty());
        e.add("phone", "Téléphone : …");
        e.add("email", "E-mail : …");
        e.add("phone", "second");
        assert_eq!(e.len(), 2);
        assert_eq!(e.sentence("phone"), Some("Téléphone : …"));
        assert_eq!(e.invalid("email"), Some("true"));
        assert_eq!(e.invalid("shop"), None);
        assert_eq!(
            e.described("phone", "phone-help").as_deref(),
            Some("phone-help err-phone")
        );
        assert_eq!(e.described("email", "").as_deref(), Some("err-email"));
        assert_eq!(e.described("shop", "").as_deref(), None);
        assert_eq!(e.described("shop", "h").as_deref(), Some("h"));
        let note = e.note("email").into_string();
        assert!(note.contains(r#"id="err-email""#), "{note}");
        assert!(e.note("shop").into_string().is_empty());
        let s = e.summary(Lang::FR).into_string();
        assert!(
            s.contains("2 champs à corriger") && s.contains(r##"href="#f-phone""##),
            "{s}"
        );
        assert!(s.find("f-phone") < s.find("f-email"), "the form's order");
        let mut one = FieldErrors::new();
        one.add("rc", "RC");
        assert!(one.summary(Lang::AR).into_string().contains("خانة واحدة"));
        assert!(
            e.summary(Lang::AR).into_string().contains("خانتان"),
            "the dual"
        );
        let mut many = FieldErrors::new();
        for f in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] {
            many.add(f, f);
        }
        assert!(many.summary(Lang::AR).into_string().contains("11 خانة"));
        many.list.truncate(8);
        assert!(many.summary(Lang::AR).into_string().contains("8 خانات"));
    }
}
