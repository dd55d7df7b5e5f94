//! The `languages` list of a region file: tags or tables of language facts, read into the
//! region's languages and their [`LanguageInfo`].

use super::*;

/// A language written as a table: its tag and what differs from Tijara's defaults for it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LangEntry {
    tag: String,
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default)]
    fallbacks: Vec<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    number: Option<NumberEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumberEntry {
    #[serde(default)]
    decimal: Option<char>,
    #[serde(default)]
    group: Option<char>,
    #[serde(default)]
    currency: Option<CurrencyPlacement>,
    #[serde(default)]
    digits: Option<Digits>,
    #[serde(default)]
    symbols: BTreeMap<String, String>,
}

/// The `languages` list: each a tag (`"ar"`) or a table (`{ tag = "zgh-Tfng", fallbacks = ["ar",
/// "fr"], direction = "ltr", date = "%d/%m/%Y", number = { decimal = ",", group = " ",
/// currency = "after", digits = "latn", symbols = { MAD = "DH" } } }`) whose missing keys keep
/// Tijara's defaults for the tag ([`LanguageInfo::builtin`]).
pub(super) fn read_languages(
    ctx: &Ctx<'_>,
    list: &Spanned<Vec<Spanned<toml::Value>>>,
) -> Result<(Vec<Lang>, Vec<LanguageInfo>), RegionFileError> {
    let mut languages = Vec::new();
    let mut entries = Vec::new();
    for (i, item) in list.get_ref().iter().enumerate() {
        let span = item.span();
        let field = format!("languages[{i}]");
        let entry = match item.get_ref() {
            toml::Value::String(tag) => (ctx.lang(span.clone(), &field, tag)?, None),
            toml::Value::Table(_) => {
                let entry: LangEntry = item
                    .get_ref()
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| ctx.err(span.clone(), &field, e.message()))?;
                let lang = ctx.lang(span.clone(), &format!("{field}.tag"), &entry.tag)?;
                (lang, Some(entry))
            }
            _ => {
                return Err(ctx.err(
                    span,
                    field,
                    "a language is a tag (\"ar\") or a table ({ tag = \"zgh-Tfng\", ... })",
                ));
            }
        };
        if languages.contains(&entry.0) {
            return Err(ctx.err(span, field, format!("{} is listed twice", entry.0)));
        }
        languages.push(entry.0);
        entries.push((i, span, entry));
    }
    let mut infos = Vec::new();
    for (i, span, (lang, entry)) in entries {
        let Some(e) = entry else { continue };
        let field = |f: &str| format!("languages[{i}].{f}");
        let mut info = LanguageInfo::builtin(lang).into_owned();
        if let Some(d) = e.direction {
            info.direction = d;
        }
        for (j, f) in e.fallbacks.iter().enumerate() {
            let fallback = ctx.lang(span.clone(), &field(&format!("fallbacks[{j}]")), f)?;
            if fallback == lang || !languages.contains(&fallback) {
                return Err(ctx.err(
                    span.clone(),
                    field(&format!("fallbacks[{j}]")),
                    format!("{fallback} is not another of the region's languages"),
                ));
            }
            info.fallbacks.push(fallback);
        }
        if let Some(date) = e.date {
            if !LanguageInfo::is_date_pattern(&date) {
                return Err(ctx.err(
                    span.clone(),
                    field("date"),
                    format!("{date:?} is not a strftime pattern (e.g. \"%d/%m/%Y\")"),
                ));
            }
            info.date = date;
        }
        if let Some(n) = e.number {
            let number = &mut info.number;
            number.decimal = n.decimal.unwrap_or(number.decimal);
            number.group = n.group.unwrap_or(number.group);
            number.currency = n.currency.unwrap_or(number.currency);
            number.digits = n.digits.unwrap_or(number.digits);
            for (code, symbol) in n.symbols {
                let currency = Currency::from_code(&code).map_err(|err| {
                    ctx.err(span.clone(), field(&format!("number.symbols.{code}")), err)
                })?;
                number
                    .symbols
                    .insert(currency.code().to_owned(), symbol.trim().to_owned());
            }
            if number.decimal == number.group {
                return Err(ctx.err(
                    span.clone(),
                    field("number"),
                    "the decimal and group separators differ",
                ));
            }
        }
        infos.push(info);
    }
    Ok((languages, infos))
}
