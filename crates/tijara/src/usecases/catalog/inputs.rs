//! What the catalog's use cases take and give: sellers, categories, products and variants as
//! an admin or a seller enters them, the views and pages they read.

use super::*;

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
    /// The WhatsApp number shown to shoppers, if the seller opts in (E.164).
    #[serde(default)]
    pub whatsapp: Option<String>,
    /// The phone and the address parcels leave from (the label's sender).
    #[serde(default)]
    pub contact: tijara_core::catalog::SellerContact,
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
    /// .with_story(LocalizedText::new().with(Lang::FR, "Cuir tanné à la main."));
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
            whatsapp: None,
            contact: Default::default(),
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

    /// Sets the phone and the address parcels leave from.
    pub fn with_contact(mut self, contact: tijara_core::catalog::SellerContact) -> Self {
        self.contact = contact;
        self
    }

    /// Shows shoppers a WhatsApp contact (E.164, `+212612345678`); the seller's opt-in.
    pub fn with_whatsapp(mut self, number: impl Into<String>) -> Self {
        self.whatsapp = Some(number.into());
        self
    }
}

impl From<Seller> for SellerInput {
    /// The details of an existing seller, to change a few and pass to
    /// [`Catalog::update_seller`].
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
            whatsapp: s.whatsapp,
            contact: s.contact,
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
    ///     LocalizedText::new().with(Lang::FR, "Sacs"),
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
    /// Photos of a new product ([`Catalog::create_product`]); [`Catalog::update_product`]
    /// ignores them and keeps the stored ones (photos change through
    /// [`Catalog::add_product_photo`] and [`Catalog::remove_product_photo`] only).
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// The member who made it.
    pub made_by: Option<MemberId>,
    /// Variants.
    pub variants: Vec<VariantInput>,
    /// Customs data (needed to ship abroad); on [`Catalog::update_product`], `None` keeps the
    /// stored data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs: Option<tijara_core::customs::CustomsInfo>,
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
    ///     LocalizedText::new().with(Lang::FR, "Sac en cuir"),
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
            customs: None,
        }
    }

    /// Sets the customs data (HS code, descriptions, origin, net weight).
    pub fn with_customs(mut self, customs: tijara_core::customs::CustomsInfo) -> Self {
        self.customs = Some(customs);
        self
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

/// Products to show and sellers named beside them, read at one catalog version:
/// [`super::Catalog::products_and_sellers`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductsAndSellers {
    /// The products, as [`super::Catalog::products`] answers them.
    pub products: Vec<ProductView>,
    /// The sellers named and the products' sellers, sorted by id, each once; a seller that
    /// does not exist is left out.
    pub sellers: Vec<std::sync::Arc<Seller>>,
}

/// Products and sellers to name (an order's messages): the documents, without their stock,
/// none older than the catalog version read before them:
/// [`super::Catalog::documents_and_sellers`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentsAndSellers {
    /// The products, active or not, sorted by id, each once; an unknown id is left out. Shared
    /// with the engine's catalog cache when it held them.
    pub products: Vec<std::sync::Arc<Product>>,
    /// The sellers named and the products' sellers, sorted by id, each once; a seller that
    /// does not exist is left out.
    pub sellers: Vec<std::sync::Arc<Seller>>,
}

/// What a product's page shows: [`super::Catalog::product_page`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductPage {
    /// The product with its active variants' availability.
    pub view: ProductView,
    /// Its seller (active: the product is on sale).
    pub seller: Seller,
    /// Its category, if it exists.
    pub category: Option<Category>,
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

/// A numbered page of results: page `page` of `pages`, `total` items in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NumberedPage<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// The number of pages (at least 1, even with no item).
    pub pages: u32,
    /// The number of matching items.
    pub total: u64,
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
