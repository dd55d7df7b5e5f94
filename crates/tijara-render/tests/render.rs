//! The printed documents: what an invoice and a label show, in which language, and what they
//! leave out.

use chrono::{NaiveDate, TimeZone, Utc};
use tijara::core::catalog::LegalIds;
use tijara::core::fulfillment::Parcel;
use tijara::core::order::Address;
use tijara::core::{Lang, Money, OrderId, Rate, SellerId, SellerOrderId};
use tijara::usecases::fulfillment::LabelData;
use tijara::usecases::invoices::{Invoice, InvoiceLine, InvoiceTaxRow};
use tijara_render::{barcode_svg, invoice_html, invoice_html_for, invoice_html_in, label_html};

fn mad(s: &str) -> Money {
    Money::mad(s).expect("amount")
}

fn address() -> Address {
    Address {
        name: "Youssef El Idrissi".into(),
        line1: "12 avenue Hassan II".into(),
        line2: Some("Appartement <3>".into()),
        city: "Dakhla".into(),
        postal_code: Some("73000".into()),
        state: None,
        country: "MA".into(),
        phone: "+212600000000".into(),
    }
}

fn invoice(no_vat_mention: Option<String>) -> Invoice {
    let rate = Rate::percent(20).expect("rate");
    Invoice {
        id: "inv-1".into(),
        sequence: 1,
        number: "F-000001".into(),
        issued_at: Utc
            .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
            .single()
            .expect("time"),
        date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        seller_id: SellerId::new("s-oudaya").expect("id"),
        seller_name: "Coopérative Oudaya".into(),
        seller_city: "Dakhla".into(),
        seller_legal: LegalIds {
            ice: Some("001234567000089".into()),
            if_number: Some("12345678".into()),
            rc: Some("RC 4567 Dakhla".into()),
            tp: Some("TP 99887766".into()),
            cnss: None,
            rib: Some("011780000012345678901234".into()),
        },
        order_id: OrderId::new("o-1").expect("id"),
        seller_order_id: SellerOrderId::new("so-1").expect("id"),
        buyer: address(),
        buyer_email: "youssef@example.ma".into(),
        lines: vec![InvoiceLine {
            description: "Coussin srama (CUSH-1)".into(),
            quantity: 2,
            unit_price_ttc: mad("120.00"),
            tva_rate: rate,
            ht: mad("200.00"),
            tva: mad("40.00"),
            ttc: mad("240.00"),
            exemption: None,
        }],
        taxes: vec![InvoiceTaxRow {
            rate,
            ht: mad("200.00"),
            tva: mad("40.00"),
        }],
        total_ht: mad("200.00"),
        total_tva: mad("40.00"),
        total_ttc: mad("240.00"),
        no_vat_mention,
        export_mention: None,
    }
}

#[test]
fn invoices_carry_the_mentions_in_french_and_arabic() {
    let inv = invoice(None);
    let html = invoice_html(&inv, Lang::FR);
    for needle in [
        "Facture",
        "F-000001",
        "001234567000089",
        "12345678",
        "RC 4567 Dakhla",
        "TP 99887766",
        "Youssef El Idrissi",
        "Coussin srama (CUSH-1)",
        "Total TTC",
        "TVA 20 %",
    ] {
        assert!(html.contains(needle), "{needle} on the invoice");
    }
    assert!(
        !html.contains("011780000012345678901234"),
        "the seller's RIB is not on the invoice"
    );
    let ar = invoice_html(&inv, Lang::AR);
    assert!(ar.contains("dir=\"rtl\"") && ar.contains("فاتورة"));
}

