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
/// and no barcode. The same as [`label_html_with`] without a link back.
pub fn label_html(label: &LabelData) -> String {
    label_html_with(label, None)
}

/// The label of [`label_html`], with, on screen only (never printed), what to do without a
/// printer and, when `back` is given, a link back to the order (the portal's order page).
///
/// The label carries the sender (name, phone, address, city), the recipient, the order's
/// number in large type (with "1/2" when the order makes several parcels; never an internal
/// id), the carrier by name (never its code) and the tracking number's barcode (a provisional
/// reference is printed as "Réf. marché", without one), and the cash to collect
/// in large type in Arabic and French ("المبلغ عند التسليم / À ENCAISSER : 350,00 MAD"), or
/// "already paid: nothing to collect".
pub fn label_html_with(label: &LabelData, back: Option<&str>) -> String {
    let number = label.tracking_number.clone().unwrap_or_else(|| "—".into());
    // The marketplace's provisional reference (a carrier without an API) has no barcode: the
    // carrier's counter would take it for its own; the carrier's number is on its receipt.
    let barcode = label
        .tracking_number
        .as_deref()
        .filter(|_| !label.provisional_number)
        .and_then(barcode_svg)
        .unwrap_or_default();
    let number = if label.provisional_number {
        format!(
            r#"Réf. marché · مرجع السوق <bdi>{}</bdi></p><p class="small">Le numéro de suivi est sur le reçu du transporteur · رقم التتبع في وصل الناقل"#,
            esc(&number)
        )
    } else {
        esc(&number)
    };
    let counter_hint = if label.provisional_number {
        r#"<p><strong>Au dépôt</strong>, le transporteur vous remet un reçu avec son numéro de suivi : notez-le sur la page de la commande, pour que l'acheteur puisse suivre son colis.</p>
<p lang="ar" dir="rtl"><strong>عند الإيداع</strong> يسلمك الناقل وصلا عليه رقم التتبع: سجله في صفحة الطلب ليتمكن المشتري من تتبع طرده.</p>"#
    } else {
        ""
    };
    let r = &label.recipient;
    let weight: u32 = label.parcels.iter().map(|p| p.weight_grams).sum();
    let reference = if label.order_reference.is_empty() {
        label.order_id.as_str()
    } else {
        label.order_reference.as_str()
    };
    // The carrier by name, never its code; data saved before names were kept: the code's name.
    let carrier = if label.carrier_name.trim().is_empty() {
        tijara::core::pricing::carrier_name(&label.carrier)
    } else {
        label.carrier_name.clone()
    };
    // "1/2" when the order makes several parcels (one per seller), never an internal id.
    let part = (label.part_count > 1 && label.part_number >= 1)
        .then(|| format!("{}/{}", label.part_number, label.part_count));
    let cod = match label.cod_amount {
        Some(m) if m.is_positive() => format!(
            r#"<div class="cod"><p class="say"><span lang="ar" dir="rtl">المبلغ عند التسليم</span> / À ENCAISSER :</p><p class="amount">{}</p><p class="small">Contre-remboursement · الدفع عند الاستلام</p></div>"#,
            esc(&m.format(Lang::FR))
        ),
        _ => r#"<div class="paid"><span lang="ar" dir="rtl">مدفوع مسبقا: لا شيء للتحصيل</span> · Déjà payé : rien à encaisser</div>"#.to_owned(),
    };
    let contents: String = label
        .contents
        .iter()
        .map(|(sku, q)| format!("<li>{} × {q}</li>", esc(sku)))
        .collect();
    let sender_lines: String = [label.sender_address.as_deref(), Some(&label.sender_city)]
        .into_iter()
        .flatten()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<br>{}", esc(l)))
        .collect();
    let sender_phone = label
        .sender_phone
        .as_deref()
        .map(|p| format!("<br>☎ <bdi>{}</bdi>", esc(p)))
        .unwrap_or_default();
    let back = back
        .map(|href| {
            format!(
                r#"<p><a href="{}">← Revenir à la commande · العودة إلى الطلب</a></p>"#,
                esc(href)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Étiquette {reference}</title>
<style>@page{{size:A6;margin:6mm}}body{{font-family:sans-serif;font-size:11pt;max-width:105mm;margin:0 auto}}.box{{border:1px solid #000;padding:3mm;margin-bottom:3mm}}
bdi{{white-space:nowrap}}h2{{font-size:10pt;margin:0 0 1mm}}.ref{{font-size:16pt;font-weight:bold;text-align:center;margin:0 0 2mm}}.part{{font-size:20pt}}.cod{{border:3px solid #000;padding:2mm;margin-bottom:3mm;text-align:center}}
.cod p{{margin:0}}.cod .say{{font-size:13pt;font-weight:bold}}.cod .amount{{font-size:26pt;font-weight:bold}}.small{{font-size:9pt}}.paid{{border:1px dashed #000;padding:2mm;margin-bottom:3mm;text-align:center}}
svg{{max-width:100%;height:auto}}.hint{{background:#fff8e1;border:1px solid #c9a227;padding:3mm;margin-bottom:3mm;font-size:10.5pt}}@media print{{.hint{{display:none}}}}</style></head>
<body><div class="hint">{back}<p><strong>Imprimez cette page</strong> (menu du navigateur → Imprimer, format A6) et collez-la sur le colis.</p>
<p><strong>Pas d'imprimante ?</strong> Écrivez lisiblement au feutre sur le colis : le numéro de commande <bdi>{reference}</bdi>, le nom, la ville et le téléphone du destinataire{cod_hint}.</p>
<p lang="ar" dir="rtl"><strong>لا توجد طابعة؟</strong> اكتب بخط واضح على الطرد: رقم الطلب <bdi>{reference}</bdi>، واسم المرسل إليه ومدينته وهاتفه{cod_hint_ar}.</p>{counter_hint}</div>
<p class="ref">Commande · الطلب <bdi>{reference}</bdi>{part}</p>
{cod}<div class="box"><h2>Expéditeur · المرسل</h2><p><strong>{sender}</strong>{sender_lines}{sender_phone}</p></div>
<div class="box"><h2>Destinataire · المرسل إليه</h2><p><strong>{name}</strong>{lines}<br>☎ <bdi>{phone}</bdi></p></div>
<div class="box"><h2>{carrier} — {service}</h2><div class="barcode">{barcode}</div><p class="number">{number}</p>
<p>Paquets : {parcels} · {weight} g · Commande <bdi>{reference}</bdi>{part_small}</p></div>
<div class="box"><h2>Contenu · المحتوى</h2><ul>{contents}</ul></div></body></html>"#,
        reference = esc(reference),
        cod_hint = if label.cod_amount.is_some_and(|m| m.is_positive()) {
            ", et le montant à encaisser"
        } else {
            ""
        },
        cod_hint_ar = if label.cod_amount.is_some_and(|m| m.is_positive()) {
            "، والمبلغ الواجب تحصيله"
        } else {
            ""
        },
        sender = esc(&label.sender_name),
        name = esc(&r.name),
        // The address as the destination's post lays it out (the state and postal code where
        // its country writes them, the country by name), as on the customs declaration.
        lines = r
            .postal_lines(tijara::core::order::country_name_fr(&r.country))
            .iter()
            .skip(1)
            .map(|l| format!("<br>{}", esc(l)))
            .collect::<String>(),
        phone = esc(&r.phone),
        carrier = esc(&carrier),
        service = esc(&label.service),
        parcels = label.parcels.len(),
        part = part
            .as_deref()
            .map(|p| format!(r#"<br><span class="part">Colis · الطرد <bdi>{p}</bdi></span>"#))
            .unwrap_or_default(),
        part_small = part
            .as_deref()
            .map(|p| format!(" · colis <bdi>{p}</bdi>"))
            .unwrap_or_default(),
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
