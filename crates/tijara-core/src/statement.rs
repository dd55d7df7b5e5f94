//! A seller's statement line by line: every movement of the seller's account (a card capture,
//! a cash-on-delivery collection, a refund) split exactly over the order lines it paid for.
//!
//! The ledger ([`crate::payout`]) records, per order and seller, what was received or refunded
//! and the commission on it. A statement splits each such movement over the seller order's
//! parts ([`Money::allocate`], so the parts add up to the movement to the centime):
//!
//! - the money over the lines (their net) and the shipping charge;
//! - the commission over the lines in proportion to what each owes at its own rate,
//!   [`Seller::commission_for`] its category (shipping carries none);
//! - a refund for a return over the returned lines only, its commission by what each returned
//!   line carries ([`line_commissions`]: the ledger gave back exactly that, see
//!   [`returned_share`]); another refund over the whole part.
//!
//! Each line then belongs to the member artisan who made it (`made_by`) or to no one
//! (unattributed lines, and shipping). So, always, a cooperative's totals are the sum of its
//! members' totals and of its unattributed lines, and equal the ledger's totals.
//!
//! Pure: the caller passes the orders, the seller and the period.

use crate::catalog::{Seller, Sku};
use crate::currency::Currency;
use crate::ids::{CategoryId, MemberId, OrderId, ProductId, SellerId, SellerOrderId};
use crate::money::{Money, MoneyError};
use crate::order::SellerOrder;
use crate::order_record::OrderDoc;
use crate::payment::PaymentMethod;
use crate::rate::Rate;
use crate::returns::ReturnRequest;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a statement could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// The ledger of an order names a seller with no part in it (a corrupt document).
    #[error("the ledger of order {order} names seller {seller}, who has no part in it")]
    NoPart {
        /// The order.
        order: OrderId,
        /// The seller named.
        seller: SellerId,
    },
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Whose lines a statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// All of the seller's lines (a cooperative's or an artisan's own statement).
    Seller,
    /// Only the lines of the products this member artisan made.
    Member(MemberId),
}

/// Whether the seller's share of a line can be paid out now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// The money is with the marketplace and the parcel was delivered.
    Payable,
    /// Paid by card or transfer, but the parcel is not delivered yet.
    NotDelivered,
    /// Cash collected by the carrier on delivery, not yet handed to the marketplace.
    CodNotRemitted,
}

impl Availability {
    /// The name used in CSV files and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            Availability::Payable => "payable",
            Availability::NotDelivered => "not_delivered",
            Availability::CodNotRemitted => "cod_not_remitted",
        }
    }
}

/// One line's part of one movement of the seller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// When the money moved.
    pub at: DateTime<Utc>,
    /// The order.
    pub order_id: OrderId,
    /// Its human number, if it has one.
    pub order_number: Option<String>,
    /// The seller's part of the order.
    pub seller_order_id: SellerOrderId,
    /// The SKU sold; `None` for the shipping charge.
    pub sku: Option<Sku>,
    /// The product sold (to name it in the reader's language); `None` for the shipping charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// The product's category; `None` for shipping.
    pub category_id: Option<CategoryId>,
    /// The member artisan who made it, if named.
    pub made_by: Option<MemberId>,
    /// Units on the order line (0 for shipping).
    pub quantity: u32,
    /// The commission rate of the line's category (`None` for shipping: no commission).
    pub rate: Option<Rate>,
    /// How the order is paid.
    pub method: PaymentMethod,
    /// Whether the share can be paid out now.
    pub availability: Availability,
    /// Money received (positive) or refunded (negative) for this line.
    pub gross: Money,
    /// Commission taken (positive) or given back (negative).
    pub commission: Money,
    /// The seller's share: gross − commission.
    pub share: Money,
}

impl StatementLine {
    /// Whether the line is a refund.
    pub fn is_refund(&self) -> bool {
        self.gross.is_negative()
    }
}

