//! Sellers and catalog administration, stock adjustments, browsing.

use crate::docs::{product_index, product_keys};
use crate::engine::{IdempotencyKey, Loaded, Tijara, Write, decode};
use crate::error::{Part, TijaraError};
use crate::ports::storage::{Changeset, DocKind, ListQuery, ProductQuery, StockOp, StockRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tijara_core::catalog::{
    CatalogSnapshot, Category, Dimensions, LegalIds, Member, Photo, Product, Seller, SellerKind,
    SellerTaxStatus, Sku, StockPolicy, Variant, search_key,
};
use tijara_core::inventory::Availability;
use tijara_core::{
    CategoryId, LocalizedText, MemberId, Money, ProductId, Rate, SellerId, TaxCategoryId, VariantId,
};

/// A seller's details, as an admin enters them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerInput {
    /// Display name.
    pub name: String,
    /// Artisan, cooperative or GIE.
    pub kind: SellerKind,
    /// City it ships from.
    pub home_city: String,
    /// Commission (default: the region's).
    pub commission_rate: Option<Rate>,
    /// Per-category commissions.
    #[serde(default)]
    pub category_commissions: BTreeMap<CategoryId, Rate>,
    /// TVA status.
    pub tax_status: SellerTaxStatus,
    /// Member artisans.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Legal identifiers.
    #[serde(default)]
    pub legal: LegalIds,
    /// Story.
    #[serde(default)]
    pub story: LocalizedText,
}

impl SellerInput {
    /// A seller's details with the required fields; the region's commission, no
    /// per-category commission, no members, no legal identifiers and no story until set.
    ///
    /// ```
    /// use tijara::usecases::catalog::SellerInput;
    /// use tijara_core::catalog::{SellerKind, SellerTaxStatus};
    /// use tijara_core::{LocalizedText, Lang, Rate};
    ///
    /// let input = SellerInput::new(
    ///     "Atelier Salka",
    ///     SellerKind::Artisan,
    ///     "Dakhla",
    ///     SellerTaxStatus::VatRegistered,
    /// )
    /// .with_commission_rate(Rate::percent(10).unwrap())
    /// .with_story(LocalizedText::new().with(Lang::Fr, "Cuir tanné à la main."));
    /// assert_eq!(input.home_city, "Dakhla");
    /// ```
    pub fn new(
        name: impl Into<String>,
        kind: SellerKind,
        home_city: impl Into<String>,
        tax_status: SellerTaxStatus,
    ) -> Self {
        SellerInput {
            name: name.into(),
            kind,
            home_city: home_city.into(),
            commission_rate: None,
            category_commissions: BTreeMap::new(),
            tax_status,
            members: Vec::new(),
            legal: LegalIds::default(),
            story: LocalizedText::default(),
        }
    }

    /// Sets the commission (instead of the region's).
    pub fn with_commission_rate(mut self, rate: Rate) -> Self {
        self.commission_rate = Some(rate);
        self
    }

    /// Adds (or replaces) the commission of one category.
    pub fn with_category_commission(mut self, category: CategoryId, rate: Rate) -> Self {
        self.category_commissions.insert(category, rate);
        self
    }

    /// Sets the member artisans.
    pub fn with_members(mut self, members: Vec<Member>) -> Self {
        self.members = members;
        self
    }

    /// Sets the legal identifiers.
    pub fn with_legal(mut self, legal: LegalIds) -> Self {
        self.legal = legal;
        self
    }

    /// Sets the story.
    pub fn with_story(mut self, story: LocalizedText) -> Self {
        self.story = story;
        self
    }
}

impl From<Seller> for SellerInput {
    /// The details of an existing seller, to change a few and pass to
    /// [`Tijara::update_seller`].
    fn from(s: Seller) -> Self {
        SellerInput {
            name: s.name,
            kind: s.kind,
            home_city: s.home_city,
            commission_rate: Some(s.commission_rate),
            category_commissions: s.category_commissions,
            tax_status: s.tax_status,
            members: s.members,
            legal: s.legal,
            story: s.story,
        }
    }
}

/// A category's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryInput {
    /// Id (chosen by the admin: it appears in URLs and rate cards).
    pub id: CategoryId,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: LocalizedText,
    /// Parent.
    pub parent: Option<CategoryId>,
}

