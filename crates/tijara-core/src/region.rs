//! Regions: everything another regional marketplace changes to reuse Tijara.

use crate::cart::CartLimits;
use crate::currency::Currency;
use crate::i18n::{Direction, Lang, LanguageInfo, LocalizedText};
use crate::ids::TaxCategoryId;
use crate::money::Money;
use crate::rate::Rate;
use crate::tax::{DatedTaxRate, TaxError, TaxRules};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

mod cities;
pub use cities::{
    City, CityIndex, city_key, find_city, moroccan_cities, near_city, resolve_city, resolve_city_as,
};

/// A legal identifier that may be printed on invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegalIdKind {
    /// Identifiant commun de l'entreprise.
    Ice,
    /// Identifiant fiscal.
    If,
    /// Registre de commerce.
    Rc,
    /// Taxe professionnelle.
    Tp,
    /// Caisse nationale de sécurité sociale.
    Cnss,
}

/// What the region's invoices must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRules {
    /// Identifiers printed for a seller that has them (CGI art. 145-III for Morocco).
    pub seller_ids: Vec<LegalIdKind>,
    /// The mention printed when a seller charges no TVA.
    pub no_vat_mention: LocalizedText,
}

pub use crate::display::{DisplayAmount, DisplayRate};

/// The TVA exemption of goods delivered for export, as a dated setting of the region.
///
/// Morocco: "les produits livrés et les prestations de services rendues à l'exportation par
/// les assujettis" are exempt **with** the right of deduction (CGI art. 92-I-1°), on proof of
/// export (the transport title or customs document that goes with the goods). When in force,
/// the lines of a TVA-registered seller shipped to another country are priced without TVA:
/// the TTC price less its TVA (see [`crate::pricing`]). Sellers outside the TVA (auto-
/// entrepreneurs, exempt cooperatives) charge none anyway and keep their own mention.
///
/// The delivery of such a parcel, charged by the exporting seller with the goods, is priced
/// the same way when [`ExportExemption::shipping`] is on (the default): the article covers
/// "les prestations de services rendues à l'exportation" beside the goods, and the transport
/// to the buyer abroad is part of the export sale. This reading of the article is the
/// project's (see `docs/embedding.md`, "Export TVA"); a region whose tax adviser reads it
/// otherwise sets `shipping = false` and its deliveries keep the shipping tax category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportExemption {
    /// First local day in force.
    pub valid_from: NaiveDate,
    /// First local day no longer in force (`None`: still in force).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The invoice's mention (in the invoices' language, French in Morocco).
    pub mention: String,
    /// Whether the delivery of a part shipped abroad is exempt too (priced at the carrier's
    /// TTC price less its TVA, TVA 0 with [`ExportExemption::mention`]). Absent from stored
    /// JSON and region files written before it existed: on.
    #[serde(default = "exempt_shipping")]
    pub shipping: bool,
}

fn exempt_shipping() -> bool {
    true
}

impl ExportExemption {
    /// True on the local days the exemption is in force.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|u| date < u)
    }

    /// Morocco's: CGI art. 92-I-1°, in force since 2024-01-01 (the first day of the region's
    /// dated TVA rates; the article itself is older), deliveries abroad included.
    pub fn morocco() -> ExportExemption {
        ExportExemption {
            valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            valid_until: None,
            mention: "Exonération de TVA à l'exportation (CGI art. 92-I-1°)".into(),
            shipping: true,
        }
    }
}

fn default_country() -> String {
    "MA".into()
}

