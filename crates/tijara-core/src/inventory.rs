//! Stock levels and reservations.
//!
//! A [`StockLevel`] counts the units on hand of one tracked variant and the reservations held
//! against them by checkouts in progress. Invariants, kept by every method: reserved units never
//! exceed units on hand, and no count is ever negative (they are unsigned, and every decrement is
//! checked first). Storage adapters keep the same rule in the database with a conditional update;
//! this type is the reference model and what the in-memory adapter uses.

use crate::catalog::StockPolicy;
use crate::ids::{ReservationId, VariantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a stock operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// More units were asked than are available.
    #[error("only {available} of variant {variant} available, {requested} requested")]
    Insufficient {
        /// The variant.
        variant: VariantId,
        /// Units asked for.
        requested: u32,
        /// Units available.
        available: u32,
    },
    /// A quantity of zero.
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    /// The reservation id is already used.
    #[error("reservation {0} already exists")]
    DuplicateReservation(ReservationId),
    /// No such reservation (never made, released, committed or expired).
    #[error("no reservation {0}")]
    UnknownReservation(ReservationId),
    /// The reservation expired before it was committed.
    #[error("reservation {0} has expired")]
    Expired(ReservationId),
    /// Removing units would leave fewer on hand than are reserved.
    #[error("cannot remove {requested} units: {on_hand} on hand, {reserved} reserved")]
    WouldUndercutReservations {
        /// Units asked to remove.
        requested: u32,
        /// Units on hand.
        on_hand: u32,
        /// Units reserved.
        reserved: u32,
    },
    /// A count would exceed `u32::MAX`.
    #[error("stock count overflow")]
    Overflow,
}

/// Units held for a checkout until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Units held.
    pub quantity: u32,
    /// When the hold lapses and the units return to the available stock.
    pub expires_at: DateTime<Utc>,
}

/// Stock of one tracked variant.
///
/// ```
/// use tijara_core::inventory::StockLevel;
/// use tijara_core::{VariantId, ReservationId};
/// use chrono::{TimeZone, Utc, Duration};
///
/// let now = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
/// let mut stock = StockLevel::new(VariantId::new("v1").unwrap(), 5);
/// let r = ReservationId::new("r1").unwrap();
/// stock.reserve(r.clone(), 3, now, now + Duration::minutes(15)).unwrap();
/// assert_eq!(stock.available(), 2);
/// assert!(stock.reserve(ReservationId::new("r2").unwrap(), 3, now, now + Duration::minutes(15)).is_err());
/// stock.commit(&r, now).unwrap(); // sold: 2 left on hand
/// assert_eq!((stock.on_hand(), stock.available()), (2, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    variant: VariantId,
    on_hand: u32,
    reserved: u32,
    reservations: BTreeMap<ReservationId, Reservation>,
}

impl StockLevel {
    /// A stock of `on_hand` units with no reservation.
    pub fn new(variant: VariantId, on_hand: u32) -> Self {
        StockLevel {
            variant,
            on_hand,
            reserved: 0,
            reservations: BTreeMap::new(),
        }
    }

    /// The variant.
    pub fn variant(&self) -> &VariantId {
        &self.variant
    }

    /// Units physically on hand (reserved or not).
    pub fn on_hand(&self) -> u32 {
        self.on_hand
    }

    /// Units held by reservations (including lapsed ones not yet swept by [`Self::expire`]).
    pub fn reserved(&self) -> u32 {
        self.reserved
    }

    /// Units that can still be reserved.
    pub fn available(&self) -> u32 {
        self.on_hand - self.reserved
    }

    /// The reservations held.
    pub fn reservations(&self) -> &BTreeMap<ReservationId, Reservation> {
        &self.reservations
    }

    /// Holds `quantity` units until `expires_at`. Lapsed reservations are returned first.
    pub fn reserve(
        &mut self,
        id: ReservationId,
        quantity: u32,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), InventoryError> {
        if quantity == 0 {
            return Err(InventoryError::ZeroQuantity);
        }
        if self.reservations.contains_key(&id) {
            return Err(InventoryError::DuplicateReservation(id));
        }
        self.expire(now);
        if quantity > self.available() {
            return Err(InventoryError::Insufficient {
                variant: self.variant.clone(),
                requested: quantity,
                available: self.available(),
            });
        }
        self.reserved += quantity;
        self.reservations.insert(
            id,
            Reservation {
                quantity,
                expires_at,
            },
        );
        Ok(())
    }

    /// Cancels a reservation; its units become available again. Returns the units released.
    pub fn release(&mut self, id: &ReservationId) -> Result<u32, InventoryError> {
        let r = self
            .reservations
            .remove(id)
            .ok_or_else(|| InventoryError::UnknownReservation(id.clone()))?;
        self.reserved -= r.quantity;
        Ok(r.quantity)
    }