impl CategoryInput {
    /// A top-level category (see [`CategoryInput::with_parent`]).
    ///
    /// ```
    /// use tijara::usecases::catalog::CategoryInput;
    /// use tijara_core::{CategoryId, Lang, LocalizedText};
    ///
    /// let bags = CategoryInput::new(
    ///     CategoryId::new("bags").unwrap(),
    ///     "sacs",
    ///     LocalizedText::new().with(Lang::Fr, "Sacs"),
    /// )
    /// .with_parent(CategoryId::new("leather").unwrap());
    /// assert!(bags.parent.is_some());
    /// ```
    pub fn new(id: CategoryId, slug: impl Into<String>, name: LocalizedText) -> Self {
        CategoryInput {
            id,
            slug: slug.into(),
            name,
            parent: None,
        }
    }

    /// Sets the parent category.
    pub fn with_parent(mut self, parent: CategoryId) -> Self {
        self.parent = Some(parent);
        self
    }
}

/// A variant as a seller enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VariantInput {
    /// SKU (unique in the catalog; on update, an existing SKU keeps its variant).
    pub sku: String,
    /// Option values.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Price TTC.
    pub price: Money,
    /// Tax category (must exist in the region).
    pub tax_category: TaxCategoryId,
    /// Weight, grams.
    pub weight_grams: u32,
    /// Dimensions.
    pub dimensions: Option<Dimensions>,
    /// Ships (false for a workshop ticket...).
    pub shippable: bool,
    /// Stock policy.
    pub stock_policy: StockPolicy,
    /// Units on hand when the variant is created (tracked variants).
    #[serde(default)]
    pub initial_stock: u32,
}

impl VariantInput {
    /// A variant with the required fields: no options, no dimensions, shippable, stock
    /// [`StockPolicy::Tracked`] with no units on hand until set.
    ///
    /// ```
    /// use tijara::usecases::catalog::VariantInput;
    /// use tijara_core::catalog::StockPolicy;
    /// use tijara_core::{Money, TaxCategoryId};
    ///
    /// let standard = TaxCategoryId::new("standard").unwrap();
    /// let price = Money::mad("890.00").unwrap();
    /// let bag = VariantInput::new("BAG-BRN", price, standard.clone(), 800)
    ///     .with_option("couleur", "brun")
    ///     .with_initial_stock(2);
    /// let tent = VariantInput::new("KHAIMA", Money::mad("9500.00").unwrap(), standard, 40_000)
    ///     .with_stock_policy(StockPolicy::MadeToOrder { lead_days: 21 });
    /// assert_eq!(bag.initial_stock, 2);
    /// assert!(tent.shippable);
    /// ```
    pub fn new(
        sku: impl Into<String>,
        price: Money,
        tax_category: TaxCategoryId,
        weight_grams: u32,
    ) -> Self {
        VariantInput {
            sku: sku.into(),
            options: BTreeMap::new(),
            price,
            tax_category,
            weight_grams,
            dimensions: None,
            shippable: true,
            stock_policy: StockPolicy::Tracked,
            initial_stock: 0,
        }
    }

    /// Adds (or replaces) an option value (`couleur` = `brun`).
    pub fn with_option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }

    /// Sets every option value.
    pub fn with_options(mut self, options: BTreeMap<String, String>) -> Self {
        self.options = options;
        self
    }

    /// Sets the dimensions.
    pub fn with_dimensions(mut self, dimensions: Dimensions) -> Self {
        self.dimensions = Some(dimensions);
        self
    }

    /// Sets whether it ships (false for a workshop ticket...).
    pub fn with_shippable(mut self, shippable: bool) -> Self {
        self.shippable = shippable;
        self
    }

    /// Sets the stock policy.
    pub fn with_stock_policy(mut self, policy: StockPolicy) -> Self {
        self.stock_policy = policy;
        self
    }

    /// Sets the units on hand when the variant is created.
    pub fn with_initial_stock(mut self, units: u32) -> Self {
        self.initial_stock = units;
        self
    }
}

/// A product as a seller enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductInput {
    /// Owner.
    pub seller_id: SellerId,
    /// Category.
    pub category_id: CategoryId,
    /// Slug (unique).
    pub slug: String,
    /// Title.
    pub title: LocalizedText,
    /// Description.
    #[serde(default)]
    pub description: LocalizedText,
    /// Materials.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Photos of a new product ([`Tijara::create_product`]); [`Tijara::update_product`]
    /// ignores them and keeps the stored ones (photos change through
    /// [`Tijara::add_product_photo`] and [`Tijara::remove_product_photo`] only).
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// The member who made it.
    pub made_by: Option<MemberId>,
    /// Variants.
    pub variants: Vec<VariantInput>,
}