#[test]
fn an_invoice_in_tamazight_reads_its_fallbacks_words_and_the_regions_formats() {
    let region = tijara::region_file::parse_region(include_str!(
        "../../tijara/tests/fixtures/guelmim-oued-noun.toml"
    ))
    .expect("region")
    .region;
    let inv = invoice(None);
    let zgh = Lang::parse("zgh-Tfng").expect("tag");
    let html = invoice_html_in(&inv, zgh, &region);
    // The page is in Tamazight, left to right; the invoice's words in Arabic (its first
    // fallback that has them); amounts in Tamazight's format.
    assert!(
        html.contains(r#"<html lang="zgh-Tfng" dir="ltr">"#),
        "{html}"
    );
    assert!(html.contains("فاتورة") && !html.contains("Facture"));
    assert!(html.contains("240,00\u{a0}MAD"), "{html}");
    // Hassaniya: right to left, Arabic words, its own dirham symbol.
    let mey = invoice_html_in(&inv, Lang::parse("mey").expect("tag"), &region);
    assert!(mey.contains(r#"dir="rtl""#) && mey.contains("فاتورة"));
    assert!(mey.contains("240,00\u{a0}د.م."), "{mey}");
    // The built-in languages read as before.
    assert_eq!(
        invoice_html_in(&inv, Lang::FR, &region),
        invoice_html(&inv, Lang::FR)
    );
    assert_eq!(
        invoice_html_in(&inv, Lang::AR, &region),
        invoice_html(&inv, Lang::AR)
    );
}

#[test]
fn an_exempt_sellers_invoice_says_why_there_is_no_tva() {
    let inv = invoice(Some(
        "TVA non applicable — auto-entrepreneur (loi 114-13)".into(),
    ));
    let html = invoice_html(&inv, Lang::FR);
    assert!(html.contains("TVA non applicable") && html.contains("114-13"));
}

fn label(tracking_number: Option<&str>) -> LabelData {
    LabelData {
        order_id: OrderId::new("o-1").expect("id"),
        seller_order_id: SellerOrderId::new("so-1").expect("id"),
        sender_name: "Coopérative Oudaya".into(),
        sender_city: "Dakhla".into(),
        sender_phone: Some("+212612345678".into()),
        sender_address: Some("Rue <des> Artisans 4".into()),
        order_reference: "DAK-2026-483920".into(),
        recipient: address(),
        carrier: "ctm".into(),
        carrier_name: String::new(),
        part_number: 1,
        part_count: 1,
        service: "standard".into(),
        tracking_number: tracking_number.map(str::to_owned),
        provisional_number: false,
        parcels: vec![
            Parcel {
                weight_grams: 800,
                dimensions: None,
            },
            Parcel {
                weight_grams: 450,
                dimensions: None,
            },
        ],
        cod_amount: Some(mad("240.00")),
        contents: vec![("CUSH-1".into(), 2)],
    }
}

#[test]
fn labels_show_the_barcode_the_cash_to_collect_and_escape_text() {
    let html = label_html(&label(Some("LD123456789MA")));
    assert!(html.contains("<svg"), "the tracking number as a barcode");
    assert!(html.contains("LD123456789MA"));
    assert!(html.contains("1250 g") && html.contains("Paquets : 2"));
    assert!(html.contains("À ENCAISSER") && html.contains("المبلغ عند التسليم"));
    assert!(
        html.contains("240,00"),
        "the amount to collect, in large type"
    );
    assert!(html.contains("DAK-2026-483920"), "the order's number");
    assert!(html.contains("+212612345678") && html.contains("Rue &lt;des&gt; Artisans 4"));
    assert!(
        html.contains("imprimante") && html.contains("طابعة"),
        "what to do without a printer"
    );
    assert!(html.contains("CUSH-1 × 2"));
    assert!(
        html.contains("Appartement &lt;3&gt;") && !html.contains("<3>"),
        "text is escaped"
    );
}

#[test]
fn labels_name_the_carrier_and_the_parcel_never_internal_ids() {
    let mut l = label(Some("LD123456789MA"));
    let html = label_html(&l);
    assert!(
        html.contains("CTM Messagerie — standard"),
        "the code's name: {html}"
    );
    assert!(
        !html.contains("so-1") && !html.contains(">o-1<"),
        "no internal id"
    );
    assert!(!html.contains("1/1"), "one parcel: no count");
    l.carrier_name = "Amana Messagerie".into();
    l.part_number = 2;
    l.part_count = 3;
    let html = label_html(&l);
    assert!(
        html.contains("Amana Messagerie — standard"),
        "the stored name"
    );
    assert!(
        html.contains("Colis · الطرد <bdi>2/3</bdi>"),
        "the parcel among the order's, in large type: {html}"
    );
    assert!(html.contains("Commande <bdi>DAK-2026-483920</bdi> · colis <bdi>2/3</bdi>"));
    assert!(!html.contains("so-1"));
}

#[test]
fn a_label_abroad_lays_the_address_out_as_its_post_does() {
    let mut l = label(Some("LD123456789MA"));
    l.recipient.country = "US".into();
    l.recipient.city = "New York".into();
    l.recipient.state = Some("NY".into());
    l.recipient.postal_code = Some("10118".into());
    let html = label_html(&l);
    assert!(
        html.contains("NEW YORK NY 10118"),
        "the state and code: {html}"
    );
    assert!(html.contains("ÉTATS-UNIS"), "the country by name: {html}");
    let home = label_html(&label(Some("LD123456789MA")));
    assert!(
        home.contains("73000 DAKHLA") && home.contains("MAROC"),
        "{home}"
    );
}

#[test]
fn a_label_without_a_tracking_number_has_no_barcode() {
    let html = label_html(&label(None));
    assert!(!html.contains("<svg") && html.contains("—"));
}

#[test]
fn a_provisional_reference_is_printed_as_a_reference_without_a_barcode() {
    let mut l = label(Some("CTM-7KQ2MXH4PA9RTW3Z"));
    l.provisional_number = true;
    let html = label_html(&l);
    assert!(
        !html.contains("<svg"),
        "no barcode a scanner would take for the carrier's"
    );
    assert!(
        html.contains("Réf. marché · مرجع السوق <bdi>CTM-7KQ2MXH4PA9RTW3Z</bdi>"),
        "{html}"
    );
    assert!(
        html.contains("reçu") && html.contains("وصل"),
        "says where the carrier's number comes from"
    );
    let html = label_html(&label(Some("LD123456789MA")));
    assert!(html.contains("<svg") && !html.contains("Réf. marché"));
}

#[test]
fn barcodes_encode_printable_ascii_only() {
    assert!(barcode_svg("LD123456789MA").is_some());
    assert!(barcode_svg("é").is_none());
}

#[test]
fn an_invoice_names_the_order_by_its_number_when_given() {
    let inv = invoice(None);
    let region = tijara::core::Region::dakhla();
    let html = invoice_html_for(&inv, Lang::FR, &region, "DAK-2026-483920");
    assert!(
        html.contains("Commande <bdi>DAK-2026-483920</bdi>"),
        "{html}"
    );
    assert!(!html.contains(inv.order_id.as_str()), "no internal id");
    let plain = invoice_html_in(&inv, Lang::FR, &region);
    assert!(plain.contains(inv.order_id.as_str()));
}

#[test]
fn the_customs_declaration_lists_contents_values_codes_and_the_recipient_as_the_post_expects() {
    let info = tijara::core::customs::CustomsInfo {
        hs_code: "4202.21".into(),
        description_fr: "Sac en cuir <de chèvre>".into(),
        description_en: "Goat leather bag".into(),
        origin_country: "MA".into(),
        net_weight_grams: 650,
    };
    let (p, v, s) = (
        tijara::core::ProductId::new("p").expect("id"),
        tijara::core::VariantId::new("v").expect("id"),
        tijara::core::catalog::Sku::new("BAG-1").expect("sku"),
    );
    let declaration = tijara::core::customs::declaration(
        &[tijara::core::customs::DeclaredLine {
            product: &p,
            variant: &v,
            sku: &s,
            quantity: 2,
            value: mad("1483.34"),
            customs: Some(&info),
        }],
        1500,
        tijara::core::Currency::MAD,
    )
    .expect("declaration");
    let mut recipient = address();
    recipient.country = "US".into();
    recipient.city = "New York".into();
    recipient.state = Some("NY".into());
    recipient.postal_code = Some("10118".into());
    let mut l = label(Some("LD123456789MA"));
    l.recipient = recipient.clone();
    let doc = tijara::usecases::fulfillment::CustomsDocument {
        label: l,
        recipient_lines: recipient.postal_lines("États-Unis"),
        declaration,
        export_mention: Some("Exonération de TVA à l'exportation (CGI art. 92-I-1°)".into()),
        placed_on: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    };
    let html = tijara_render::customs_html(&doc, Some("/seller/orders/o-1/so-1"));
    for want in [
        "CN23",
        "Sac en cuir &lt;de chèvre&gt;",
        "Goat leather bag",
        "4202.21",
        "1.300",
        "1.500",
        "NEW YORK NY 10118",
        "ÉTATS-UNIS",
        "(DAP)",
        "92-I-1°",
        "Sale of goods",
        "<svg",
        "/seller/orders/o-1/so-1",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(html.contains(&mad("1483.34").format(Lang::FR)), "{html}");
    assert!(html.contains("Imprimez cette déclaration"), "{html}");
    // For an Arabic reader: the help in Arabic, right to left; the form itself unchanged.
    let ar = tijara_render::customs_html_for(&doc, Some("/seller/orders/o-1/so-1"), Lang::AR);
    assert!(
        ar.contains(r#"<div class="hint" lang="ar" dir="rtl">"#),
        "{ar}"
    );
    assert!(ar.contains("اطبع هذا التصريح"), "{ar}");
    assert!(!ar.contains("Imprimez cette déclaration"), "{ar}");
    let form = |h: &str| h[h.find("<h1>").expect("h1")..].to_owned();
    assert_eq!(form(&ar), form(&html), "the declaration is the same");
    // The marketplace's provisional reference is neither printed nor barcoded as the number.
    let mut doc = doc;
    doc.label.tracking_number = Some("AMANA-7KQ2MXH4PA9RTW3Z".into());
    doc.label.provisional_number = true;
    let html = tijara_render::customs_html(&doc, None);
    assert!(
        !html.contains("AMANA-7KQ2") && !html.contains("<svg"),
        "{html}"
    );
}
