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
}

impl Seller {
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(std::sync::Arc<str>);

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

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A required field is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A value that must be unique appears twice.
    #[error("{field} {value:?} appears more than once")]
    Duplicate {
        /// The field.
        field: &'static str,
        /// The repeated value.
        value: String,
    },
    /// A SKU with characters other than letters, digits and `-_./`, or longer than 64.
    #[error("SKU {value:?} must be 1 to 64 letters, digits or -_./")]
    BadSku {
        /// The rejected SKU.
        value: String,
    },
    /// A slug with characters other than lower-case letters, digits and `-`.
    #[error("slug {value:?} must be lower-case letters, digits and '-'")]
    BadSlug {
        /// The rejected slug.
        value: String,
    },
    /// A bank account that is not a 24-digit RIB.
    #[error("bank account {value:?} is not a 24-digit RIB")]
    BadRib {
        /// The rejected value.
        value: String,
    },
    /// A negative price.
    #[error("variant {sku} has a negative price ({price})")]
    NegativePrice {
        /// The variant.
        sku: Sku,
        /// Its price.
        price: Money,
    },
    /// A shippable variant weighing nothing (carriers price by weight).
    #[error("variant {sku} is shippable but weighs 0 g")]
    ZeroWeight {
        /// The variant.
        sku: Sku,
    },
    /// A dimension of zero.
    #[error("variant {sku} has a zero dimension")]
    ZeroDimension {
        /// The variant.
        sku: Sku,
    },
    /// A product with no variant.
    #[error("product {product} has no variant")]
    NoVariants {
        /// The product.
        product: ProductId,
    },
    /// A product attributed to a member its seller does not have (or no longer has).
    #[error("member {member} is not an active member of the seller")]
    UnknownMember {
        /// The member.
        member: MemberId,
    },
    /// Member artisans on a seller that is a lone artisan.
    #[error("seller {seller} is an artisan and cannot have members")]
    MembersNotAllowed {
        /// The seller.
        seller: SellerId,
    },
    /// A product validated against another seller.
    #[error("product {product} does not belong to this seller")]
    WrongSeller {
        /// The product.
        product: ProductId,
    },
    /// An ICE that is not 15 digits.
    #[error("ICE {value:?} must be 15 digits")]
    BadIce {
        /// The rejected value.
        value: String,
    },
    /// A price of zero: every variant on sale costs something.
    #[error("variant {sku} has a price of zero")]
    ZeroPrice {
        /// The variant.
        sku: Sku,
    },
    /// A photo that is not a path on the shop itself (see [`is_local_media_path`]).
    #[error("photo {value:?} must be a path on this shop, like /media/…")]
    BadPhotoUrl {
        /// The rejected URL (its first 80 characters).
        value: String,
    },
}

/// The longest photo path accepted.
pub const MAX_PHOTO_PATH: usize = 300;

/// True for a photo URL that is a path on the shop itself (`/media/…`, `/images/…`): it starts
/// with one `/`, has at most [`MAX_PHOTO_PATH`] characters, only ASCII letters, digits and
/// `/._-`, and no `..`. A scheme (`javascript:`, `data:`, `https:`), a remote host (`//host/…`),
/// a query or a backslash are refused, so a product page never loads a remote pixel or a script.
pub fn is_local_media_path(url: &str) -> bool {
    url.len() <= MAX_PHOTO_PATH
        && url.starts_with('/')
        && !url.starts_with("//")
        && !url.contains("..")
        && url.len() > 1
        && url
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
}

/// Every problem validation found, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationError {
    problems: Vec<Problem>,
}

impl ValidationError {
    /// The problems (at least one).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl From<Problem> for ValidationError {
    fn from(p: Problem) -> Self {
        ValidationError { problems: vec![p] }
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    fn finish(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { problems: self.0 })
        }
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
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text
        .nfd()
        .filter(|c| !is_combining_mark(*c) && *c != '\u{640}')
    {
        let c = match c {
            'ى' => 'ي',
            'ة' => 'ه',
            c => c,
        };
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

/// What the cart and pricing need to know about one variant.
#[derive(Debug, Clone, Copy)]
pub struct VariantView<'a> {
    /// The seller.
    pub seller: &'a Seller,
    /// The product.
    pub product: &'a Product,
    /// The variant.
    pub variant: &'a Variant,
}

impl VariantView<'_> {
    /// True when the variant, its product and its seller are all active.
    pub fn is_purchasable(&self) -> bool {
        self.variant.active && self.product.active && self.seller.active
    }
}