impl ProductInput {
    /// A product with the required fields: no description, materials, photos or maker until
    /// set.
    ///
    /// ```
    /// use tijara::usecases::catalog::{ProductInput, VariantInput};
    /// use tijara_core::{CategoryId, Lang, LocalizedText, Money, SellerId, TaxCategoryId};
    ///
    /// let variant = VariantInput::new(
    ///     "BAG-BRN",
    ///     Money::mad("890.00").unwrap(),
    ///     TaxCategoryId::new("standard").unwrap(),
    ///     800,
    /// );
    /// let product = ProductInput::new(
    ///     SellerId::new("salka").unwrap(),
    ///     CategoryId::new("leather").unwrap(),
    ///     "sac-cuir",
    ///     LocalizedText::new().with(Lang::Fr, "Sac en cuir"),
    ///     vec![variant],
    /// )
    /// .with_materials(vec!["cuir".into()]);
    /// assert_eq!(product.variants.len(), 1);
    /// ```
    pub fn new(
        seller_id: SellerId,
        category_id: CategoryId,
        slug: impl Into<String>,
        title: LocalizedText,
        variants: Vec<VariantInput>,
    ) -> Self {
        ProductInput {
            seller_id,
            category_id,
            slug: slug.into(),
            title,
            description: LocalizedText::default(),
            materials: Vec::new(),
            photos: Vec::new(),
            made_by: None,
            variants,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: LocalizedText) -> Self {
        self.description = description;
        self
    }

    /// Sets the materials.
    pub fn with_materials(mut self, materials: Vec<String>) -> Self {
        self.materials = materials;
        self
    }

    /// Sets the photos of a new product.
    pub fn with_photos(mut self, photos: Vec<Photo>) -> Self {
        self.photos = photos;
        self
    }

    /// Sets the member who made it.
    pub fn with_made_by(mut self, member: MemberId) -> Self {
        self.made_by = Some(member);
        self
    }
}

/// A stock change asked by a seller or admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StockAdjustment {
    /// Units added.
    Add {
        /// How many.
        units: u32,
    },
    /// Units removed (breakage...).
    Remove {
        /// How many.
        units: u32,
    },
    /// Units counted on the shelf.
    Set {
        /// How many.
        units: u32,
    },
}

/// A variant with what a shopper is told about its stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VariantView {
    /// The variant.
    pub variant: Variant,
    /// Its availability.
    pub availability: Availability,
}

/// A product as shown to shoppers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductView {
    /// The product (its `variants` field holds every variant).
    pub product: Product,
    /// Active variants with availability.
    pub variants: Vec<VariantView>,
    /// The seller's name.
    pub seller_name: String,
    /// The seller's city.
    pub seller_city: String,
}

/// Filters for browsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductFilter {
    /// Category.
    pub category: Option<CategoryId>,
    /// Seller.
    pub seller: Option<SellerId>,
    /// Lowest price.
    pub min_price: Option<Money>,
    /// Highest price.
    pub max_price: Option<Money>,
    /// Only products that can be bought now.
    pub in_stock: bool,
    /// Words to find in the titles (any language; accents and Arabic vowels ignored).
    pub text: Option<String>,
    /// Include deactivated products (admin and seller views).
    pub include_inactive: bool,
}

impl ProductFilter {
    /// Every active product (the same as [`ProductFilter::default`]); narrow it with the
    /// `with_` methods.
    ///
    /// ```
    /// use tijara::usecases::catalog::ProductFilter;
    /// use tijara_core::{CategoryId, Money};
    ///
    /// let filter = ProductFilter::new()
    ///     .with_category(CategoryId::new("leather").unwrap())
    ///     .with_max_price(Money::mad("500.00").unwrap())
    ///     .with_in_stock(true)
    ///     .with_text("sac");
    /// assert!(!filter.include_inactive);
    /// ```
    pub fn new() -> Self {
        ProductFilter::default()
    }

    /// Only this category.
    pub fn with_category(mut self, category: CategoryId) -> Self {
        self.category = Some(category);
        self
    }

    /// Only this seller's products.
    pub fn with_seller(mut self, seller: SellerId) -> Self {
        self.seller = Some(seller);
        self
    }

    /// Only products with a variant at this price or more.
    pub fn with_min_price(mut self, price: Money) -> Self {
        self.min_price = Some(price);
        self
    }

    /// Only products with a variant at this price or less.
    pub fn with_max_price(mut self, price: Money) -> Self {
        self.max_price = Some(price);
        self
    }

    /// Only products that can be bought now (when `true`).
    pub fn with_in_stock(mut self, in_stock: bool) -> Self {
        self.in_stock = in_stock;
        self
    }

