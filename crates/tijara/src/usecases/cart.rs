//! Carts: create, add, change, remove, coupons, merge at login, price.

use crate::docs::{CartDoc, CartStatus, PromotionDoc};
use crate::engine::{self, CartReads, IdempotencyKey, Loaded, Tijara, Write, decode};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, Durability, StockAtLeast};
use std::collections::HashMap;
use std::sync::Arc;
use tijara_core::cart::{Cart, MergeReport};
use tijara_core::catalog::CatalogSnapshot;
use tijara_core::pricing::{PricedCart, PricingInput, price_cart};
use tijara_core::promotion::{Promotion, PromotionUsage};
use tijara_core::{CartId, CustomerId, PromotionId, VariantId};

/// A change to a cart's lines or coupons.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CartChange {
    /// Add units of a variant.
    Add {
        /// The variant.
        variant: VariantId,
        /// Units.
        quantity: u32,
    },
    /// Set a line's quantity.
    SetQuantity {
        /// The variant.
        variant: VariantId,
        /// Units.
        quantity: u32,
    },
    /// Remove a line.
    Remove {
        /// The variant.
        variant: VariantId,
    },
    /// Enter a coupon code.
    AddCoupon {
        /// The code.
        code: String,
    },
    /// Remove a coupon code.
    RemoveCoupon {
        /// The code.
        code: String,
    },
}

/// What pricing a cart needs.
pub(crate) struct PricingContext {
    pub(crate) catalog: CatalogSnapshot,
    pub(crate) stock: HashMap<VariantId, crate::ports::storage::StockRow>,
    pub(crate) promos: Vec<(PromotionDoc, u64)>,
    pub(crate) usage: HashMap<PromotionId, PromotionUsage>,
}

fn usage_of(
    promos: &[(PromotionDoc, u64)],
    customer: Option<&CustomerId>,
) -> HashMap<PromotionId, PromotionUsage> {
    promos
        .iter()
        .map(|(p, _)| {
            (
                p.promotion.id.clone(),
                PromotionUsage {
                    global: p.uses,
                    by_customer: customer
                        .and_then(|c| p.uses_by_customer.get(c).copied())
                        .unwrap_or(0),
                },
            )
        })
        .collect()
}

/// `doc` if the cart is open.
fn ensure_open(doc: Loaded<CartDoc>, id: &CartId) -> Result<Loaded<CartDoc>, TijaraError> {
    if doc.value.status != CartStatus::Open {
        return Err(TijaraError::CartClosed { cart: id.clone() });
    }
    Ok(doc)
}

/// Carts: create, change lines and coupons, merge at login, price; promotions
/// (`engine.carts()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara, variant: tijara::core::VariantId)
/// #     -> Result<(), tijara::TijaraError> {
/// use tijara::usecases::cart::CartChange;
///
/// let carts = engine.carts();
/// let cart = carts.create_cart(None, None).await?;
/// let id = cart.cart.id.clone();
/// carts.change_cart(&id, CartChange::Add { variant, quantity: 2 }, None).await?;
/// let priced = carts.price(&id).await?;
/// println!("total: {}", priced.grand_total);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Carts<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Carts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carts").finish_non_exhaustive()
    }
}

impl Tijara {
    /// The carts' use cases: create, change, merge at login, price; promotions.
    pub fn carts(&self) -> Carts<'_> {
        Carts { engine: self }
    }
}

impl Carts<'_> {
    /// Creates an empty cart, for a guest (`None`) or a customer.
    pub async fn create_cart(
        self,
        customer: Option<CustomerId>,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let id = CartId::new(e.new_id("cart"))?;
        let (id, customer) = (&id, &customer);
        e.mutate("create_cart", key, &customer, || async move {
            let doc = CartDoc::open(e.new_cart(id, customer));
            let changes = e.first_write(&doc, Changeset::default())?;
            Ok((doc, changes))
        })
        .await
    }

    /// Creates a cart holding `quantity` of `variant`, for a guest (`None`) or a customer, in
    /// one call and one commit: the cart [`Carts::create_cart`] then [`Carts::change_cart`]
    /// with [`CartChange::Add`] give, without an empty cart written first (a shop's "add to
    /// cart" for a shopper who has none yet). Refused as that add is (an unknown or inactive
    /// variant, a quantity outside the region's bounds, not enough stock), and then no cart is
    /// created.
    pub async fn create_cart_with(
        self,
        customer: Option<CustomerId>,
        variant: &VariantId,
        quantity: u32,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let id = CartId::new(e.new_id("cart"))?;
        let (id, customer) = (&id, &customer);
        let reads = &CartReads::default();
        let input = (customer, variant, quantity);
        e.mutate_carts("create_cart_with", key, &input, reads, || async move {
            let mut cart = e.new_cart(id, customer);
            let mut held = Changeset::default();
            e.add_line(&mut cart, variant, quantity, reads, &mut held)
                .await?;
            let doc = CartDoc::open(cart);
            let changes = e.first_write(&doc, held)?;
            Ok((doc, changes))
        })
        .await
    }

    /// A cart.
    pub async fn cart(self, id: &CartId) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        Ok(e.load::<CartDoc>(DocKind::Cart, id.as_str()).await?.value)
    }
}