/// A read-only snapshot of the part of the catalog a computation needs (the sellers, products
/// and variants of one cart, for instance), indexed for look-ups.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    sellers: Vec<Seller>,
    seller_index: HashMap<SellerId, usize>,
    /// Each product with the position of its seller.
    products: Vec<(Product, usize)>,
    product_index: HashMap<ProductId, usize>,
    /// Variant id → (product position, variant position): one hash look-up per variant.
    variants: HashMap<VariantId, (usize, usize)>,
}

/// A snapshot could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// A product names a seller absent from the snapshot.
    #[error("product {product} names seller {seller}, which is not in the snapshot")]
    MissingSeller {
        /// The product.
        product: ProductId,
        /// The seller.
        seller: SellerId,
    },
    /// Two products hold a variant with the same id.
    #[error("variant {0} appears in two products")]
    DuplicateVariant(VariantId),
    /// Two products share an id.
    #[error("product {0} appears twice")]
    DuplicateProduct(ProductId),
}

impl CatalogSnapshot {
    /// Indexes sellers and products (a seller given twice: the last one wins).
    pub fn new(
        sellers: impl IntoIterator<Item = Seller>,
        products: impl IntoIterator<Item = Product>,
    ) -> Result<Self, SnapshotError> {
        let mut snap = CatalogSnapshot::default();
        for s in sellers {
            match snap.seller_index.get(&s.id) {
                Some(&i) => snap.sellers[i] = s,
                None => {
                    snap.seller_index.insert(s.id.clone(), snap.sellers.len());
                    snap.sellers.push(s);
                }
            }
        }
        for p in products {
            let Some(&seller) = snap.seller_index.get(&p.seller_id) else {
                return Err(SnapshotError::MissingSeller {
                    product: p.id.clone(),
                    seller: p.seller_id.clone(),
                });
            };
            let at = snap.products.len();
            if snap.product_index.insert(p.id.clone(), at).is_some() {
                return Err(SnapshotError::DuplicateProduct(p.id.clone()));
            }
            for (i, v) in p.variants.iter().enumerate() {
                if snap.variants.insert(v.id.clone(), (at, i)).is_some() {
                    return Err(SnapshotError::DuplicateVariant(v.id.clone()));
                }
            }
            snap.products.push((p, seller));
        }
        Ok(snap)
    }

    /// Looks a variant up with its product and seller.
    pub fn variant(&self, id: &VariantId) -> Option<VariantView<'_>> {
        let &(p, v) = self.variants.get(id)?;
        let (product, seller) = self.products.get(p)?;
        Some(VariantView {
            seller: self.sellers.get(*seller)?,
            product,
            variant: product.variants.get(v)?,
        })
    }

    /// A seller by id.
    pub fn seller(&self, id: &SellerId) -> Option<&Seller> {
        self.sellers.get(*self.seller_index.get(id)?)
    }

    /// A product by id.
    pub fn product(&self, id: &ProductId) -> Option<&Product> {
        self.products
            .get(*self.product_index.get(id)?)
            .map(|(p, _)| p)
    }

    /// Every seller.
    pub fn sellers(&self) -> impl Iterator<Item = &Seller> {
        self.sellers.iter()
    }

    /// Every product.
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().map(|(p, _)| p)
    }
}

#[cfg(test)]
pub(crate) mod tests {

    #[test]
    fn a_seller_rib_is_24_digits() {
        let mut s = seller("slr-rib", SellerKind::Artisan);
        s.legal.rib = Some("011780000012345678901234".into());
        assert!(s.validate().is_ok());
        for bad in [
            "01178000001234567890123",
            "0117800000123456789012345",
            "01178000001234567890123X",
        ] {
            s.legal.rib = Some(bad.into());
            let e = s.validate().expect_err("refused");
            assert!(e.to_string().contains("24-digit RIB"), "{e}");
        }
    }
    use super::*;
    use crate::currency::Currency;

