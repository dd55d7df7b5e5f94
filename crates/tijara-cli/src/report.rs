//! Exports: orders over a period, a seller's statement, the payout batch, invoices.

use crate::CliError;
use serde::Serialize;
use std::io::Write;
use tijara::Tijara;
use tijara::docs::OrderDoc;
use tijara_core::chrono::{DateTime, NaiveDate, Utc};
use tijara_core::{Money, OrderId, SellerId};

/// `YYYY-MM-DD` as the first instant of that local day in the engine's region.
pub fn day_start(engine: &Tijara, date: &str) -> Result<DateTime<Utc>, CliError> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| CliError::invalid(format!("{date:?} is not a date like 2026-11-01")))?;
    Ok(engine.region().day_start(d))
}

/// `YYYY-MM` as the month's first instant and the next month's, in the region's local time.
pub fn month(engine: &Tijara, period: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), CliError> {
    engine
        .region()
        .month(period)
        .ok_or_else(|| CliError::invalid(format!("{period:?} is not a month like 2026-11")))
}

/// Every order placed in `[from, until)`.
pub async fn orders_between(
    engine: &Tijara,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<OrderDoc>, CliError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = engine.orders().all_orders(after.as_deref(), 100).await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|d| d.order.placed_at >= from && d.order.placed_at < until),
        );
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.sort_by_key(|d| d.order.placed_at);
    Ok(out)
}

#[derive(Serialize)]
struct OrderRow<'a> {
    order_id: &'a str,
    placed_at: String,
    email: &'a str,
    city: &'a str,
    country: &'a str,
    order_status: &'a str,
    payment_status: &'a str,
    seller_order_id: &'a str,
    seller_id: &'a str,
    seller_status: &'a str,
    items_ttc: String,
    shipping_ttc: String,
    total_ttc: String,
    cod_amount: String,
    tracking_number: String,
}

fn amount(m: &Money) -> String {
    m.amount().to_string()
}

/// Writes orders as CSV (one row per seller order) or JSON (the orders with their shipments).
pub fn write_orders(
    orders: &[OrderDoc],
    format: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match format {
        "json" => {
            let docs: Vec<_> = orders
                .iter()
                .map(|d| serde_json::json!({"order": d.order, "shipments": d.shipments, "returns": d.returns}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &docs).map_err(CliError::failure)?;
            writeln!(out).map_err(CliError::failure)
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(out);
            for d in orders {
                let o = &d.order;
                for so in &o.seller_orders {
                    let shipping = so.shipping.as_ref().map(|s| s.net);
                    w.serialize(OrderRow {
                        order_id: o.id.as_str(),
                        placed_at: o.placed_at.to_rfc3339(),
                        email: &o.email,
                        city: &o.shipping_address.city,
                        country: &o.shipping_address.country,
                        order_status: o.status().as_str(),
                        payment_status: o.payment.status().as_str(),
                        seller_order_id: so.id.as_str(),
                        seller_id: so.seller_id.as_str(),
                        seller_status: so.status().as_str(),
                        items_ttc: amount(&so.subtotal),
                        shipping_ttc: shipping.as_ref().map(amount).unwrap_or_default(),
                        total_ttc: amount(&so.total),
                        cod_amount: so.cod_amount.as_ref().map(amount).unwrap_or_default(),
                        tracking_number: d
                            .shipments
                            .iter()
                            .find(|s| s.seller_order_id == so.id)
                            .and_then(|s| s.tracking_number.clone())
                            .unwrap_or_default(),
                    })
                    .map_err(CliError::failure)?;
                }
            }
            w.flush().map_err(CliError::failure)
        }
        other => Err(CliError::invalid(format!(
            "unknown format {other:?} (csv or json)"
        ))),
    }
}

/// A seller's statement for a month, as CSV (entries, then the totals) or JSON.
pub async fn statement(
    engine: &Tijara,
    seller: &str,
    period: &str,
    format: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let seller = SellerId::new(seller.to_owned()).map_err(CliError::invalid)?;
    engine.catalog().seller(&seller).await?;
    let (from, until) = month(engine, period)?;
    let st = engine
        .payouts()
        .seller_statement(&seller, from, until)
        .await?;
    match format {
        "json" => {
            serde_json::to_writer_pretty(&mut *out, &st).map_err(CliError::failure)?;
            writeln!(out).map_err(CliError::failure)
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["at", "order_id", "movement"])
                .map_err(CliError::failure)?;
            for e in &st.entries {
                w.write_record([
                    e.at.to_rfc3339(),
                    e.order_id.to_string(),
                    serde_json::to_string(&e.movement).map_err(CliError::failure)?,
                ])
                .map_err(CliError::failure)?;
            }
            for (k, v) in [
                ("sales", &st.sales),
                ("refunds", &st.refunds),
                ("commission", &st.commission),
                ("owed", &st.owed),
            ] {
                w.write_record(["", k, &amount(v)])
                    .map_err(CliError::failure)?;
            }
            w.flush().map_err(CliError::failure)
        }
        other => Err(CliError::invalid(format!(
            "unknown format {other:?} (csv or json)"
        ))),
    }
}