impl Tijara {
    /// An open cart, read from storage.
    pub(crate) async fn open_cart(&self, id: &CartId) -> Result<Loaded<CartDoc>, TijaraError> {
        let doc: Loaded<CartDoc> = self.load(DocKind::Cart, id.as_str()).await?;
        ensure_open(doc, id)
    }

    /// An open cart, for a step of [`Tijara::mutate_carts`] (with its `reads`) that writes it
    /// back with this version whenever it succeeds: as this engine last committed it if it
    /// remembers it (a cart changed since by another process then fails the commit, and the
    /// step runs again from storage; a refusal is judged again on the stored cart), else read
    /// from storage.
    pub(crate) async fn open_cart_for_change(
        &self,
        id: &CartId,
        reads: &CartReads,
    ) -> Result<Loaded<CartDoc>, TijaraError> {
        let remembered = if reads.may_remember() {
            self.inner.carts.get(id.as_str(), reads.incarnation())
        } else {
            None
        };
        let doc = match remembered {
            Some((version, body)) => {
                reads.took_remembered(id.as_str());
                Loaded {
                    value: self.cart_from(id.as_str(), &body)?,
                    version,
                }
            }
            None => self.load(DocKind::Cart, id.as_str()).await?,
        };
        ensure_open(doc, id)
    }

    /// A cart read from storage and the catalog of its lines: the cart with the catalog's
    /// version in one storage call ([`Storage::get_at_catalog`]) and the documents from the
    /// catalog cache when it holds them at that version, else from storage (labelled with
    /// that version in the cache: it was read before them). A shipping quote reads this.
    ///
    /// [`Storage::get_at_catalog`]: crate::ports::storage::Storage::get_at_catalog
    pub(crate) async fn cart_and_catalog(
        &self,
        id: &CartId,
    ) -> Result<(CartDoc, CatalogSnapshot), TijaraError> {
        let (doc, version) = if self.caches_catalog().await? {
            let got = self
                .inner
                .storage
                .get_at_catalog(DocKind::Cart, id.as_str())
                .await?;
            (got.doc, got.catalog_version)
        } else {
            (
                self.inner.storage.get(DocKind::Cart, id.as_str()).await?,
                None,
            )
        };
        let doc = engine::stored(DocKind::Cart, id.as_str(), doc)?;
        let doc = self.cart_from(id.as_str(), &doc.body)?;
        let variants: Vec<VariantId> = doc.cart.variant_ids();
        if let Some(v) = version
            && let Some((products, sellers)) = self.inner.catalog.snapshot_of_variants(v, &variants)
        {
            return Ok((doc, CatalogSnapshot::from_shared(sellers, products)?));
        }
        let (catalog, _) = self.snapshot_from_storage(&variants, version).await?;
        Ok((doc, catalog))
    }

    /// Forgets what this engine remembers of the cart `id` (a cart it closed).
    pub(crate) fn forget_cart(&self, id: &CartId) {
        self.inner.carts.forget(id.as_str());
    }

    /// The write of `doc`. An open cart is remembered decoded with its text
    /// (`engine/decode_memo.rs`): its next change, or the shipping quotes that read it back,
    /// take it instead of decoding that text again.
    pub(crate) fn cart_write(
        &self,
        doc: &CartDoc,
        expected: Option<u64>,
    ) -> Result<crate::ports::storage::DocWrite, TijaraError> {
        let (keys, owners, same) = (doc.keys(), doc.owners(), doc.links_same_as_stored());
        // The promise rests on a cart without a customer having no lists at all.
        debug_assert!(!same || (keys.is_empty() && owners.is_empty()));
        let w = Write::new(DocKind::Cart, doc.cart.id.as_str(), expected)
            .keys(keys)
            .owners(owners)
            .links_unchanged(same)
            .body(doc)?;
        let memo = &self.inner.cart_memo;
        if doc.status == CartStatus::Open && memo.keeps(&w.body) {
            #[cfg(debug_assertions)]
            {
                // What the memo rests on: the text decodes to the cart remembered, which
                // writes the same text again (an amount that would not, such as a negative
                // zero, equal to zero but written "-0.00", fails every test writing it).
                let again: CartDoc = decode(DocKind::Cart, &w.id, &w.body)?;
                debug_assert_eq!(&again, doc, "a cart's text must decode to the cart");
                debug_assert_eq!(
                    crate::engine::encode(&again)?,
                    w.body,
                    "a cart's text must decode to what writes it again"
                );
            }
            memo.remember(&w.id, &w.body, Arc::new(doc.clone()));
        }
        Ok(w)
    }

