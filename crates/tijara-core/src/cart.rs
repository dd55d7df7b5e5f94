//! Shopping carts: lines of variants with bounded quantities, coupons, and the merge of a guest
//! cart into a customer's cart at login.

use crate::catalog::CatalogSnapshot;
use crate::currency::Currency;
use crate::ids::{CartId, CustomerId, VariantId};
use serde::{Deserialize, Serialize};

/// Bounds on a cart, set by the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLimits {
    /// Largest quantity on one line (default 999).
    pub max_quantity_per_line: u32,
    /// Most lines in one cart (default 100).
    pub max_lines: usize,
    /// Most coupon codes on one cart (default 5).
    pub max_coupons: usize,
}

impl Default for CartLimits {
    fn default() -> Self {
        CartLimits {
            max_quantity_per_line: 999,
            max_lines: 100,
            max_coupons: 5,
        }
    }
}

/// Why a cart change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CartError {
    /// The variant is not in the catalog.
    #[error("variant {0} does not exist")]
    UnknownVariant(VariantId),
    /// The variant, its product or its seller is deactivated.
    #[error("variant {0} is not for sale")]
    Inactive(VariantId),
    /// The quantity is outside `1..=max`.
    #[error("quantity {requested} of variant {variant} is outside 1..={max}")]
    QuantityOutOfBounds {
        /// The variant.
        variant: VariantId,
        /// The quantity the line would have.
        requested: u64,
        /// The largest allowed.
        max: u32,
    },
    /// The cart already has the most lines allowed.
    #[error("a cart holds at most {max} lines")]
    TooManyLines {
        /// The limit.
        max: usize,
    },
    /// The variant is priced in another currency than the cart.
    #[error("variant {variant} is priced in {variant_currency}, the cart in {cart_currency}")]
    CurrencyMismatch {
        /// The variant.
        variant: VariantId,
        /// Its currency.
        variant_currency: Currency,
        /// The cart's.
        cart_currency: Currency,
    },
    /// No line for this variant.
    #[error("the cart has no line for variant {0}")]
    LineNotFound(VariantId),
    /// The coupon code is blank or malformed.
    #[error("coupon code {0:?} is not valid (1 to 32 letters, digits or -_)")]
    BadCoupon(String),
    /// The cart already has the most coupons allowed.
    #[error("a cart holds at most {max} coupon codes")]
    TooManyCoupons {
        /// The limit.
        max: usize,
    },
}

/// A line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The variant.
    pub variant_id: VariantId,
    /// How many units (within the region's [`CartLimits`]).
    pub quantity: u32,
}

/// What a merge did with the guest cart's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeReport {
    /// Lines whose summed quantity was cut down to the per-line maximum.
    pub clamped: Vec<VariantId>,
    /// Lines dropped: the variant is gone or no longer for sale, or the cart was full.
    pub dropped: Vec<VariantId>,
}

/// A shopping cart.
///
/// ```
/// # use tijara_core::*;
/// # fn demo(catalog: &catalog::CatalogSnapshot, v: VariantId) -> Result<(), cart::CartError> {
/// let limits = cart::CartLimits::default();
/// let mut cart = cart::Cart::new(CartId::new("c1").unwrap(), Currency::MAD);
/// cart.add(catalog, &v, 2, &limits)?;
/// cart.set_quantity(&v, 5, &limits)?;
/// cart.remove(&v)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// Identifier.
    pub id: CartId,
    /// The customer, once logged in (`None` for a guest).
    pub customer: Option<CustomerId>,
    /// The currency charged.
    pub currency: Currency,
    lines: Vec<CartLine>,
    coupons: Vec<String>,
}

fn check_quantity(
    variant: &VariantId,
    quantity: u64,
    limits: &CartLimits,
) -> Result<u32, CartError> {
    if quantity == 0 || quantity > u64::from(limits.max_quantity_per_line) {
        return Err(CartError::QuantityOutOfBounds {
            variant: variant.clone(),
            requested: quantity,
            max: limits.max_quantity_per_line,
        });
    }
    u32::try_from(quantity).map_err(|_| CartError::QuantityOutOfBounds {
        variant: variant.clone(),
        requested: quantity,
        max: limits.max_quantity_per_line,
    })
}

