//! A printable shipping label: HTML with the tracking number as a Code 128 barcode (SVG), for
//! carriers that make no label of their own (Amana, CTM) and for the packing slip.

use crate::esc;
use barcoders::generators::svg::SVG;
use barcoders::sym::code128::Code128;
use tijara::core::Lang;
use tijara::usecases::fulfillment::LabelData;

/// The tracking number as an SVG Code 128 barcode (character set B), or `None` when it cannot
/// be encoded.
pub fn barcode_svg(tracking_number: &str) -> Option<String> {
    // "Ɓ" selects Code 128's character set B (printable ASCII).
    let code = Code128::new(format!("Ɓ{tracking_number}")).ok()?;
    SVG::new(60).xdim(2).generate(code.encode()).ok()
}

/// A self-contained, printable HTML label (A6-sized) in French with Arabic headings, from what
/// [`Fulfillment::label`](tijara::Fulfillment::label) returns; without a tracking number it shows a dash
/// and no barcode.
pub fn label_html(label: &LabelData) -> String {
    let number = label.tracking_number.clone().unwrap_or_else(|| "—".into());
    let barcode = label
        .tracking_number
        .as_deref()
        .and_then(barcode_svg)
        .unwrap_or_default();
    let r = &label.recipient;
    let weight: u32 = label.parcels.iter().map(|p| p.weight_grams).sum();
    let cod = label
        .cod_amount
        .map(|m| format!(r#"<p class="cod">Contre-remboursement · الدفع عند الاستلام : <strong>{}</strong></p>"#, esc(&m.format(Lang::FR))))
        .unwrap_or_default();
    let contents: String = label
        .contents
        .iter()
        .map(|(sku, q)| format!("<li>{} × {q}</li>", esc(sku)))
        .collect();
    format!(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Étiquette {number}</title>
<style>@page{{size:A6;margin:6mm}}body{{font-family:sans-serif;font-size:11pt}}.box{{border:1px solid #000;padding:3mm;margin-bottom:3mm}}
h2{{font-size:10pt;margin:0 0 1mm}}.cod{{font-size:13pt;border:2px solid #000;padding:2mm}}svg{{max-width:100%;height:auto}}</style></head>
<body><div class="box"><h2>Expéditeur · المرسل</h2><p>{sender}<br>{sender_city}</p></div>
<div class="box"><h2>Destinataire · المرسل إليه</h2><p><strong>{name}</strong><br>{line1}<br>{line2}{postal} {city}<br>{country}<br>☎ {phone}</p></div>
<div class="box"><h2>{carrier} — {service}</h2><div class="barcode">{barcode}</div><p class="number">{number}</p>
<p>Colis : {parcels} · {weight} g · Commande {order} / {seller_order}</p></div>
{cod}<div class="box"><h2>Contenu · المحتوى</h2><ul>{contents}</ul></div></body></html>"#,
        number = esc(&number),
        sender = esc(&label.sender_name),
        sender_city = esc(&label.sender_city),
        name = esc(&r.name),
        line1 = esc(&r.line1),
        line2 = r
            .line2
            .as_deref()
            .map(|l| format!("{}<br>", esc(l)))
            .unwrap_or_default(),
        postal = esc(r.postal_code.as_deref().unwrap_or("")),
        city = esc(&r.city),
        country = esc(&r.country),
        phone = esc(&r.phone),
        carrier = esc(&label.carrier),
        service = esc(&label.service),
        parcels = label.parcels.len(),
        order = esc(label.order_id.as_str()),
        seller_order = esc(label.seller_order_id.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_encode_tracking_numbers() {
        let svg = barcode_svg("LD123456789MA").expect("encodes");
        assert!(svg.starts_with("<svg") && svg.contains("rect"));
        assert!(barcode_svg("é").is_none(), "outside Code 128 B");
    }
}
