//! Payouts: sellers' statements, and the record of each payout made to a seller.

use crate::docs::OrderDoc;
use crate::engine::{Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tijara_core::SellerId;
use tijara_core::payout::{LedgerEntry, Statement};

/// Sellers' statements and the payouts made to them (`engine.payouts()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara, seller: tijara::core::SellerId)
/// #     -> Result<(), tijara::TijaraError> {
/// use tijara::core::chrono::{Duration, Utc};
///
/// let until = Utc::now();
/// let statement = engine.payouts().seller_statement(&seller, until - Duration::days(30), until).await?;
/// let paid = engine.payouts().payouts(&seller, None, 20).await?;
/// println!("{} payouts so far; {statement:?}", paid.items.len());
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Payouts<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Payouts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payouts").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Sellers' statements and payouts.
    pub fn payouts(&self) -> Payouts<'_> {
        Payouts { engine: self }
    }
}

impl Payouts<'_> {
    /// A seller's statement over `[from, until)`: money received for its orders, refunds,
    /// commission, and what it is owed.
    pub async fn seller_statement(
        self,
        seller: &SellerId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Statement, TijaraError> {
        let e = self.engine;
        let mut entries: Vec<LedgerEntry> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = e
                .orders()
                .seller_orders(seller, after.as_deref(), 100)
                .await?;
            entries.extend(
                page.items
                    .iter()
                    .flat_map(|d: &OrderDoc| d.ledger.iter().cloned()),
            );
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        entries.sort_by_key(|e| e.at);
        Ok(Statement::build(
            seller,
            e.inner.region.currency,
            from,
            until,
            &entries,
        )?)
    }
}

/// A payout made to a seller (a bank transfer of what its statement says it is owed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutRecord {
    /// Id.
    pub id: String,
    /// The seller paid.
    pub seller_id: SellerId,
    /// Amount paid.
    pub amount: tijara_core::Money,
    /// The bank transfer's reference (unique per seller).
    pub reference: String,
    /// The statement period it settles.
    pub period_from: DateTime<Utc>,
    /// End of the period (excluded).
    pub period_until: DateTime<Utc>,
    /// When it was marked paid.
    pub paid_at: DateTime<Utc>,
}

impl Payouts<'_> {
    /// Records a payout paid to a seller. The bank reference is the idempotency key: once per
    /// seller and reference, a repeat with the same amount and period answers the first
    /// record, and the same reference with another amount or period is
    /// [`TijaraError::IdempotencyMismatch`]. The amount must be positive.
    pub async fn record_payout(
        self,
        seller: &SellerId,
        amount: tijara_core::Money,
        reference: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<PayoutRecord, TijaraError> {
        let e = self.engine;
        e.catalog().seller(seller).await?;
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > 64 {
            return Err(TijaraError::InvalidField {
                field: "reference",
                rule: "must have 1 to 64 characters".into(),
            });
        }
        if amount.currency() != e.inner.region.currency {
            return Err(TijaraError::WrongCurrency {
                expected: e.inner.region.currency,
                got: amount.currency(),
            });
        }
        if !amount.is_positive() {
            return Err(TijaraError::InvalidField {
                field: "amount",
                rule: "must be positive".into(),
            });
        }
        if period.0 >= period.1 {
            return Err(TijaraError::InvalidField {
                field: "period",
                rule: "must end after it starts".into(),
            });
        }
        let key = format!("ref:{seller}:{reference}");
        if let Some((_, l)) = e.load_by_key::<PayoutRecord>(DocKind::Payout, &key).await? {
            return same_payout(l.value, amount, period);
        }
        let record = PayoutRecord {
            id: e.new_id("pay"),
            seller_id: seller.clone(),
            amount,
            reference: reference.to_owned(),
            period_from: period.0,
            period_until: period.1,
            paid_at: e.now(),
        };
        let (r, key) = (&record, &key);
        let result = e
            .mutate("record_payout", None, &(), || async move {
                let write = Write::new(DocKind::Payout, r.id.as_str(), None)
                    .keys(vec![key.clone()])
                    .owners(vec![format!("seller:{}", r.seller_id)])
                    .body(r)?;
                let event = crate::engine::outbox(&tijara_core::DomainEvent::PayoutPaid(
                    tijara_core::events::PayoutSnapshot::new(
                        r.id.clone(),
                        r.seller_id.clone(),
                        r.amount,
                        r.reference.clone(),
                        (r.period_from, r.period_until),
                        r.paid_at,
                    ),
                ))?;
                Ok((
                    r.clone(),
                    Changeset {
                        docs: vec![write],
                        events: vec![event],
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        match result {
            // Another process recorded the same reference first: answer its record.
            Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken { .. })) => e
                .load_by_key::<PayoutRecord>(DocKind::Payout, key)
                .await?
                .ok_or_else(|| TijaraError::Conflict {
                    kind: DocKind::Payout,
                    id: key.clone(),
                })
                .and_then(|(_, l)| same_payout(l.value, amount, period)),
            other => other,
        }
    }

    /// A seller's payouts, by id.
    pub async fn payouts(
        self,
        seller: &SellerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<PayoutRecord>, TijaraError> {
        let e = self.engine;
        e.list_page(
            ListQuery::new(DocKind::Payout, limit.clamp(1, MAX_PAGE))
                .owner(format!("seller:{seller}"))
                .after(after),
        )
        .await
    }
}

/// The payout already recorded under a reference, if it is the one asked for again.
fn same_payout(
    first: PayoutRecord,
    amount: tijara_core::Money,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<PayoutRecord, TijaraError> {
    if first.amount == amount && (first.period_from, first.period_until) == period {
        Ok(first)
    } else {
        Err(TijaraError::IdempotencyMismatch {
            key: first.reference,
        })
    }
}
