//! The legal pages (law 31-08, law 09-08), `/sitemap.xml`, `/robots.txt` and what search
//! engines read of the product and home pages (canonical, hreflang, JSON-LD).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::{ProductFilter, ProductInput, VariantInput};
use tijara_core::{Lang, LocalizedText};

const LEGAL: [&str; 4] = [
    "/legal/notice",
    "/legal/terms",
    "/legal/withdrawal",
    "/legal/privacy",
];

/// Every JSON-LD block of a page, parsed (a block that is not JSON fails the test).
fn json_lds(html: &str) -> Vec<serde_json::Value> {
    let open = "<script type=\"application/ld+json\">";
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        let after = &rest[at + open.len()..];
        let end = after.find("</script>").expect("the script ends");
        out.push(serde_json::from_str(&after[..end]).expect("JSON-LD parses"));
        rest = &after[end..];
    }
    out
}

/// The `href` of every `<link>` whose attributes contain `attr`.
fn links(html: &str, attr: &str) -> Vec<String> {
    html.split("<link ")
        .skip(1)
        .map(|l| &l[..l.find('>').unwrap()])
        .filter(|l| l.contains(attr))
        .map(|l| {
            l.split("href=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_legal_page_answers_in_three_languages_with_its_law() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    for lang in ["ar", "fr", "en"] {
        for page in LEGAL {
            let a = c.get(&format!("{page}?lang={lang}")).await;
            assert_eq!(a.status, StatusCode::OK, "{page} in {lang}");
            assert!(
                a.body.contains(&format!("lang=\"{lang}\"")),
                "{page} {lang}"
            );
            assert!(a.body.contains("<h1>"), "{page} {lang}: a heading");
            match page {
                "/legal/terms" | "/legal/withdrawal" => {
                    assert!(a.body.contains("31-08"), "{page} {lang} names law 31-08")
                }
                "/legal/privacy" => {
                    assert!(a.body.contains("09-08"), "{page} {lang} names law 09-08");
                    assert!(a.body.contains("CNDP"), "{page} {lang}");
                }
                _ => assert!(a.body.contains("ICE"), "{page} {lang} shows the ICE"),
            }
            // The canonical address is the page's own in its language.
            assert_eq!(
                links(&a.body, "rel=\"canonical\""),
                vec![format!("http://127.0.0.1:9{page}?lang={lang}")]
            );
        }
    }
}

#[tokio::test]
async fn the_withdrawal_page_counts_the_regions_days_and_the_notice_shows_the_demo_values() {
    let app = demo_app().await;
    let days = app.engine.region().withdrawal_days;
    let mut c = Client::new(&app);
    let a = c.get("/legal/withdrawal?lang=fr").await;
    assert!(
        a.body.contains(&format!("pendant {days} jours francs")),
        "{}",
        a.body
    );
    let a = c.get("/legal/withdrawal?lang=ar").await;
    assert!(a.body.contains(&format!("خلال {days} أيام")));
    // One artisan publishes its ICE and trade register number.
    let first = app
        .engine
        .catalog()
        .list_sellers(None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    let mut input = tijara::usecases::catalog::SellerInput::from(first.clone());
    input.legal.ice = Some("001525479000087".into());
    input.legal.rc = Some("Dakhla 4321".into());
    app.engine
        .catalog()
        .update_seller(&first.id, input, None)
        .await
        .unwrap();
    // No operator configured in tests: the demonstration values are marked as such.
    let a = c.get("/legal/notice?lang=fr").await;
    assert!(a.body.contains("001525479000087") && a.body.contains("Dakhla 4321"));
    assert!(a.body.contains("Valeurs de démonstration"), "{}", a.body);
    assert!(a.body.contains("(démo / demo)"));
    // Each artisan of the demo shop is named, with its legal identifiers where it has them.
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 100)
        .await
        .unwrap()
        .items;
    assert!(!sellers.is_empty());
    for s in &sellers {
        assert!(a.body.contains(&s.name), "{} is on the notice", s.name);
        if let Some(ice) = &s.legal.ice {
            assert!(a.body.contains(ice.as_str()), "{}'s ICE", s.name);
        }
    }
}

#[tokio::test]
async fn the_legal_pages_are_public_and_refuse_writes() {
    let app = demo_app().await;
    // Anonymous: every page opens (no login asked).
    let mut anon = Client::new(&app);
    for page in LEGAL {
        let a = anon.get(page).await;
        assert_eq!(a.status, StatusCode::OK, "{page}");
        assert!(a.location.is_none());
    }
    // A POST is no way to change them: refused (403 without a form token, else 405).
    let a = anon.post("/legal/terms", &[("x", "1")]).await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::METHOD_NOT_ALLOWED].contains(&a.status),
        "{}",
        a.status
    );
    assert!(anon.get("/legal/terms").await.body.contains("31-08"));
    let a = anon.get("/legal/nothing-here").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let a = c.get("/robots.txt").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.starts_with("User-agent: *\n"));
    for p in [
        "/account",
        "/admin",
        "/seller",
        "/orders",
        "/checkout",
        "/cart",
    ] {
        assert!(
            a.body.lines().any(|l| l == format!("Disallow: {p}")),
            "{p}: {}",
            a.body
        );
    }
    assert!(
        a.body
            .lines()
            .any(|l| l == "Sitemap: http://127.0.0.1:9/sitemap.xml")
    );
    // Browsers' icon request finds one (no 404 logged on every page).
    let icon = c.get("/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert!(icon.body.starts_with("<svg "));
    // The shop window and products stay crawlable.
    assert!(
        !a.body
            .lines()
            .any(|l| l == "Disallow: /" || l == "Disallow: /products")
    );
}

