//! The interface's words in Arabic, French and English, and what the shop learnt of its region's
//! other languages (which words they read, their direction).

use super::*;

mod account;
mod checkout;
mod guide;
mod legal;
mod messages;
mod order;
mod pages;
mod shop;

/// Words of the interface in each language.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => (
            "Artisanat de Dakhla",
            "صناعة الداخلة التقليدية",
            "Crafts of Dakhla",
        ),
        "csrf" => (
            "Ce formulaire a expiré. Rechargez la page et recommencez.",
            "انتهت صلاحية هذه الاستمارة. أعد تحميل الصفحة وحاول مرة أخرى.",
            "This form has expired. Reload the page and try again.",
        ),
        "lang_unknown" => (
            "Cette langue n'est pas proposée ici. Choisissez العربية, Français ou English en haut de la page.",
            "هذه اللغة غير متوفرة هنا. اختر العربية أو Français أو English في أعلى الصفحة.",
            "This language is not offered here. Choose العربية, Français or English at the top of the page.",
        ),
        _ => [
            shop::get,
            checkout::get,
            order::get,
            account::get,
            pages::get,
            messages::get,
            legal::get,
            guide::get,
        ]
        .iter()
        .find_map(|get| get(key))
        .unwrap_or(("", "", "")),
    };
    pick(lang, fr, ar, en)
}

/// The text for `lang` among a French, an Arabic and an English one; for another language of
/// the region, that of its first fallback the interface has words in ([`ui_lang`]).
pub fn pick<'a>(lang: Lang, fr: &'a str, ar: &'a str, en: &'a str) -> &'a str {
    match ui_lang(lang) {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

/// The languages the interface has words in.
const UI_LANGS: [Lang; 3] = [Lang::AR, Lang::FR, Lang::EN];

/// What the shop learnt of its region's other languages: per language, the language of the
/// interface's words (its first fallback among [`UI_LANGS`]) and its direction. Filled once
/// the region is known ([`learn_languages`]); the words are `&'static` and looked up by a bare
/// `Lang`, so this lives beside them rather than in each page's context.
#[derive(Debug, Clone, Copy)]
struct UiLang {
    lang: Lang,
    words: Lang,
    dir: &'static str,
}

static REGION_LANGS: std::sync::RwLock<Vec<UiLang>> = std::sync::RwLock::new(Vec::new());

/// Learns the region's languages: each one the interface has no words in reads the words of
/// its first fallback that has them (the region's order: Tamazight → Arabic → French), and
/// pages in it carry the region's direction for it.
pub fn learn_languages(region: &tijara_core::Region) {
    let learnt: Vec<UiLang> = region
        .languages
        .iter()
        .filter(|l| !UI_LANGS.contains(l))
        .map(|l| UiLang {
            lang: *l,
            words: region.best_of(*l, &UI_LANGS).unwrap_or(Lang::FR),
            dir: region.dir(*l),
        })
        .collect();
    if let Ok(mut known) = REGION_LANGS.write() {
        for l in learnt {
            known.retain(|k| k.lang != l.lang);
            known.push(l);
        }
    }
}

fn learnt(lang: Lang) -> Option<UiLang> {
    REGION_LANGS
        .read()
        .ok()
        .and_then(|k| k.iter().find(|k| k.lang == lang).copied())
}

/// The language the interface's words are shown in for a page in `lang`: `lang` itself for
/// Arabic, French and English; for another language, its first fallback among those (see
/// [`learn_languages`]), else French.
pub fn ui_lang(lang: Lang) -> Lang {
    if UI_LANGS.contains(&lang) {
        return lang;
    }
    learnt(lang).map_or(Lang::FR, |k| k.words)
}

/// The `dir` attribute of a page in `lang` (the region's direction for it, else its script's).
pub fn page_dir(lang: Lang) -> &'static str {
    learnt(lang).map_or_else(|| lang.dir(), |k| k.dir)
}

/// The region's languages beyond Arabic, French and English (for the language switcher).
pub(super) fn other_langs() -> Vec<Lang> {
    REGION_LANGS
        .read()
        .map(|k| k.iter().map(|k| k.lang).collect())
        .unwrap_or_default()
}