    /// The cart stored as `body`: the one remembered when `body` is its text, else decoded.
    fn cart_from(&self, id: &str, body: &str) -> Result<CartDoc, TijaraError> {
        match self.inner.cart_memo.decoded(id, body) {
            Some(doc) => Ok(Arc::unwrap_or_clone(doc)),
            None => decode(DocKind::Cart, id, body),
        }
    }
}

impl Carts<'_> {
    /// Changes a cart's lines or coupons. Unknown or inactive variants and quantities outside
    /// the region's bounds are refused. Shipping choices of sellers no longer in the cart are
    /// dropped.
    pub async fn change_cart(
        self,
        id: &CartId,
        change: CartChange,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let (change,) = (&change,);
        let reads = &CartReads::default();
        e.mutate_carts("change_cart", key, &(id, &change), reads, || async move {
            let mut doc = e.open_cart_for_change(id, reads).await?;
            let limits = e.inner.region.cart_limits;
            let cart = &mut doc.value.cart;
            // What an add holds the commit to (`Tijara::add_line`).
            let mut held = Changeset::default();
            match &change {
                CartChange::Add { variant, quantity } => {
                    e.add_line(cart, variant, *quantity, reads, &mut held)
                        .await?;
                }
                CartChange::SetQuantity { variant, quantity } => {
                    let before = cart.quantity_of(variant);
                    cart.set_quantity(variant, *quantity, &limits)?;
                    if *quantity > before {
                        let stock = e.inner.storage.stock_levels(std::slice::from_ref(variant));
                        let rows = stock.await?;
                        let row = rows.iter().find(|r| &r.variant == variant);
                        check_available(row, variant, *quantity)?;
                    }
                }
                CartChange::Remove { variant } => cart.remove(variant)?,
                CartChange::AddCoupon { code } => cart.add_coupon(code, &limits)?,
                CartChange::RemoveCoupon { code } => {
                    cart.remove_coupon(code);
                }
            }
            e.prune_shipping(&mut doc.value).await?;
            let w = e.cart_write(&doc.value, Some(doc.version))?;
            Ok((
                doc.value,
                Changeset {
                    docs: vec![w],
                    durability: Durability::Deferred,
                    ..held
                },
            ))
        })
        .await
    }
}

impl Tijara {
    /// An empty cart `id` in the region's currency, of `customer` (or a guest's).
    fn new_cart(&self, id: &CartId, customer: &Option<CustomerId>) -> Cart {
        let mut cart = Cart::new(id.clone(), self.inner.region.currency);
        cart.customer = customer.clone();
        cart
    }

    /// The commit of a new cart `doc` (its first write, deferred like every cart change), with
    /// what `held` holds it to.
    fn first_write(&self, doc: &CartDoc, held: Changeset) -> Result<Changeset, TijaraError> {
        Ok(Changeset {
            docs: vec![self.cart_write(doc, None)?],
            durability: Durability::Deferred,
            ..held
        })
    }

    /// Adds `quantity` of `variant` to `cart`, for a step of [`Tijara::mutate_carts`] (with its
    /// `reads`). Made from the catalog the engine holds where the storage checks the stock at
    /// commit: `held` then holds the commit to the catalog's version and to the units
    /// available, and the counters are read only when it is refused (the step then runs again
    /// on what storage holds, to say how many are left). Elsewhere the counters are read and
    /// checked here.
    async fn add_line(
        &self,
        cart: &mut Cart,
        variant: &VariantId,
        quantity: u32,
        reads: &CartReads,
        held: &mut Changeset,
    ) -> Result<(), TijaraError> {
        let limits = self.inner.region.cart_limits;
        let one = std::slice::from_ref(variant);
        let at = if self.inner.storage.checks_stock_at_commit() {
            self.held_to_commit(one, reads).await?
        } else {
            None
        };
        let (catalog, stock) = match at {
            Some((catalog, version)) => {
                held.catalog_at = Some(version);
                (catalog, None)
            }
            None => {
                let (catalog, stock) = self.snapshot_for(one).await?;
                (catalog, Some(stock))
            }
        };
        cart.add(&catalog, variant, quantity, &limits)?;
        let wanted = cart.quantity_of(variant);
        match stock {
            Some(stock) => check_available(stock.get(variant), variant, wanted)?,
            None => {
                held.stock_at_least = vec![StockAtLeast::new(variant.clone(), wanted)];
            }
        }
        Ok(())
    }