    /// Only products whose titles have these words.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Deactivated products too (when `true`).
    pub fn with_include_inactive(mut self, include: bool) -> Self {
        self.include_inactive = include;
        self
    }
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass it as `after` to get the next page (`None`: last page).
    pub next: Option<String>,
}

impl<T: serde::de::DeserializeOwned> Page<T> {
    /// Decodes a page of `kind` documents read with `limit`: a full page has a next cursor.
    pub(crate) fn decode(
        kind: DocKind,
        docs: &[crate::ports::storage::StoredDoc],
        limit: u32,
    ) -> Result<Self, TijaraError> {
        let next = (docs.len() == limit as usize)
            .then(|| docs.last().map(|d| d.id.clone()))
            .flatten();
        let items = docs
            .iter()
            .map(|d| decode(kind, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }
}

impl Tijara {
    /// One page of a kind of document, in id order.
    pub(crate) async fn list_page<T: serde::de::DeserializeOwned>(
        &self,
        query: ListQuery,
    ) -> Result<Page<T>, TijaraError> {
        let docs = self.inner.storage.list(&query).await?;
        Page::decode(query.kind, &docs, query.limit)
    }
}

/// A variant's stock counter to declare (units are used only when it is created).
struct StockDef {
    variant: VariantId,
    tracked: bool,
    units: u32,
}

/// The largest page served.
pub const MAX_PAGE: u32 = 100;
/// Drops from `product` the photos that are not paths on the shop
/// ([`is_local_media_path`](tijara_core::catalog::is_local_media_path)) but were `stored` with it:
/// remote URLs saved before that input rule existed. They are never shown (the shop's views
/// leave them out), and keeping them would make the product impossible to save. Each one is
/// logged. A new remote photo is not dropped: validation refuses it.
fn drop_legacy_photos(product: &mut Product, stored: &[tijara_core::catalog::Photo]) {
    use tijara_core::catalog::is_local_media_path;
    let legacy: Vec<&str> = stored
        .iter()
        .map(|p| p.url.as_str())
        .filter(|u| !is_local_media_path(u))
        .collect();
    if legacy.is_empty() {
        return;
    }
    product.photos.retain(|p| !legacy.contains(&p.url.as_str()));
    for url in legacy {
        tracing::warn!(
            product = %product.id,
            url = %url.chars().take(80).collect::<String>(),
            "a remote photo saved before the input rule is dropped from the product"
        );
    }
}

/// The most photos a product has.
pub const MAX_PHOTOS: usize = 8;

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), TijaraError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(TijaraError::InvalidField {
            field,
            rule: format!("must be 1 to {max} characters"),
        });
    }
    Ok(())
}

impl Tijara {
    // ---- sellers -------------------------------------------------------------------------