/// Sums over statement lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Money received.
    pub sales: Money,
    /// Money refunded (positive).
    pub refunds: Money,
    /// Commission kept, net of what refunds gave back.
    pub commission: Money,
    /// The share earned: sales − refunds − commission.
    pub share: Money,
    /// Of the sales, the cash collected on delivery.
    pub cod_collected: Money,
    /// Of the share, what waits for a delivery (card or transfer orders).
    pub held_not_delivered: Money,
    /// Of the share, what waits for the carrier to hand over the cash it collected.
    pub held_cod_not_remitted: Money,
    /// Of the share, what can be paid out now.
    pub payable: Money,
}

impl Totals {
    /// All zero.
    pub fn zero(currency: Currency) -> Totals {
        let z = Money::zero(currency);
        Totals {
            sales: z,
            refunds: z,
            commission: z,
            share: z,
            cod_collected: z,
            held_not_delivered: z,
            held_cod_not_remitted: z,
            payable: z,
        }
    }

    /// Adds one line.
    pub fn add(&mut self, l: &StatementLine) -> Result<(), MoneyError> {
        if l.is_refund() {
            self.refunds = self.refunds.checked_sub(l.gross)?;
        } else {
            self.sales = self.sales.checked_add(l.gross)?;
            if l.method == PaymentMethod::CashOnDelivery {
                self.cod_collected = self.cod_collected.checked_add(l.gross)?;
            }
        }
        self.commission = self.commission.checked_add(l.commission)?;
        self.share = self.share.checked_add(l.share)?;
        let bucket = match l.availability {
            Availability::Payable => &mut self.payable,
            Availability::NotDelivered => &mut self.held_not_delivered,
            Availability::CodNotRemitted => &mut self.held_cod_not_remitted,
        };
        *bucket = bucket.checked_add(l.share)?;
        Ok(())
    }

    /// The totals of `lines`.
    pub fn of<'a>(
        currency: Currency,
        lines: impl IntoIterator<Item = &'a StatementLine>,
    ) -> Result<Totals, MoneyError> {
        let mut t = Totals::zero(currency);
        for l in lines {
            t.add(l)?;
        }
        Ok(t)
    }

    /// The sum of two totals.
    pub fn plus(&self, o: &Totals) -> Result<Totals, MoneyError> {
        Ok(Totals {
            sales: self.sales.checked_add(o.sales)?,
            refunds: self.refunds.checked_add(o.refunds)?,
            commission: self.commission.checked_add(o.commission)?,
            share: self.share.checked_add(o.share)?,
            cod_collected: self.cod_collected.checked_add(o.cod_collected)?,
            held_not_delivered: self.held_not_delivered.checked_add(o.held_not_delivered)?,
            held_cod_not_remitted: self
                .held_cod_not_remitted
                .checked_add(o.held_cod_not_remitted)?,
            payable: self.payable.checked_add(o.payable)?,
        })
    }
}

/// A member artisan's totals inside a cooperative's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTotals {
    /// The member.
    pub member_id: MemberId,
    /// Her lines' totals.
    pub totals: Totals,
}

/// A seller's (or one member artisan's) statement over `[from, until)`.
///
/// A member's statement carries her lines and their totals only: never the cooperative's
/// totals, nor other members'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerStatement {
    /// The seller.
    pub seller_id: SellerId,
    /// Whose lines.
    pub scope: Scope,
    /// First instant included.
    pub from: DateTime<Utc>,
    /// First instant excluded.
    pub until: DateTime<Utc>,
    /// The totals of `lines`.
    pub totals: Totals,
    /// For a whole seller: each member's totals (empty for an artisan without members and in
    /// a member's statement).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberTotals>,
    /// For a whole seller: the lines no member made, and shipping (`None` in a member's
    /// statement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unattributed: Option<Totals>,
    /// The lines, by date.
    pub lines: Vec<StatementLine>,
}

fn weights_or_equal(w: Vec<Decimal>) -> Vec<Decimal> {
    if w.iter().all(Decimal::is_zero) {
        vec![Decimal::ONE; w.len()]
    } else {
        w
    }
}

fn availability(doc: &OrderDoc, so: &SellerOrder) -> Availability {
    let p = &doc.order.payment;
    if p.method() == PaymentMethod::CashOnDelivery {
        if p.collected().is_positive()
            && p.remitted()
                .compare(&p.collected())
                .is_ok_and(|o| o.is_ge())
        {
            Availability::Payable
        } else {
            Availability::CodNotRemitted
        }
    } else if so.delivered_at().is_some() {
        Availability::Payable
    } else {
        Availability::NotDelivered
    }
}

