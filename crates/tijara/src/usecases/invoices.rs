//! Invoices: one per seller order, numbered continuously per seller, with the mentions a
//! Moroccan invoice needs (CGI art. 145-III): the seller's identity and identifiers (ICE, IF,
//! RC, taxe professionnelle) where it has them, the date, the buyer, the lines with quantity
//! and unit price, HT, TVA per rate and TTC, or "TVA non applicable" with its reason for a seller
//! that charges none. The `tijara-render` crate prints it as HTML in French or Arabic
//! (`tijara_render::invoice_html`).
//!
//! Numbering: the seller's counter and the invoice are written in one atomic step, so numbers
//! have no gaps and no duplicates even with several processes; asking again for a seller
//! order's invoice answers the one already issued.

use crate::docs::OrderDoc;
use crate::engine::{Loaded, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery, StorageError};
use crate::usecases::catalog::{MAX_PAGE, Page};
use crate::usecases::returns::Orders;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tijara_core::catalog::{LegalIds, SellerTaxStatus};
use tijara_core::order::Address;
use tijara_core::{Lang, Money, OrderId, Rate, SellerId, SellerOrderId};

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What (SKU and title).
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// Unit price, tax included.
    pub unit_price_ttc: Money,
    /// TVA rate.
    pub tva_rate: Rate,
    /// Amount without tax.
    pub ht: Money,
    /// TVA.
    pub tva: Money,
    /// Amount with tax.
    pub ttc: Money,
    /// Why no TVA is charged on this line, if so.
    pub exemption: Option<String>,
}

/// TVA of one rate at the foot of the invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTaxRow {
    /// Rate.
    pub rate: Rate,
    /// Base without tax.
    pub ht: Money,
    /// TVA.
    pub tva: Money,
}

/// An issued invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Id.
    pub id: String,
    /// Continuous number within the seller (1, 2, 3...).
    pub sequence: u64,
    /// Printed number (`F-000042`).
    pub number: String,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Local date of issue.
    pub date: NaiveDate,
    /// The seller.
    pub seller_id: SellerId,
    /// Its name.
    pub seller_name: String,
    /// Its city.
    pub seller_city: String,
    /// Its legal identifiers (as the region asks to print).
    pub seller_legal: LegalIds,
    /// The order.
    pub order_id: OrderId,
    /// The seller's part.
    pub seller_order_id: SellerOrderId,
    /// Buyer's name and address.
    pub buyer: Address,
    /// Buyer's e-mail.
    pub buyer_email: String,
    /// Lines (items, then shipping).
    pub lines: Vec<InvoiceLine>,
    /// TVA per rate.
    pub taxes: Vec<InvoiceTaxRow>,
    /// Total without tax.
    pub total_ht: Money,
    /// Total TVA.
    pub total_tva: Money,
    /// Total with tax.
    pub total_ttc: Money,
    /// For a seller that charges no TVA: the mention and its reason.
    pub no_vat_mention: Option<String>,
    /// For goods sold for export without TVA: the region's exemption mention (CGI art.
    /// 92-I-1° in Morocco); absent from invoices issued before exports were priced so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_mention: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Counter {
    last: u64,
}

fn counter_id(seller: &SellerId) -> String {
    format!("counter-{seller}")
}

