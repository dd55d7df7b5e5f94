//! The marketplace admin's dashboard: what happened today and this month, and what waits for
//! someone (`engine.dashboard().summary()`), as a typed summary so the storefront, the JSON
//! API and the CLI show the same figures.
//!
//! Every read is bounded: at most [`MAX_SCANNED_ORDERS`] orders, [`MAX_SCANNED_SELLERS`]
//! sellers and [`MAX_SCANNED_EVENTS`] outbox events are read; [`AdminSummary::truncated`]
//! says when a limit was reached (the figures then cover only what was read).

use crate::docs::OrderDoc;
use crate::engine::Tijara;
use crate::error::TijaraError;
use crate::usecases::catalog::MAX_PAGE;
use crate::usecases::payouts::PayoutRecord;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tijara_core::order::OrderStatus;
use tijara_core::payment::{PaymentMethod, PaymentStatus};
use tijara_core::payout::{LedgerEntry, Statement};
use tijara_core::{Money, SellerId};

/// The most orders one summary reads.
pub const MAX_SCANNED_ORDERS: usize = 5_000;
/// The most sellers one summary reads.
pub const MAX_SCANNED_SELLERS: usize = 1_000;
/// The most outbox events one summary reads.
pub const MAX_SCANNED_EVENTS: u32 = 1_000;
/// How many days the chart covers (today included).
pub const CHART_DAYS: usize = 30;
/// An outbox event still undelivered this long after it was written has failed at least once
/// (the dispatcher runs every few seconds): it is counted as a failed delivery.
pub const STUCK_AFTER_MINUTES: i64 = 10;

/// Orders and sales over a period. Sales are the grand totals of the orders whose payment is
/// secured or due on delivery (confirmed or completed); orders awaiting payment or cancelled
/// are counted as orders but not as sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tally {
    /// Orders placed.
    pub orders: u64,
    /// Their sales.
    pub sales: Money,
}

impl Tally {
    fn zero(currency: tijara_core::Currency) -> Self {
        Tally {
            orders: 0,
            sales: Money::zero(currency),
        }
    }

    fn add(&mut self, doc: &OrderDoc) -> Result<(), TijaraError> {
        self.orders += 1;
        if counts_as_sale(doc.order.status()) {
            self.sales = self.sales.checked_add(doc.order.grand_total)?;
        }
        Ok(())
    }
}

/// One local day of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DayTally {
    /// The region's local date.
    pub day: NaiveDate,
    /// Orders and sales placed that day.
    pub tally: Tally,
}

/// How many orders are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateCount {
    /// The state.
    pub status: OrderStatus,
    /// Orders in it.
    pub orders: u64,
}

/// What the admin sees on landing: today's and this month's figures, a chart of the last
/// [`CHART_DAYS`] days, and what waits for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AdminSummary {
    /// When it was computed.
    pub as_of: DateTime<Utc>,
    /// Today (the region's local day).
    pub today: Tally,
    /// This local month.
    pub month: Tally,
    /// The last [`CHART_DAYS`] local days, oldest first, today last.
    pub days: Vec<DayTally>,
    /// Every order read, by state (all four states, in their order).
    pub by_state: Vec<StateCount>,
    /// Sellers waiting for approval (stored inactive: applications and suspended sellers).
    pub pending_sellers: u64,
    /// Orders paid by bank transfer whose transfer is not confirmed yet.
    pub transfers_awaiting: u64,
    /// Returns waiting for a decision ([`ReturnRequest::awaits_decision`](tijara_core::returns::ReturnRequest::awaits_decision)):
    /// requests nobody has approved or refused yet, and paid parcels that came back
    /// undelivered not yet refunded.
    pub returns_awaiting: u64,
    /// Orders with a return refunded whose money has not left yet (a transfer to make by hand,
    /// or a card refund the gateway did not take), as the orders list's `refunds=due` filter
    /// counts them: see
    /// [`Orders::send_return_refund`](crate::Orders::send_return_refund).
    #[serde(default)]
    pub refunds_to_send: u64,
    /// Sellers owed money for the previous local month beyond what was paid to them.
    pub payouts_due: u64,
    /// The previous local month (`2026-11`), the one [`AdminSummary::payouts_due`] is about.
    pub payouts_month: String,
    /// Outbox events (webhooks, e-mails, SMS) still undelivered [`STUCK_AFTER_MINUTES`] after
    /// they were written.
    pub failed_deliveries: u64,
    /// Orders read.
    pub scanned_orders: u64,
    /// True when a reading limit was reached (the figures cover only what was read).
    pub truncated: bool,
}

fn counts_as_sale(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Confirmed | OrderStatus::Completed)
}

/// The admin dashboard's use case (`engine.dashboard()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
/// let summary = engine.dashboard().summary().await?;
/// println!("{} orders today, {} waiting transfers", summary.today.orders, summary.transfers_awaiting);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Dashboard<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Dashboard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard").finish_non_exhaustive()
    }
}

impl Tijara {
    /// The admin dashboard's figures.
    pub fn dashboard(&self) -> Dashboard<'_> {
        Dashboard { engine: self }
    }
}

