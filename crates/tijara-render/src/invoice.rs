//! The invoice as a printable HTML page.

use crate::esc;
use tijara::core::{Lang, LanguageInfo, Money, Rate, Region};
use tijara::usecases::invoices::Invoice;

/// The languages the invoice's own words exist in.
const WORDS: [Lang; 2] = [Lang::FR, Lang::AR];

/// The invoice as a self-contained printable HTML page, in French (`Lang::FR`) or Arabic
/// (`Lang::AR`, right to left); amounts are formatted for that language. Any other language
/// gets the French words; [`invoice_html_in`] follows a region's fallbacks instead.
pub fn invoice_html(inv: &Invoice, lang: Lang) -> String {
    let words = if lang == Lang::AR { Lang::AR } else { Lang::FR };
    render(inv, &LanguageInfo::builtin(lang), words, None)
}

/// The invoice for a reader of `lang` in `region`: the page is marked with `lang` and the
/// region's direction for it, amounts use the region's number format for it, and the
/// invoice's words (which exist in French and Arabic) are those of the first of `lang`'s
/// fallbacks that has them ([`Region::best_of`]: Tamazight falling back to Arabic gets Arabic
/// words), else French.
pub fn invoice_html_in(inv: &Invoice, lang: Lang, region: &Region) -> String {
    let words = region.best_of(lang, &WORDS).unwrap_or(Lang::FR);
    render(inv, &region.language(lang), words, None)
}

/// [`invoice_html_in`] naming the order by the reference its buyer knows (its number,
/// `DAK-2026-483920`, from `Order::reference()`) instead of its internal id.
pub fn invoice_html_for(
    inv: &Invoice,
    lang: Lang,
    region: &Region,
    order_reference: &str,
) -> String {
    let words = region.best_of(lang, &WORDS).unwrap_or(Lang::FR);
    render(inv, &region.language(lang), words, Some(order_reference))
}

fn render(inv: &Invoice, info: &LanguageInfo, words: Lang, reference: Option<&str>) -> String {
    let lang = info.tag;
    let ar = words == Lang::AR;
    let w = |fr: &'static str, ar_text: &'static str| if ar { ar_text } else { fr };
    let m = |x: &Money| format!("<bdi>{}</bdi>", esc(&info.format_money(x)));
    let pct = |r: &Rate| format!("{} %", r.as_percent().normalize());
    let mut ids = String::new();
    for (label_fr, label_ar, v) in [
        ("ICE", "ICE", &inv.seller_legal.ice),
        ("IF", "IF", &inv.seller_legal.if_number),
        ("RC", "RC", &inv.seller_legal.rc),
        ("TP", "TP", &inv.seller_legal.tp),
    ] {
        if let Some(v) = v {
            ids.push_str(&format!(
                "<div>{} : <bdi>{}</bdi></div>",
                if ar { label_ar } else { label_fr },
                esc(v)
            ));
        }
    }
    let lines: String = inv
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&l.description),
                l.exemption
                    .as_ref()
                    .map(|e| format!("<div class=small>{}</div>", esc(e)))
                    .unwrap_or_default(),
                l.quantity,
                m(&l.unit_price_ttc),
                m(&l.ht),
                pct(&l.tva_rate),
                m(&l.ttc)
            )
        })
        .collect();
    let taxes: String = inv
        .taxes
        .iter()
        .map(|t| {
            format!(
                "<tr><td>{} {}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                w("TVA", "الضريبة"),
                pct(&t.rate),
                m(&t.ht),
                m(&t.tva)
            )
        })
        .collect();
    let mention: String = [&inv.no_vat_mention, &inv.export_mention]
        .into_iter()
        .flatten()
        .map(|x| format!("<p class=mention>{}</p>", esc(x)))
        .collect();
    let b = &inv.buyer;
    format!(
        r#"<!doctype html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8"><title>{title} {number}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;color:#111}}table{{width:100%;border-collapse:collapse}}td,th{{border-bottom:1px solid #ccc;padding:.3rem;text-align:start}}.n{{text-align:end;white-space:nowrap}}.small{{font-size:.8rem;color:#555}}.parties{{display:flex;justify-content:space-between;gap:2rem}}.mention{{font-weight:bold}}@media print{{body{{margin:0}}}}</style></head>
<body><h1>{title} <bdi>{number}</bdi></h1><p>{date_l} : <bdi>{date}</bdi> · {order_l} <bdi>{order}</bdi>{so}</p>
<div class=parties><div><h2>{seller_l}</h2><div>{seller}</div><div>{city}</div>{ids}</div>
<div><h2>{buyer_l}</h2><div>{bname}</div><div>{bline1}</div><div>{bcity} {bcountry}</div><div><bdi>{bemail}</bdi></div></div></div>
<table><thead><tr><th>{desc_l}</th><th class=n>{qty_l}</th><th class=n>{unit_l}</th><th class=n>{ht_l}</th><th class=n>{rate_l}</th><th class=n>{ttc_l}</th></tr></thead><tbody>{lines}</tbody></table>
<h2>{taxes_l}</h2><table><thead><tr><th></th><th class=n>{ht_l}</th><th class=n>{tva_l}</th></tr></thead><tbody>{taxes}</tbody></table>
<table><tr><th>{total_ht_l}</th><td class=n>{total_ht}</td></tr><tr><th>{total_tva_l}</th><td class=n>{total_tva}</td></tr><tr><th>{total_ttc_l}</th><td class=n><strong>{total_ttc}</strong></td></tr></table>
{mention}</body></html>"#,
        lang = lang.code(),
        dir = info.direction.as_str(),
        title = w("Facture", "فاتورة"),
        number = esc(&inv.number),
        date_l = w("Date", "التاريخ"),
        date = inv.date,
        order_l = w("Commande", "الطلب"),
        order = esc(reference.unwrap_or(inv.order_id.as_str())),
        // The internal seller-order id only where the order is named by its id too.
        so = match reference {
            Some(_) => String::new(),
            None => format!(" / <bdi>{}</bdi>", esc(inv.seller_order_id.as_str())),
        },
        seller_l = w("Vendeur", "البائع"),
        seller = esc(&inv.seller_name),
        city = esc(&inv.seller_city),
        buyer_l = w("Client", "الزبون"),
        bname = esc(&b.name),
        bline1 = esc(&b.line1),
        bcity = esc(&b.city),
        bcountry = esc(&b.country),
        bemail = esc(&inv.buyer_email),
        desc_l = w("Désignation", "البيان"),
        qty_l = w("Qté", "الكمية"),
        unit_l = w("P.U. TTC", "ثمن الوحدة"),
        ht_l = w("HT", "دون احتساب الضريبة"),
        rate_l = w("TVA", "الضريبة"),
        ttc_l = w("TTC", "مع احتساب الضريبة"),
        tva_l = w("TVA", "الضريبة"),
        taxes_l = w("TVA par taux", "الضريبة حسب السعر"),
        total_ht_l = w("Total HT", "المجموع دون الضريبة"),
        total_tva_l = w("Total TVA", "مجموع الضريبة"),
        total_ttc_l = w("Total TTC", "المجموع مع الضريبة"),
        total_ht = m(&inv.total_ht),
        total_tva = m(&inv.total_tva),
        total_ttc = m(&inv.total_ttc),
    )
}
