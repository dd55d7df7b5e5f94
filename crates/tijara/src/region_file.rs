//! Regions as data: a marketplace's region (languages, currency, dated TVA rates, seller tax
//! statuses, rate cards, withdrawal period, commission, invoice mentions, display currencies,
//! cart limits, the cities carriers serve — `[[cities]]` with `name`, `country`, `names`,
//! `aliases`, `main_postal_code`), the marketplace's bank account for transfers
//! (`[bank_account]`: `beneficiary`, `bank`, `rib`, and for payers abroad `iban`, `swift`) read
//! from a TOML file, checked, with errors that name the line and the field.
//!
//! ```
//! let file = tijara::region_file::parse_region(tijara::region_file::DAKHLA)?;
//! assert_eq!(file.region, tijara::core::Region::dakhla());
//! # Ok::<(), tijara::region_file::RegionFileError>(())
//! ```
//!
//! The format is the one of `regions/dakhla-oued-ed-dahab.toml` (commented there); rates are
//! percentages written as strings (`"20"`, `"7.5"`) so no binary fraction ever enters a rate.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use tijara_core::cart::CartLimits;
use tijara_core::catalog::SellerTaxStatus;
use tijara_core::i18n::{CurrencyPlacement, Digits, Direction, LanguageInfo};
use tijara_core::region::{InvoiceRules, LegalIdKind};
use tijara_core::tax::{DatedTaxRate, TaxRules};
use tijara_core::{Currency, Lang, LocalizedText, Rate, Region, TaxCategoryId};
use toml::Spanned;

mod languages;
use languages::read_languages;

/// The Dakhla – Oued Ed-Dahab region file (equal to [`Region::dakhla`]).
pub const DAKHLA: &str = include_str!("../../../regions/dakhla-oued-ed-dahab.toml");
/// The Laâyoune – Sakia El Hamra region file.
pub const LAAYOUNE: &str = include_str!("../../../regions/laayoune-sakia-el-hamra.toml");

/// A region file's mistake: where (1-based line and column), which field, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RegionFileError {
    /// Line, from 1 (0 when unknown).
    pub line: usize,
    /// Column, from 1 (0 when unknown).
    pub column: usize,
    /// The field, as a path (`tax_rates[2].percent`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RegionFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}, field `{}`: {}",
            self.line, self.column, self.field, self.message
        )
    }
}

/// A seller tax status offered by the region (what a seller declares when it registers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerTaxStatusOption {
    /// Code (`auto-entrepreneur`).
    pub code: String,
    /// The status.
    pub status: SellerTaxStatus,
    /// Its name for people.
    pub label: LocalizedText,
}

/// A region file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFile {
    /// The region.
    pub region: Region,
    /// The seller tax statuses sellers choose from.
    pub seller_tax_statuses: Vec<SellerTaxStatusOption>,
    /// Rate cards: file paths relative to the region file, or `builtin:amana-sample`,
    /// `builtin:ctm-sample`.
    pub rate_cards: Vec<String>,
    /// The marketplace's bank account for transfers (`[bank_account]`), if the file gives one.
    pub bank_account: Option<RegionBankAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    code: Spanned<String>,
    name: BTreeMap<String, String>,
    languages: Spanned<Vec<Spanned<toml::Value>>>,
    default_language: Spanned<String>,
    currency: Spanned<String>,
    utc_offset_minutes: Spanned<i32>,
    withdrawal_days: u16,
    default_commission_percent: Spanned<Decimal>,
    #[serde(default)]
    display_currencies: Option<Spanned<Vec<String>>>,
    shipping_tax_category: Spanned<String>,
    tax_rates: Vec<Spanned<TaxRateEntry>>,
    #[serde(default)]
    seller_tax_statuses: Vec<Spanned<StatusEntry>>,
    #[serde(default)]
    shipping: ShippingEntry,
    invoice: InvoiceEntry,
    #[serde(default)]
    cart_limits: Option<Spanned<LimitsEntry>>,
    #[serde(default)]
    transfer_hold_hours: Option<Spanned<u32>>,
    #[serde(default)]
    cities: Vec<Spanned<CityEntry>>,
    #[serde(default)]
    search_synonyms: Vec<Spanned<SynonymEntry>>,
    #[serde(default)]
    bank_account: Option<Spanned<BankEntry>>,
    #[serde(default)]
    country: Option<Spanned<String>>,
    #[serde(default)]
    export_exemption: Option<Spanned<ExportEntry>>,
}

