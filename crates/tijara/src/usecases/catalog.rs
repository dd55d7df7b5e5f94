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
        }
    }
}

/// A category's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A variant as a seller enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A product as a seller enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct VariantView {
    /// The variant.
    pub variant: Variant,
    /// Its availability.
    pub availability: Availability,
}

/// A product as shown to shoppers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Sellers, categories, products and stock: the catalog's use cases (`engine.catalog()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
/// use tijara::usecases::catalog::ProductFilter;
///
/// let page = engine.catalog().list_products(&ProductFilter::default(), None, 20).await?;
/// for view in &page.items {
///     let in_stock = engine.catalog().stock_row(&view.variants[0].variant.id).await?;
///     println!("{}: {} available", view.product.slug, in_stock.available());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Catalog<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Catalog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

impl Tijara {
    /// The catalog's use cases: sellers, categories, products, stock.
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog { engine: self }
    }
}

impl Catalog<'_> {
    // ---- sellers -------------------------------------------------------------------------

    /// Registers a seller (active at once; the storefront may add an approval step).
    pub async fn create_seller(
        self,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let e = self.engine;
        let id = SellerId::new(e.new_id("slr"))?;
        let seller = e.seller_from(id, input.clone(), true);
        seller.validate()?;
        let (seller,) = (&seller,);
        e.mutate("create_seller", key, &input, || async move {
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
}

impl Tijara {
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
}

impl Catalog<'_> {
    /// Replaces a seller's details (its active flag is kept).
    pub async fn update_seller(
        self,
        id: &SellerId,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let e = self.engine;
        let (input,) = (&input,);
        e.mutate("update_seller", key, &(id, &input), || async move {
            let current: Loaded<Seller> = e.load(DocKind::Seller, id.as_str()).await?;
            let seller = e.seller_from(id.clone(), input.clone(), current.value.active);
            seller.validate()?;
            let mut changes = e.reindex_seller_products(&seller).await?;
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
        self,
        id: &SellerId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let e = self.engine;
        e.mutate("set_seller_active", key, &(id, active), || async move {
            let mut current: Loaded<Seller> = e.load(DocKind::Seller, id.as_str()).await?;
            current.value.active = active;
            let mut changes = e.reindex_seller_products(&current.value).await?;
            changes.docs.insert(
                0,
                Write::new(DocKind::Seller, id.as_str(), Some(current.version))
                    .body(&current.value)?,
            );
            Ok((current.value, changes))
        })
        .await
    }
}

impl Tijara {
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
}

impl Catalog<'_> {
    /// A seller.
    pub async fn seller(self, id: &SellerId) -> Result<Seller, TijaraError> {
        let e = self.engine;
        Ok(e.load::<Seller>(DocKind::Seller, id.as_str()).await?.value)
    }

    /// Sellers, by id.
    pub async fn list_sellers(
        self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Seller>, TijaraError> {
        let e = self.engine;
        let limit = limit.clamp(1, MAX_PAGE);
        e.list_page(ListQuery::new(DocKind::Seller, limit).after(after))
            .await
    }

    // ---- categories ----------------------------------------------------------------------

    /// Creates a category.
    pub async fn create_category(
        self,
        input: CategoryInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Category, TijaraError> {
        let e = self.engine;
        check_text("category.slug", &input.slug, 80)?;
        if input.name.is_empty() {
            return Err(TijaraError::InvalidField {
                field: "category.name",
                rule: "must not be empty".into(),
            });
        }
        let (input,) = (&input,);
        e.mutate("create_category", key, &input, || async move {
            if let Some(parent) = &input.parent {
                e.load::<Category>(DocKind::Category, parent.as_str())
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
    pub async fn categories(self) -> Result<Vec<Category>, TijaraError> {
        let e = self.engine;
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let docs = e
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
}

impl Tijara {
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
        let seller = self.catalog().seller(&product.seller_id).await?;
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
}

impl Catalog<'_> {
    /// Creates a product with its variants and their initial stock.
    pub async fn create_product(
        self,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let id = ProductId::new(e.new_id("prd"))?;
        let (variants, stock) = e.build_variants(&input.variants, &[])?;
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
        e.mutate("create_product", key, &input, || async move {
            let changes = e.product_changes(product, None, stock).await?;
            Ok((product.clone(), changes))
        })
        .await
    }

    /// Replaces a product's details and variants (variants are matched by SKU; a variant left
    /// out is deactivated, never deleted). The seller cannot change, and the photos are kept
    /// as stored (`input.photos` is ignored): a form read before an upload does not drop the
    /// new photo, and photos pass the approval rule of [`Catalog::add_product_photo`].
    pub async fn update_product(
        self,
        id: &ProductId,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let (input,) = (&input,);
        e.mutate("update_product", key, &(id, &input), || async move {
            let current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            if current.value.seller_id != input.seller_id {
                return Err(TijaraError::NotAllowed {
                    reason: "a product cannot change seller".into(),
                });
            }
            let (variants, stock) = e.build_variants(&input.variants, &current.value.variants)?;
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
            let changes = e
                .product_changes(&product, Some(current.version), &stock)
                .await?;
            Ok((product, changes))
        })
        .await
    }

    /// Activates or deactivates a product.
    pub async fn set_product_active(
        self,
        id: &ProductId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        e.mutate("set_product_active", key, &(id, active), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.active = active;
            let mut changes = e
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
        self,
        id: &ProductId,
        photo: tijara_core::catalog::Photo,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let photo = &photo;
        e.mutate("add_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
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
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Removes a product's photo by URL, on the product as stored (unknown URLs change nothing).
    pub async fn remove_product_photo(
        self,
        id: &ProductId,
        url: &str,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        e.mutate("remove_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let before = current.value.photos.len();
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.photos.retain(|p| p.url != url);
            if current.value.photos.len() == before {
                return Ok((current.value, Changeset::default()));
            }
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Changes a tracked variant's stock. Removing never goes below the units reserved.
    pub async fn adjust_stock(
        self,
        variant: &VariantId,
        adjustment: StockAdjustment,
        key: Option<&IdempotencyKey>,
    ) -> Result<StockRow, TijaraError> {
        let e = self.engine;
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
        e.mutate("adjust_stock", key, &(variant, adjustment), || async move {
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
    pub async fn stock_row(self, variant: &VariantId) -> Result<StockRow, TijaraError> {
        let e = self.engine;
        e.inner
            .storage
            .stock_levels(std::slice::from_ref(variant))
            .await?
            .pop()
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Variant,
                id: variant.to_string(),
            })
    }
}

impl Tijara {
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
}

impl Catalog<'_> {
    /// A product with its availability.
    pub async fn product(self, id: &ProductId) -> Result<ProductView, TijaraError> {
        let e = self.engine;
        let p: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
        e.views(vec![p.value])
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: id.to_string(),
            })
    }

    /// Several products with their availability, in three storage reads whatever their number
    /// (a cart page, an invoice); unknown ids are left out.
    pub async fn products(self, ids: &[ProductId]) -> Result<Vec<ProductView>, TijaraError> {
        let e = self.engine;
        let mut keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
        keys.sort();
        keys.dedup();
        let products: Vec<Product> = e
            .inner
            .storage
            .get_many(DocKind::Product, &keys)
            .await?
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        e.views(products).await
    }

    /// The product that has a variant with this SKU, if any.
    pub async fn product_by_sku(self, sku: &str) -> Result<Option<Product>, TijaraError> {
        let e = self.engine;
        Ok(
            e.load_by_key::<Product>(DocKind::Product, &format!("sku:{sku}"))
                .await?
                .map(|(_, l)| l.value),
        )
    }

    /// A product on sale, by its slug: [`TijaraError::NotFound`] for an inactive product, one
    /// without an active variant, or one whose seller is not active (not approved yet, or
    /// suspended), as if it did not exist. Back offices use [`Catalog::product_by_slug_any`].
    pub async fn product_by_slug(self, slug: &str) -> Result<ProductView, TijaraError> {
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
    pub async fn product_by_slug_any(self, slug: &str) -> Result<ProductView, TijaraError> {
        let e = self.engine;
        let (_, p) = e
            .load_by_key::<Product>(DocKind::Product, &format!("slug:{slug}"))
            .await?
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })?;
        e.views(vec![p.value])
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })
    }

    /// Products matching a filter, by id (stable pages: pass `next` back as `after`).
    pub async fn list_products(
        self,
        filter: &ProductFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<ProductView>, TijaraError> {
        let e = self.engine;
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
        let docs = e.inner.storage.search_products(&query).await?;
        let page: Page<Product> = Page::decode(DocKind::Product, &docs, limit)?;
        Ok(Page {
            items: e.views(page.items).await?,
            next: page.next,
        })
    }
}

impl Tijara {
    /// [`Catalog::seller`] for the use cases still written on `Tijara` (fulfillment, invoices):
    /// delete once they call `self.catalog().seller(..)`.
    pub(crate) async fn seller(&self, id: &SellerId) -> Result<Seller, TijaraError> {
        self.catalog().seller(id).await
    }

    /// [`Catalog::products`] for the use cases still written on `Tijara` (invoices): delete
    /// once they call `self.catalog().products(..)`.
    pub(crate) async fn products(
        &self,
        ids: &[ProductId],
    ) -> Result<Vec<ProductView>, TijaraError> {
        self.catalog().products(ids).await
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