/// One seller's line of the payout batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchLine {
    /// Seller.
    pub seller_id: String,
    /// Name.
    pub seller_name: String,
    /// Owed for the period (sales − refunds − commission; cash on delivery once remitted).
    pub owed: String,
    /// Already paid for the period.
    pub paid: String,
    /// To transfer now.
    pub to_pay: String,
    /// Reference to give the transfer.
    pub reference: String,
    /// The seller's bank account (RIB), empty when the seller has not given one.
    pub rib: String,
    /// `missing RIB` when the transfer cannot be made yet.
    pub note: String,
}

/// What each seller is owed for the month and has not been paid yet.
pub async fn batch(engine: &Tijara, period: &str) -> Result<Vec<BatchLine>, CliError> {
    let (from, until) = month(engine, period)?;
    let mut lines = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = engine.catalog().list_sellers(after.as_deref(), 100).await?;
        for s in &page.items {
            let st = engine
                .payouts()
                .seller_statement(&s.id, from, until)
                .await?;
            let paid = engine
                .payouts()
                .payouts(&s.id, None, 100)
                .await?
                .items
                .into_iter()
                .filter(|p| p.period_from >= from && p.period_until <= until)
                .try_fold(Money::zero(st.owed.currency()), |acc, p| {
                    acc.checked_add(p.amount)
                })
                .map_err(CliError::failure)?;
            let to_pay = st.owed.checked_sub(paid).map_err(CliError::failure)?;
            if to_pay.is_positive() {
                lines.push(BatchLine {
                    seller_id: s.id.to_string(),
                    seller_name: s.name.clone(),
                    owed: amount(&st.owed),
                    paid: amount(&paid),
                    to_pay: amount(&to_pay),
                    reference: format!("TIJARA-{period}-{}", s.id),
                    rib: s.legal.rib.clone().unwrap_or_default(),
                    note: if s.legal.rib.is_some() {
                        String::new()
                    } else {
                        "missing RIB".into()
                    },
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

/// Writes the batch as CSV.
pub fn write_batch(lines: &[BatchLine], out: &mut dyn Write) -> Result<(), CliError> {
    let mut w = csv::Writer::from_writer(out);
    for l in lines {
        w.serialize(l).map_err(CliError::failure)?;
    }
    if lines.is_empty() {
        w.write_record([
            "seller_id",
            "seller_name",
            "owed",
            "paid",
            "to_pay",
            "reference",
            "rib",
            "note",
        ])
        .map_err(CliError::failure)?;
    }
    w.flush().map_err(CliError::failure)
}

/// Issues (or reads) the invoice of every seller order of an order; returns (number, HTML).
pub async fn invoices(
    engine: &Tijara,
    order: &str,
    lang: tijara_core::Lang,
) -> Result<Vec<(String, String)>, CliError> {
    let id = OrderId::new(order.to_owned()).map_err(CliError::invalid)?;
    let doc = engine.orders().order(&id).await?;
    let mut out = Vec::new();
    for so in &doc.order.seller_orders {
        let inv = engine.orders().invoice(&id, &so.id).await?;
        out.push((
            format!("{}-{}", so.seller_id, inv.number),
            tijara_render::invoice_html(&inv, lang),
        ));
    }
    Ok(out)
}