/// The `[export_exemption]` table: the dated TVA exemption of exports.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportEntry {
    valid_from: toml::value::Datetime,
    #[serde(default)]
    valid_until: Option<toml::value::Datetime>,
    mention: String,
    /// Whether deliveries abroad are exempt too (absent: yes).
    #[serde(default)]
    shipping: Option<bool>,
}

/// The `[bank_account]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BankEntry {
    beneficiary: String,
    bank: String,
    rib: String,
    #[serde(default)]
    iban: Option<String>,
    #[serde(default)]
    swift: Option<String>,
}

/// The marketplace's bank account for bank transfers, as the region file gives it
/// (`[bank_account]`), its shape checked at load ([`BankAccountError`]); spaces and dashes
/// removed from the RIB, IBAN and SWIFT. The storefront checks the RIB's key and the IBAN's
/// checksum when it builds the account, and its `--bank-*` flags override each field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionBankAccount {
    /// The account holder.
    pub beneficiary: String,
    /// The bank's name.
    pub bank: String,
    /// The RIB: 24 digits.
    pub rib: String,
    /// The IBAN, for payers abroad.
    pub iban: Option<String>,
    /// The bank's SWIFT (BIC) code, for payers abroad.
    pub swift: Option<String>,
}

/// What is wrong with a region file's `[bank_account]` (the [`RegionFileError`]'s message
/// says it; its field names the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BankAccountError {
    /// `beneficiary` is empty.
    #[error("the account holder's name is required")]
    NoBeneficiary,
    /// `bank` is empty.
    #[error("the bank's name is required")]
    NoBank,
    /// `rib` is not 24 digits.
    #[error("a Moroccan RIB is 24 digits (spaces allowed)")]
    Rib,
    /// `iban` is not 15 to 34 letters and digits starting with a country code.
    #[error(
        "an IBAN is 15 to 34 letters and digits, starting with two letters and two digits (MA64...)"
    )]
    Iban,
    /// `swift` is not 8 or 11 letters and digits.
    #[error("a SWIFT (BIC) code is 8 or 11 letters and digits")]
    Swift,
}

impl BankAccountError {
    /// The `[bank_account]` key at fault.
    pub fn field(self) -> &'static str {
        match self {
            BankAccountError::NoBeneficiary => "bank_account.beneficiary",
            BankAccountError::NoBank => "bank_account.bank",
            BankAccountError::Rib => "bank_account.rib",
            BankAccountError::Iban => "bank_account.iban",
            BankAccountError::Swift => "bank_account.swift",
        }
    }
}

fn compact_code(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

impl RegionBankAccount {
    /// A bank account, its shape checked (spaces and dashes removed from the codes).
    ///
    /// ```
    /// use tijara::region_file::{BankAccountError, RegionBankAccount};
    ///
    /// let a = RegionBankAccount::new("Tijara SARL", "Bank", "011 780 0000012345678901 23", None, None)?;
    /// assert_eq!(a.rib, "011780000001234567890123");
    /// assert_eq!(
    ///     RegionBankAccount::new("Tijara SARL", "Bank", "123", None, None),
    ///     Err(BankAccountError::Rib)
    /// );
    /// # Ok::<(), BankAccountError>(())
    /// ```
    pub fn new(
        beneficiary: &str,
        bank: &str,
        rib: &str,
        iban: Option<&str>,
        swift: Option<&str>,
    ) -> Result<Self, BankAccountError> {
        let beneficiary = beneficiary.trim();
        let bank = bank.trim();
        if beneficiary.is_empty() {
            return Err(BankAccountError::NoBeneficiary);
        }
        if bank.is_empty() {
            return Err(BankAccountError::NoBank);
        }
        let rib = compact_code(rib);
        if rib.len() != 24 || !rib.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankAccountError::Rib);
        }
        let iban = iban.map(compact_code).filter(|i| !i.is_empty());
        if let Some(i) = &iban {
            let b = i.as_bytes();
            let ok = (15..=34).contains(&b.len())
                && b.iter().all(u8::is_ascii_alphanumeric)
                && b[..2].iter().all(u8::is_ascii_alphabetic)
                && b[2..4].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err(BankAccountError::Iban);
            }
        }
        let swift = swift.map(compact_code).filter(|s| !s.is_empty());
        if let Some(s) = &swift
            && (!matches!(s.len(), 8 | 11) || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(BankAccountError::Swift);
        }
        Ok(RegionBankAccount {
            beneficiary: beneficiary.to_owned(),
            bank: bank.to_owned(),
            rib,
            iban,
            swift,
        })
    }
}

