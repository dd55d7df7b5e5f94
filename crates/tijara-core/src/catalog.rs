//! Sellers, categories, products and variants, and the validation rules they obey.

use crate::i18n::LocalizedText;
use crate::ids::{CategoryId, MemberId, ProductId, SellerId, TaxCategoryId, VariantId};
use crate::money::Money;
use crate::rate::Rate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// What kind of seller a [`Seller`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SellerKind {
    /// One artisan selling their own work (حرفي، artisan).
    Artisan,
    /// A cooperative (تعاونية، coopérative) with member artisans.
    Cooperative,
    /// An economic interest group (مجموعة ذات نفع اقتصادي، GIE) with member artisans.
    Gie,
}

impl SellerKind {
    /// True for sellers that have member artisans.
    pub fn has_members(&self) -> bool {
        matches!(self, SellerKind::Cooperative | SellerKind::Gie)
    }
}

/// How TVA applies to a seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SellerTaxStatus {
    /// Registered for TVA: its prices include TVA at the product's category rate.
    VatRegistered,
    /// Charges no TVA (e.g. an auto-entrepreneur under law 114-13, or an artisan under the
    /// turnover threshold); its invoices say "TVA non applicable" with `reason`.
    Exempt {
        /// The legal mention printed on the invoice, e.g. "auto-entrepreneur, loi 114-13".
        reason: String,
    },
}

/// A member artisan of a cooperative or GIE; a product may name the member who made it, so
/// each member can see their own sales, shipments and share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Identifier.
    pub id: MemberId,
    /// Full name.
    pub name: String,
    /// True while the member belongs to the seller.
    pub active: bool,
}

/// Legal identifiers printed on Moroccan invoices (all optional: an artisan may have none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalIds {
    /// Identifiant commun de l'entreprise (15 digits).
    pub ice: Option<String>,
    /// Identifiant fiscal.
    pub if_number: Option<String>,
    /// Registre de commerce (number and court city).
    pub rc: Option<String>,
    /// Taxe professionnelle (patente).
    pub tp: Option<String>,
    /// CNSS affiliation number.
    pub cnss: Option<String>,
    /// The bank account payouts are sent to (Moroccan RIB: 24 digits). Not printed on
    /// invoices (buyers pay the marketplace).
    #[serde(default)]
    pub rib: Option<String>,
}

/// An artisan, cooperative or GIE selling on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    /// Identifier.
    pub id: SellerId,
    /// Display name.
    pub name: String,
    /// Artisan, cooperative or GIE.
    pub kind: SellerKind,
    /// City the seller ships from.
    pub home_city: String,
    /// The marketplace's commission on this seller's sales.
    pub commission_rate: Rate,
    /// Commission rates that override `commission_rate` for some categories.
    #[serde(default)]
    pub category_commissions: BTreeMap<CategoryId, Rate>,
    /// TVA status.
    pub tax_status: SellerTaxStatus,
    /// Member artisans (cooperatives and GIE only).
    #[serde(default)]
    pub members: Vec<Member>,
    /// Legal identifiers for invoices.
    #[serde(default)]
    pub legal: LegalIds,
    /// The seller's story, shown on product pages.
    #[serde(default)]
    pub story: LocalizedText,
    /// False once the seller is deactivated: its products cannot be bought.
    pub active: bool,
    /// A WhatsApp number the seller chose to show shoppers (E.164, `+212612345678`); `None`
    /// unless the seller opted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<String>,
    /// How the marketplace and carriers reach the seller: a phone and the address parcels
    /// leave from (the shipping label's sender). Empty in documents written before it existed.
    #[serde(default)]
    pub contact: SellerContact,
    /// When the marketplace last approved the shop (made it active from inactive; a shop
    /// created active gets it when first suspended). An inactive seller without it applied and
    /// waits for approval ([`Seller::awaiting_approval`]); with it, the shop was suspended
    /// after. `None` for sellers created active, and in documents written before it existed
    /// (absent from the stored JSON when `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The longest sender address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 300;

/// A seller's phone and the address its parcels leave from (the label's sender).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerContact {
    /// The phone a courier calls to pick a parcel up (E.164, `+212612345678`).
    #[serde(default)]
    pub phone: Option<String>,
    /// The street address parcels leave from, lines separated by `\n` (the city is the
    /// seller's `home_city`), at most [`MAX_ADDRESS_CHARS`].
    #[serde(default)]
    pub address: Option<String>,
}