#[tokio::test]
async fn the_sitemap_is_xml_listing_every_product_in_every_language_with_alternates() {
    use quick_xml::events::Event;
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let a = c.get("/sitemap.xml").await;
    assert_eq!(a.status, StatusCode::OK);
    let mut reader = quick_xml::Reader::from_str(&a.body);
    let (mut locs, mut alternates) = (Vec::<String>::new(), Vec::<(String, String)>::new());
    let mut loc: Option<String> = None;
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                depth += 1;
                loc = (e.name().as_ref() == b"loc").then(String::new);
            }
            Event::End(_) => {
                depth -= 1;
                if let Some(raw) = loc.take() {
                    locs.push(quick_xml::escape::unescape(&raw).unwrap().into_owned());
                }
            }
            Event::Text(t) if loc.is_some() => {
                loc.as_mut().unwrap().push_str(&t.decode().unwrap());
            }
            Event::GeneralRef(r) if loc.is_some() => {
                let name = r.decode().unwrap();
                loc.as_mut().unwrap().push_str(&format!("&{name};"));
            }
            Event::Empty(e) if e.name().as_ref() == b"xhtml:link" => {
                let attr = |n: &[u8]| {
                    let v = e.try_get_attribute(n).unwrap().unwrap();
                    v.unescape_value().unwrap().into_owned()
                };
                assert_eq!(attr(b"rel"), "alternate");
                alternates.push((attr(b"hreflang"), attr(b"href")));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    assert!(
        locs.iter().all(|l| l.starts_with("http://127.0.0.1:9/")),
        "absolute: {locs:?}"
    );
    let products = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 100)
        .await
        .unwrap()
        .items;
    assert!(!products.is_empty());
    for v in &products {
        for lang in ["ar", "fr", "en"] {
            let url = format!("http://127.0.0.1:9/products/{}?lang={lang}", v.product.slug);
            assert!(locs.contains(&url), "{url} listed");
            assert!(
                alternates.contains(&(lang.to_owned(), url.clone())),
                "{url} alternate"
            );
        }
        let x = format!("http://127.0.0.1:9/products/{}", v.product.slug);
        assert!(alternates.contains(&("x-default".to_owned(), x)));
    }
    for page in LEGAL {
        assert!(locs.contains(&format!("http://127.0.0.1:9{page}?lang=ar")));
    }
    assert!(locs.contains(&"http://127.0.0.1:9/?lang=fr".to_owned()));
    // Every active artisan's shop page, and the artisans' list.
    assert!(locs.contains(&"http://127.0.0.1:9/artisans?lang=ar".to_owned()));
    let sellers = app.engine.catalog().list_sellers(None, 100).await.unwrap();
    for s in sellers.items.iter().filter(|s| s.active) {
        let url = format!("http://127.0.0.1:9/artisans/{}?lang=fr", s.id);
        assert!(locs.contains(&url), "{url} listed");
    }
    // A category address's `&` is escaped in the XML and read back as one.
    assert!(
        locs.iter()
            .any(|l| l.starts_with("http://127.0.0.1:9/?category=") && l.contains("&lang=")),
        "{locs:?}"
    );
    // Each <url> lists four alternates (ar, fr, en, x-default).
    assert_eq!(alternates.len(), locs.len() * 4);
}

