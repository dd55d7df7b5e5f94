//! Payouts: sellers' statements.

use crate::docs::OrderDoc;
use crate::engine::Tijara;
use crate::error::TijaraError;
use chrono::{DateTime, Utc};
use tijara_core::SellerId;
use tijara_core::payout::{LedgerEntry, Statement};

impl Tijara {
    /// A seller's statement over `[from, until)`: money received for its orders, refunds,
    /// commission, and what it is owed.
    pub async fn seller_statement(
        &self,
        seller: &SellerId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Statement, TijaraError> {
        let mut entries: Vec<LedgerEntry> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.seller_orders(seller, after.as_deref(), 100).await?;
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
            self.inner.region.currency,
            from,
            until,
            &entries,
        )?)
    }
}