impl SellerContact {
    /// A contact with this phone (E.164) and address.
    pub fn new(phone: Option<String>, address: Option<String>) -> Self {
        SellerContact { phone, address }
    }
}

/// Whether `number` is an E.164 telephone number: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

impl Seller {
    /// True for a shop that applied and was never approved yet (inactive, no
    /// [`Seller::approved_at`]); false for an active one and for one suspended after an approval.
    pub fn awaiting_approval(&self) -> bool {
        !self.active && self.approved_at.is_none()
    }

    /// The seller's WhatsApp chat link (`https://wa.me/<digits>`), if they opted in with a
    /// valid number.
    pub fn whatsapp_link(&self) -> Option<String> {
        self.whatsapp
            .as_deref()
            .filter(|w| is_e164(w))
            .map(|w| format!("https://wa.me/{}", w.trim_start_matches('+')))
    }

    /// The commission rate for a product of `category` (the category override, else the
    /// seller's rate).
    pub fn commission_for(&self, category: &CategoryId) -> Rate {
        self.category_commissions
            .get(category)
            .copied()
            .unwrap_or(self.commission_rate)
    }

    /// Checks the seller; lists every problem found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Problems::default();
        if self.name.trim().is_empty() {
            v.push(Problem::Empty {
                field: "seller.name",
            });
        }
        if self.home_city.trim().is_empty() {
            v.push(Problem::Empty {
                field: "seller.home_city",
            });
        }
        if !self.kind.has_members() && !self.members.is_empty() {
            v.push(Problem::MembersNotAllowed {
                seller: self.id.clone(),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &self.members {
            if !seen.insert(&m.id) {
                v.push(Problem::Duplicate {
                    field: "seller.members",
                    value: m.id.to_string(),
                });
            }
            if m.name.trim().is_empty() {
                v.push(Problem::Empty {
                    field: "seller.members.name",
                });
            }
        }
        if let Some(w) = &self.whatsapp
            && !is_e164(w)
        {
            v.push(Problem::BadWhatsApp { value: w.clone() });
        }
        if let Some(p) = &self.contact.phone
            && !is_e164(p)
        {
            v.push(Problem::BadPhone { value: p.clone() });
        }
        if let Some(a) = &self.contact.address
            && (a.chars().count() > MAX_ADDRESS_CHARS
                || a.chars().any(|c| c.is_control() && c != '\n'))
        {
            v.push(Problem::BadAddress {
                max: MAX_ADDRESS_CHARS,
            });
        }
        if let Some(rib) = &self.legal.rib
            && (rib.len() != 24 || !rib.bytes().all(|b| b.is_ascii_digit()))
        {
            v.push(Problem::BadRib { value: rib.clone() });
        }
        if let SellerTaxStatus::Exempt { reason } = &self.tax_status
            && reason.trim().is_empty()
        {
            v.push(Problem::Empty {
                field: "seller.tax_status.reason",
            });
        }
        if let Some(ice) = &self.legal.ice
            && (ice.len() != 15 || !ice.bytes().all(|b| b.is_ascii_digit()))
        {
            v.push(Problem::BadIce { value: ice.clone() });
        }
        v.finish()
    }

    /// The member with this id, if active.
    pub fn active_member(&self, id: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id && m.active)
    }
}

/// A catalog category (leather, jewellery, textiles...), possibly under a parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Identifier.
    pub id: CategoryId,
    /// URL slug.
    pub slug: String,
    /// Name in each language.
    pub name: LocalizedText,
    /// Parent category.
    pub parent: Option<CategoryId>,
}

/// A stock-keeping unit code: 1 to 64 characters among letters, digits and `-_./`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Sku(std::sync::Arc<str>);