/// Why a region is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegionError {
    /// No language listed.
    #[error("a region needs at least one language")]
    NoLanguage,
    /// The default language is not among the region's languages.
    #[error("default language {0} is not one of the region's languages")]
    DefaultLangMissing(Lang),
    /// A display currency equals the charged currency.
    #[error("display currency {0} is the charged currency")]
    DisplayCurrencyIsCharged(Currency),
    /// The shipping tax category has no rate.
    #[error("shipping tax category: {0}")]
    ShippingTax(TaxError),
    /// Cart limits of zero.
    #[error("cart limits must allow at least one line of one unit")]
    CartLimits,
    /// A transfer hold outside 1 to 720 hours.
    #[error("the bank transfer hold must be 1 to 720 hours")]
    TransferHold,
    /// Facts given for a language the region does not list.
    #[error("language facts for {0}, which is not one of the region's languages")]
    LanguageInfoUnlisted(Lang),
    /// Facts given twice for one language.
    #[error("language facts for {0} are given twice")]
    LanguageInfoTwice(Lang),
    /// A language falls back to one the region does not speak, or to itself.
    #[error("{lang} falls back to {fallback}, which is not another of the region's languages")]
    UnknownFallback {
        /// The language.
        lang: Lang,
        /// Its fallback.
        fallback: Lang,
    },
    /// A city without a name (or whose name is only spaces and marks).
    #[error("a city has no name")]
    CityUnnamed,
    /// One spelling names two cities, so a shopper typing it could not be told which.
    #[error("{spelling:?} names both {first} and {second}")]
    CitySpellingTwice {
        /// The spelling.
        spelling: String,
        /// The first city it names.
        first: String,
        /// The second.
        second: String,
    },
    /// A date pattern `chrono` does not understand.
    #[error("the date pattern {pattern:?} of {lang} is not a strftime pattern")]
    DatePattern {
        /// The language.
        lang: Lang,
        /// The pattern.
        pattern: String,
    },
}

/// A region's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Short code, e.g. `MA-DAK`.
    pub code: String,
    /// Name.
    pub name: LocalizedText,
    /// Languages the pages speak (BCP 47 tags).
    pub languages: Vec<Lang>,
    /// What the region says of its languages where it differs from Tijara's built-in
    /// [`LanguageInfo::builtin`] (directions, number and date formats, fallbacks), and of any
    /// tag Tijara has no defaults for; see [`Region::language`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language_info: Vec<LanguageInfo>,
    /// Language used when a text is missing in the reader's.
    pub default_lang: Lang,
    /// The currency charged.
    pub currency: Currency,
    /// Offset of local time from UTC, in minutes (dates of tax rates and withdrawal periods are
    /// local dates).
    pub utc_offset_minutes: i32,
    /// Dated TVA rates per category.
    pub tax_rules: TaxRules,
    /// The tax category of shipping charges.
    pub shipping_tax_category: TaxCategoryId,
    /// Days after delivery during which a shopper may withdraw (law 31-08: 7 days).
    pub withdrawal_days: u16,
    /// Commission for sellers without their own rate.
    pub default_commission: Rate,
    /// Invoice requirements.
    pub invoice: InvoiceRules,
    /// Currencies shown beside the charged one, for information.
    pub display_currencies: Vec<Currency>,
    /// Cart bounds.
    pub cart_limits: CartLimits,
    /// How long an order paid by bank transfer holds its stock before it is cancelled and the
    /// stock returns to sale, in hours (default 48).
    #[serde(default = "default_transfer_hold_hours")]
    pub transfer_hold_hours: u32,
    /// The cities the region's carriers serve, for pickers and for matching what shoppers
    /// type ([`find_city`]); empty in regions written before cities were data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cities: Vec<City>,
    /// Words shoppers use for the same thing (transliterations of a Hassaniya word, its Arabic
    /// spelling, its French and English names): product search finds one when another is typed
    /// ([`crate::search::Synonyms`]). Embedders add their own groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_synonyms: Vec<Vec<String>>,
    /// The region's country (ISO 3166-1 alpha-2, `MA`): an address elsewhere is abroad
    /// (international carriers only, no cash on delivery, customs data, export TVA).
    #[serde(default = "default_country")]
    pub country: String,
    /// The export TVA exemption, when the region applies it ([`ExportExemption`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_exemption: Option<ExportExemption>,
}

