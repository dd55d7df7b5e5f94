//! Payouts: sellers' statements, and the record of each payout made to a seller.

use crate::docs::OrderDoc;
use crate::engine::{Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tijara_core::payout::{LedgerEntry, Statement};
use tijara_core::statement::{BatchLine, Scope, SellerStatement, StatementError};
use tijara_core::{Money, OrderId, SellerId};

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

    /// Every order of a seller, page after page (no cap).
    async fn all_seller_docs(self, seller: &SellerId) -> Result<Vec<OrderDoc>, TijaraError> {
        let mut docs = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .engine
                .orders()
                .seller_orders(seller, after.as_deref(), MAX_PAGE)
                .await?;
            docs.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok(docs)
    }

    /// The statement of a seller, or of one of its member artisans (`scope`), over
    /// `[from, until)`, line by line: every receipt and refund split over the lines it paid
    /// for, each line's commission at its category's rate ([`tijara_core::catalog::Seller::commission_for`]),
    /// over all the seller's orders. A member's statement holds her lines only, never the
    /// cooperative's totals. See [`tijara_core::statement`].
    pub async fn statement(
        self,
        seller: &SellerId,
        scope: Scope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<SellerStatement, TijaraError> {
        let s = self.engine.catalog().seller(seller).await?;
        check_scope(&s, &scope)?;
        let docs = self.all_seller_docs(seller).await?;
        build(
            &s,
            scope,
            self.engine.inner.region.currency,
            &docs,
            from,
            until,
        )
    }

    /// Money in and out month by month: the `months` local months ending with the one holding
    /// `until_month`'s start (`YYYY-MM`; `None`: this month), oldest first. Payouts are counted
    /// for a whole seller only (a member's months carry `paid_out: None`).
    pub async fn monthly(
        self,
        seller: &SellerId,
        scope: Scope,
        until_month: Option<&str>,
        months: u32,
    ) -> Result<Vec<MonthFigures>, TijaraError> {
        let e = self.engine;
        let region = &e.inner.region;
        let s = e.catalog().seller(seller).await?;
        check_scope(&s, &scope)?;
        let docs = self.all_seller_docs(seller).await?;
        let paid = match scope {
            Scope::Seller => Some(self.all_payouts(seller).await?),
            Scope::Member(_) => None,
        };
        let last = match until_month.and_then(|m| region.month(m)) {
            Some((first, _)) => region.local_date(first),
            None => region.local_date(e.now()),
        };
        let mut out = Vec::new();
        for back in (0..months.clamp(1, 36)).rev() {
            let Some(day) = last.checked_sub_months(chrono::Months::new(back)) else {
                continue;
            };
            let month = day.format("%Y-%m").to_string();
            let Some((from, until)) = region.month(&month) else {
                continue;
            };
            let st = build(&s, scope.clone(), region.currency, &docs, from, until)?;
            let paid_out = match &paid {
                Some(list) => Some(Money::sum(
                    region.currency,
                    list.iter()
                        .filter(|p| p.paid_at >= from && p.paid_at < until)
                        .map(|p| p.amount),
                )?),
                None => None,
            };
            out.push(MonthFigures {
                month,
                from,
                until,
                sales: st.totals.sales,
                refunds: st.totals.refunds,
                commission: st.totals.commission,
                share: st.totals.share,
                cod_collected: st.totals.cod_collected,
                paid_out,
            });
        }
        Ok(out)
    }

    /// Every payout of a seller (all pages).
    pub async fn all_payouts(self, seller: &SellerId) -> Result<Vec<PayoutRecord>, TijaraError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.payouts(seller, after.as_deref(), MAX_PAGE).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok(out)
    }

    /// What was paid to a seller for the period `[from, until)` (payouts recorded for a period
    /// inside it).
    pub async fn paid_for(
        self,
        seller: &SellerId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Money, TijaraError> {
        let list = self.all_payouts(seller).await?;
        Ok(Money::sum(
            self.engine.inner.region.currency,
            list.iter()
                .filter(|p| p.period_from >= from && p.period_until <= until)
                .map(|p| p.amount),
        )?)
    }

    /// The payout batch for the bank: every seller with something still to pay for
    /// `[from, until)` (its statement's share less what was paid for the period), with its
    /// RIB (`None`: no transfer possible yet) and the transfer's reference
    /// `TIJARA-<period>-<seller>`. The CLI's and the admin's CSV ([`tijara_core::statement::batch_csv`]).
    pub async fn batch(
        self,
        period: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<BatchLine>, TijaraError> {
        let e = self.engine;
        let mut lines = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = e.catalog().list_sellers(after.as_deref(), MAX_PAGE).await?;
            for s in &page.items {
                let docs = self.all_seller_docs(&s.id).await?;
                let st = build(
                    s,
                    Scope::Seller,
                    e.inner.region.currency,
                    &docs,
                    from,
                    until,
                )?;
                let paid = self.paid_for(&s.id, from, until).await?;
                let to_pay = st.totals.share.checked_sub(paid)?;
                if to_pay.is_positive() {
                    lines.push(BatchLine {
                        seller_id: s.id.clone(),
                        seller_name: s.name.clone(),
                        owed: st.totals.share,
                        paid,
                        to_pay,
                        reference: format!("TIJARA-{period}-{}", s.id),
                        rib: s.legal.rib.clone().filter(|r| !r.trim().is_empty()),
                    });
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok(lines)
    }
}

/// One month of a seller's money in and out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MonthFigures {
    /// `YYYY-MM`, local.
    pub month: String,
    /// First instant.
    pub from: DateTime<Utc>,
    /// The next month's first instant.
    pub until: DateTime<Utc>,
    /// Money received.
    pub sales: Money,
    /// Money refunded.
    pub refunds: Money,
    /// Commission kept.
    pub commission: Money,
    /// The share earned.
    pub share: Money,
    /// Of the sales, cash collected on delivery.
    pub cod_collected: Money,
    /// Paid out to the seller in the month (`None` in a member's figures).
    pub paid_out: Option<Money>,
}

/// A member scope must name one of the seller's members.
fn check_scope(seller: &tijara_core::catalog::Seller, scope: &Scope) -> Result<(), TijaraError> {
    match scope {
        Scope::Member(m) if !seller.members.iter().any(|x| &x.id == m) => {
            Err(TijaraError::NotAMember {
                seller: seller.id.clone(),
                member: m.clone(),
            })
        }
        _ => Ok(()),
    }
}

fn build(
    seller: &tijara_core::catalog::Seller,
    scope: Scope,
    currency: tijara_core::Currency,
    docs: &[OrderDoc],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<SellerStatement, TijaraError> {
    SellerStatement::build(seller, scope, currency, docs, from, until).map_err(|e| match e {
        StatementError::Money(m) => TijaraError::Money(m),
        // A ledger naming a seller with no part in its order: a corrupt document.
        other => TijaraError::Invalid(other.to_string()),
    })
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
    pub amount: Money,
    /// The bank transfer's reference (unique per seller).
    pub reference: String,
    /// The statement period it settles.
    pub period_from: DateTime<Utc>,
    /// End of the period (excluded).
    pub period_until: DateTime<Utc>,
    /// When it was marked paid.
    pub paid_at: DateTime<Utc>,
    /// The orders it covers: those with money moved for the seller in the period (empty for
    /// payouts recorded before this was kept).
    #[serde(default)]
    pub orders: Vec<OrderId>,
}

impl Payouts<'_> {
    /// Records a payout paid to a seller. The bank reference is the idempotency key: once per
    /// seller and reference, a repeat with the same amount and period answers the first
    /// record, and the same reference with another amount or period is
    /// [`TijaraError::IdempotencyMismatch`]. The amount must be positive, and the seller must
    /// have a bank account on file ([`TijaraError::NoBankAccount`] otherwise: ask the seller to
    /// enter it). The record lists the orders it covers (money moved in the period).
    pub async fn record_payout(
        self,
        seller: &SellerId,
        amount: Money,
        reference: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<PayoutRecord, TijaraError> {
        let e = self.engine;
        let s = e.catalog().seller(seller).await?;
        if s.legal.rib.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(TijaraError::NoBankAccount {
                seller: seller.clone(),
            });
        }
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
        let mut orders: Vec<OrderId> = self
            .all_seller_docs(seller)
            .await?
            .iter()
            .filter(|d| {
                d.ledger
                    .iter()
                    .any(|l| &l.movement.seller_id == seller && l.at >= period.0 && l.at < period.1)
            })
            .map(|d| d.order.id.clone())
            .collect();
        orders.sort();
        let record = PayoutRecord {
            id: e.new_id("pay"),
            seller_id: seller.clone(),
            amount,
            reference: reference.to_owned(),
            period_from: period.0,
            period_until: period.1,
            paid_at: e.now(),
            orders,
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