    /// Registers a seller (active at once; the storefront may add an approval step).
    pub async fn create_seller(
        &self,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let id = SellerId::new(self.new_id("slr"))?;
        let seller = self.seller_from(id, input.clone(), true);
        seller.validate()?;
        let (seller,) = (&seller,);
        self.mutate("create_seller", key, &input, || async move {
            let write = Write::new(DocKind::Seller, seller.id.as_str(), None).body(&seller)?;
            Ok((
                seller.clone(),
                Changeset {
                    docs: vec![write],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    pub(crate) fn seller_from(&self, id: SellerId, input: SellerInput, active: bool) -> Seller {
        Seller {
            id,
            name: input.name,
            kind: input.kind,
            home_city: input.home_city,
            commission_rate: input
                .commission_rate
                .unwrap_or(self.inner.region.default_commission),
            category_commissions: input.category_commissions,
            tax_status: input.tax_status,
            members: input.members,
            legal: input.legal,
            story: input.story,
            active,
        }
    }

    /// Replaces a seller's details (its active flag is kept).
    pub async fn update_seller(
        &self,
        id: &SellerId,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let (input,) = (&input,);
        self.mutate("update_seller", key, &(id, &input), || async move {
            let current: Loaded<Seller> = self.load(DocKind::Seller, id.as_str()).await?;
            let seller = self.seller_from(id.clone(), input.clone(), current.value.active);
            seller.validate()?;
            let mut changes = self.reindex_seller_products(&seller).await?;
            changes.docs.insert(
                0,
                Write::new(DocKind::Seller, id.as_str(), Some(current.version)).body(&seller)?,
            );
            Ok((seller, changes))
        })
        .await
    }

    /// Activates or deactivates a seller; a deactivated seller's products cannot be bought.
    pub async fn set_seller_active(
        &self,
        id: &SellerId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        self.mutate("set_seller_active", key, &(id, active), || async move {
            let mut current: Loaded<Seller> = self.load(DocKind::Seller, id.as_str()).await?;
            current.value.active = active;
            let mut changes = self.reindex_seller_products(&current.value).await?;
            changes.docs.insert(
                0,
                Write::new(DocKind::Seller, id.as_str(), Some(current.version))
                    .body(&current.value)?,
            );
            Ok((current.value, changes))
        })
        .await
    }

    /// Rewrites the search rows of a seller's products (their `active` depends on the seller's).
    async fn reindex_seller_products(&self, seller: &Seller) -> Result<Changeset, TijaraError> {
        let mut changes = Changeset::default();
        let owner = format!("seller:{}", seller.id);
        let mut after: Option<String> = None;
        loop {
            let docs = self
                .inner
                .storage
                .list(
                    &ListQuery::new(DocKind::Product, MAX_PAGE)
                        .owner(owner.clone())
                        .after(after.as_deref()),
                )
                .await?;
            let full = docs.len() == MAX_PAGE as usize;
            for d in docs {
                let p: Product = decode(DocKind::Product, &d.id, &d.body)?;
                changes.docs.push(
                    Write::new(DocKind::Product, d.id.clone(), Some(d.version))
                        .keys(product_keys(&p))
                        .owners(vec![owner.clone()])
                        .product(product_index(&p, seller))
                        .body(&p)?,
                );
                after = Some(d.id);
            }
            if !full {
                return Ok(changes);
            }
        }
    }

    /// A seller.
    pub async fn seller(&self, id: &SellerId) -> Result<Seller, TijaraError> {
        Ok(self
            .load::<Seller>(DocKind::Seller, id.as_str())
            .await?
            .value)
    }

    /// Sellers, by id.
    pub async fn list_sellers(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Seller>, TijaraError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.list_page(ListQuery::new(DocKind::Seller, limit).after(after))
            .await
    }

    // ---- categories ----------------------------------------------------------------------

    /// Creates a category.
    pub async fn create_category(
        &self,
        input: CategoryInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Category, TijaraError> {
        check_text("category.slug", &input.slug, 80)?;
        if input.name.is_empty() {
            return Err(TijaraError::InvalidField {
                field: "category.name",
                rule: "must not be empty".into(),
            });
        }
        let (input,) = (&input,);
        self.mutate("create_category", key, &input, || async move {
            if let Some(parent) = &input.parent {
                self.load::<Category>(DocKind::Category, parent.as_str())
                    .await?;
            }
            let c = Category {
                id: input.id.clone(),
                slug: input.slug.clone(),
                name: input.name.clone(),
                parent: input.parent.clone(),
            };
            let w = Write::new(DocKind::Category, c.id.as_str(), None)
                .keys(vec![format!("slug:{}", c.slug)])
                .body(&c)?;
            Ok((
                c,
                Changeset {
                    docs: vec![w],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// Every category.
    pub async fn categories(&self) -> Result<Vec<Category>, TijaraError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let docs = self
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Category, MAX_PAGE).after(after.as_deref()))
                .await?;
            let full = docs.len() == MAX_PAGE as usize;
            for d in docs {
                out.push(decode(DocKind::Category, &d.id, &d.body)?);
                after = Some(d.id);
            }
            if !full {
                return Ok(out);
            }
        }
    }

    // ---- products ------------------------------------------------------------------------

    fn build_variants(
        &self,
        inputs: &[VariantInput],
        existing: &[Variant],
    ) -> Result<(Vec<Variant>, Vec<StockDef>), TijaraError> {
        let mut variants = Vec::new();
        let mut stock = Vec::new();
        for v in inputs {
            let sku =
                Sku::new(v.sku.clone()).map_err(tijara_core::catalog::ValidationError::from)?;
            if !self
                .inner
                .region
                .tax_rules
                .rates()
                .iter()
                .any(|r| r.category == v.tax_category)
            {
                return Err(TijaraError::UnknownTaxCategory {
                    category: v.tax_category.clone(),
                    region: self.inner.region.code.to_string(),
                });
            }
            if v.price.currency() != self.inner.region.currency {
                return Err(TijaraError::WrongCurrency {
                    expected: self.inner.region.currency,
                    got: v.price.currency(),
                });
            }
            let old = existing.iter().find(|e| e.sku == sku);
            let id = match old {
                Some(o) => o.id.clone(),
                None => VariantId::new(self.new_id("var"))?,
            };
            let tracked = matches!(v.stock_policy, StockPolicy::Tracked);
            stock.push(StockDef {
                variant: id.clone(),
                tracked,
                units: v.initial_stock,
            });
            variants.push(Variant {
                id,
                sku,
                options: v.options.clone(),
                price: v.price,
                tax_category: v.tax_category.clone(),
                weight_grams: v.weight_grams,
                dimensions: v.dimensions,
                shippable: v.shippable,
                stock_policy: v.stock_policy,
                active: true,
            });
        }
        // Variants dropped from the input stay, deactivated, so past orders still resolve.
        for e in existing {
            if !variants.iter().any(|v| v.id == e.id) {
                let mut gone = e.clone();
                gone.active = false;
                variants.push(gone);
            }
        }
        Ok((variants, stock))
    }

    async fn product_changes(
        &self,
        product: &Product,
        expected: Option<u64>,
        stock: &[StockDef],
    ) -> Result<Changeset, TijaraError> {
        let seller = self.seller(&product.seller_id).await?;
        product.validate(&seller)?;
        self.load::<Category>(DocKind::Category, product.category_id.as_str())
            .await?;
        let write = Write::new(DocKind::Product, product.id.as_str(), expected)
            .keys(product_keys(product))
            .owners(vec![format!("seller:{}", product.seller_id)])
            .product(product_index(product, &seller))
            .body(product)?;
        let ops = stock
            .iter()
            .map(|d| StockOp::Define {
                variant: d.variant.clone(),
                product: product.id.clone(),
                tracked: d.tracked,
                on_hand: d.units,
            })
            .collect();
        Ok(Changeset {
            docs: vec![write],
            stock: ops,
            ..Changeset::default()
        })
    }

    /// Creates a product with its variants and their initial stock.
    pub async fn create_product(
        &self,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let id = ProductId::new(self.new_id("prd"))?;
        let (variants, stock) = self.build_variants(&input.variants, &[])?;
        let product = Product {
            id,
            seller_id: input.seller_id.clone(),
            category_id: input.category_id.clone(),
            slug: input.slug.clone(),
            title: input.title.clone(),
            description: input.description.clone(),
            materials: input.materials.clone(),
            photos: input.photos.clone(),
            made_by: input.made_by.clone(),
            variants,
            active: true,
        };
        let (product, stock) = (&product, &stock);
        self.mutate("create_product", key, &input, || async move {
            let changes = self.product_changes(product, None, stock).await?;
            Ok((product.clone(), changes))
        })
        .await
    }

    /// Replaces a product's details and variants (variants are matched by SKU; a variant left
    /// out is deactivated, never deleted). The seller cannot change, and the photos are kept
    /// as stored (`input.photos` is ignored): a form read before an upload does not drop the
    /// new photo, and photos pass the approval rule of [`Tijara::add_product_photo`].
    pub async fn update_product(
        &self,
        id: &ProductId,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let (input,) = (&input,);
        self.mutate("update_product", key, &(id, &input), || async move {
            let current: Loaded<Product> = self.load(DocKind::Product, id.as_str()).await?;
            if current.value.seller_id != input.seller_id {
                return Err(TijaraError::NotAllowed {
                    reason: "a product cannot change seller".into(),
                });
            }
            let (variants, stock) =
                self.build_variants(&input.variants, &current.value.variants)?;
            let mut product = Product {
                id: id.clone(),
                seller_id: input.seller_id.clone(),
                category_id: input.category_id.clone(),
                slug: input.slug.clone(),
                title: input.title.clone(),
                description: input.description.clone(),
                materials: input.materials.clone(),
                photos: current.value.photos.clone(),
                made_by: input.made_by.clone(),
                variants,
                active: current.value.active,
            };
            drop_legacy_photos(&mut product, &current.value.photos);
            let changes = self
                .product_changes(&product, Some(current.version), &stock)
                .await?;
            Ok((product, changes))
        })
        .await
    }

    /// Activates or deactivates a product.
    pub async fn set_product_active(
        &self,
        id: &ProductId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        self.mutate("set_product_active", key, &(id, active), || async move {
            let mut current: Loaded<Product> = self.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.active = active;
            let mut changes = self
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Adds a photo to a product, on the product as stored (so photos added at the same time
    /// are all kept): only for an approved seller ([`TijaraError::SellerNotApproved`]), at most
    /// [`MAX_PHOTOS`] ([`TijaraError::TooManyPhotos`]); a photo already there is not added twice.
    pub async fn add_product_photo(
        &self,
        id: &ProductId,
        photo: tijara_core::catalog::Photo,
    ) -> Result<Product, TijaraError> {
        let photo = &photo;
        self.mutate("add_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = self.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            let seller = self.seller(&current.value.seller_id).await?;
            if !seller.active {
                return Err(TijaraError::SellerNotApproved(seller.id));
            }
            if current.value.photos.iter().any(|p| p.url == photo.url) {
                return Ok((current.value, Changeset::default()));
            }
            if current.value.photos.len() >= MAX_PHOTOS {
                return Err(TijaraError::TooManyPhotos { max: MAX_PHOTOS });
            }
            current.value.photos.push(photo.clone());
            let mut changes = self
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Removes a product's photo by URL, on the product as stored (unknown URLs change nothing).
    pub async fn remove_product_photo(
        &self,
        id: &ProductId,
        url: &str,
    ) -> Result<Product, TijaraError> {
        self.mutate("remove_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = self.load(DocKind::Product, id.as_str()).await?;
            let before = current.value.photos.len();
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.photos.retain(|p| p.url != url);
            if current.value.photos.len() == before {
                return Ok((current.value, Changeset::default()));
            }
            let mut changes = self
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Changes a tracked variant's stock. Removing never goes below the units reserved.
    pub async fn adjust_stock(
        &self,
        variant: &VariantId,
        adjustment: StockAdjustment,
        key: Option<&IdempotencyKey>,
    ) -> Result<StockRow, TijaraError> {
        let op = match adjustment {
            StockAdjustment::Add { units } => StockOp::Adjust {
                variant: variant.clone(),
                delta: i64::from(units),
            },
            StockAdjustment::Remove { units } => StockOp::Adjust {
                variant: variant.clone(),
                delta: -i64::from(units),
            },
            StockAdjustment::Set { units } => StockOp::Set {
                variant: variant.clone(),
                on_hand: units,
            },
        };
        let before = self.stock_row(variant).await?;
        if !before.tracked {
            return Err(TijaraError::StockNotTracked {
                variant: variant.clone(),
            });
        }
        let (op,) = (&op,);
        self.mutate("adjust_stock", key, &(variant, adjustment), || async move {
            Ok((
                (),
                Changeset {
                    stock: vec![op.clone()],
                    ..Changeset::default()
                },
            ))
        })
        .await?;
        self.stock_row(variant).await
    }

    /// A variant's stock counter.
    pub async fn stock_row(&self, variant: &VariantId) -> Result<StockRow, TijaraError> {
        self.inner
            .storage
            .stock_levels(std::slice::from_ref(variant))
            .await?
            .pop()
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Variant,
                id: variant.to_string(),
            })
    }

    // ---- browsing ------------------------------------------------------------------------

    async fn views(&self, products: Vec<Product>) -> Result<Vec<ProductView>, TijaraError> {
        let variant_ids: Vec<VariantId> = products
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| v.id.clone()))
            .collect();
        let stock: HashMap<VariantId, StockRow> = self
            .inner
            .storage
            .stock_levels(&variant_ids)
            .await?
            .into_iter()
            .map(|r| (r.variant.clone(), r))
            .collect();
        let mut seller_ids: Vec<String> =
            products.iter().map(|p| p.seller_id.to_string()).collect();
        seller_ids.sort();
        seller_ids.dedup();
        let sellers: HashMap<String, Seller> = self
            .inner
            .storage
            .get_many(DocKind::Seller, &seller_ids)
            .await?
            .into_iter()
            .map(|d| {
                Ok((
                    d.id.clone(),
                    decode::<Seller>(DocKind::Seller, &d.id, &d.body)?,
                ))
            })
            .collect::<Result<_, TijaraError>>()?;
        Ok(products
            .into_iter()
            .map(|p| {
                let variants = p
                    .variants
                    .iter()
                    .filter(|v| v.active)
                    .map(|v| VariantView {
                        variant: v.clone(),
                        availability: Availability::of(
                            v.stock_policy,
                            stock.get(&v.id).map_or(0, StockRow::available),
                        ),
                    })
                    .collect();
                let seller = sellers.get(p.seller_id.as_str());
                // Only photos on the shop are shown (remote ones saved before the rule are not).
                let mut p = p;
                p.photos
                    .retain(|ph| tijara_core::catalog::is_local_media_path(&ph.url));
                ProductView {
                    seller_name: seller.map(|s| s.name.clone()).unwrap_or_default(),
                    seller_city: seller.map(|s| s.home_city.clone()).unwrap_or_default(),
                    variants,
                    product: p,
                }
            })
            .collect())
    }

    /// A product with its availability.
    pub async fn product(&self, id: &ProductId) -> Result<ProductView, TijaraError> {
        let p: Loaded<Product> = self.load(DocKind::Product, id.as_str()).await?;
        self.views(vec![p.value])
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: id.to_string(),
            })
    }

    /// Several products with their availability, in three storage reads whatever their number
    /// (a cart page, an invoice); unknown ids are left out.
    pub async fn products(&self, ids: &[ProductId]) -> Result<Vec<ProductView>, TijaraError> {
        let mut keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
        keys.sort();
        keys.dedup();
        let products: Vec<Product> = self
            .inner
            .storage
            .get_many(DocKind::Product, &keys)
            .await?
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        self.views(products).await
    }

    /// The product that has a variant with this SKU, if any.
    pub async fn product_by_sku(&self, sku: &str) -> Result<Option<Product>, TijaraError> {
        Ok(self
            .load_by_key::<Product>(DocKind::Product, &format!("sku:{sku}"))
            .await?
            .map(|(_, l)| l.value))
    }

    /// A product on sale, by its slug: [`TijaraError::NotFound`] for an inactive product, one
    /// without an active variant, or one whose seller is not active (not approved yet, or
    /// suspended), as if it did not exist. Back offices use [`Tijara::product_by_slug_any`].
    pub async fn product_by_slug(&self, slug: &str) -> Result<ProductView, TijaraError> {
        let view = self.product_by_slug_any(slug).await?;
        let seller_active = self
            .seller(&view.product.seller_id)
            .await
            .is_ok_and(|s| s.active);
        if !view.product.active || view.variants.is_empty() || !seller_active {
            return Err(TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            });
        }
        Ok(view)
    }

    /// A product by its slug, on sale or not (seller portals, administration).
    pub async fn product_by_slug_any(&self, slug: &str) -> Result<ProductView, TijaraError> {
        let (_, p) = self
            .load_by_key::<Product>(DocKind::Product, &format!("slug:{slug}"))
            .await?
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })?;
        self.views(vec![p.value])
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })
    }

    /// Products matching a filter, by id (stable pages: pass `next` back as `after`).
    pub async fn list_products(
        &self,
        filter: &ProductFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<ProductView>, TijaraError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let minor = |m: &Option<Money>| m.map(|m| m.to_minor().unwrap_or(i64::MAX));
        let text = match &filter.text {
            Some(t) if t.chars().count() > 200 => {
                return Err(TijaraError::InvalidField {
                    field: "text",
                    rule: "must be at most 200 characters".into(),
                });
            }
            Some(t) => Some(search_key(t)).filter(|t| !t.is_empty()),
            None => None,
        };
        let query = ProductQuery {
            active_only: !filter.include_inactive,
            category: filter.category.as_ref().map(ToString::to_string),
            seller: filter.seller.as_ref().map(ToString::to_string),
            min_price_minor: minor(&filter.min_price),
            max_price_minor: minor(&filter.max_price),
            in_stock: filter.in_stock,
            text,
            after: after.map(str::to_owned),
            limit,
        };
        let docs = self.inner.storage.search_products(&query).await?;
        let page: Page<Product> = Page::decode(DocKind::Product, &docs, limit)?;
        Ok(Page {
            items: self.views(page.items).await?,
            next: page.next,
        })
    }

    /// The sellers, products and stock of some variants (what pricing a cart needs).
    pub(crate) async fn snapshot_for(
        &self,
        variants: &[VariantId],
    ) -> Result<(CatalogSnapshot, HashMap<VariantId, StockRow>), TijaraError> {
        let rows = self.inner.storage.stock_levels(variants).await?;
        let mut product_ids: Vec<String> = rows.iter().map(|r| r.product.to_string()).collect();
        product_ids.sort();
        product_ids.dedup();
        let products: Vec<Product> = self
            .inner
            .storage
            .get_many(DocKind::Product, &product_ids)
            .await?
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        let mut seller_ids: Vec<String> =
            products.iter().map(|p| p.seller_id.to_string()).collect();
        seller_ids.sort();
        seller_ids.dedup();
        let sellers: Vec<Seller> = self
            .inner
            .storage
            .get_many(DocKind::Seller, &seller_ids)
            .await?
            .iter()
            .map(|d| decode(DocKind::Seller, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        let snapshot = CatalogSnapshot::new(sellers, products)?;
        Ok((
            snapshot,
            rows.into_iter().map(|r| (r.variant.clone(), r)).collect(),
        ))
    }
}