    pub(crate) fn seller(id: &str, kind: SellerKind) -> Seller {
        Seller {
            id: SellerId::new(id).expect("id"),
            name: format!("Seller {id}"),
            kind,
            home_city: "Dakhla".into(),
            commission_rate: Rate::percent(10).expect("rate"),
            category_commissions: BTreeMap::new(),
            tax_status: SellerTaxStatus::VatRegistered,
            members: vec![],
            legal: LegalIds::default(),
            story: LocalizedText::default(),
            active: true,
        }
    }

    pub(crate) fn variant(id: &str, price: &str, tax: &str) -> Variant {
        Variant {
            id: VariantId::new(id).expect("id"),
            sku: Sku::new(format!("SKU-{id}")).expect("sku"),
            options: BTreeMap::new(),
            price: Money::mad(price).expect("price"),
            tax_category: TaxCategoryId::new(tax).expect("tax"),
            weight_grams: 500,
            dimensions: None,
            shippable: true,
            stock_policy: StockPolicy::Tracked,
            active: true,
        }
    }

    pub(crate) fn product(
        id: &str,
        seller: &str,
        category: &str,
        variants: Vec<Variant>,
    ) -> Product {
        Product {
            id: ProductId::new(id).expect("id"),
            seller_id: SellerId::new(seller).expect("id"),
            category_id: CategoryId::new(category).expect("id"),
            slug: id.to_ascii_lowercase(),
            title: LocalizedText::single(crate::Lang::Fr, format!("Produit {id}")),
            description: LocalizedText::default(),
            materials: vec!["cuir de chèvre".into()],
            photos: vec![],
            made_by: None,
            variants,
            active: true,
        }
    }

    #[test]
    fn valid_product_passes() {
        let s = seller("s1", SellerKind::Artisan);
        let p = product(
            "p1",
            "s1",
            "leather",
            vec![variant("v1", "150", "standard")],
        );
        assert_eq!(p.validate(&s), Ok(()));
        assert!(s.validate().is_ok());
    }