/// The search synonyms of Dakhla – Oued Ed-Dahab (the same as `regions/dakhla-oued-ed-dahab.toml`).
pub fn dakhla_synonyms() -> Vec<Vec<String>> {
    const GROUPS: &[&[&str]] = &[
        &[
            "khaima", "khayma", "kheima", "khaimah", "khima", "خيمة", "tente", "tent",
        ],
        &["melhfa", "mlahfa", "malhfa", "melhafa", "mlehfa", "ملحفة"],
        &["derraa", "deraa", "draa", "daraa", "دراعة"],
        &["chech", "cheche", "shesh", "chesh", "لثام"],
        &["bijou", "jewellery", "jewelry", "حلي", "مجوهرات"],
        &["tapis", "rug", "carpet", "زربية", "سجاد"],
        &["sandale", "sandal", "نعل", "نعال"],
        &["chameau", "camel", "dromadaire", "إبل", "جمل"],
        &["cuir", "leather", "جلد"],
        &["argent", "silver", "فضة"],
        &["tajine", "tagine", "طاجين"],
        &["khamsa", "khmissa", "hamsa", "خميسة"],
        &["mezoued", "mezwed", "mizwad", "مزود"],
        &["coussin", "cushion", "وسادة"],
        &["sac", "bag", "حقيبة"],
        &["couverture", "blanket", "غطاء"],
        &["poterie", "pottery", "فخار"],
        &["bois", "wood", "خشب"],
        &["laine", "wool", "صوف"],
        &["plateau", "tray", "صينية"],
        &["collier", "necklace", "قلادة"],
        &["bague", "ring", "خاتم"],
        &["bracelet", "سوار", "دملج"],
        &["encens", "incense", "بخور", "مبخرة"],
    ];
    GROUPS
        .iter()
        .map(|g| g.iter().map(|w| (*w).to_owned()).collect())
        .collect()
}

fn default_transfer_hold_hours() -> u32 {
    48
}

impl Region {
    /// [`Region::transfer_hold_hours`] as a duration.
    pub fn transfer_hold(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.transfer_hold_hours))
    }
}

fn tax_rate(
    category: &'static str,
    percent: u32,
    exemption: Option<&str>,
    fr: &str,
    ar: &str,
) -> DatedTaxRate {
    DatedTaxRate {
        category: TaxCategoryId::literal(category),
        rate: Rate::percent(percent).unwrap_or(Rate::ZERO),
        valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
        valid_until: None,
        exemption: exemption.map(str::to_owned),
        label: LocalizedText::new().with(Lang::FR, fr).with(Lang::AR, ar),
    }
}

impl Region {
    /// Dakhla – Oued Ed-Dahab (Morocco): ar/fr/en with Arabic by default, MAD, Moroccan TVA
    /// (20 % standard; 14 %, 10 %, 7 % reduced; exempt categories incl. locally made artisanal
    /// carpets, CGI art. 91-I-C-4°), 7-day withdrawal (law 31-08), 10 % default commission,
    /// EUR and USD shown for shoppers abroad, local time UTC+1.
    pub fn dakhla() -> Region {
        let rules = TaxRules::new(vec![
            tax_rate("standard", 20, None, "Taux normal", "السعر العادي"),
            tax_rate("reduced-14", 14, None, "Taux réduit 14 %", "سعر مخفض 14٪"),
            tax_rate("reduced-10", 10, None, "Taux réduit 10 %", "سعر مخفض 10٪"),
            tax_rate("reduced-7", 7, None, "Taux réduit 7 %", "سعر مخفض 7٪"),
            tax_rate("exempt", 0, Some("Exonéré de TVA (CGI art. 91)"), "Exonéré", "معفى"),
            tax_rate(
                "artisanal-carpet",
                0,
                Some("Exonéré de TVA : tapis d'origine artisanale de production locale (CGI art. 91-I-C-4°)"),
                "Tapis artisanal (exonéré)",
                "زربية تقليدية (معفاة)",
            ),
        ])
        .unwrap_or_default();
        Region {
            code: "MA-DAK".into(),
            name: LocalizedText::new()
                .with(Lang::AR, "جهة الداخلة - وادي الذهب")
                .with(Lang::FR, "Dakhla – Oued Ed-Dahab")
                .with(Lang::EN, "Dakhla – Oued Ed-Dahab"),
            languages: vec![Lang::AR, Lang::FR, Lang::EN],
            language_info: Vec::new(),
            default_lang: Lang::AR,
            currency: Currency::MAD,
            utc_offset_minutes: 60,
            tax_rules: rules,
            shipping_tax_category: TaxCategoryId::literal("standard"),
            withdrawal_days: 7,
            default_commission: Rate::percent(10).unwrap_or(Rate::ZERO),
            invoice: InvoiceRules {
                seller_ids: vec![
                    LegalIdKind::Ice,
                    LegalIdKind::If,
                    LegalIdKind::Rc,
                    LegalIdKind::Tp,
                ],
                no_vat_mention: LocalizedText::new()
                    .with(Lang::FR, "TVA non applicable")
                    .with(Lang::AR, "غير خاضع للضريبة على القيمة المضافة")
                    .with(Lang::EN, "VAT not applicable"),
            },
            display_currencies: vec![Currency::EUR, Currency::USD],
            cart_limits: CartLimits::default(),
            transfer_hold_hours: default_transfer_hold_hours(),
            cities: moroccan_cities(),
            search_synonyms: dakhla_synonyms(),
            country: default_country(),
            export_exemption: Some(ExportExemption::morocco()),
        }
    }

