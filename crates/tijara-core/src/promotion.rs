//! Promotions: what they give, when they apply, and how they stack.
//!
//! # Stacking rule
//! Promotions are considered in a fixed order: by `priority` (lower first), then by id. Each one
//! that applies discounts what earlier ones left, so the order is part of the result and always
//! the same for the same input. A [`Stacking::Exclusive`] promotion applies only if no promotion
//! applied before it, and once it applies no later promotion does; [`Stacking::Combinable`]
//! promotions combine with each other. A discount never exceeds what is left of a line (or of a
//! shipping charge), so no line is ever negative.

use crate::cart::normalize_coupon;
use crate::i18n::LocalizedText;
use crate::ids::{CategoryId, PromotionId, SellerId};
use crate::money::Money;
use crate::rate::Rate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a promotion gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PromotionKind {
    /// A percentage off each eligible line.
    PercentOff {
        /// The percentage.
        rate: Rate,
    },
    /// A fixed amount off the eligible lines, spread over them in proportion to their amounts
    /// (capped at their total).
    FixedOff {
        /// The amount.
        amount: Money,
    },
    /// For every `buy + get` eligible units, the `get` cheapest get `rate` off (100 %: free).
    BuyXGetY {
        /// Units to buy.
        buy: u32,
        /// Units discounted.
        get: u32,
        /// Discount on those units.
        rate: Rate,
    },
    /// The shipping of eligible sellers is free.
    FreeShipping,
}

/// How a promotion combines with others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// Combines with other combinable promotions.
    Combinable,
    /// Applies alone: only if nothing applied before it, and nothing applies after it.
    Exclusive,
}

/// When a promotion applies. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    /// The eligible lines must add up to at least this (before this promotion).
    pub min_subtotal: Option<Money>,
    /// Only lines of these categories are eligible.
    #[serde(default)]
    pub categories: Vec<CategoryId>,
    /// Only lines of these sellers are eligible.
    #[serde(default)]
    pub sellers: Vec<SellerId>,
    /// The coupon code the shopper must enter (compared case-insensitively).
    pub coupon: Option<String>,
    /// First instant the promotion applies.
    pub starts_at: Option<DateTime<Utc>>,
    /// First instant it no longer applies.
    pub ends_at: Option<DateTime<Utc>>,
    /// How many orders each customer may use it for (needs a logged-in customer).
    pub per_customer_limit: Option<u32>,
    /// How many orders in all may use it.
    pub global_limit: Option<u32>,
}

/// A promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// Identifier.
    pub id: PromotionId,
    /// Name shown to shoppers.
    pub name: LocalizedText,
    /// What it gives.
    pub kind: PromotionKind,
    /// When it applies.
    #[serde(default)]
    pub conditions: Conditions,
    /// How it combines.
    pub stacking: Stacking,
    /// Order of application (lower first; ties by id).
    pub priority: i32,
    /// False to switch it off.
    pub active: bool,
}

/// How often a promotion has been used, as the engine counted it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionUsage {
    /// Orders in all.
    pub global: u32,
    /// Orders of the customer being priced.
    pub by_customer: u32,
}

/// Why a promotion did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotAppliedReason {
    /// Switched off.
    Inactive,
    /// Before its start.
    NotStarted,
    /// After its end.
    Expired,
    /// Its coupon code was not entered.
    CouponMissing,
    /// It has a per-customer limit and the shopper is not logged in.
    CustomerRequired,
    /// The customer has used it as often as allowed.
    CustomerLimitReached,
    /// It has been used as often as allowed.
    GlobalLimitReached,
    /// No line of the cart is eligible.
    NoEligibleLines,
    /// The eligible lines add up to less than the minimum.
    MinimumSubtotalNotMet {
        /// The minimum.
        required: Money,
        /// What the eligible lines add up to.
        actual: Money,
    },
    /// An exclusive promotion applied before it.
    BlockedByExclusive {
        /// That promotion.
        by: PromotionId,
    },
    /// It is exclusive and another promotion applied before it.
    ExclusiveButOthersApplied {
        /// The first promotion that applied.
        first: PromotionId,
    },
    /// Free shipping, but no eligible seller has a shipping charge yet.
    NoShippingChosen,
    /// Earlier promotions left nothing to discount.
    NothingToDiscount,
    /// Its amounts are in another currency than the cart.
    CurrencyMismatch,
    /// Buy X get Y with `buy + get = 0` or `get = 0`.
    Misconfigured,
}

/// A promotion that applied, with what it took off and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    /// The promotion.
    pub id: PromotionId,
    /// Its name.
    pub name: LocalizedText,
    /// The coupon that unlocked it, if any.
    pub coupon: Option<String>,
    /// Taken off the lines.
    pub lines_discount: Money,
    /// Taken off shipping.
    pub shipping_discount: Money,
    /// Position (in the priced cart's `lines`) of each line it discounted.
    pub lines: Vec<usize>,
}

/// A promotion that did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAppliedPromotion {
    /// The promotion.
    pub id: PromotionId,
    /// Why.
    pub reason: NotAppliedReason,
}