// As its code, written without copying it into a new `String` first.
impl Serialize for Sku {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl Sku {
    /// Validates a SKU.
    pub fn new(value: impl Into<String>) -> Result<Sku, Problem> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err(Problem::Empty {
                field: "variant.sku",
            });
        }
        if value.len() > 64
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        {
            return Err(Problem::BadSku { value });
        }
        Ok(Sku(value.into()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Sku {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sku::new(value)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> String {
        s.0.to_string()
    }
}

/// Outer dimensions of a packed item, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dimensions {
    /// Length.
    pub length_mm: u32,
    /// Width.
    pub width_mm: u32,
    /// Height.
    pub height_mm: u32,
}

/// How a variant's stock is managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StockPolicy {
    /// Counted units; cannot be sold beyond what is on hand.
    Tracked,
    /// Made once ordered, ready after `lead_days` days (a khaima, a custom saddle...).
    MadeToOrder {
        /// Days of work before the item can ship.
        lead_days: u16,
    },
    /// Never runs out (e.g. a digital guide).
    Unlimited,
}

/// A purchasable variant of a product (size, colour, material...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Identifier.
    pub id: VariantId,
    /// Stock-keeping unit.
    pub sku: Sku,
    /// Option values, e.g. `{"couleur": "ocre"}`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Price all taxes included (TTC), in the region's currency.
    pub price: Money,
    /// Tax category, mapped to a TVA rate by the region.
    pub tax_category: TaxCategoryId,
    /// Shipping weight in grams.
    pub weight_grams: u32,
    /// Packed dimensions.
    pub dimensions: Option<Dimensions>,
    /// False for items that are never shipped (e.g. a workshop ticket).
    pub shippable: bool,
    /// Stock policy.
    pub stock_policy: StockPolicy,
    /// False once deactivated.
    pub active: bool,
}

/// A photo of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// Where the image is served from.
    pub url: String,
    /// Alternative text.
    #[serde(default)]
    pub alt: LocalizedText,
}

/// A product of one seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Identifier.
    pub id: ProductId,
    /// Owner.
    pub seller_id: SellerId,
    /// Category.
    pub category_id: CategoryId,
    /// URL slug, unique in the catalog.
    pub slug: String,
    /// Title in each language.
    pub title: LocalizedText,
    /// Description in each language.
    #[serde(default)]
    pub description: LocalizedText,
    /// Materials (goat leather, silver, camel wool...).
    #[serde(default)]
    pub materials: Vec<String>,
    /// Photos.
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// The member artisan who made it (cooperatives and GIE).
    pub made_by: Option<MemberId>,
    /// Variants (at least one).
    pub variants: Vec<Variant>,
    /// False once deactivated.
    pub active: bool,
    /// What a customs declaration needs (HS code, descriptions, origin, net weight); without
    /// it the product is sold in the region's country only ([`crate::customs::check_export`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs: Option<crate::customs::CustomsInfo>,
}

impl Product {
    /// Checks the product against its seller; lists every problem found.
    ///
    /// ```
    /// # use tijara_core::catalog::*;
    /// # use tijara_core::*;
    /// # fn demo(product: &Product, seller: &Seller) {
    /// if let Err(e) = product.validate(seller) {
    ///     for p in e.problems() { eprintln!("{p}"); }
    /// }
    /// # }
    /// ```
    pub fn validate(&self, seller: &Seller) -> Result<(), ValidationError> {
        let mut v = Problems::default();
        if self.seller_id != seller.id {
            v.push(Problem::WrongSeller {
                product: self.id.clone(),
            });
        }
        if self.title.is_empty() {
            v.push(Problem::Empty {
                field: "product.title",
            });
        }
        if self.slug.is_empty()
            || !self
                .slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            v.push(Problem::BadSlug {
                value: self.slug.clone(),
            });
        }
        if let Some(member) = &self.made_by
            && seller.active_member(member).is_none()
        {
            v.push(Problem::UnknownMember {
                member: member.clone(),
            });
        }
        if let Some(customs) = &self.customs
            && let Err(error) = customs.normalized()
        {
            v.push(Problem::Customs { error });
        }
        for photo in &self.photos {
            if !is_local_media_path(&photo.url) {
                v.push(Problem::BadPhotoUrl {
                    value: photo.url.chars().take(80).collect(),
                });
            }
        }
        if self.variants.is_empty() {
            v.push(Problem::NoVariants {
                product: self.id.clone(),
            });
        }
        let mut skus = std::collections::BTreeSet::new();
        let mut ids = std::collections::BTreeSet::new();
        for variant in &self.variants {
            if !skus.insert(&variant.sku) {
                v.push(Problem::Duplicate {
                    field: "variant.sku",
                    value: variant.sku.to_string(),
                });
            }
            if !ids.insert(&variant.id) {
                v.push(Problem::Duplicate {
                    field: "variant.id",
                    value: variant.id.to_string(),
                });
            }
            if variant.price.is_negative() {
                v.push(Problem::NegativePrice {
                    sku: variant.sku.clone(),
                    price: variant.price,
                });
            }
            if variant.price.is_zero() {
                v.push(Problem::ZeroPrice {
                    sku: variant.sku.clone(),
                });
            }
            if variant.shippable && variant.weight_grams == 0 {
                v.push(Problem::ZeroWeight {
                    sku: variant.sku.clone(),
                });
            }
            if let Some(d) = variant.dimensions
                && (d.length_mm == 0 || d.width_mm == 0 || d.height_mm == 0)
            {
                v.push(Problem::ZeroDimension {
                    sku: variant.sku.clone(),
                });
            }
        }
        v.finish()
    }

    /// The variant with this id.
    pub fn variant(&self, id: &VariantId) -> Option<&Variant> {
        self.variants.iter().find(|v| &v.id == id)
    }
}