#[tokio::test]
async fn a_product_page_has_one_canonical_its_alternates_and_product_json_ld() {
    let app = demo_app().await;
    let v = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    let slug = &v.product.slug;
    let mut c = Client::new(&app);
    // Another currency and a tracking parameter stay out of the canonical address.
    let a = c
        .get(&format!("/products/{slug}?lang=fr&cur=EUR&utm_source=x"))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let canonical = links(&a.body, "rel=\"canonical\"");
    assert_eq!(
        canonical,
        vec![format!("http://127.0.0.1:9/products/{slug}?lang=fr")]
    );
    let alternates = links(&a.body, "hreflang=");
    for lang in ["ar", "fr", "en"] {
        assert!(
            a.body.contains(&format!(
                "hreflang=\"{lang}\" href=\"http://127.0.0.1:9/products/{slug}?lang={lang}\""
            )),
            "{lang}"
        );
    }
    assert!(a.body.contains(&format!(
        "hreflang=\"x-default\" href=\"http://127.0.0.1:9/products/{slug}\""
    )));
    assert_eq!(alternates.len(), 4);
    assert!(a.body.contains("<meta name=\"description\" content=\""));
    assert!(a.body.contains("property=\"og:type\" content=\"product\""));
    assert!(
        a.body
            .contains("property=\"og:image\" content=\"http://127.0.0.1:9/")
    );
    let ld = json_lds(&a.body);
    let product = ld
        .iter()
        .find(|j| j["@type"] == "Product")
        .expect("Product JSON-LD");
    assert_eq!(
        product["name"],
        v.product.title.get(Lang::FR, Lang::AR).unwrap()
    );
    let first = &v.variants[0].variant;
    assert_eq!(product["sku"], first.sku.to_string());
    let offer = &product["offers"][0];
    assert_eq!(offer["priceCurrency"], "MAD");
    assert_eq!(offer["price"], first.price.amount().to_string());
    assert!(
        offer["availability"]
            .as_str()
            .unwrap()
            .starts_with("https://schema.org/")
    );
    assert_eq!(product["brand"]["name"], v.seller_name);
    assert!(
        product["image"][0]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:9/")
    );
}

#[tokio::test]
async fn a_title_with_a_closing_script_tag_cannot_leave_the_json_ld() {
    let app = demo_app().await;
    let any = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    let evil = "Bol </script><script>alert(1)</script><!-- & co";
    let var = &any.variants[0].variant;
    app.engine
        .catalog()
        .create_product(
            ProductInput::new(
                any.product.seller_id.clone(),
                any.product.category_id.clone(),
                "bol-evil",
                LocalizedText::new()
                    .with(Lang::FR, evil)
                    .with(Lang::AR, evil),
                vec![
                    VariantInput::new("EVIL-1", var.price, var.tax_category.clone(), 500)
                        .with_initial_stock(2),
                ],
            ),
            None,
        )
        .await
        .unwrap();
    let mut c = Client::new(&app);
    let a = c.get("/products/bol-evil?lang=fr").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.body.contains("<script>alert(1)"), "no script injected");
    let ld = json_lds(&a.body);
    assert_eq!(ld.len(), 1, "one JSON-LD block, whole");
    assert_eq!(ld[0]["name"], evil, "the title reads back unchanged");
}

#[tokio::test]
async fn the_home_page_describes_the_shop_and_search_results_are_not_indexed() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let a = c.get("/?lang=ar").await;
    assert_eq!(
        links(&a.body, "rel=\"canonical\""),
        vec!["http://127.0.0.1:9/?lang=ar".to_owned()]
    );
    assert!(a.body.contains("<meta name=\"description\""));
    assert!(!a.body.contains("noindex"));
    assert!(json_lds(&a.body).iter().any(|j| j["@type"] == "WebSite"));
    let a = c.get("/?lang=fr&category=leather&cur=USD").await;
    assert_eq!(
        links(&a.body, "rel=\"canonical\""),
        vec!["http://127.0.0.1:9/?category=leather&amp;lang=fr".to_owned()]
    );
    let a = c.get("/?q=bol").await;
    assert!(
        a.body
            .contains("<meta name=\"robots\" content=\"noindex, follow\">")
    );
}

#[tokio::test]
async fn during_an_outage_the_sitemap_and_legal_notice_say_503_never_an_empty_200() {
    use std::sync::Arc;
    use tijara::ports::storage::DocKind;
    use tijara_testkit::outage::Outage;
    let app = demo_app().await;
    let outage = Arc::new(Outage::new(app.engine.storage().clone()));
    let engine = tijara::Tijara::builder()
        .region(tijara_core::Region::dakhla())
        .storage(outage.clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap();
    let app = tijara_storefront::App::from(tijara_storefront::AppParts {
        engine,
        ..app.into_parts()
    });
    let mut c = Client::new(&app);
    outage.spare(&[DocKind::Session, DocKind::Account]);
    outage.set_down(true);
    let a = c.get("/sitemap.xml").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(a.body.contains("try again"), "{}", a.body);
    let a = c.get("/legal/notice?lang=fr").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    // The pages that read nothing stored still answer.
    assert_eq!(c.get("/robots.txt").await.status, StatusCode::OK);
    assert_eq!(
        c.get("/legal/withdrawal?lang=fr").await.status,
        StatusCode::OK
    );
    outage.set_down(false);
    assert_eq!(c.get("/sitemap.xml").await.status, StatusCode::OK);
}
