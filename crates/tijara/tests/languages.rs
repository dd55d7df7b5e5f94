//! Languages as data (issue 12): a region file with Tamazight in Tifinagh and Hassaniya, an
//! engine serving it, a product titled in Tifinagh read back in each language, amounts and
//! dates in each language's format.

mod common;

use common::*;
use std::sync::Arc;
use tijara::region_file::parse_region;
use tijara_core::i18n::Direction;
use tijara_core::*;
use tijara_testkit::stubs::*;

const GUELMIM: &str = include_str!("fixtures/guelmim-oued-noun.toml");

fn lang(tag: &str) -> Lang {
    Lang::parse(tag).expect("tag")
}

#[test]
fn the_region_file_with_tamazight_and_hassaniya_is_read() {
    let file = parse_region(GUELMIM).expect("read");
    let r = &file.region;
    let (zgh, mey) = (lang("zgh-Tfng"), lang("mey"));
    assert_eq!(r.languages, vec![Lang::AR, Lang::FR, zgh, mey]);
    assert!(
        !zgh.is_builtin() && !mey.is_builtin(),
        "neither was a Lang before"
    );
    assert_eq!(r.direction(zgh), Direction::Ltr, "Tifinagh");
    assert_eq!(r.direction(mey), Direction::Rtl, "Hassaniya: Arabic script");
    assert_eq!(r.fallback_order(zgh), vec![zgh, Lang::AR, Lang::FR, mey]);
    assert_eq!(r.fallback_order(mey), vec![mey, Lang::AR, Lang::FR, zgh]);
    // Labels in each language, and the fallback where one is missing.
    assert_eq!(r.text(&r.name, zgh), Some("ⵜⴰⵎⵏⴰⴹⵜ ⵏ ⴳⵍⵎⵉⵎ - ⵡⴰⴷ ⵏⵓⵏ"));
    let carpet = r
        .tax_rules
        .rates()
        .iter()
        .find(|t| t.category.as_str() == "artisanal-carpet")
        .expect("carpet rate");
    assert_eq!(r.text(&carpet.label, zgh), Some("ⴰⵣⵔⴱⵉ ⴰⵏⴰⵥⵓⵕ"));
    assert_eq!(r.text(&carpet.label, mey), Some("زربية تقليدية (معفاة)"));
    assert_eq!(
        r.text(&file.seller_tax_statuses[0].label, mey),
        Some("خاضع للضريبة")
    );
    assert_eq!(
        r.text(&r.invoice.no_vat_mention, zgh),
        Some("ⵓⵔ ⵜⵍⵍⵉ ⵜⴰⵖⵓⵔⵉ")
    );
    // The plain list form names new tags too: `zgh` was refused before.
    let plain = GUELMIM.replace(
        "{ tag = \"zgh-Tfng\", fallbacks = [\"ar\", \"fr\"], date = \"%d-%m-%Y\" }",
        "\"zgh\"",
    );
    let plain = parse_region(&plain.replace("zgh-Tfng = ", "zgh = ")).expect("plain list");
    assert!(plain.region.languages.contains(&lang("zgh")));
    assert_eq!(plain.region.direction(lang("zgh")), Direction::Ltr);
}

#[test]
fn mistakes_in_the_language_table_name_their_field() {
    let e = parse_region(&GUELMIM.replace("fallbacks = [\"ar\"]", "fallbacks = [\"es\"]"))
        .expect_err("es is not spoken");
    assert_eq!(e.field, "languages[3].fallbacks[0]", "{e}");
    assert_eq!(e.line, 17, "{e}");
    let e = parse_region(&GUELMIM.replace("date = \"%d-%m-%Y\"", "date = \"%Q\""))
        .expect_err("bad pattern");
    assert_eq!(e.field, "languages[2].date", "{e}");
    let e = parse_region(&GUELMIM.replace("tag = \"mey\"", "tag = \"m\"")).expect_err("ill-formed");
    assert_eq!(e.field, "languages[3].tag", "{e}");
    assert!(e.message.contains("well-formed"), "{e}");
    let e = parse_region(&GUELMIM.replace("digits = \"latn\"", "digitz = \"latn\""))
        .expect_err("unknown key");
    assert_eq!(e.field, "languages[3]", "{e}");
    assert!(e.message.contains("digitz"), "{e}");
    let e = parse_region(&GUELMIM.replace("symbols = { MAD", "symbols = { MADX"))
        .expect_err("unknown currency");
    assert_eq!(e.field, "languages[3].number.symbols.MADX", "{e}");
    let e = parse_region(&GUELMIM.replace("\"fr\",\n", "\"fr\",\n  \"ar\",\n")).expect_err("twice");
    assert_eq!(e.field, "languages[2]", "{e}");
    // A text in a language the region does not list.
    let e = parse_region(&GUELMIM.replace("mey = \"جهة", "kab = \"جهة"))
        .expect_err("kab is not spoken");
    assert_eq!(e.field, "name.kab", "{e}");
}