/// Normalizes a coupon code (trimmed, upper case) or refuses it.
pub fn normalize_coupon(code: &str) -> Result<String, CartError> {
    let c = code.trim().to_uppercase();
    if c.is_empty()
        || c.len() > 32
        || !c
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        return Err(CartError::BadCoupon(code.to_owned()));
    }
    Ok(c)
}

impl Cart {
    /// An empty cart.
    pub fn new(id: CartId, currency: Currency) -> Cart {
        Cart {
            id,
            customer: None,
            currency,
            lines: Vec::new(),
            coupons: Vec::new(),
        }
    }

    /// The lines, in the order they were added.
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    /// The variants of the lines, in line order (one line per variant): what the catalog and
    /// stock reads of a cart ask for.
    pub fn variant_ids(&self) -> Vec<VariantId> {
        self.lines.iter().map(|l| l.variant_id.clone()).collect()
    }

    /// The coupon codes entered (normalized).
    pub fn coupons(&self) -> &[String] {
        &self.coupons
    }

    /// True when the cart has no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The quantity of a variant in the cart (0 if absent).
    pub fn quantity_of(&self, variant: &VariantId) -> u32 {
        self.lines
            .iter()
            .find(|l| &l.variant_id == variant)
            .map_or(0, |l| l.quantity)
    }

    fn check_variant(
        &self,
        catalog: &CatalogSnapshot,
        variant: &VariantId,
    ) -> Result<(), CartError> {
        let view = catalog
            .variant(variant)
            .ok_or_else(|| CartError::UnknownVariant(variant.clone()))?;
        if !view.is_purchasable() {
            return Err(CartError::Inactive(variant.clone()));
        }
        let vc = view.variant.price.currency();
        if vc != self.currency {
            return Err(CartError::CurrencyMismatch {
                variant: variant.clone(),
                variant_currency: vc,
                cart_currency: self.currency,
            });
        }
        Ok(())
    }

    /// Adds `quantity` units of a variant (to its line if present).
    pub fn add(
        &mut self,
        catalog: &CatalogSnapshot,
        variant: &VariantId,
        quantity: u32,
        limits: &CartLimits,
    ) -> Result<(), CartError> {
        self.check_variant(catalog, variant)?;
        check_quantity(variant, u64::from(quantity), limits)?;
        match self.lines.iter_mut().find(|l| &l.variant_id == variant) {
            Some(line) => {
                line.quantity = check_quantity(
                    variant,
                    u64::from(line.quantity) + u64::from(quantity),
                    limits,
                )?;
            }
            None => {
                if self.lines.len() >= limits.max_lines {
                    return Err(CartError::TooManyLines {
                        max: limits.max_lines,
                    });
                }
                self.lines.push(CartLine {
                    variant_id: variant.clone(),
                    quantity,
                });
            }
        }
        Ok(())
    }

    /// Sets the quantity of an existing line (use [`Cart::remove`] to drop it).
    pub fn set_quantity(
        &mut self,
        variant: &VariantId,
        quantity: u32,
        limits: &CartLimits,
    ) -> Result<(), CartError> {
        let q = check_quantity(variant, u64::from(quantity), limits)?;
        let line = self
            .lines
            .iter_mut()
            .find(|l| &l.variant_id == variant)
            .ok_or_else(|| CartError::LineNotFound(variant.clone()))?;
        line.quantity = q;
        Ok(())
    }

    /// Removes a line.
    pub fn remove(&mut self, variant: &VariantId) -> Result<(), CartError> {
        let before = self.lines.len();
        self.lines.retain(|l| &l.variant_id != variant);
        if self.lines.len() == before {
            return Err(CartError::LineNotFound(variant.clone()));
        }
        Ok(())
    }

    /// Enters a coupon code (entering the same code twice keeps one).
    pub fn add_coupon(&mut self, code: &str, limits: &CartLimits) -> Result<(), CartError> {
        let c = normalize_coupon(code)?;
        if self.coupons.contains(&c) {
            return Ok(());
        }
        if self.coupons.len() >= limits.max_coupons {
            return Err(CartError::TooManyCoupons {
                max: limits.max_coupons,
            });
        }
        self.coupons.push(c);
        Ok(())
    }

