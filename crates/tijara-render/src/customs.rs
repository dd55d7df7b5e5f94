//! The customs declaration of a parcel sent abroad, laid out like the UPU's CN23 form, in
//! French and English (the languages of the form), printed beside the label.

use crate::esc;
use crate::label::barcode_svg;
use tijara::core::Lang;
use tijara::usecases::fulfillment::CustomsDocument;

fn kilos(grams: u32) -> String {
    format!("{}.{:03}", grams / 1000, grams % 1000)
}

/// A self-contained, printable HTML customs declaration (A4, CN23 style) from what
/// [`Fulfillment::customs_document`](tijara::Fulfillment::customs_document) returns: sender
/// and recipient (the recipient's lines as the destination's post expects them), the carrier
/// and tracking number with its barcode, one row per line (description in French and English,
/// quantity, net weight, value, HS tariff code, country of origin), the totals, the category
/// "sale of goods", that duties and taxes are the recipient's (DAP), the export TVA mention
/// when it applies, and the date and signature lines. `back`, when given, is a link back to
/// the order shown on screen only.
pub fn customs_html(doc: &CustomsDocument, back: Option<&str>) -> String {
    customs_html_for(doc, back, Lang::FR)
}

/// [`customs_html`] for a reader of `reader`: the form stays in French and English (the
/// languages customs read), and the on-screen help above it (how to print, the link back) is
/// in Arabic, right to left, for an Arabic reader; other readers get it in French and English.
/// The help is not printed.
pub fn customs_html_for(doc: &CustomsDocument, back: Option<&str>, reader: Lang) -> String {
    let label = &doc.label;
    let d = &doc.declaration;
    let reference = if label.order_reference.is_empty() {
        label.order_id.as_str()
    } else {
        label.order_reference.as_str()
    };
    // The marketplace's provisional reference is not the carrier's number: the counter writes
    // its own on the declaration.
    let number = label
        .tracking_number
        .clone()
        .filter(|_| !label.provisional_number)
        .unwrap_or_else(|| "—".into());
    let barcode = label
        .tracking_number
        .as_deref()
        .filter(|_| !label.provisional_number)
        .and_then(barcode_svg)
        .unwrap_or_default();
    let carrier = if label.carrier_name.trim().is_empty() {
        tijara::core::pricing::carrier_name(&label.carrier)
    } else {
        label.carrier_name.clone()
    };
    let rows: String = d
        .items
        .iter()
        .map(|i| {
            format!(
                "<tr><td>{fr}<br><span lang=\"en\">{en}</span><br><small><bdi class=\"sku\">{sku}</bdi></small></td><td class=\"n\" data-label=\"Quantité · Quantity\">{q}</td><td class=\"n\" data-label=\"Poids net (kg) · Net weight\">{w}</td><td class=\"n\" data-label=\"Valeur · Value\"><bdi>{v}</bdi></td><td class=\"n\" data-label=\"N° tarifaire SH · HS tariff number\"><bdi>{hs}</bdi></td><td class=\"n\" data-label=\"Pays d'origine · Country of origin\">{o}</td></tr>",
                fr = esc(&i.description_fr),
                en = esc(&i.description_en),
                sku = esc(i.sku.as_str()),
                q = i.quantity,
                w = kilos(i.net_weight_grams),
                v = esc(&i.value.format(Lang::FR)),
                hs = esc(&hs_display(&i.hs_code)),
                o = esc(&i.origin_country),
            )
        })
        .collect();
    let recipient: String = doc
        .recipient_lines
        .iter()
        .map(|l| esc(l))
        .collect::<Vec<_>>()
        .join("<br>");
    let sender: String = [
        Some(label.sender_name.as_str()),
        label.sender_address.as_deref(),
        Some(label.sender_city.as_str()),
        Some("MAROC"),
    ]
    .into_iter()
    .flatten()
    .filter(|l| !l.trim().is_empty())
    .map(esc)
    .collect::<Vec<_>>()
    .join("<br>");
    let sender_phone = label
        .sender_phone
        .as_deref()
        .map(|p| format!("<br>☎ <bdi>{}</bdi>", esc(p)))
        .unwrap_or_default();
    let mention = doc
        .export_mention
        .as_deref()
        .map(|m| format!("<p class=\"mention\">{}</p>", esc(m)))
        .unwrap_or_default();
    let arabic = reader == Lang::AR;
    let back = back
        .map(|href| {
            let words = if arabic {
                "→ العودة إلى الطلب"
            } else {
                "← Revenir à la commande · <span lang=\"en\">Back to the order</span>"
            };
            format!(r#"<p><a href="{}">{words}</a></p>"#, esc(href))
        })
        .unwrap_or_default();
    let (hint_attrs, how) = if arabic {
        (
            r#" lang="ar" dir="rtl""#,
            "<strong>اطبع هذا التصريح</strong> في نسختين وضعهما في جيب الطرد، بجانب الملصق. التصريح نفسه بالفرنسية والإنجليزية، وهما لغتا الجمارك.",
        )
    } else {
        (
            "",
            "<strong>Imprimez cette déclaration</strong> en deux exemplaires et glissez-les dans la pochette du colis, à côté de l'étiquette. · <span lang=\"en\">Print two copies and put them in the parcel's pouch, beside the label.</span>",
        )
    };
    format!(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>CN23 {reference}</title>
<style>@page{{size:A4;margin:10mm}}body{{font-family:sans-serif;font-size:10pt;max-width:190mm;margin:0 auto;padding:0 2mm}}h1{{font-size:14pt;margin:2mm 0}}
.grid{{display:grid;grid-template-columns:repeat(auto-fit,minmax(60mm,1fr));gap:2mm}}.box{{border:1px solid #000;padding:2mm}}h2{{font-size:9pt;margin:0 0 1mm;text-transform:uppercase}}
table{{border-collapse:collapse;width:100%;margin:2mm 0}}td,th{{border:1px solid #000;padding:1mm;vertical-align:top;text-align:start}}.n{{text-align:end;white-space:nowrap}}
bdi{{white-space:nowrap}}bdi.sku{{white-space:normal;overflow-wrap:anywhere}}svg{{max-width:100%;height:auto}}.mention{{font-weight:bold}}.sign{{height:14mm;border-block-end:1px solid #000}}
.ref{{overflow-wrap:anywhere}}.hint{{background:#fff8e1;border:1px solid #c9a227;padding:2mm;margin-bottom:2mm}}@media print{{.hint{{display:none}}}}
@media screen and (max-width:600px){{table.items thead{{display:none}}table.items,table.items tbody,table.items tfoot,table.items tr{{display:block}}table.items tr{{border:1px solid #000;margin-bottom:2mm}}table.items td,table.items th{{display:flex;justify-content:space-between;gap:2mm;border:0;border-bottom:1px solid #ccc;text-align:start}}table.items td:not([data-label]){{display:block}}table.items td[data-label]::before{{content:attr(data-label);font-weight:bold}}table.items td:empty{{display:none}}}}</style></head>
<body><div class="hint"{hint_attrs}>{back}<p>{how}</p></div>
<h1>Déclaration en douane · <span lang="en">Customs declaration</span> — CN23</h1>
<p class="ref">Commande · <span lang="en">Order</span> <bdi>{reference}</bdi> · {carrier} <bdi class="sku">{number}</bdi></p><div class="barcode">{barcode}</div>
<div class="grid"><div class="box"><h2>Expéditeur · <span lang="en">From</span></h2><p>{sender}{sender_phone}</p></div>
<div class="box"><h2>Destinataire · <span lang="en">To</span></h2><p>{recipient}<br>☎ <bdi>{phone}</bdi></p></div></div>
<table class="items"><thead><tr><th>Description détaillée du contenu · <span lang="en">Detailed description of contents</span></th><th>Quantité · <span lang="en">Quantity</span></th><th>Poids net (kg) · <span lang="en">Net weight</span></th><th>Valeur · <span lang="en">Value</span></th><th>N° tarifaire SH · <span lang="en">HS tariff number</span></th><th>Pays d'origine · <span lang="en">Country of origin</span></th></tr></thead>
<tbody>{rows}</tbody><tfoot><tr><th>Total</th><td></td><td class="n" data-label="Poids net (kg) · Net weight">{net}</td><td class="n" data-label="Valeur · Value"><bdi>{total}</bdi></td><td colspan="2">Poids brut · <span lang="en">Gross weight</span> : {gross} kg</td></tr></tfoot></table>
<p>Catégorie de l'envoi · <span lang="en">Category of item</span> : ☒ Vente de marchandises · <span lang="en">Sale of goods</span></p>
<p>Droits et taxes à la charge du destinataire (DAP) · <span lang="en">Duties and taxes paid by the recipient (DAP)</span></p>
{mention}<p>Je certifie que les renseignements donnés dans la présente déclaration sont exacts et que l'envoi ne contient aucun objet dangereux ou interdit par la réglementation. · <span lang="en">I certify that the particulars given in this declaration are correct and that this item does not contain any dangerous article prohibited by legislation.</span></p>
<p>Facture · <span lang="en">Invoice</span> : commande <bdi>{reference}</bdi> du <bdi>{date}</bdi></p>
<div class="grid"><div><p>Date</p><div class="sign"></div></div><div><p>Signature de l'expéditeur · <span lang="en">Sender's signature</span></p><div class="sign"></div></div></div>
</body></html>"#,
        reference = esc(reference),
        carrier = esc(&carrier),
        number = esc(&number),
        phone = esc(&label.recipient.phone),
        net = kilos(d.total_net_weight_grams),
        gross = kilos(d.gross_weight_grams),
        total = esc(&d.total_value.format(Lang::FR)),
        date = doc.placed_on.format("%d/%m/%Y"),
    )
}

/// An HS code with a dot after its fourth digit (`4202.21`).
fn hs_display(code: &str) -> String {
    match code.split_at_checked(4) {
        Some((head, tail)) if !tail.is_empty() => format!("{head}.{tail}"),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_codes_are_written_as_customs_expect() {
        assert_eq!(kilos(1250), "1.250");
        assert_eq!(kilos(5), "0.005");
        assert_eq!(hs_display("420221"), "4202.21");
        assert_eq!(hs_display("4202"), "4202");
    }
}