    async fn prune_shipping(&self, doc: &mut CartDoc) -> Result<(), TijaraError> {
        if doc.shipping.is_empty() {
            return Ok(());
        }
        let variants: Vec<VariantId> = doc.cart.variant_ids();
        let (catalog, _) = self.snapshot_for(&variants).await?;
        let sellers: Vec<_> = variants
            .iter()
            .filter_map(|v| catalog.variant(v).map(|x| x.seller.id.clone()))
            .collect();
        doc.shipping.retain(|s, _| sellers.contains(s));
        Ok(())
    }
}

impl Carts<'_> {
    /// At login: merges a guest cart into the customer's open cart (or makes it the customer's
    /// cart if they have none). Returns the customer's cart and what the merge changed.
    pub async fn merge_cart_at_login(
        self,
        guest: &CartId,
        customer: &CustomerId,
        key: Option<&IdempotencyKey>,
    ) -> Result<(CartDoc, MergeReport), TijaraError> {
        let e = self.engine;
        e.mutate(
            "merge_cart_at_login",
            key,
            &(guest, customer),
            || async move {
                let mut g = e.open_cart(guest).await?;
                if g.value
                    .cart
                    .customer
                    .as_ref()
                    .is_some_and(|c| c != customer)
                {
                    return Err(TijaraError::CartNotYours {
                        cart: guest.clone(),
                    });
                }
                let existing = e
                    .load_by_key::<CartDoc>(DocKind::Cart, &format!("customer:{customer}"))
                    .await?;
                match existing {
                    Some((mine_id, _)) if mine_id == guest.as_str() => {
                        Ok(((g.value, MergeReport::default()), Changeset::default()))
                    }
                    None => {
                        g.value.cart.customer = Some(customer.clone());
                        let w = e.cart_write(&g.value, Some(g.version))?;
                        Ok((
                            (g.value, MergeReport::default()),
                            Changeset {
                                docs: vec![w],
                                durability: Durability::Deferred,
                                ..Changeset::default()
                            },
                        ))
                    }
                    Some((_, mut mine)) => {
                        let variants: Vec<VariantId> = g
                            .value
                            .cart
                            .lines()
                            .iter()
                            .chain(mine.value.cart.lines())
                            .map(|l| l.variant_id.clone())
                            .collect();
                        let (catalog, _) = e.snapshot_for(&variants).await?;
                        let report = mine.value.cart.merge_from(
                            g.value.cart.clone(),
                            &catalog,
                            &e.inner.region.cart_limits,
                        );
                        g.value.status = CartStatus::Merged {
                            into: mine.value.cart.id.clone(),
                        };
                        let writes = vec![
                            e.cart_write(&mine.value, Some(mine.version))?,
                            e.cart_write(&g.value, Some(g.version))?,
                        ];
                        Ok((
                            (mine.value, report),
                            Changeset {
                                docs: writes,
                                durability: Durability::Deferred,
                                ..Changeset::default()
                            },
                        ))
                    }
                }
            },
        )
        .await
        // The guest cart merged into the customer's is closed: nothing starts from it.
        .inspect(|(mine, _)| {
            if &mine.cart.id != guest {
                e.forget_cart(guest);
            }
        })
    }
}