    /// Turns a live reservation into a sale: its units leave the stock. Returns the units sold.
    pub fn commit(
        &mut self,
        id: &ReservationId,
        now: DateTime<Utc>,
    ) -> Result<u32, InventoryError> {
        let r = *self
            .reservations
            .get(id)
            .ok_or_else(|| InventoryError::UnknownReservation(id.clone()))?;
        if r.expires_at <= now {
            self.release(id)?;
            return Err(InventoryError::Expired(id.clone()));
        }
        self.reservations.remove(id);
        self.reserved -= r.quantity;
        self.on_hand -= r.quantity;
        Ok(r.quantity)
    }

    /// Returns the stock of every reservation lapsed at `now`; lists them with their units.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Vec<(ReservationId, u32)> {
        let lapsed: Vec<ReservationId> = self
            .reservations
            .iter()
            .filter(|(_, r)| r.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        lapsed
            .into_iter()
            .filter_map(|id| {
                let r = self.reservations.remove(&id)?;
                self.reserved -= r.quantity;
                Some((id, r.quantity))
            })
            .collect()
    }

    /// Adds units (a delivery from the workshop, a returned parcel put back on the shelf).
    pub fn restock(&mut self, quantity: u32) -> Result<(), InventoryError> {
        self.on_hand = self
            .on_hand
            .checked_add(quantity)
            .ok_or(InventoryError::Overflow)?;
        Ok(())
    }

    /// Removes units (breakage, a count correction); never below what is reserved.
    pub fn remove(&mut self, quantity: u32) -> Result<(), InventoryError> {
        if quantity > self.available() {
            return Err(InventoryError::WouldUndercutReservations {
                requested: quantity,
                on_hand: self.on_hand,
                reserved: self.reserved,
            });
        }
        self.on_hand -= quantity;
        Ok(())
    }

    /// Sets the units on hand after a count; never below what is reserved.
    pub fn set_on_hand(&mut self, on_hand: u32) -> Result<(), InventoryError> {
        if on_hand < self.reserved {
            return Err(InventoryError::WouldUndercutReservations {
                requested: self.on_hand.saturating_sub(on_hand),
                on_hand: self.on_hand,
                reserved: self.reserved,
            });
        }
        self.on_hand = on_hand;
        Ok(())
    }
}

/// What a shopper is told about a variant's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "availability", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Availability {
    /// Units ready to ship.
    InStock {
        /// How many can be bought now.
        available: u32,
    },
    /// None left.
    OutOfStock,
    /// Made once ordered.
    MadeToOrder {
        /// Days of work before shipping.
        lead_days: u16,
    },
    /// Never runs out.
    Unlimited,
}

impl Availability {
    /// The availability of a variant with `policy` and, for tracked variants, `available` units.
    pub fn of(policy: StockPolicy, available: u32) -> Availability {
        match policy {
            StockPolicy::Tracked if available == 0 => Availability::OutOfStock,
            StockPolicy::Tracked => Availability::InStock { available },
            StockPolicy::MadeToOrder { lead_days } => Availability::MadeToOrder { lead_days },
            StockPolicy::Unlimited => Availability::Unlimited,
        }
    }