/// The weights a movement of `so` is split by: each line's net (times the part of it the
/// movement is about, `units`) and, when `with_shipping`, the shipping charge; and each line's
/// commission at its category's rate (`rates`), none on shipping.
fn weights(
    so: &SellerOrder,
    rates: &[Rate],
    units: &[Decimal],
    with_shipping: bool,
) -> (Vec<Decimal>, Vec<Decimal>) {
    let mut gross_w: Vec<Decimal> = so
        .lines
        .iter()
        .zip(units)
        .map(|(l, u)| l.net.amount() * u)
        .collect();
    let mut comm_w: Vec<Decimal> = so
        .lines
        .iter()
        .zip(units)
        .zip(rates)
        .map(|((l, u), r)| l.net.amount() * u * r.fraction())
        .collect();
    let shipping = so
        .shipping
        .as_ref()
        .map(|s| s.net.amount())
        .filter(|a| with_shipping && a.is_sign_positive() && !a.is_zero());
    if let Some(s) = shipping {
        gross_w.push(s);
        comm_w.push(Decimal::ZERO);
    }
    (gross_w, comm_w)
}

/// Which part of each line of `so` a return takes back: the units returned over the units
/// sold (0 for a line it does not name).
pub fn returned_units(so: &SellerOrder, ret: &ReturnRequest) -> Vec<Decimal> {
    so.lines
        .iter()
        .map(|l| {
            let back: u32 = ret
                .lines
                .iter()
                .filter(|rl| rl.variant_id == l.variant_id)
                .map(|rl| rl.quantity)
                .sum();
            if l.quantity == 0 {
                Decimal::ZERO
            } else {
                Decimal::from(back.min(l.quantity)) / Decimal::from(l.quantity)
            }
        })
        .collect()
}

/// What each line of a seller's part carries in commission once the part is paid in full:
/// the part's `commission_due` (the ledger's figure, [`crate::payout::SellerPart`]) spread over
/// the lines in proportion to what each owes at its own category's rate
/// ([`Seller::commission_for`]), exactly as a statement spreads a full payment's commission.
pub fn line_commissions(
    seller: &Seller,
    so: &SellerOrder,
    commission_due: Money,
) -> Result<Vec<Money>, MoneyError> {
    let zero = Money::zero(commission_due.currency());
    if so.lines.is_empty() || commission_due.is_zero() {
        return Ok(vec![zero; so.lines.len()]);
    }
    let rates: Vec<Rate> = so
        .lines
        .iter()
        .map(|l| seller.commission_for(&l.category_id))
        .collect();
    let units = vec![Decimal::ONE; so.lines.len()];
    let (gross_w, comm_w) = weights(so, &rates, &units, true);
    let w = if comm_w.iter().all(Decimal::is_zero) {
        weights_or_equal(gross_w)
    } else {
        comm_w
    };
    let mut out = commission_due.allocate(&w)?;
    out.truncate(so.lines.len());
    Ok(out)
}

/// What a return takes back: (its value, [`ReturnRequest::value`]; the commission its units
/// carry at their own categories' rates, line by line from [`line_commissions`]). A refund of the whole value
/// gives back exactly that commission ([`crate::payout::Settlement::refund_lines_for_seller`]).
pub fn returned_share(
    seller: &Seller,
    so: &SellerOrder,
    commission_due: Money,
    ret: &ReturnRequest,
) -> Result<(Money, Money), MoneyError> {
    let units = returned_units(so, ret);
    let per_line = line_commissions(seller, so, commission_due)?;
    let mut commission = Money::zero(commission_due.currency());
    for (c, u) in per_line.into_iter().zip(&units) {
        commission = commission.checked_add(c.mul_rounded(*u)?)?;
    }
    Ok((ret.value, commission))
}