    /// The region's search synonyms, ready for [`crate::search::plan`].
    pub fn synonyms(&self) -> crate::search::Synonyms {
        crate::search::Synonyms::new(&self.search_synonyms)
    }

    /// True when an address in `country` (ISO code) is outside the region's country.
    pub fn is_abroad(&self, country: &str) -> bool {
        !country.trim().eq_ignore_ascii_case(&self.country)
    }

    /// The export exemption in force on the local day of `at`, if any.
    pub fn export_exemption_at(&self, at: DateTime<Utc>) -> Option<&ExportExemption> {
        let day = self.local_date(at);
        self.export_exemption.as_ref().filter(|e| e.in_force(day))
    }

    /// Checks the region's consistency.
    pub fn validate(&self) -> Result<(), RegionError> {
        if self.languages.is_empty() {
            return Err(RegionError::NoLanguage);
        }
        if !self.languages.contains(&self.default_lang) {
            return Err(RegionError::DefaultLangMissing(self.default_lang));
        }
        for (i, info) in self.language_info.iter().enumerate() {
            if !self.languages.contains(&info.tag) {
                return Err(RegionError::LanguageInfoUnlisted(info.tag));
            }
            if self.language_info[..i].iter().any(|o| o.tag == info.tag) {
                return Err(RegionError::LanguageInfoTwice(info.tag));
            }
            if let Some(f) = info
                .fallbacks
                .iter()
                .find(|f| **f == info.tag || !self.languages.contains(f))
            {
                return Err(RegionError::UnknownFallback {
                    lang: info.tag,
                    fallback: *f,
                });
            }
            if !LanguageInfo::is_date_pattern(&info.date) {
                return Err(RegionError::DatePattern {
                    lang: info.tag,
                    pattern: info.date.clone(),
                });
            }
        }
        if let Some(c) = self
            .display_currencies
            .iter()
            .find(|c| **c == self.currency)
        {
            return Err(RegionError::DisplayCurrencyIsCharged(*c));
        }
        if !self
            .tax_rules
            .rates()
            .iter()
            .any(|r| r.category == self.shipping_tax_category)
        {
            return Err(RegionError::ShippingTax(TaxError::NoRate {
                category: self.shipping_tax_category.clone(),
                date: NaiveDate::default(),
            }));
        }
        if self.cart_limits.max_lines == 0 || self.cart_limits.max_quantity_per_line == 0 {
            return Err(RegionError::CartLimits);
        }
        if !(1..=720).contains(&self.transfer_hold_hours) {
            return Err(RegionError::TransferHold);
        }
        let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
        for city in &self.cities {
            if city_key(&city.name).is_empty() {
                return Err(RegionError::CityUnnamed);
            }
            let mut own = std::collections::BTreeSet::new();
            for spelling in city.spellings() {
                let key = city_key(spelling);
                if key.is_empty() || !own.insert(key.clone()) {
                    continue;
                }
                if let Some(first) = seen.insert(key, &city.name) {
                    return Err(RegionError::CitySpellingTwice {
                        spelling: spelling.to_owned(),
                        first: first.to_owned(),
                        second: city.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The region's city that free text names, if any (see [`find_city`]).
    pub fn city(&self, text: &str) -> Option<&City> {
        find_city(&self.cities, text)
    }

    /// `address` with its city as the region's carriers know it and, when missing, the city's
    /// main postal code (see [`resolve_city`]).
    pub fn resolve_city(&self, address: &crate::order::Address) -> crate::order::Address {
        resolve_city(&self.cities, address)
    }

    /// The first instant of a local day (`date` at midnight in the region's time).
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::minutes(i64::from(self.utc_offset_minutes))
    }

    /// A local month (`"2026-11"`) as its first instant and the next month's; `None` if the
    /// text is not a month.
    pub fn month(&self, month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        use chrono::Datelike;
        let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()?;
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }?;
        Some((self.day_start(first), self.day_start(next)))
    }

    /// The region's local date at instant `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local_datetime(at).date()
    }

    /// The region's local date and time at instant `at` (its clock on the wall), for showing
    /// an instant to the region's people.
    ///
    /// ```
    /// use tijara_core::chrono::{TimeZone, Utc};
    /// let region = tijara_core::Region::dakhla();
    /// let at = Utc.with_ymd_and_hms(2026, 12, 7, 23, 30, 0).unwrap();
    /// let local = region.local_datetime(at);
    /// assert_eq!(local.format("%Y-%m-%d %H:%M").to_string(), "2026-12-08 00:30");
    /// ```
    pub fn local_datetime(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        match FixedOffset::east_opt(self.utc_offset_minutes.saturating_mul(60)) {
            Some(offset) => at.with_timezone(&offset).naive_local(),
            None => at.naive_utc(),
        }
    }

    /// The language to use for a reader asking for `wanted`: that language if the region speaks
    /// it, else the region's language with the same language subtag (`zgh` asked, `zgh-Tfng`
    /// spoken), else the default.
    pub fn lang_or_default(&self, wanted: Option<Lang>) -> Lang {
        self.speaks(wanted).unwrap_or(self.default_lang)
    }

    /// The region's language for a reader asking for `wanted` (the same tag, else the region's
    /// language with the same language subtag), `None` when the region does not speak it.
    pub fn speaks(&self, wanted: Option<Lang>) -> Option<Lang> {
        let wanted = wanted?;
        if self.languages.contains(&wanted) {
            return Some(wanted);
        }
        self.languages
            .iter()
            .copied()
            .find(|l| l.language() == wanted.language())
    }

    /// What the region knows of `lang`: its own facts ([`Region::language_info`]) if it gives
    /// them, else Tijara's defaults ([`LanguageInfo::builtin`]).
    pub fn language(&self, lang: Lang) -> Cow<'_, LanguageInfo> {
        match self.language_info.iter().find(|i| i.tag == lang) {
            Some(i) => Cow::Borrowed(i),
            None => LanguageInfo::builtin(lang),
        }
    }

    /// The languages whose text is read for a reader of `lang`, in order: `lang`, its
    /// fallbacks, the region's default language, then the region's other languages.
    ///
    /// ```
    /// use tijara_core::{Lang, LanguageInfo, Region};
    /// let mut r = Region::dakhla();
    /// let zgh = Lang::parse("zgh")?;
    /// r.languages.push(zgh);
    /// let mut info = LanguageInfo::builtin(zgh).into_owned();
    /// info.fallbacks = vec![Lang::AR, Lang::FR];
    /// r.language_info.push(info);
    /// assert_eq!(r.fallback_order(zgh), vec![zgh, Lang::AR, Lang::FR, Lang::EN]);
    /// # Ok::<(), tijara_core::LangError>(())
    /// ```
    pub fn fallback_order(&self, lang: Lang) -> Vec<Lang> {
        let mut order = vec![lang];
        let info = self.language(lang);
        for l in info
            .fallbacks
            .iter()
            .chain([&self.default_lang])
            .chain(&self.languages)
        {
            if !order.contains(l) {
                order.push(*l);
            }
        }
        order
    }

    /// `text` for a reader of `lang`, following [`Region::fallback_order`] (then any language).
    pub fn text<'a>(&self, text: &'a LocalizedText, lang: Lang) -> Option<&'a str> {
        text.get_in(self.fallback_order(lang))
    }

