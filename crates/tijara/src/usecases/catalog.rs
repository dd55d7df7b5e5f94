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

mod browsing;
mod categories;
mod inputs;
mod products;
mod search;

pub use browsing::MAX_NUMBERED;
pub use categories::CategoryUpdate;
pub use inputs::NumberedPage;
pub use inputs::{
    CategoryInput, DocumentsAndSellers, Page, ProductFilter, ProductInput, ProductPage,
    ProductView, ProductsAndSellers, SellerInput, StockAdjustment, VariantInput, VariantView,
};
pub use search::{MAX_SEARCH_PAGE, SearchRequest, SearchResults};

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
            whatsapp: input.whatsapp,
            contact: input.contact,
            approved_at: None,
        }
    }
}

impl Catalog<'_> {
    /// Replaces a seller's details (its active flag and [`Seller::approved_at`] are kept).
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
            let mut seller = e.seller_from(id.clone(), input.clone(), current.value.active);
            // Kept, as the active flag is: whether the shop was ever approved.
            seller.approved_at = current.value.approved_at;
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
    /// Activating an inactive seller (an approval) appends `seller.approved` to the outbox, so
    /// the applicant is told (`tijara-notify`).
    pub async fn set_seller_active(
        self,
        id: &SellerId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let e = self.engine;
        e.mutate("set_seller_active", key, &(id, active), || async move {
            let mut current: Loaded<Seller> = e.load(DocKind::Seller, id.as_str()).await?;
            let approved = active && !current.value.active;
            // An approval dates the shop's approval; so does suspending an active shop that
            // has no date (created active, or approved before the date was kept): it was
            // approved, and must not read as an applicant.
            if approved || (!active && current.value.active && current.value.approved_at.is_none())
            {
                current.value.approved_at = Some(e.now());
            }
            current.value.active = active;
            let mut changes = e.reindex_seller_products(&current.value).await?;
            changes.docs.insert(
                0,
                Write::new(DocKind::Seller, id.as_str(), Some(current.version))
                    .body(&current.value)?,
            );
            // The applicant is told through the outbox, committed with the approval: a failed
            // message is retried, never lost.
            if approved {
                changes.events.push(crate::engine::outbox(
                    &tijara_core::DomainEvent::SellerApproved(
                        tijara_core::events::SellerApproval::new(
                            current.value.id.clone(),
                            current.value.name.clone(),
                            e.now(),
                        ),
                    ),
                )?);
            }
            Ok((current.value, changes))
        })
        .await
    }
}

impl Tijara {
    /// Every category, by id (for the search rows of many products).
    pub(crate) async fn category_map(
        &self,
    ) -> Result<HashMap<tijara_core::CategoryId, Category>, TijaraError> {
        let mut out = HashMap::new();
        let mut after: Option<String> = None;
        loop {
            let docs = self
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Category, MAX_PAGE).after(after.as_deref()))
                .await?;
            let full = docs.len() == MAX_PAGE as usize;
            for d in docs {
                let c: Category = decode(DocKind::Category, &d.id, &d.body)?;
                after = Some(d.id);
                out.insert(c.id.clone(), c);
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// Rewrites the search rows of a seller's products (their `active` depends on the seller's).
    async fn reindex_seller_products(&self, seller: &Seller) -> Result<Changeset, TijaraError> {
        let mut changes = Changeset::default();
        let owner = format!("seller:{}", seller.id);
        let categories = self.category_map().await?;
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
                        .product(product_index(&p, seller, categories.get(&p.category_id)))
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