/// A `[[search_synonyms]]` entry: words that mean the same to shoppers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymEntry {
    words: Vec<String>,
}

/// A `[[cities]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CityEntry {
    name: String,
    country: String,
    #[serde(default)]
    names: BTreeMap<String, String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    main_postal_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxRateEntry {
    category: String,
    percent: Decimal,
    valid_from: toml::value::Datetime,
    #[serde(default)]
    valid_until: Option<toml::value::Datetime>,
    #[serde(default)]
    exemption: Option<String>,
    #[serde(default)]
    label: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusEntry {
    code: String,
    vat_registered: bool,
    #[serde(default)]
    mention: Option<String>,
    #[serde(default)]
    label: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippingEntry {
    #[serde(default)]
    rate_cards: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceEntry {
    seller_ids: Spanned<Vec<String>>,
    no_vat_mention: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsEntry {
    max_quantity_per_line: u32,
    max_lines: usize,
    max_coupons: usize,
}

/// Line and column (1-based) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Ctx<'a> {
    text: &'a str,
    /// The region's languages, once read: texts may be written in these and the built-in four.
    languages: Vec<Lang>,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl fmt::Display,
    ) -> RegionFileError {
        let (line, column) = position(self.text, span.start);
        RegionFileError {
            line,
            column,
            field: field.into(),
            message: message.to_string(),
        }
    }

    fn lang(&self, span: Range<usize>, field: &str, code: &str) -> Result<Lang, RegionFileError> {
        Lang::from_code(code).map_err(|e| self.err(span, field, e))
    }

    fn text(
        &self,
        span: Range<usize>,
        field: &str,
        map: &BTreeMap<String, String>,
    ) -> Result<LocalizedText, RegionFileError> {
        let mut t = LocalizedText::new();
        for (code, value) in map {
            let key = format!("{field}.{code}");
            let lang = self.lang(span.clone(), &key, code)?;
            if !lang.is_builtin() && !self.languages.contains(&lang) {
                return Err(self.err(
                    span,
                    key,
                    format!("{lang} is not one of the region's languages"),
                ));
            }
            t.set(lang, value.as_str());
        }
        Ok(t)
    }
}

fn date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    }
}