    #[test]
    fn reports_every_problem() {
        let s = seller("s1", SellerKind::Artisan);
        let mut bad = variant("v1", "150", "standard");
        bad.price = Money::mad("-1").expect("m");
        bad.weight_grams = 0;
        bad.dimensions = Some(Dimensions {
            length_mm: 0,
            width_mm: 1,
            height_mm: 1,
        });
        let dup = variant("v1", "10", "standard");
        let mut p = product("p1", "s2", "leather", vec![bad, dup]);
        p.title = LocalizedText::new();
        p.slug = "Bad Slug".into();
        p.made_by = Some(MemberId::new("m1").expect("id"));
        let err = p.validate(&s).expect_err("invalid");
        let kinds: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            kinds,
            vec![
                "product p1 does not belong to this seller",
                "product.title must not be empty",
                "slug \"Bad Slug\" must be lower-case letters, digits and '-'",
                "member m1 is not an active member of the seller",
                "variant SKU-v1 has a negative price (-1.00 MAD)",
                "variant SKU-v1 is shippable but weighs 0 g",
                "variant SKU-v1 has a zero dimension",
                "variant.sku \"SKU-v1\" appears more than once",
                "variant.id \"v1\" appears more than once",
            ]
        );
        let none = product("p2", "s1", "leather", vec![]);
        assert!(matches!(
            none.validate(&s).expect_err("no variants").problems(),
            [Problem::NoVariants { .. }]
        ));
    }

    #[test]
    fn sku_rules() {
        assert_eq!(
            Sku::new(""),
            Err(Problem::Empty {
                field: "variant.sku"
            })
        );
        assert!(matches!(Sku::new("a b"), Err(Problem::BadSku { .. })));
        assert!(matches!(
            Sku::new("x".repeat(65)),
            Err(Problem::BadSku { .. })
        ));
        assert!(Sku::new("DAK-LTH/01_a.b").is_ok());
    }

    #[test]
    fn seller_rules() {
        let mut s = seller("s1", SellerKind::Artisan);
        s.members.push(Member {
            id: MemberId::new("m1").expect("id"),
            name: "Salka".into(),
            active: true,
        });
        s.legal.ice = Some("12345".into());
        s.tax_status = SellerTaxStatus::Exempt { reason: " ".into() };
        s.name = String::new();
        let err = s.validate().expect_err("invalid");
        assert_eq!(err.problems().len(), 4);

        let mut coop = seller("c1", SellerKind::Cooperative);
        let m = Member {
            id: MemberId::new("m1").expect("id"),
            name: "Mbarka".into(),
            active: true,
        };
        coop.members = vec![m.clone(), m];
        assert!(matches!(
            coop.validate().expect_err("dup").problems(),
            [Problem::Duplicate { .. }]
        ));
        coop.members.pop();
        coop.legal.ice = Some("001234567000089".into());
        assert!(coop.validate().is_ok());
        let mut p = product(
            "p1",
            "c1",
            "leather",
            vec![variant("v1", "150", "standard")],
        );
        p.made_by = Some(MemberId::new("m1").expect("id"));
        assert!(p.validate(&coop).is_ok());
    }

    #[test]
    fn commission_override_by_category() {
        let mut s = seller("s1", SellerKind::Artisan);
        let jewels = CategoryId::new("jewellery").expect("id");
        s.category_commissions
            .insert(jewels.clone(), Rate::percent(15).expect("rate"));
        assert_eq!(s.commission_for(&jewels), Rate::percent(15).expect("rate"));
        assert_eq!(
            s.commission_for(&CategoryId::new("leather").expect("id")),
            Rate::percent(10).expect("rate")
        );
    }

    #[test]
    fn snapshot_lookups_and_errors() {
        let s = seller("s1", SellerKind::Artisan);
        let p = product(
            "p1",
            "s1",
            "leather",
            vec![variant("v1", "150", "standard")],
        );
        let snap = CatalogSnapshot::new([s.clone()], [p.clone()]).expect("snapshot");
        let view = snap
            .variant(&VariantId::new("v1").expect("id"))
            .expect("found");
        assert!(view.is_purchasable());
        assert_eq!(view.variant.price.currency(), Currency::MAD);
        assert!(snap.variant(&VariantId::new("nope").expect("id")).is_none());
        assert!(matches!(
            CatalogSnapshot::new([], [p.clone()]),
            Err(SnapshotError::MissingSeller { .. })
        ));
        let mut p2 = p.clone();
        p2.id = ProductId::new("p2").expect("id");
        assert!(matches!(
            CatalogSnapshot::new([s.clone()], [p.clone(), p2]),
            Err(SnapshotError::DuplicateVariant(_))
        ));
        assert!(matches!(
            CatalogSnapshot::new([s], [p.clone(), p]),
            Err(SnapshotError::DuplicateProduct(_))
        ));
        assert_eq!(snap.products().count(), 1);
        assert_eq!(snap.sellers().count(), 1);
    }

    #[test]
    fn a_price_of_zero_is_refused() {
        let s = seller("s1", SellerKind::Artisan);
        let p = product("p1", "s1", "leather", vec![variant("v1", "0", "standard")]);
        let e = p.validate(&s).expect_err("a free product is refused");
        assert!(matches!(e.problems(), [Problem::ZeroPrice { .. }]), "{e}");
        let p = product(
            "p1",
            "s1",
            "leather",
            vec![variant("v1", "0.01", "standard")],
        );
        assert_eq!(p.validate(&s), Ok(()));
    }

    #[test]
    fn photos_are_paths_on_the_shop_only() {
        let s = seller("s1", SellerKind::Artisan);
        let mut p = product(
            "p1",
            "s1",
            "leather",
            vec![variant("v1", "150", "standard")],
        );
        for good in ["/media/0a1b-1200.jpg", "/images/tassoufra.svg"] {
            p.photos = vec![Photo {
                url: good.into(),
                alt: LocalizedText::default(),
            }];
            assert_eq!(p.validate(&s), Ok(()), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "https://tracker.example/pixel.gif",
            "//tracker.example/pixel.gif",
            "/media/../../etc/passwd",
            "/media/a.jpg?x=1",
            "/media/a\\b.jpg",
            "media/a.jpg",
            "/",
            "",
        ] {
            p.photos = vec![Photo {
                url: bad.into(),
                alt: LocalizedText::default(),
            }];
            let e = p.validate(&s).expect_err(bad);
            assert!(
                matches!(e.problems(), [Problem::BadPhotoUrl { .. }]),
                "{bad}: {e}"
            );
        }
    }
}