impl Orders<'_> {
    /// The invoice of a seller order, issued now with the seller's next number if it has none
    /// yet.
    pub async fn invoice(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
    ) -> Result<Invoice, TijaraError> {
        let e = self.engine;
        let key = format!("so:{seller_order}");
        if let Some((_, l)) = e.load_by_key::<Invoice>(DocKind::Invoice, &key).await? {
            return Ok(l.value);
        }
        let doc: OrderDoc = self.order(order).await?;
        let so = doc.order.seller_order(seller_order)?.clone();
        let seller = e.catalog().seller(&so.seller_id).await?;
        let currency = doc.order.currency;
        let mut lines: Vec<InvoiceLine> = so
            .lines
            .iter()
            .map(|l| InvoiceLine {
                description: l.sku.to_string(),
                quantity: l.quantity,
                unit_price_ttc: l.unit_price,
                tva_rate: l.tva_rate,
                ht: l.ht,
                tva: l.tva,
                ttc: l.net,
                exemption: l.exemption.clone(),
            })
            .collect();
        // Titles, in French for the invoice's description (the SKU when a product is gone).
        let ids: Vec<_> = so.lines.iter().map(|l| l.product_id.clone()).collect();
        let products = e.catalog().products(&ids).await.unwrap_or_default();
        for (line, priced) in lines.iter_mut().zip(&so.lines) {
            if let Some(title) = products
                .iter()
                .find(|p| p.product.id == priced.product_id)
                .and_then(|p| p.product.title.get(Lang::FR, Lang::AR))
            {
                line.description = format!("{title} ({})", priced.sku);
            }
        }
        if let Some(s) = &so.shipping {
            // The carrier by its name; a delivery abroad exempt as an export carries the
            // export mention, as its goods do.
            lines.push(InvoiceLine {
                description: format!(
                    "Livraison {} ({})",
                    s.choice.carrier_display(),
                    s.choice.service
                ),
                quantity: 1,
                unit_price_ttc: s.net,
                tva_rate: s.tva_rate,
                ht: s.ht,
                tva: s.tva,
                ttc: s.net,
                exemption: s.exemption.clone(),
            });
        }
        let mut taxes: Vec<InvoiceTaxRow> = Vec::new();
        for l in &lines {
            match taxes.iter_mut().find(|t| t.rate == l.tva_rate) {
                Some(t) => {
                    t.ht = t.ht.checked_add(l.ht)?;
                    t.tva = t.tva.checked_add(l.tva)?;
                }
                None => taxes.push(InvoiceTaxRow {
                    rate: l.tva_rate,
                    ht: l.ht,
                    tva: l.tva,
                }),
            }
        }
        taxes.sort_by_key(|t| t.rate);
        let total_ht = Money::sum(currency, lines.iter().map(|l| l.ht))?;
        let total_tva = Money::sum(currency, lines.iter().map(|l| l.tva))?;
        let total_ttc = Money::sum(currency, lines.iter().map(|l| l.ttc))?;
        if total_ht.checked_add(total_tva)? != total_ttc {
            return Err(TijaraError::Invalid(format!(
                "invoice of {seller_order}: HT + TVA does not equal TTC"
            )));
        }
        let no_vat_mention = match &seller.tax_status {
            SellerTaxStatus::Exempt { reason } => Some(format!(
                "{} — {reason}",
                e.inner
                    .region
                    .invoice
                    .no_vat_mention
                    .get(Lang::FR, Lang::AR)
                    .unwrap_or("TVA non applicable")
            )),
            _ => None,
        };
        let export_mention = so
            .lines
            .iter()
            .find(|l| l.export_relief.is_some())
            .and_then(|l| l.exemption.clone())
            .or_else(|| so.shipping.as_ref().and_then(|s| s.exemption.clone()));
        let now = e.now();
        let base = Invoice {
            id: e.new_id("inv"),
            sequence: 0,
            number: String::new(),
            issued_at: now,
            date: e.inner.region.local_date(now),
            seller_id: seller.id.clone(),
            seller_name: seller.name.clone(),
            seller_city: seller.home_city.clone(),
            seller_legal: seller.legal.clone(),
            order_id: order.clone(),
            seller_order_id: seller_order.clone(),
            buyer: doc.order.shipping_address.clone(),
            buyer_email: doc.order.email.clone(),
            lines,
            taxes,
            total_ht,
            total_tva,
            total_ttc,
            no_vat_mention,
            export_mention,
        };
        let (base, key) = (&base, &key);
        let result = e
            .mutate("issue_invoice", None, &(), || async move {
                let cid = counter_id(&base.seller_id);
                let (counter, version) = match e.inner.storage.get(DocKind::Invoice, &cid).await? {
                    Some(d) => (
                        crate::engine::decode::<Counter>(DocKind::Invoice, &cid, &d.body)?,
                        Some(d.version),
                    ),
                    None => (Counter::default(), None),
                };
                let mut invoice = base.clone();
                invoice.sequence = counter.last + 1;
                invoice.number = format!("F-{:06}", invoice.sequence);
                let next = Counter {
                    last: invoice.sequence,
                };
                Ok((
                    invoice.clone(),
                    Changeset {
                        docs: vec![
                            Write::new(DocKind::Invoice, cid.as_str(), version).body(&next)?,
                            Write::new(DocKind::Invoice, invoice.id.as_str(), None)
                                .keys(vec![key.clone()])
                                .owners(vec![format!("seller:{}", invoice.seller_id)])
                                .body(&invoice)?,
                        ],
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        match result {
            // Issued by another process meanwhile: that one stands.
            Err(TijaraError::Storage(StorageError::KeyTaken { .. })) => e
                .load_by_key::<Invoice>(DocKind::Invoice, key)
                .await?
                .map(|(_, l): (String, Loaded<Invoice>)| l.value)
                .ok_or_else(|| TijaraError::Conflict {
                    kind: DocKind::Invoice,
                    id: key.to_owned(),
                }),
            other => other,
        }
    }

    /// A seller's invoices, by id (the counter document is skipped).
    pub async fn seller_invoices(
        self,
        seller: &SellerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Invoice>, TijaraError> {
        let e = self.engine;
        e.list_page(
            ListQuery::new(DocKind::Invoice, limit.clamp(1, MAX_PAGE))
                .owner(format!("seller:{seller}"))
                .after(after),
        )
        .await
    }
}
