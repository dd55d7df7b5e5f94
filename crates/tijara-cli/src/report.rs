//! Exports: orders over a period, a seller's statement, the payout batch, invoices.

use crate::CliError;
use serde::Serialize;
use std::io::Write;
use tijara::Tijara;
use tijara::docs::OrderDoc;
use tijara_core::chrono::{DateTime, NaiveDate, Utc};
use tijara_core::statement::{BatchLine, Scope, batch_csv};
use tijara_core::{MemberId, Money, OrderId, SellerId};

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

/// An order's returns as the export gives them ([`ReturnRequest::public_json`]: a refund's bank
/// account by its RIB's last four digits, no bookkeeping marks; an export file travels, the
/// admin's order page shows the whole RIB).
///
/// [`ReturnRequest::public_json`]: tijara_core::returns::ReturnRequest::public_json
fn returns_json(returns: &[tijara_core::returns::ReturnRequest]) -> serde_json::Value {
    serde_json::Value::Array(returns.iter().map(|r| r.public_json()).collect())
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
                .map(|d| {
                    serde_json::json!({
                        "order": d.order,
                        "shipments": d.shipments,
                        "returns": returns_json(&d.returns),
                    })
                })
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
                            // The carrier's number: empty while a rate card's parcel has
                            // only the marketplace's provisional reference.
                            .and_then(|s| s.carrier_number().map(str::to_owned))
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

/// A seller's (or, with `member`, one member artisan's) statement for a month, line by line,
/// as CSV (one row per line, then a `total` row; the same figures as the JSON API and the
/// portal) or JSON.
pub async fn statement(
    engine: &Tijara,
    seller: &str,
    member: Option<&str>,
    period: &str,
    format: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let seller = SellerId::new(seller.to_owned()).map_err(CliError::invalid)?;
    engine.catalog().seller(&seller).await?;
    let scope = match member {
        Some(m) => Scope::Member(MemberId::new(m.to_owned()).map_err(CliError::invalid)?),
        None => Scope::Seller,
    };
    let (from, until) = month(engine, period)?;
    let st = engine
        .payouts()
        .statement(&seller, scope, from, until)
        .await?;
    match format {
        "json" => {
            serde_json::to_writer_pretty(&mut *out, &st).map_err(CliError::failure)?;
            writeln!(out).map_err(CliError::failure)
        }
        "csv" => out
            .write_all(st.to_csv().as_bytes())
            .map_err(CliError::failure),
        other => Err(CliError::invalid(format!(
            "unknown format {other:?} (csv or json)"
        ))),
    }
}

/// What each seller is owed for the month and has not been paid yet (the engine's batch:
/// the same lines the admin's page downloads).
pub async fn batch(engine: &Tijara, period: &str) -> Result<Vec<BatchLine>, CliError> {
    let (from, until) = month(engine, period)?;
    Ok(engine.payouts().batch(period.trim(), from, until).await?)
}

/// Writes the batch as CSV (`seller_id,seller_name,owed,paid,to_pay,reference,rib,note`).
pub fn write_batch(lines: &[BatchLine], out: &mut dyn Write) -> Result<(), CliError> {
    out.write_all(batch_csv(lines).as_bytes())
        .map_err(CliError::failure)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_gives_a_refunds_rib_by_its_last_four_digits() {
        let r: tijara_core::returns::ReturnRequest = serde_json::from_value(serde_json::json!({
            "id": "ret_1",
            "seller_order_id": "ord_1-1",
            "lines": [],
            "reason": null,
            "requested_at": "2026-12-01T10:00:00Z",
            "value": {"amount": "100.00", "currency": "MAD"},
            "status": "requested",
            "refunded": null,
            "refund_to": {"holder": "Salma", "rib": "011780000012345678901296"},
        }))
        .expect("a return");
        let out = returns_json(&[r]);
        assert_eq!(out[0]["refund_to"]["rib"], "•••• 1296");
        assert_eq!(out[0]["refund_to"]["holder"], "Salma");
        assert!(!out.to_string().contains("011780000012345678901296"));
    }
}