impl Tijara {
    /// The catalog, stock and promotions pricing needs, read in one storage call:
    /// [`Storage::pricing_stock`] (the catalog's version, the counters and the promotions)
    /// when the catalog cache holds the products and sellers at that version, else
    /// [`Storage::checkout_snapshot`] (everything, decoded here).
    ///
    /// [`Storage::pricing_stock`]: crate::ports::storage::Storage::pricing_stock
    /// [`Storage::checkout_snapshot`]: crate::ports::storage::Storage::checkout_snapshot
    pub(crate) async fn pricing_context(
        &self,
        variants: &[VariantId],
        customer: Option<&CustomerId>,
    ) -> Result<PricingContext, TijaraError> {
        if self.caches_catalog().await? {
            let rows = self.inner.storage.pricing_stock(variants).await?;
            if let Some(v) = rows.version
                && let Some((products, sellers)) = self.inner.catalog.snapshot(v, &rows.stock)
            {
                let promos = rows
                    .promotions
                    .iter()
                    .map(|d| {
                        Ok((
                            decode::<PromotionDoc>(DocKind::Promotion, &d.id, &d.body)?,
                            d.version,
                        ))
                    })
                    .collect::<Result<Vec<_>, TijaraError>>()?;
                let usage = usage_of(&promos, customer);
                return Ok(PricingContext {
                    catalog: CatalogSnapshot::from_shared(sellers, products)?,
                    stock: rows
                        .stock
                        .into_iter()
                        .map(|r| (r.variant.clone(), r))
                        .collect(),
                    promos,
                    usage,
                });
            }
        }
        let rows = self.inner.storage.checkout_snapshot(variants).await?;
        let products = rows
            .products
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<Vec<tijara_core::catalog::Product>, _>>()?;
        let sellers = rows
            .sellers
            .iter()
            .map(|d| decode(DocKind::Seller, &d.id, &d.body))
            .collect::<Result<Vec<tijara_core::catalog::Seller>, _>>()?;
        let catalog = CatalogSnapshot::new(sellers, products)?;
        let promos = rows
            .promotions
            .iter()
            .map(|d| {
                Ok((
                    decode::<PromotionDoc>(DocKind::Promotion, &d.id, &d.body)?,
                    d.version,
                ))
            })
            .collect::<Result<Vec<_>, TijaraError>>()?;
        let usage = usage_of(&promos, customer);
        Ok(PricingContext {
            catalog,
            stock: rows
                .stock
                .into_iter()
                .map(|r| (r.variant.clone(), r))
                .collect(),
            promos,
            usage,
        })
    }
}

impl Carts<'_> {
    /// Prices a cart now (with its shipping choices, promotions and the region's TVA).
    pub async fn price(self, id: &CartId) -> Result<PricedCart, TijaraError> {
        let e = self.engine;
        let doc = self.cart(id).await?;
        let variants: Vec<VariantId> = doc.cart.variant_ids();
        let ctx = e
            .pricing_context(&variants, doc.cart.customer.as_ref())
            .await?;
        e.price_with(&doc, &ctx.catalog, &ctx.promos, &ctx.usage)
    }
}

impl Tijara {
    pub(crate) fn price_with(
        &self,
        doc: &CartDoc,
        catalog: &CatalogSnapshot,
        promos: &[(PromotionDoc, u64)],
        usage: &HashMap<PromotionId, PromotionUsage>,
    ) -> Result<PricedCart, TijaraError> {
        let promotions: Vec<Promotion> = promos.iter().map(|(p, _)| p.promotion.clone()).collect();
        Ok(price_cart(&PricingInput {
            cart: &doc.cart,
            catalog,
            promotions: &promotions,
            usage,
            region: &self.inner.region,
            shipping: &doc.shipping,
            display_rates: &self.inner.config.display_rates,
            now: self.now(),
            destination: doc.address.as_ref().map(|a| a.country.as_str()),
        })?)
    }
}

impl Carts<'_> {
    /// Creates or replaces a promotion.
    pub async fn put_promotion(
        self,
        promotion: Promotion,
        key: Option<&IdempotencyKey>,
    ) -> Result<Promotion, TijaraError> {
        let e = self.engine;
        let (promotion,) = (&promotion,);
        e.mutate("put_promotion", key, &promotion, || async move {
            let existing = e
                .inner
                .storage
                .get(DocKind::Promotion, promotion.id.as_str())
                .await?;
            let (doc, expected) = match existing {
                Some(d) => {
                    let mut old: PromotionDoc = decode(DocKind::Promotion, &d.id, &d.body)?;
                    old.promotion = promotion.clone();
                    (old, Some(d.version))
                }
                None => (
                    PromotionDoc {
                        promotion: promotion.clone(),
                        uses: 0,
                        uses_by_customer: Default::default(),
                    },
                    None,
                ),
            };
            let w = Write::new(DocKind::Promotion, promotion.id.as_str(), expected).body(&doc)?;
            Ok((
                promotion.clone(),
                Changeset {
                    docs: vec![w],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }
}

/// A cart may not ask for more units of a counted variant than can be reserved now (checkout
/// checks again, atomically: this is the early, friendly refusal). Lowering a quantity is always
/// allowed, even below a stock that fell meanwhile.
fn check_available(
    row: Option<&crate::ports::storage::StockRow>,
    variant: &VariantId,
    wanted: u32,
) -> Result<(), TijaraError> {
    match row {
        Some(r) if r.tracked && wanted > r.available() => Err(TijaraError::OutOfStock {
            variant: variant.clone(),
            requested: wanted,
            available: r.available(),
        }),
        _ => Ok(()),
    }
}