/// Splits every ledger movement of `seller` in `docs` over the lines it paid for, keeping
/// those dated in `[from, until)`, by date.
pub fn lines_of(
    seller: &Seller,
    docs: &[OrderDoc],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<StatementLine>, StatementError> {
    let mut out = Vec::new();
    for doc in docs {
        // Returns refunded, matched to the ledger's refunds of the same amount in turn.
        let mut refunded_returns: Vec<_> = doc
            .returns
            .iter()
            .filter_map(|r| r.refunded().map(|m| (r, m)))
            .filter(|(_, m)| m.is_positive())
            .collect();
        for entry in doc
            .ledger
            .iter()
            .filter(|e| e.movement.seller_id == seller.id)
        {
            let m = &entry.movement;
            let so = doc
                .order
                .seller_orders
                .iter()
                .find(|s| s.seller_id == seller.id)
                .ok_or_else(|| StatementError::NoPart {
                    order: doc.order.id.clone(),
                    seller: seller.id.clone(),
                })?;
            // Which units of each line the movement is about, and for a return's refund the
            // commission each returned line carries (so the refund gives back exactly the
            // returned lines' own commission, at their categories' rates).
            let mut units: Vec<Decimal> = vec![Decimal::ONE; so.lines.len()];
            let mut with_shipping = true;
            let mut returned_commission: Option<Vec<Decimal>> = None;
            if m.gross.is_negative() {
                let refund = m.gross.negated();
                if let Some(i) = refunded_returns
                    .iter()
                    .position(|(r, a)| r.seller_order_id == so.id && *a == refund)
                {
                    let (r, _) = refunded_returns.remove(i);
                    with_shipping = false;
                    units = returned_units(so, r);
                    if let Some(part) = doc
                        .settlement
                        .parts()
                        .iter()
                        .find(|p| p.seller_id == seller.id)
                    {
                        let per_line = line_commissions(seller, so, part.commission_due)?;
                        returned_commission = Some(
                            per_line
                                .iter()
                                .zip(&units)
                                .map(|(c, u)| c.amount() * u)
                                .collect(),
                        );
                    }
                }
            }
            if !(entry.at >= from && entry.at < until) {
                continue;
            }
            let rates: Vec<Rate> = so
                .lines
                .iter()
                .map(|l| seller.commission_for(&l.category_id))
                .collect();
            let (gross_w, mut comm_w) = weights(so, &rates, &units, with_shipping);
            if let Some(w) = returned_commission
                && !w.iter().all(Decimal::is_zero)
            {
                comm_w = w;
            }
            let gross_w = weights_or_equal(gross_w);
            let comm_w = if comm_w.iter().all(Decimal::is_zero) {
                gross_w.clone()
            } else {
                comm_w
            };
            let grosses = m.gross.allocate(&gross_w)?;
            let commissions = m.commission.allocate(&comm_w)?;
            let availability = availability(doc, so);
            for (k, (g, c)) in grosses.into_iter().zip(commissions).enumerate() {
                if g.is_zero() && c.is_zero() {
                    continue;
                }
                let line = so.lines.get(k);
                out.push(StatementLine {
                    at: entry.at,
                    order_id: doc.order.id.clone(),
                    order_number: doc.order.number.as_ref().map(ToString::to_string),
                    seller_order_id: so.id.clone(),
                    sku: line.map(|l| l.sku.clone()),
                    product_id: line.map(|l| l.product_id.clone()),
                    category_id: line.map(|l| l.category_id.clone()),
                    made_by: line.and_then(|l| l.made_by.clone()),
                    quantity: line.map_or(0, |l| l.quantity),
                    rate: rates.get(k).copied(),
                    method: doc.order.payment.method(),
                    availability,
                    gross: g,
                    commission: c,
                    share: g.checked_sub(c)?,
                });
            }
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.order_id.cmp(&b.order_id)));
    Ok(out)
}

impl SellerStatement {
    /// The statement of `seller` (or of one of its members, by `scope`) over `[from, until)`
    /// from its orders' documents.
    pub fn build(
        seller: &Seller,
        scope: Scope,
        currency: Currency,
        docs: &[OrderDoc],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<SellerStatement, StatementError> {
        let mut lines = lines_of(seller, docs, from, until)?;
        let (members, unattributed) = match &scope {
            Scope::Member(m) => {
                lines.retain(|l| l.made_by.as_ref() == Some(m));
                (Vec::new(), None)
            }
            Scope::Seller => {
                let mut by: BTreeMap<&MemberId, Totals> = BTreeMap::new();
                let mut none = Totals::zero(currency);
                for l in &lines {
                    match &l.made_by {
                        Some(m) => by
                            .entry(m)
                            .or_insert_with(|| Totals::zero(currency))
                            .add(l)?,
                        None => none.add(l)?,
                    }
                }
                let members = by
                    .into_iter()
                    .map(|(m, totals)| MemberTotals {
                        member_id: m.clone(),
                        totals,
                    })
                    .collect();
                (members, Some(none))
            }
        };
        Ok(SellerStatement {
            seller_id: seller.id.clone(),
            scope,
            from,
            until,
            totals: Totals::of(currency, &lines)?,
            members,
            unattributed,
            lines,
        })
    }

    /// The statement as CSV (RFC 4180, `,`-separated, every text field escaped): one row per
    /// line, then a `total` row.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        csv_row(
            &mut out,
            &[
                "date",
                "order",
                "sku",
                "category",
                "made_by",
                "payment",
                "rate",
                "gross",
                "commission",
                "share",
                "status",
            ],
        );
        for l in &self.lines {
            let order = l
                .order_number
                .clone()
                .unwrap_or_else(|| l.order_id.to_string());
            csv_row(
                &mut out,
                &[
                    &l.at.to_rfc3339(),
                    &order,
                    l.sku.as_ref().map_or("shipping", |s| s.as_str()),
                    l.category_id.as_ref().map_or("", |c| c.as_str()),
                    l.made_by.as_ref().map_or("", |m| m.as_str()),
                    method_name(l.method),
                    &l.rate.map(|r| r.fraction().to_string()).unwrap_or_default(),
                    &l.gross.amount().to_string(),
                    &l.commission.amount().to_string(),
                    &l.share.amount().to_string(),
                    l.availability.as_str(),
                ],
            );
        }
        let t = &self.totals;
        csv_row(
            &mut out,
            &[
                "total",
                "",
                "",
                "",
                "",
                "",
                "",
                &t.sales
                    .checked_sub(t.refunds)
                    .unwrap_or(t.sales)
                    .amount()
                    .to_string(),
                &t.commission.amount().to_string(),
                &t.share.amount().to_string(),
                "",
            ],
        );
        out
    }
}