    /// Removes a coupon code; true if it was there.
    pub fn remove_coupon(&mut self, code: &str) -> bool {
        let Ok(c) = normalize_coupon(code) else {
            return false;
        };
        let before = self.coupons.len();
        self.coupons.retain(|x| x != &c);
        before != self.coupons.len()
    }

    /// Lines that can no longer be bought (variant gone or deactivated, wrong currency), as the
    /// errors adding them would give now. Checkout refuses a cart with any.
    pub fn stale_lines(&self, catalog: &CatalogSnapshot) -> Vec<CartError> {
        self.lines
            .iter()
            .filter_map(|l| self.check_variant(catalog, &l.variant_id).err())
            .collect()
    }

    /// Merges a guest cart into this (the customer's) cart at login: quantities of the same
    /// variant add up, cut to the per-line maximum; lines no longer for sale, or beyond the line
    /// limit, are dropped; coupons are kept up to the limit. Never fails: what it changed is
    /// reported.
    pub fn merge_from(
        &mut self,
        guest: Cart,
        catalog: &CatalogSnapshot,
        limits: &CartLimits,
    ) -> MergeReport {
        let mut report = MergeReport::default();
        for line in guest.lines {
            if self.check_variant(catalog, &line.variant_id).is_err() {
                report.dropped.push(line.variant_id);
                continue;
            }
            let existing = self
                .lines
                .iter()
                .position(|l| l.variant_id == line.variant_id);
            match existing {
                Some(i) => {
                    let existing = &mut self.lines[i];
                    let sum = u64::from(existing.quantity) + u64::from(line.quantity);
                    if sum > u64::from(limits.max_quantity_per_line) {
                        report.clamped.push(line.variant_id.clone());
                    }
                    existing.quantity = limits
                        .max_quantity_per_line
                        .min(u32::try_from(sum).unwrap_or(u32::MAX));
                }
                None if self.lines.len() >= limits.max_lines => {
                    report.dropped.push(line.variant_id)
                }
                None => {
                    let q = line.quantity.clamp(1, limits.max_quantity_per_line);
                    if q != line.quantity {
                        report.clamped.push(line.variant_id.clone());
                    }
                    self.lines.push(CartLine {
                        variant_id: line.variant_id,
                        quantity: q,
                    });
                }
            }
        }
        for c in guest.coupons {
            // Codes in a cart are already normalized; the limit may drop extras.
            let _ = self.add_coupon(&c, limits);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SellerKind;
    use crate::catalog::tests::{product, seller, variant};
    use crate::money::Money;

    fn vid(s: &str) -> VariantId {
        VariantId::new(s).expect("id")
    }

    fn catalog() -> CatalogSnapshot {
        let mut off = variant("off", "10", "standard");
        off.active = false;
        let mut eur = variant("eur", "10", "standard");
        eur.price = Money::parse("10", Currency::EUR).expect("eur");
        CatalogSnapshot::new(
            [seller("s1", SellerKind::Artisan)],
            [product(
                "p1",
                "s1",
                "leather",
                vec![
                    variant("a", "100", "standard"),
                    variant("b", "50", "standard"),
                    off,
                    eur,
                ],
            )],
        )
        .expect("catalog")
    }

    fn cart() -> Cart {
        Cart::new(CartId::new("c1").expect("id"), Currency::MAD)
    }

    #[test]
    fn add_change_remove() {
        let cat = catalog();
        let lim = CartLimits::default();
        let mut c = cart();
        c.add(&cat, &vid("a"), 2, &lim).expect("add");
        c.add(&cat, &vid("a"), 3, &lim).expect("add again");
        assert_eq!(c.quantity_of(&vid("a")), 5);
        c.set_quantity(&vid("a"), 999, &lim).expect("set");
        assert!(matches!(
            c.add(&cat, &vid("a"), 1, &lim),
            Err(CartError::QuantityOutOfBounds {
                requested: 1000,
                max: 999,
                ..
            })
        ));
        assert!(c.set_quantity(&vid("a"), 0, &lim).is_err());
        assert_eq!(
            c.set_quantity(&vid("b"), 1, &lim),
            Err(CartError::LineNotFound(vid("b")))
        );
        c.remove(&vid("a")).expect("remove");
        assert!(c.is_empty());
        assert_eq!(c.remove(&vid("a")), Err(CartError::LineNotFound(vid("a"))));
    }

    #[test]
    fn variant_ids_name_each_line_once_in_line_order() {
        let cat = catalog();
        let lim = CartLimits::default();
        let mut c = cart();
        assert!(c.variant_ids().is_empty());
        c.add(&cat, &vid("b"), 1, &lim).expect("add b");
        c.add(&cat, &vid("a"), 1, &lim).expect("add a");
        c.add(&cat, &vid("b"), 2, &lim).expect("add b again");
        assert_eq!(c.variant_ids(), [vid("b"), vid("a")]);
        c.remove(&vid("b")).expect("remove b");
        assert_eq!(c.variant_ids(), [vid("a")]);
    }

    #[test]
    fn rejects_unknown_inactive_and_foreign_variants() {
        let cat = catalog();
        let lim = CartLimits::default();
        let mut c = cart();
        assert_eq!(
            c.add(&cat, &vid("zz"), 1, &lim),
            Err(CartError::UnknownVariant(vid("zz")))
        );
        assert_eq!(
            c.add(&cat, &vid("off"), 1, &lim),
            Err(CartError::Inactive(vid("off")))
        );
        assert!(matches!(
            c.add(&cat, &vid("eur"), 1, &lim),
            Err(CartError::CurrencyMismatch { .. })
        ));
        assert!(matches!(
            c.add(&cat, &vid("a"), 0, &lim),
            Err(CartError::QuantityOutOfBounds { .. })
        ));
        let small = CartLimits {
            max_lines: 1,
            ..lim
        };
        c.add(&cat, &vid("a"), 1, &small).expect("add");
        assert_eq!(
            c.add(&cat, &vid("b"), 1, &small),
            Err(CartError::TooManyLines { max: 1 })
        );
    }

    #[test]
    fn coupons() {
        let lim = CartLimits {
            max_coupons: 2,
            ..CartLimits::default()
        };
        let mut c = cart();
        c.add_coupon(" dakhla10 ", &lim).expect("coupon");
        c.add_coupon("DAKHLA10", &lim).expect("same coupon");
        assert_eq!(c.coupons(), ["DAKHLA10"]);
        assert!(matches!(
            c.add_coupon("bad code!", &lim),
            Err(CartError::BadCoupon(_))
        ));
        c.add_coupon("X2", &lim).expect("coupon");
        assert_eq!(
            c.add_coupon("X3", &lim),
            Err(CartError::TooManyCoupons { max: 2 })
        );
        assert!(c.remove_coupon("x2"));
        assert!(!c.remove_coupon("x2"));
    }

    #[test]
    fn merge_guest_cart() {
        let cat = catalog();
        let lim = CartLimits::default();
        let mut mine = cart();
        mine.add(&cat, &vid("a"), 990, &lim).expect("add");
        let mut guest = Cart::new(CartId::new("g").expect("id"), Currency::MAD);
        guest.add(&cat, &vid("a"), 20, &lim).expect("add");
        guest.add(&cat, &vid("b"), 2, &lim).expect("add");
        guest.add_coupon("WELCOME", &lim).expect("coupon");
        // A line that became unavailable after it was added.
        guest.lines.push(CartLine {
            variant_id: vid("off"),
            quantity: 1,
        });
        let report = mine.merge_from(guest, &cat, &lim);
        assert_eq!(report.clamped, vec![vid("a")]);
        assert_eq!(report.dropped, vec![vid("off")]);
        assert_eq!(mine.quantity_of(&vid("a")), 999);
        assert_eq!(mine.quantity_of(&vid("b")), 2);
        assert_eq!(mine.coupons(), ["WELCOME"]);
        mine.lines.push(CartLine {
            variant_id: vid("off"),
            quantity: 1,
        });
        assert_eq!(
            mine.stale_lines(&cat),
            vec![CartError::Inactive(vid("off"))]
        );
    }
}