/// The first day of the month before the one of `day`.
fn previous_month(day: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if day.month() == 1 {
        (day.year() - 1, 12)
    } else {
        (day.year(), day.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

impl Dashboard<'_> {
    /// The summary as of now (see [`AdminSummary`]; reads are bounded, see the module docs).
    pub async fn summary(self) -> Result<AdminSummary, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let region = e.region();
        let currency = region.currency;
        let today = region.local_date(now);
        let first_chart_day = today - Duration::days(CHART_DAYS as i64 - 1);
        let mut truncated = false;

        // Orders: one bounded scan.
        let mut docs: Vec<OrderDoc> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = e.orders().all_orders(after.as_deref(), MAX_PAGE).await?;
            docs.extend(page.items);
            match page.next {
                Some(n) if docs.len() < MAX_SCANNED_ORDERS => after = Some(n),
                Some(_) => {
                    truncated = true;
                    break;
                }
                None => break,
            }
        }
        let mut day_tallies: BTreeMap<NaiveDate, Tally> = (0..CHART_DAYS)
            .map(|i| {
                (
                    first_chart_day + Duration::days(i as i64),
                    Tally::zero(currency),
                )
            })
            .collect();
        let mut month = Tally::zero(currency);
        let mut states: BTreeMap<&'static str, u64> = BTreeMap::new();
        let (mut transfers_awaiting, mut returns_awaiting) = (0u64, 0u64);
        let mut refunds_to_send = 0u64;
        let mut ledgers: BTreeMap<SellerId, Vec<LedgerEntry>> = BTreeMap::new();
        for doc in &docs {
            let o = &doc.order;
            let day = region.local_date(o.placed_at);
            if let Some(t) = day_tallies.get_mut(&day) {
                t.add(doc)?;
            }
            if day.year() == today.year() && day.month() == today.month() {
                month.add(doc)?;
            }
            *states.entry(o.status().as_str()).or_default() += 1;
            if o.payment.method() == PaymentMethod::BankTransfer
                && o.payment.status() == PaymentStatus::Pending
                && o.status() == OrderStatus::AwaitingPayment
            {
                transfers_awaiting += 1;
            }
            returns_awaiting += doc.returns.iter().filter(|r| r.awaits_decision()).count() as u64;
            refunds_to_send += u64::from(doc.returns.iter().any(|r| r.refund_due().is_some()));
            for entry in &doc.ledger {
                for so in &o.seller_orders {
                    ledgers
                        .entry(so.seller_id.clone())
                        .or_default()
                        .push(entry.clone());
                }
            }
        }
        let by_state = [
            OrderStatus::AwaitingPayment,
            OrderStatus::Confirmed,
            OrderStatus::Completed,
            OrderStatus::Cancelled,
        ]
        .into_iter()
        .map(|status| StateCount {
            status,
            orders: states.get(status.as_str()).copied().unwrap_or(0),
        })
        .collect();

        // Payouts due for the previous local month.
        let prev = previous_month(today).unwrap_or(today);
        let payouts_month = prev.format("%Y-%m").to_string();
        let (from, until) = region
            .month(&payouts_month)
            .unwrap_or((region.day_start(prev), region.day_start(today)));
        let mut payouts_due = 0u64;
        for (seller, entries) in &mut ledgers {
            entries.sort_by_key(|x| x.at);
            let statement = Statement::build(seller, currency, from, until, entries)?;
            if !statement.owed.is_positive() {
                continue;
            }
            let paid = e
                .payouts()
                .payouts(seller, None, MAX_PAGE)
                .await?
                .items
                .iter()
                .filter(|p: &&PayoutRecord| p.period_from >= from && p.period_until <= until)
                .try_fold(Money::zero(currency), |acc, p| acc.checked_add(p.amount))?;
            if statement.owed.checked_sub(paid)?.is_positive() {
                payouts_due += 1;
            }
        }

        // Sellers waiting for approval.
        let mut pending_sellers = 0u64;
        let (mut read, mut after) = (0usize, None::<String>);
        loop {
            let page = e.catalog().list_sellers(after.as_deref(), MAX_PAGE).await?;
            read += page.items.len();
            pending_sellers += page.items.iter().filter(|s| !s.active).count() as u64;
            match page.next {
                Some(n) if read < MAX_SCANNED_SELLERS => after = Some(n),
                Some(_) => {
                    truncated = true;
                    break;
                }
                None => break,
            }
        }

        // Deliveries that failed (still in the outbox long after they were written).
        let events = e.inner.storage.pending_events(MAX_SCANNED_EVENTS).await?;
        truncated |= events.len() >= MAX_SCANNED_EVENTS as usize;
        let stuck_before = now - Duration::minutes(STUCK_AFTER_MINUTES);
        let failed_deliveries = events
            .iter()
            .filter(|ev| ev.created_at < stuck_before)
            .count() as u64;

        let today_tally = day_tallies
            .get(&today)
            .cloned()
            .unwrap_or_else(|| Tally::zero(currency));
        Ok(AdminSummary {
            as_of: now,
            today: today_tally,
            month,
            days: day_tallies
                .into_iter()
                .map(|(day, tally)| DayTally { day, tally })
                .collect(),
            by_state,
            pending_sellers,
            transfers_awaiting,
            returns_awaiting,
            refunds_to_send,
            payouts_due,
            payouts_month,
            failed_deliveries,
            scanned_orders: docs.len() as u64,
            truncated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_month_wraps_the_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(previous_month(d(2026, 1, 15)), Some(d(2025, 12, 1)));
        assert_eq!(previous_month(d(2026, 12, 2)), Some(d(2026, 11, 1)));
    }

    #[test]
    fn only_confirmed_and_completed_orders_are_sales() {
        assert!(counts_as_sale(OrderStatus::Confirmed));
        assert!(counts_as_sale(OrderStatus::Completed));
        assert!(!counts_as_sale(OrderStatus::AwaitingPayment));
        assert!(!counts_as_sale(OrderStatus::Cancelled));
    }
}