impl Promotion {
    /// The checks that do not depend on the cart's lines: active, date window, coupon, usage
    /// limits. `coupons` are the cart's normalized codes.
    pub fn precheck(
        &self,
        now: DateTime<Utc>,
        coupons: &[String],
        has_customer: bool,
        usage: PromotionUsage,
    ) -> Result<Option<String>, NotAppliedReason> {
        if !self.active {
            return Err(NotAppliedReason::Inactive);
        }
        let c = &self.conditions;
        if c.starts_at.is_some_and(|s| now < s) {
            return Err(NotAppliedReason::NotStarted);
        }
        if c.ends_at.is_some_and(|e| now >= e) {
            return Err(NotAppliedReason::Expired);
        }
        let coupon = match &c.coupon {
            None => None,
            Some(code) => {
                let wanted = normalize_coupon(code).map_err(|_| NotAppliedReason::Misconfigured)?;
                if !coupons.contains(&wanted) {
                    return Err(NotAppliedReason::CouponMissing);
                }
                Some(wanted)
            }
        };
        if let Some(limit) = c.per_customer_limit {
            if !has_customer {
                return Err(NotAppliedReason::CustomerRequired);
            }
            if usage.by_customer >= limit {
                return Err(NotAppliedReason::CustomerLimitReached);
            }
        }
        if c.global_limit.is_some_and(|limit| usage.global >= limit) {
            return Err(NotAppliedReason::GlobalLimitReached);
        }
        if let PromotionKind::BuyXGetY { buy, get, .. } = self.kind
            && (get == 0 || buy.checked_add(get).is_none())
        {
            return Err(NotAppliedReason::Misconfigured);
        }
        Ok(coupon)
    }

    /// True when a line of `seller` in `category` is eligible.
    pub fn line_eligible(&self, seller: &SellerId, category: &CategoryId) -> bool {
        let c = &self.conditions;
        (c.sellers.is_empty() || c.sellers.contains(seller))
            && (c.categories.is_empty() || c.categories.contains(category))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn promo(kind: PromotionKind) -> Promotion {
        Promotion {
            id: PromotionId::new("p").expect("id"),
            name: LocalizedText::default(),
            kind,
            conditions: Conditions::default(),
            stacking: Stacking::Combinable,
            priority: 0,
            active: true,
        }
    }

    #[test]
    fn prechecks_in_order() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 28, 0, 0, 0)
            .single()
            .expect("t");
        let u = PromotionUsage::default();
        let mut p = promo(PromotionKind::FreeShipping);
        assert_eq!(p.precheck(now, &[], false, u), Ok(None));
        p.conditions.starts_at = Some(now + chrono::Duration::days(1));
        assert_eq!(
            p.precheck(now, &[], false, u),
            Err(NotAppliedReason::NotStarted)
        );
        p.conditions.starts_at = None;
        p.conditions.ends_at = Some(now);
        assert_eq!(
            p.precheck(now, &[], false, u),
            Err(NotAppliedReason::Expired)
        );
        p.conditions.ends_at = None;
        p.conditions.coupon = Some("Dakhla10".into());
        assert_eq!(
            p.precheck(now, &[], false, u),
            Err(NotAppliedReason::CouponMissing)
        );
        assert_eq!(
            p.precheck(now, &["DAKHLA10".into()], false, u),
            Ok(Some("DAKHLA10".into()))
        );
        p.conditions.per_customer_limit = Some(1);
        assert_eq!(
            p.precheck(now, &["DAKHLA10".into()], false, u),
            Err(NotAppliedReason::CustomerRequired)
        );
        let used = PromotionUsage {
            global: 5,
            by_customer: 1,
        };
        assert_eq!(
            p.precheck(now, &["DAKHLA10".into()], true, used),
            Err(NotAppliedReason::CustomerLimitReached)
        );
        p.conditions.per_customer_limit = None;
        p.conditions.global_limit = Some(5);
        assert_eq!(
            p.precheck(now, &["DAKHLA10".into()], true, used),
            Err(NotAppliedReason::GlobalLimitReached)
        );
        p.active = false;
        assert_eq!(
            p.precheck(now, &[], true, u),
            Err(NotAppliedReason::Inactive)
        );
        let bad = promo(PromotionKind::BuyXGetY {
            buy: 2,
            get: 0,
            rate: Rate::ONE,
        });
        assert_eq!(
            bad.precheck(now, &[], true, u),
            Err(NotAppliedReason::Misconfigured)
        );
    }

    #[test]
    fn eligibility_filters() {
        let mut p = promo(PromotionKind::FreeShipping);
        let s1 = SellerId::new("s1").expect("id");
        let leather = CategoryId::new("leather").expect("id");
        assert!(p.line_eligible(&s1, &leather));
        p.conditions.sellers = vec![SellerId::new("s2").expect("id")];
        assert!(!p.line_eligible(&s1, &leather));
        p.conditions.sellers.clear();
        p.conditions.categories = vec![CategoryId::new("jewellery").expect("id")];
        assert!(!p.line_eligible(&s1, &leather));
    }
}