/// The payment method's name in CSV files.
fn method_name(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Card => "card",
        PaymentMethod::CashOnDelivery => "cash_on_delivery",
        PaymentMethod::BankTransfer => "bank_transfer",
    }
}

/// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled), and
/// prefixed with `'` when it starts like a spreadsheet formula (`=`, `+`, `@`, or `-` not
/// followed by a digit) so that opening the file never runs it.
pub fn csv_field(s: &str) -> String {
    let formula = match s.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => !s[1..].starts_with(|c: char| c.is_ascii_digit()),
        _ => false,
    };
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Appends one CSV row (CRLF-terminated).
pub fn csv_row(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

/// One seller's line of the payout batch for the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchLine {
    /// Seller.
    pub seller_id: SellerId,
    /// Name.
    pub seller_name: String,
    /// Owed for the period (the statement's share).
    pub owed: Money,
    /// Already paid for the period.
    pub paid: Money,
    /// To transfer now.
    pub to_pay: Money,
    /// Reference to give the transfer.
    pub reference: String,
    /// The seller's bank account (RIB), `None` when the seller has not given one.
    pub rib: Option<String>,
}

/// The payout batch as CSV, one row per seller (`note` says `missing RIB` when the transfer
/// cannot be made yet).
pub fn batch_csv(lines: &[BatchLine]) -> String {
    let mut out = String::new();
    csv_row(
        &mut out,
        &[
            "seller_id",
            "seller_name",
            "owed",
            "paid",
            "to_pay",
            "reference",
            "rib",
            "note",
        ],
    );
    for l in lines {
        csv_row(
            &mut out,
            &[
                l.seller_id.as_str(),
                &l.seller_name,
                &l.owed.amount().to_string(),
                &l.paid.amount().to_string(),
                &l.to_pay.amount().to_string(),
                &l.reference,
                l.rib.as_deref().unwrap_or(""),
                if l.rib.is_some() { "" } else { "missing RIB" },
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests;
