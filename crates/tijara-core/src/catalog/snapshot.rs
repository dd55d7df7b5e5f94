//! The catalog as pricing sees it: a snapshot of variants with their products and sellers.

use super::*;
use std::sync::Arc;

/// The snapshot's indexes: keyed by the ids of the documents given, hashed with foldhash (a
/// random seed per map) rather than SipHash, which was ~1 % of a checkout's instructions in
/// these maps (`docs/benchmarks.md`, 2026-12-06 step 31).
type Index<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
/// and variants of one cart, for instance), indexed for look-ups. Its documents are shared
/// ([`CatalogSnapshot::from_shared`]): a snapshot made from a cache copies none of them.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    sellers: Vec<Arc<Seller>>,
    seller_index: Index<SellerId, usize>,
    /// Each product with the position of its seller.
    products: Vec<(Arc<Product>, usize)>,
    product_index: Index<ProductId, usize>,
    /// Variant id → (product position, variant position): one hash look-up per variant.
    variants: Index<VariantId, (usize, usize)>,
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
        Self::from_shared(
            sellers.into_iter().map(Arc::new),
            products.into_iter().map(Arc::new),
        )
    }

    /// Like [`CatalogSnapshot::new`], with documents shared with their holder (an engine's
    /// catalog cache): nothing is copied.
    pub fn from_shared(
        sellers: impl IntoIterator<Item = Arc<Seller>>,
        products: impl IntoIterator<Item = Arc<Product>>,
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
        self.sellers.get(*self.seller_index.get(id)?).map(|s| &**s)
    }

    /// A product by id.
    pub fn product(&self, id: &ProductId) -> Option<&Product> {
        self.products
            .get(*self.product_index.get(id)?)
            .map(|(p, _)| &**p)
    }

    /// Every seller.
    pub fn sellers(&self) -> impl Iterator<Item = &Seller> {
        self.sellers.iter().map(|s| &**s)
    }

    /// Every product.
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().map(|(p, _)| &**p)
    }
}