/// Reads and checks a region file.
pub fn parse_region(text: &str) -> Result<RegionFile, RegionFileError> {
    let mut ctx = Ctx {
        text,
        languages: Vec::new(),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ctx.err(span, "", e.message())
    })?;
    let file: File = serde_path_to_error::deserialize(de).map_err(|e| {
        // `Spanned` fields show up in the path as a private key: drop it.
        let field = e
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "")
            .replace("$__serde_spanned_private_value", "");
        let inner = e.into_inner();
        let span = inner.span().unwrap_or(0..0);
        ctx.err(span, field, inner.message())
    })?;

    let code = file.code.get_ref().trim().to_owned();
    if code.is_empty() {
        return Err(ctx.err(file.code.span(), "code", "a region has a code"));
    }
    let (languages, language_info) = read_languages(&ctx, &file.languages)?;
    ctx.languages = languages.clone();
    let default_lang = ctx.lang(
        file.default_language.span(),
        "default_language",
        file.default_language.get_ref(),
    )?;
    let currency = Currency::from_code(file.currency.get_ref())
        .map_err(|e| ctx.err(file.currency.span(), "currency", e))?;
    let display_span = file.display_currencies.as_ref().map_or(0..0, Spanned::span);
    let mut display_currencies = Vec::new();
    for (i, c) in file
        .display_currencies
        .as_ref()
        .map(|d| d.get_ref().as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        display_currencies.push(
            Currency::from_code(c).map_err(|e| {
                ctx.err(display_span.clone(), format!("display_currencies[{i}]"), e)
            })?,
        );
    }
    let offset = *file.utc_offset_minutes.get_ref();
    if !(-14 * 60..=14 * 60).contains(&offset) {
        return Err(ctx.err(
            file.utc_offset_minutes.span(),
            "utc_offset_minutes",
            "an offset from UTC is between -840 and 840 minutes",
        ));
    }
    let commission =
        Rate::from_percent(*file.default_commission_percent.get_ref()).map_err(|e| {
            ctx.err(
                file.default_commission_percent.span(),
                "default_commission_percent",
                e,
            )
        })?;

    let mut rates = Vec::new();
    for (i, entry) in file.tax_rates.iter().enumerate() {
        let span = entry.span();
        let r = entry.get_ref();
        let field = |f: &str| format!("tax_rates[{i}].{f}");
        let category = TaxCategoryId::new(r.category.clone())
            .map_err(|e| ctx.err(span.clone(), field("category"), e))?;
        let rate = Rate::from_percent(r.percent)
            .map_err(|e| ctx.err(span.clone(), field("percent"), e))?;
        let valid_from = date(&r.valid_from).ok_or_else(|| {
            ctx.err(
                span.clone(),
                field("valid_from"),
                "a date is written 2024-01-01",
            )
        })?;
        let valid_until = match &r.valid_until {
            Some(d) => Some(date(d).ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    field("valid_until"),
                    "a date is written 2024-01-01",
                )
            })?),
            None => None,
        };
        if !rate.is_zero() && r.exemption.is_some() {
            return Err(ctx.err(
                span.clone(),
                field("exemption"),
                "only a 0 % rate can carry an exemption mention",
            ));
        }
        rates.push((
            span.clone(),
            DatedTaxRate {
                category,
                rate,
                valid_from,
                valid_until,
                exemption: r.exemption.clone(),
                label: ctx.text(span.clone(), &field("label"), &r.label)?,
            },
        ));
    }
    let tax_rules = TaxRules::new(rates.iter().map(|(_, r)| r.clone()).collect()).map_err(|e| {
        // Point at the last rate of the category in question.
        let category = match &e {
            tijara_core::tax::TaxError::Overlap { category, .. }
            | tijara_core::tax::TaxError::EmptyPeriod { category, .. } => Some(category.clone()),
            _ => None,
        };
        let (i, span) = rates
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (_, r))| Some(&r.category) == category.as_ref())
            .map(|(i, (s, _))| (i, s.clone()))
            .unwrap_or((0, 0..0));
        ctx.err(span, format!("tax_rates[{i}]"), e)
    })?;
    let shipping_tax_category = TaxCategoryId::new(file.shipping_tax_category.get_ref().clone())
        .map_err(|e| {
            ctx.err(
                file.shipping_tax_category.span(),
                "shipping_tax_category",
                e,
            )
        })?;

    let mut seller_ids = Vec::new();
    for (i, id) in file.invoice.seller_ids.get_ref().iter().enumerate() {
        let kind = match id.as_str() {
            "ice" => LegalIdKind::Ice,
            "if" => LegalIdKind::If,
            "rc" => LegalIdKind::Rc,
            "tp" => LegalIdKind::Tp,
            "cnss" => LegalIdKind::Cnss,
            other => {
                return Err(ctx.err(
                    file.invoice.seller_ids.span(),
                    format!("invoice.seller_ids[{i}]"),
                    format!("unknown identifier {other:?} (known: ice, if, rc, tp, cnss)"),
                ));
            }
        };
        seller_ids.push(kind);
    }
    let no_vat_mention = ctx.text(
        file.invoice.seller_ids.span(),
        "invoice.no_vat_mention",
        &file.invoice.no_vat_mention,
    )?;

    let mut statuses = Vec::new();
    for (i, s) in file.seller_tax_statuses.iter().enumerate() {
        let span = s.span();
        let e = s.get_ref();
        let status = match (e.vat_registered, &e.mention) {
            (true, None) => SellerTaxStatus::VatRegistered,
            (false, Some(m)) if !m.trim().is_empty() => SellerTaxStatus::Exempt {
                reason: m.trim().to_owned(),
            },
            (true, Some(_)) => {
                return Err(ctx.err(
                    span,
                    format!("seller_tax_statuses[{i}].mention"),
                    "a seller registered for TVA has no exemption mention",
                ));
            }
            (false, _) => {
                return Err(ctx.err(
                    span,
                    format!("seller_tax_statuses[{i}].mention"),
                    "a seller that charges no TVA needs the invoice's mention",
                ));
            }
        };
        if statuses
            .iter()
            .any(|x: &SellerTaxStatusOption| x.code == e.code)
        {
            return Err(ctx.err(
                span,
                format!("seller_tax_statuses[{i}].code"),
                format!("{:?} is listed twice", e.code),
            ));
        }
        statuses.push(SellerTaxStatusOption {
            code: e.code.clone(),
            status,
            label: ctx.text(
                span.clone(),
                &format!("seller_tax_statuses[{i}].label"),
                &e.label,
            )?,
        });
    }

    let cart_limits = match &file.cart_limits {
        Some(l) => {
            let v = l.get_ref();
            CartLimits {
                max_quantity_per_line: v.max_quantity_per_line,
                max_lines: v.max_lines,
                max_coupons: v.max_coupons,
            }
        }
        None => CartLimits::default(),
    };
    let mut cities = Vec::new();
    for (i, c) in file.cities.iter().enumerate() {
        let span = c.span();
        let e = c.get_ref();
        let country = e.country.trim();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ctx.err(
                span,
                format!("cities[{i}].country"),
                "a two-letter country code in capitals (MA)",
            ));
        }
        let postal = e.main_postal_code.as_deref().map(str::trim);
        if postal.is_some_and(|p| p.is_empty() || p.chars().count() > 16) {
            return Err(ctx.err(
                span,
                format!("cities[{i}].main_postal_code"),
                "a postal code of 1 to 16 characters",
            ));
        }
        // Checkout fills a shopper's blank postal code with this one and checks the address
        // with it: a code its country's layout refuses is refused here, when the file is read,
        // rather than at every checkout to that city; an accepted one is kept in the layout
        // checkout writes (`sw1a1aa` -> `SW1A 1AA`). A state is the shopper's to give.
        let postal = match postal.map(|p| tijara_core::order::check_postal(country, Some(p), None))
        {
            None => None,
            Some(Ok((code, _))) => code,
            Some(Err(tijara_core::order::OrderError::StateRequired { .. })) => {
                postal.map(str::to_owned)
            }
            Some(Err(refused)) => {
                return Err(ctx.err(span, format!("cities[{i}].main_postal_code"), refused));
            }
        };
        cities.push(tijara_core::region::City {
            name: e.name.trim().to_owned(),
            country: country.to_owned(),
            names: ctx.text(span.clone(), &format!("cities[{i}].names"), &e.names)?,
            aliases: e.aliases.iter().map(|a| a.trim().to_owned()).collect(),
            main_postal_code: postal,
        });
    }
    let mut search_synonyms = Vec::new();
    for (i, g) in file.search_synonyms.iter().enumerate() {
        let words: Vec<String> = g
            .get_ref()
            .words
            .iter()
            .map(|w| w.trim().to_owned())
            .collect();
        let one_word = |w: &String| tijara_core::search::terms(w).len() == 1;
        if words.len() < 2 || !words.iter().all(one_word) {
            return Err(ctx.err(
                g.span(),
                format!("search_synonyms[{i}].words"),
                "two words or more, each a single word with a letter or a digit",
            ));
        }
        search_synonyms.push(words);
    }
    let country = match &file.country {
        None => Region::dakhla().country,
        Some(c) => {
            let v = c.get_ref().trim();
            if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ctx.err(
                    c.span(),
                    "country",
                    "a two-letter country code in capitals (MA)",
                ));
            }
            v.to_owned()
        }
    };
    let export_exemption = match &file.export_exemption {
        None => None,
        Some(x) => {
            let span = x.span();
            let e = x.get_ref();
            let valid_from = date(&e.valid_from).ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    "export_exemption.valid_from",
                    "a date such as 2024-01-01",
                )
            })?;
            let valid_until = match &e.valid_until {
                None => None,
                Some(u) => Some(date(u).filter(|u| *u > valid_from).ok_or_else(|| {
                    ctx.err(
                        span.clone(),
                        "export_exemption.valid_until",
                        "a date after valid_from",
                    )
                })?),
            };
            let mention = e.mention.trim();
            if mention.is_empty() {
                return Err(ctx.err(
                    span,
                    "export_exemption.mention",
                    "the invoice's mention, e.g. \"Exonération de TVA à l'exportation (CGI art. 92-I-1°)\"",
                ));
            }
            Some(tijara_core::region::ExportExemption {
                valid_from,
                valid_until,
                mention: mention.to_owned(),
                shipping: e.shipping.unwrap_or(true),
            })
        }
    };
    let name_span = file.code.span();
    let region = Region {
        code,
        name: ctx.text(name_span, "name", &file.name)?,
        languages,
        language_info,
        default_lang,
        currency,
        utc_offset_minutes: offset,
        tax_rules,
        shipping_tax_category,
        withdrawal_days: file.withdrawal_days,
        default_commission: commission,
        invoice: InvoiceRules {
            seller_ids,
            no_vat_mention,
        },
        display_currencies,
        cart_limits,
        transfer_hold_hours: file
            .transfer_hold_hours
            .as_ref()
            .map_or(Region::dakhla().transfer_hold_hours, |h| *h.get_ref()),
        cities,
        search_synonyms,
        country,
        export_exemption,
    };
    // The region's own consistency rules, each pointed at its field.
    if let Err(e) = region.validate() {
        use tijara_core::region::RegionError as E;
        let (span, field) = match &e {
            E::NoLanguage | E::LanguageInfoUnlisted(_) | E::LanguageInfoTwice(_) => {
                (file.languages.span(), "languages")
            }
            E::DefaultLangMissing(_) => (file.default_language.span(), "default_language"),
            E::DisplayCurrencyIsCharged(_) => (display_span, "display_currencies"),
            E::ShippingTax(_) => (file.shipping_tax_category.span(), "shipping_tax_category"),
            E::CartLimits => (
                file.cart_limits.as_ref().map_or(0..0, Spanned::span),
                "cart_limits",
            ),
            E::TransferHold => (
                file.transfer_hold_hours
                    .as_ref()
                    .map_or(0..0, Spanned::span),
                "transfer_hold_hours",
            ),
            E::CityUnnamed => (file.cities.first().map_or(0..0, Spanned::span), "cities"),
            E::CitySpellingTwice { second, .. } => file
                .cities
                .iter()
                .enumerate()
                .find(|(_, c)| c.get_ref().name.trim() == second)
                .map_or((0..0, "cities"), |(_, c)| (c.span(), "cities.aliases")),
            _ => (0..0, ""),
        };
        return Err(ctx.err(span, field, e));
    }
    let bank_account = match &file.bank_account {
        None => None,
        Some(b) => {
            let e = b.get_ref();
            Some(
                RegionBankAccount::new(
                    &e.beneficiary,
                    &e.bank,
                    &e.rib,
                    e.iban.as_deref(),
                    e.swift.as_deref(),
                )
                .map_err(|why| ctx.err(b.span(), why.field(), why))?,
            )
        }
    };
    Ok(RegionFile {
        region,
        seller_tax_statuses: statuses,
        rate_cards: file.shipping.rate_cards,
        bank_account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RegionFileError {
        parse_region(text).expect_err("refused")
    }

    const BANK: &str = "\n[bank_account]\nbeneficiary = \"Tijara Dakhla SARL\"\nbank = \"Banque Exemple\"\nrib = \"011 780 0000123456789012 96\"\niban = \"MA64 0117 8000 0012 3456 7890 1296\"\nswift = \"DEMOMAMCXXX\"\n";

    #[test]
    fn a_bank_account_is_read_and_checked_at_load() {
        assert_eq!(parse_region(DAKHLA).unwrap().bank_account, None);
        let file = parse_region(&format!("{DAKHLA}{BANK}")).unwrap();
        let account = file.bank_account.expect("read");
        assert_eq!(account.rib, "011780000012345678901296");
        assert_eq!(
            account.iban.as_deref(),
            Some("MA64011780000012345678901296")
        );
        assert_eq!(account.swift.as_deref(), Some("DEMOMAMCXXX"));
        let e = err(&format!(
            "{DAKHLA}{}",
            BANK.replace("0000123456789012 96", "12")
        ));
        assert_eq!(e.field, "bank_account.rib", "{e}");
        assert!(e.line > 100, "{e}");
        let e = err(&format!("{DAKHLA}{}", BANK.replace("DEMOMAMCXXX", "DEMO")));
        assert_eq!(e.field, "bank_account.swift", "{e}");
        let e = err(&format!("{DAKHLA}{}", BANK.replace("Banque Exemple", " ")));
        assert_eq!(e.field, "bank_account.bank", "{e}");
        // An unknown key is refused, not ignored.
        assert!(parse_region(&format!("{DAKHLA}{BANK}holder = \"x\"\n")).is_err());
        for (b, r, i, s, want) in [
            (
                "",
                "B",
                "0".repeat(24),
                None,
                BankAccountError::NoBeneficiary,
            ),
            ("A", " ", "0".repeat(24), None, BankAccountError::NoBank),
            ("A", "B", "0".repeat(23), None, BankAccountError::Rib),
            (
                "A",
                "B",
                "0".repeat(24),
                Some("MA6"),
                BankAccountError::Iban,
            ),
        ] {
            assert_eq!(RegionBankAccount::new(b, r, &i, s, None), Err(want));
        }
    }

    #[test]
    fn the_built_in_default_is_the_dakhla_file() {
        let file = parse_region(DAKHLA).unwrap();
        assert_eq!(file.region, Region::dakhla());
        assert_eq!(file.seller_tax_statuses.len(), 3);
        assert_eq!(
            file.rate_cards,
            vec![
                "builtin:amana-sample",
                "builtin:ctm-sample",
                "builtin:amana-international-sample"
            ]
        );
    }

    #[test]
    fn cities_are_read_and_checked() {
        let r = parse_region(DAKHLA).unwrap().region;
        assert_eq!(r.city("الداخلة").map(|c| c.name.as_str()), Some("Dakhla"));
        // A region file without cities still reads.
        let start = DAKHLA.find("\n[[cities]]").unwrap_or(DAKHLA.len());
        let old = parse_region(&DAKHLA[..start]).unwrap().region;
        assert!(old.cities.is_empty());
        let e = err(&DAKHLA.replace("aliases = [\"Rbat\", \"رباط\"]", "aliases = [\"Casa\"]"));
        assert_eq!(e.field, "cities.aliases", "{e}");
        assert!(e.message.contains("Casa"), "{e}");
        let e = err(&DAKHLA.replacen(
            "name = \"Dakhla\"\ncountry = \"MA\"",
            "name = \"Dakhla\"\ncountry = \"Maroc\"",
            1,
        ));
        assert_eq!(e.field, "cities[0].country", "{e}");
        // The region's own country, and the export exemption.
        let e = err(&DAKHLA.replacen("country = \"MA\"", "country = \"Maroc\"", 1));
        assert_eq!(e.field, "country", "{e}");
        let e = err(&DAKHLA.replace(
            "valid_from = 2024-01-01\nmention",
            "valid_from = 2024-01-01\nvalid_until = 2023-01-01\nmention",
        ));
        assert_eq!(e.field, "export_exemption.valid_until", "{e}");
        let start = DAKHLA.find("[export_exemption]").unwrap_or(0);
        let end = DAKHLA[start..]
            .find("\n\n")
            .map_or(DAKHLA.len(), |i| start + i);
        let off = parse_region(&format!("{}{}", &DAKHLA[..start], &DAKHLA[end..]))
            .unwrap()
            .region;
        assert_eq!(off.export_exemption, None);
        let taxed_delivery = parse_region(&DAKHLA.replace(
            "92-I-1°)\"\nshipping = true",
            "92-I-1°)\"\nshipping = false",
        ))
        .unwrap()
        .region;
        assert_eq!(
            taxed_delivery.export_exemption.map(|x| x.shipping),
            Some(false)
        );
        // A file written before the key: deliveries abroad are exempt.
        let older = parse_region(&DAKHLA.replace("\nshipping = true", ""))
            .unwrap()
            .region;
        assert_eq!(older.export_exemption.map(|x| x.shipping), Some(true));
        assert_eq!(
            r.export_exemption,
            Some(tijara_core::region::ExportExemption::morocco())
        );
        let e = err(&DAKHLA.replacen(
            "main_postal_code = \"73000\"",
            "main_postal_code = \" \"",
            1,
        ));
        assert_eq!(e.field, "cities[0].main_postal_code", "{e}");
        // A city abroad: its code is checked in its country's layout, and kept in it.
        let paris = |code: &str| {
            DAKHLA
                .replacen(
                    "name = \"Dakhla\"\ncountry = \"MA\"",
                    "name = \"Dakhla\"\ncountry = \"FR\"",
                    1,
                )
                .replacen(
                    "main_postal_code = \"73000\"",
                    &format!("main_postal_code = \"{code}\""),
                    1,
                )
        };
        let e = err(&paris("7500"));
        assert_eq!(e.field, "cities[0].main_postal_code", "{e}");
        assert!(e.message.contains("75001"), "the example is given: {e}");
        let fr = parse_region(&paris(" 75 001 ")).expect("read").region;
        assert_eq!(fr.cities[0].main_postal_code.as_deref(), Some("75001"));
        let e = err(&DAKHLA.replacen("names = { ar", "names = { xx-bad = \"x\", ar", 1));
        assert!(e.field.starts_with("cities[0].names"), "{e}");
    }

    #[test]
    fn laayoune_differs_where_it_should() {
        let r = parse_region(LAAYOUNE).unwrap().region;
        assert_eq!(r.code, "MA-LSH");
        assert_eq!(r.languages, vec![Lang::AR, Lang::FR, Lang::ES]);
        assert_eq!(r.default_commission, Rate::percent(8).unwrap_or(Rate::ZERO));
        assert_eq!(r.display_currencies, vec![Currency::EUR]);
        assert_eq!(r.cart_limits.max_quantity_per_line, 200);
        assert_eq!(
            r.transfer_hold_hours, 72,
            "farther from the banks: a longer hold"
        );
    }

    #[test]
    fn the_transfer_hold_is_read_and_bounded() {
        let r = parse_region(DAKHLA).unwrap().region;
        assert_eq!(r.transfer_hold(), chrono::Duration::hours(48));
        let e = err(&DAKHLA.replace("transfer_hold_hours = 48", "transfer_hold_hours = 0"));
        assert_eq!(e.field, "transfer_hold_hours", "{e}");
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let bad = DAKHLA.replace("percent = \"14\"", "percent = \"fourteen\"");
        let e = err(&bad);
        assert_eq!(e.field, "tax_rates[1].percent", "{e}");
        assert_eq!(
            e.line,
            DAKHLA
                .lines()
                .position(|l| l == "percent = \"14\"")
                .unwrap()
                + 1,
            "{e}"
        );

        let e = err(&DAKHLA.replace("default_language = \"ar\"", "default_language = \"de\""));
        assert_eq!(e.field, "default_language", "{e}");
        assert_eq!(e.line, 11, "{e}");

        let e = err(&DAKHLA.replace("default_language = \"ar\"", "default_language = \"es\""));
        assert_eq!(e.field, "default_language");
        assert!(
            e.message.contains("not one of the region's languages"),
            "{e}"
        );

        let e = err(&DAKHLA.replace("withdrawal_days = 7", "withdrawal_days = -7"));
        assert_eq!(e.field, "withdrawal_days", "{e}");
        assert_eq!(e.line, 12, "{e}");

        let e = err(&DAKHLA.replace("currency = \"MAD\"", "currency = \"MADX\""));
        assert_eq!(e.field, "currency", "{e}");

        let e = err(&DAKHLA.replace(
            "display_currencies = [\"EUR\", \"USD\"]",
            "display_currencies = [\"EUR\", \"MAD\"]",
        ));
        assert_eq!(e.field, "display_currencies", "{e}");

        let e = err(&DAKHLA.replace(
            "shipping_tax_category = \"standard\"",
            "shipping_tax_category = \"nope\"",
        ));
        assert_eq!(e.field, "shipping_tax_category", "{e}");

        let e = err(&DAKHLA.replace("seller_ids = [\"ice\"", "seller_ids = [\"iban\""));
        assert_eq!(e.field, "invoice.seller_ids[0]", "{e}");

        let e = err(&DAKHLA.replace("withdrawal_days = 7", "withdrawal_days = 7\nsurprise = 1"));
        assert!(e.message.contains("surprise"), "{e}");
        assert_eq!(e.line, 13, "{e}");

        let e = err("code = \"X\"\nname = [");
        assert_eq!(e.line, 2, "syntax errors too: {e}");

        // Two standard rates in force on the same day.
        let overlap = format!(
            "{DAKHLA}\n[[tax_rates]]\ncategory = \"standard\"\npercent = \"19\"\nvalid_from = 2025-01-01\n"
        );
        let e = err(&overlap);
        assert!(e.field.starts_with("tax_rates["), "{e}");
        assert!(e.message.contains("standard"), "{e}");

        let e = err(&DAKHLA.replace(
            "code = \"auto-entrepreneur\"\nvat_registered = false\nmention = \"TVA non applicable, auto-entrepreneur (loi 114-13)\"",
            "code = \"auto-entrepreneur\"\nvat_registered = false",
        ));
        assert_eq!(e.field, "seller_tax_statuses[1].mention", "{e}");

        let e = err(&DAKHLA.replace(
            "percent = \"20\"\nvalid_from = 2024-01-01",
            "percent = \"20\"\nvalid_from = 2024-01-01T10:00:00",
        ));
        assert_eq!(e.field, "tax_rates[0].valid_from", "{e}");
    }
}