#[tokio::test]
async fn an_engine_serves_the_region_in_tifinagh_and_hassaniya() {
    let region = parse_region(GUELMIM).expect("read").region;
    let (zgh, mey) = (lang("zgh-Tfng"), lang("mey"));
    let engine = tijara::Tijara::builder()
        .region(region)
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .clock(Arc::new(FixedClock::at(t0())))
        .ids(Arc::new(SequentialIds::default()))
        .build()
        .expect("engine");
    let e = &engine;
    e.catalog().create_category(
        tijara::usecases::catalog::CategoryInput::new(
            CategoryId::new("leather").expect("id"),
            "leather",
            LocalizedText::single(Lang::FR, "Cuir").with(zgh, "ⴰⵍⵎ"),
        ),
        None,
    )
    .await
    .expect("category");
    let seller = e
        .catalog().create_seller(
            seller_input(
                "Coopérative Tighmert",
                tijara_core::catalog::SellerKind::Cooperative,
            ),
            None,
        )
        .await
        .expect("seller")
        .id;
    let mut input = product_input(
        &seller,
        "azrbi",
        "Tapis de Guelmim",
        "زربية كلميم",
        vec![variant("AZRBI-1", "1234.50", 3)],
    );
    input.title.set(zgh, "ⴰⵣⵔⴱⵉ ⵏ ⴳⵍⵎⵉⵎ");
    input.description = LocalizedText::single(Lang::AR, "زربية منسوجة باليد");
    let product = e.catalog().create_product(input, None).await.expect("product");

    // Read back from storage: the Tifinagh title kept under its tag.
    let view = e.catalog().product(&product.id).await.expect("read");
    let r = e.region();
    assert_eq!(view.product.title.exact(zgh), Some("ⴰⵣⵔⴱⵉ ⵏ ⴳⵍⵎⵉⵎ"));
    assert_eq!(r.text(&view.product.title, zgh), Some("ⴰⵣⵔⴱⵉ ⵏ ⴳⵍⵎⵉⵎ"));
    assert_eq!(
        r.text(&view.product.title, mey),
        Some("زربية كلميم"),
        "Hassaniya falls back to Arabic"
    );
    assert_eq!(
        r.text(&view.product.description, zgh),
        Some("زربية منسوجة باليد"),
        "no Tamazight description: Arabic, its first fallback"
    );
    // A reader asking for `zgh` is served the region's `zgh-Tfng`; Spanish is not spoken.
    assert_eq!(r.lang_or_default(Some(lang("zgh"))), zgh);
    assert_eq!(r.lang_or_default(Some(Lang::ES)), Lang::AR);

    // Amounts and dates in each language's format.
    let price = view.variants[0].variant.price;
    assert_eq!(r.format_money(&price, Lang::AR), "1.234,50\u{a0}د.م.");
    assert_eq!(r.format_money(&price, Lang::FR), "1\u{a0}234,50\u{a0}MAD");
    assert_eq!(r.format_money(&price, zgh), "1\u{a0}234,50\u{a0}MAD");
    assert_eq!(r.format_money(&price, mey), "1.234,50\u{a0}د.م.");
    let day = r.local_date(t0());
    assert_eq!(r.format_date(day, zgh), "28-11-2026");
    assert_eq!(r.format_date(day, mey), "28/11/2026");
}