    /// True when `quantity` units can be ordered.
    pub fn can_order(&self, quantity: u32) -> bool {
        match self {
            Availability::InStock { available } => quantity <= *available,
            Availability::OutOfStock => false,
            Availability::MadeToOrder { .. } | Availability::Unlimited => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
            .single()
            .expect("time")
    }
    fn rid(i: u32) -> ReservationId {
        ReservationId::new(format!("r{i}")).expect("id")
    }
    fn stock(n: u32) -> StockLevel {
        StockLevel::new(VariantId::new("v1").expect("id"), n)
    }

    #[test]
    fn reserve_release_commit() {
        let mut s = stock(10);
        let exp = t0() + Duration::minutes(15);
        s.reserve(rid(1), 4, t0(), exp).expect("reserve");
        s.reserve(rid(2), 6, t0(), exp).expect("reserve");
        assert_eq!(
            s.reserve(rid(3), 1, t0(), exp),
            Err(InventoryError::Insufficient {
                variant: VariantId::new("v1").expect("id"),
                requested: 1,
                available: 0
            })
        );
        assert_eq!(s.release(&rid(1)), Ok(4));
        assert_eq!(
            s.release(&rid(1)),
            Err(InventoryError::UnknownReservation(rid(1)))
        );
        assert_eq!(s.commit(&rid(2), t0()), Ok(6));
        assert_eq!((s.on_hand(), s.reserved(), s.available()), (4, 0, 4));
        assert_eq!(
            s.reserve(rid(4), 0, t0(), exp),
            Err(InventoryError::ZeroQuantity)
        );
    }

    #[test]
    fn duplicate_and_expiry() {
        let mut s = stock(5);
        let exp = t0() + Duration::minutes(15);
        s.reserve(rid(1), 5, t0(), exp).expect("reserve");
        assert_eq!(
            s.reserve(rid(1), 1, t0(), exp),
            Err(InventoryError::DuplicateReservation(rid(1)))
        );
        // A lapsed reservation is swept by the next reserve.
        s.reserve(rid(2), 5, exp, exp + Duration::minutes(15))
            .expect("after expiry");
        assert_eq!(s.reserved(), 5);
        assert_eq!(s.expire(exp + Duration::minutes(15)), vec![(rid(2), 5)]);
        assert_eq!(s.available(), 5);
        // Committing a lapsed reservation fails and returns its stock.
        s.reserve(rid(3), 2, t0(), exp).expect("reserve");
        assert_eq!(s.commit(&rid(3), exp), Err(InventoryError::Expired(rid(3))));
        assert_eq!(s.available(), 5);
    }

    #[test]
    fn adjustments_respect_reservations() {
        let mut s = stock(5);
        s.reserve(rid(1), 3, t0(), t0() + Duration::hours(1))
            .expect("reserve");
        assert!(matches!(
            s.remove(3),
            Err(InventoryError::WouldUndercutReservations { .. })
        ));
        s.remove(2).expect("remove");
        assert!(s.set_on_hand(2).is_err());
        s.set_on_hand(7).expect("set");
        s.restock(3).expect("restock");
        assert_eq!((s.on_hand(), s.available()), (10, 7));
        assert_eq!(s.restock(u32::MAX), Err(InventoryError::Overflow));
    }

    #[test]
    fn availability() {
        assert_eq!(
            Availability::of(StockPolicy::Tracked, 0),
            Availability::OutOfStock
        );
        assert!(Availability::of(StockPolicy::Tracked, 3).can_order(3));
        assert!(!Availability::of(StockPolicy::Tracked, 3).can_order(4));
        assert!(Availability::of(StockPolicy::MadeToOrder { lead_days: 20 }, 0).can_order(50));
        assert!(Availability::of(StockPolicy::Unlimited, 0).can_order(999));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Reserve(u32, u32, i64),
        Release(u32),
        Commit(u32),
        Expire,
        Tick(i64),
        Restock(u32),
        Remove(u32),
        Set(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u32..8, 0u32..12, 1i64..60).prop_map(|(i, q, m)| Op::Reserve(i, q, m)),
            (0u32..8).prop_map(Op::Release),
            (0u32..8).prop_map(Op::Commit),
            Just(Op::Expire),
            (0i64..30).prop_map(Op::Tick),
            (0u32..10).prop_map(Op::Restock),
            (0u32..10).prop_map(Op::Remove),
            (0u32..30).prop_map(Op::Set),
        ]
    }

    proptest! {
        #[test]
        fn random_sequences_never_break_the_invariants(initial in 0u32..20, ops in prop::collection::vec(op(), 0..60)) {
            let mut s = stock(initial);
            let mut now = t0();
            // Conservation: initial + added - removed = on_hand + sold.
            let (mut added, mut removed, mut sold) = (0i64, 0i64, 0i64);
            for op in ops {
                let before = s.on_hand();
                match op {
                    Op::Reserve(i, q, m) => { let _ = s.reserve(rid(i), q, now, now + Duration::minutes(m)); }
                    Op::Release(i) => { let _ = s.release(&rid(i)); }
                    Op::Commit(i) => { if let Ok(q) = s.commit(&rid(i), now) { sold += i64::from(q); } }
                    Op::Expire => { s.expire(now); }
                    Op::Tick(m) => now += Duration::minutes(m),
                    Op::Restock(q) => { if s.restock(q).is_ok() { added += i64::from(q); } }
                    Op::Remove(q) => { if s.remove(q).is_ok() { removed += i64::from(q); } }
                    Op::Set(n) => {
                        if s.set_on_hand(n).is_ok() {
                            let d = i64::from(n) - i64::from(before);
                            if d >= 0 { added += d } else { removed -= d }
                        }
                    }
                }
                prop_assert!(s.reserved() <= s.on_hand());
                let held: u32 = s.reservations().values().map(|r| r.quantity).sum();
                prop_assert_eq!(held, s.reserved());
                prop_assert_eq!(i64::from(initial) + added - removed, i64::from(s.on_hand()) + sold);
            }
            // Expiring everything returns every held unit.
            s.expire(now + Duration::days(1));
            prop_assert_eq!(s.available(), s.on_hand());
        }
    }
}