/// Normalizes text for search, so that a shopper finds "Théière" by typing "theiere" and
/// "أساور" by typing "اساور": canonical decomposition (NFD) with every combining mark dropped
/// (French accents, Arabic short vowels and the hamza of أ إ آ), tatweel removed, ى read as ي
/// and ة as ه, lower case, white space collapsed.
///
/// ```
/// use tijara_core::catalog::search_key;
/// assert_eq!(search_key("  Théière   en CUIVRE "), "theiere en cuivre");
/// assert_eq!(search_key("أَساوِر فضّية"), search_key("اساور فضيه"));
/// ```
pub fn search_key(text: &str) -> String {
    if text.is_ascii() {
        return ascii_search_key(text);
    }
    unicode_search_key(text)
}

/// [`search_key`] of ASCII text, without the Unicode machinery: an ASCII character is its own
/// canonical decomposition, none is a combining mark, the tatweel, ى or ة, and each lowers to
/// one ASCII character; so the key is the lowered text with its white space collapsed (an
/// ASCII city or query — Rabat, Dakhla, not Salé — costs a copy). `search_key_tests` checks it
/// against [`unicode_search_key`] on arbitrary ASCII.
fn ascii_search_key(text: &str) -> String {
    lowered_and_collapsed(text.chars(), text.len())
}

/// [`search_key`] of any text.
fn unicode_search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let letters = text
        .nfd()
        .filter(|c| !is_combining_mark(*c) && *c != '\u{640}')
        .map(|c| match c {
            'ى' => 'ي',
            'ة' => 'ه',
            c => c,
        });
    lowered_and_collapsed(letters, text.len())
}

/// `chars` in lower case, each run of white space (`char::is_whitespace`, U+000B included)
/// one space, none at either end.
fn lowered_and_collapsed(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = true;
    for c in chars {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

pub mod customs;
mod slug;
mod snapshot;
mod validation;
pub use slug::{SLUG_TITLE_CHARS, slug_from_title, slug_title};
pub use snapshot::{CatalogSnapshot, SnapshotError, VariantView};
use validation::Problems;
pub use validation::{MAX_PHOTO_PATH, Problem, ValidationError, is_local_media_path};

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod search_key_tests {
    use super::{ascii_search_key, search_key, unicode_search_key};
    use proptest::prelude::*;

    #[test]
    fn ascii_keys_match_the_general_path_on_known_cases() {
        for text in [
            "",
            " ",
            "Rabat",
            "  DAKHLA  ",
            "Sidi\tBennour",
            "a\u{b}b",
            "x\r\n y",
            "Ait-Melloul 2",
        ] {
            assert_eq!(ascii_search_key(text), unicode_search_key(text), "{text:?}");
        }
        assert_eq!(search_key("\u{b}Rabat\u{c}"), "rabat");
    }

    proptest! {
        #[test]
        fn ascii_keys_match_the_general_path(text in "[\\x00-\\x7f]{0,40}") {
            prop_assert_eq!(ascii_search_key(&text), unicode_search_key(&text));
        }

        #[test]
        fn mostly_ascii_text_keys_as_the_general_path(
            text in "[ -~\t\u{b}éÉ\u{640}ىة\u{64e}\u{a0}ß]{0,30}"
        ) {
            prop_assert_eq!(search_key(&text), unicode_search_key(&text));
        }
    }
}