    /// The first language of `lang`'s [`Region::fallback_order`] among `available` (the
    /// languages a set of UI strings or templates exists in); `None` when none is.
    pub fn best_of(&self, lang: Lang, available: &[Lang]) -> Option<Lang> {
        self.fallback_order(lang)
            .into_iter()
            .find(|l| available.contains(l))
    }

    /// The direction of `lang` in this region.
    pub fn direction(&self, lang: Lang) -> Direction {
        self.language(lang).direction
    }

    /// `"rtl"` or `"ltr"` for `lang` in this region, for the HTML `dir` attribute.
    pub fn dir(&self, lang: Lang) -> &'static str {
        self.direction(lang).as_str()
    }

    /// An amount written for a reader of `lang` with the region's number format for it.
    pub fn format_money(&self, money: &Money, lang: Lang) -> String {
        self.language(lang).format_money(money)
    }

    /// A date written for a reader of `lang` with the region's date pattern for it.
    pub fn format_date(&self, date: NaiveDate, lang: Lang) -> String {
        self.language(lang).format_date(date)
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::dakhla()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dakhla_is_consistent() {
        let r = Region::dakhla();
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.tax_rules.rates().len(), 6);
        for t in r.tax_rules.rates() {
            assert!(TaxCategoryId::new(t.category.as_str()).is_ok());
        }
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let std = r
            .tax_rules
            .rate_for(&r.shipping_tax_category, d)
            .expect("rate");
        assert_eq!(std.rate, Rate::percent(20).expect("rate"));
        let carpet = r
            .tax_rules
            .rate_for(&TaxCategoryId::new("artisanal-carpet").expect("id"), d)
            .expect("rate");
        assert!(carpet.rate.is_zero() && carpet.exemption.is_some());
        assert_eq!(r.default_lang, Lang::AR);
        assert_eq!(Region::default(), r);
    }

    #[test]
    fn validation_errors() {
        let mut r = Region::dakhla();
        r.default_lang = Lang::ES;
        assert_eq!(r.validate(), Err(RegionError::DefaultLangMissing(Lang::ES)));
        r = Region::dakhla();
        r.display_currencies.push(Currency::MAD);
        assert_eq!(
            r.validate(),
            Err(RegionError::DisplayCurrencyIsCharged(Currency::MAD))
        );
        r = Region::dakhla();
        r.shipping_tax_category = TaxCategoryId::new("nope").expect("id");
        assert!(matches!(r.validate(), Err(RegionError::ShippingTax(_))));
        r = Region::dakhla();
        r.languages.clear();
        assert_eq!(r.validate(), Err(RegionError::NoLanguage));
        r = Region::dakhla();
        r.cart_limits.max_lines = 0;
        assert_eq!(r.validate(), Err(RegionError::CartLimits));
        r = Region::dakhla();
        r.cities
            .push(City::new("Casa Nova", "MA").with_aliases(&["Casa"]));
        assert_eq!(
            r.validate(),
            Err(RegionError::CitySpellingTwice {
                spelling: "Casa".into(),
                first: "Casablanca".into(),
                second: "Casa Nova".into()
            })
        );
        r = Region::dakhla();
        r.cities.push(City::new(" - ", "MA"));
        assert_eq!(r.validate(), Err(RegionError::CityUnnamed));
        // A region written before cities were data still reads.
        let mut json = serde_json::to_value(Region::dakhla()).expect("json");
        json.as_object_mut().expect("object").remove("cities");
        let old: Region = serde_json::from_value(json).expect("read");
        assert!(old.cities.is_empty());
    }

    #[test]
    fn local_dates_and_languages() {
        let r = Region::dakhla();
        let late = Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 30, 0)
            .single()
            .expect("time");
        assert_eq!(
            r.local_date(late),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")
        );
        assert_eq!(r.lang_or_default(Some(Lang::FR)), Lang::FR);
        assert_eq!(r.lang_or_default(Some(Lang::ES)), Lang::AR);
        assert_eq!(r.lang_or_default(None), Lang::AR);
    }

    /// Dakhla plus Tamazight in Tifinagh (falls back to Arabic, then French) and Hassaniya.
    fn with_zgh_and_mey() -> (Region, Lang, Lang) {
        let zgh = Lang::parse("zgh-Tfng").expect("tag");
        let mey = Lang::parse("mey").expect("tag");
        let mut r = Region::dakhla();
        r.languages.extend([zgh, mey]);
        let mut info = LanguageInfo::builtin(zgh).into_owned();
        info.fallbacks = vec![Lang::FR];
        r.language_info.push(info);
        let mut info = LanguageInfo::builtin(mey).into_owned();
        info.fallbacks = vec![Lang::AR];
        info.number.symbols.insert("MAD".into(), "أوقية".into());
        r.language_info.push(info);
        (r, zgh, mey)
    }

    #[test]
    fn languages_as_data() {
        let (r, zgh, mey) = with_zgh_and_mey();
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.dir(zgh), "ltr");
        assert_eq!(r.dir(mey), "rtl");
        assert_eq!(r.dir(Lang::AR), "rtl");
        assert_eq!(
            r.fallback_order(zgh),
            vec![zgh, Lang::FR, Lang::AR, Lang::EN, mey]
        );
        assert_eq!(
            r.fallback_order(mey),
            vec![mey, Lang::AR, Lang::FR, Lang::EN, zgh]
        );
        let title = LocalizedText::new()
            .with(Lang::AR, "زربية")
            .with(Lang::FR, "Tapis")
            .with(zgh, "ⴰⵣⵔⴱⵉ");
        assert_eq!(r.text(&title, zgh), Some("ⴰⵣⵔⴱⵉ"));
        assert_eq!(r.text(&title, mey), Some("زربية"));
        let fr_only = LocalizedText::single(Lang::FR, "Tapis");
        assert_eq!(r.text(&fr_only, mey), Some("Tapis"));
        assert_eq!(r.best_of(zgh, &[Lang::AR, Lang::FR]), Some(Lang::FR));
        assert_eq!(r.best_of(mey, &[Lang::FR, Lang::AR]), Some(Lang::AR));
        let m = Money::mad("1234.5").expect("amount");
        assert_eq!(
            r.format_money(&m, Lang::AR),
            m.format(Lang::AR),
            "built-in kept"
        );
        assert_eq!(r.format_money(&m, mey), "1\u{a0}234,50\u{a0}أوقية");
        assert_eq!(r.format_money(&m, zgh), "1\u{a0}234,50\u{a0}MAD");
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).expect("date");
        assert_eq!(r.format_date(d, zgh), "09/03/2026");
        // A reader asking for `zgh` gets the region's `zgh-Tfng`.
        let bare = Lang::parse("zgh").expect("tag");
        assert_eq!(r.lang_or_default(Some(bare)), zgh);
        assert_eq!(r.lang_or_default(Some(Lang::ES)), Lang::AR);
        // Without facts, a tag is still read with its script's direction.
        let mut plain = Region::dakhla();
        plain.languages.push(mey);
        assert_eq!(plain.dir(mey), "rtl");
        assert_eq!(
            plain.fallback_order(mey),
            vec![mey, Lang::AR, Lang::FR, Lang::EN]
        );
    }

    #[test]
    fn language_facts_are_checked() {
        let (mut r, zgh, mey) = with_zgh_and_mey();
        r.language_info[1].fallbacks = vec![Lang::ES];
        assert_eq!(
            r.validate(),
            Err(RegionError::UnknownFallback {
                lang: mey,
                fallback: Lang::ES
            })
        );
        let (mut r, zgh2, _) = with_zgh_and_mey();
        r.languages.retain(|l| *l != zgh2);
        assert_eq!(r.validate(), Err(RegionError::LanguageInfoUnlisted(zgh)));
        let (mut r, _, _) = with_zgh_and_mey();
        let again = r.language_info[0].clone();
        r.language_info.push(again);
        assert_eq!(r.validate(), Err(RegionError::LanguageInfoTwice(zgh)));
        let (mut r, _, _) = with_zgh_and_mey();
        r.language_info[0].date = "%Q".into();
        assert!(matches!(r.validate(), Err(RegionError::DatePattern { .. })));
        // A region without facts serializes as before.
        let json = serde_json::to_string(&Region::dakhla()).expect("json");
        assert!(!json.contains("language_info"));
        let (r, _, _) = with_zgh_and_mey();
        let back: Region =
            serde_json::from_str(&serde_json::to_string(&r).expect("json")).expect("read");
        assert_eq!(back, r);
    }

    #[test]
    fn months_are_local() {
        let r = Region::dakhla();
        let (from, until) = r.month("2026-12").expect("month");
        assert_eq!(from.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-12-31T23:00:00+00:00");
        assert!(r.month("2026-13").is_none());
        assert!(r.month("soon").is_none());
    }

    #[test]
    fn display_rates_convert() {
        let rate = DisplayRate {
            to: Currency::EUR,
            rate: rust_decimal::Decimal::new(921, 4),
            as_of: Utc
                .with_ymd_and_hms(2026, 11, 28, 0, 0, 0)
                .single()
                .expect("time"),
        };
        let shown = rate
            .convert(Money::mad("250").expect("m"))
            .expect("convert");
        assert_eq!(
            shown.amount,
            Money::parse("23.03", Currency::EUR).expect("m")
        );
    }
}
