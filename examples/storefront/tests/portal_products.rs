//! The portal's new-product form (issue 14): a product created with its photo in one form,
//! Arabic-only titles with readable Latin slugs, and the refusals (not a photo, too large,
//! no title, bad price or weight, no CSRF token, not a seller) that write nothing.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::SellerId;
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// The products of the seller of `seller3@…` (the third demo seller), inactive ones too.
async fn products_of(app: &App, seller: &SellerId) -> Vec<tijara_core::catalog::Product> {
    let filter = ProductFilter::default()
        .with_seller(seller.clone())
        .with_include_inactive(true);
    app.engine
        .catalog()
        .list_products(&filter, None, 200)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|v| v.product)
        .collect()
}

async fn third_seller(app: &App) -> SellerId {
    app.engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[2]
        .id
        .clone()
}

/// A category id of the demo shop.
async fn a_category(app: &App) -> String {
    app.engine.catalog().categories().await.unwrap()[0]
        .id
        .to_string()
}

#[tokio::test]
async fn a_product_is_created_with_its_photo_in_one_form_and_an_arabic_title_gets_a_latin_slug() {
    let app = demo_app().await;
    let seller = third_seller(&app).await;
    let category = a_category(&app).await;
    let before = products_of(&app, &seller).await.len();
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = s.get("/seller/products/new?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    // One form, with the photo field, and the numbers explained in words.
    assert!(page.body.contains("multipart/form-data"), "{}", page.body);
    assert!(page.body.contains("name=\"photo\""));
    assert!(page.body.contains("un bracelet ≈ 50 g"), "weight examples");
    assert!(page.body.contains("0 = vous envoyez une pièce déjà faite"));
    let ar = s.get("/seller/products/new?lang=ar").await;
    assert!(ar.body.contains("سوار ≈ 50"), "weight examples in Arabic");

    s.get("/seller/products/new?lang=fr").await;
    let r = s
        .post_multipart(
            "/seller/products",
            &[
                ("category", &category),
                ("title_ar", "زربية صوفية"),
                ("price", "450,00"),
                ("stock", "2"),
                ("lead_days", "0"),
                ("weight", "5000"),
            ],
            &[("photo", &png(1200, 900))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/seller/products?lang=fr&saved=1"),
        "back to the list in French"
    );
    let list = s.get("/seller/products?lang=fr&saved=1").await;
    assert!(list.body.contains("Produit enregistré."), "{}", list.body);
    let after = products_of(&app, &seller).await;
    assert_eq!(after.len(), before + 1);
    let p = after
        .iter()
        .find(|p| p.title.exact(tijara_core::Lang::AR) == Some("زربية صوفية"))
        .expect("the new product");
    // A readable Latin slug, not a bare random suffix; a SKU that reads as the product.
    assert!(p.slug.starts_with("zrby"), "{}", p.slug);
    let sku = p.variants[0].sku.to_string();
    assert!(sku.starts_with("ZRBY-SWFY-"), "{sku}");
    assert!(sku.len() <= 24 + 7, "{sku}");
    assert!(
        p.slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{}",
        p.slug
    );
    // Its photo is there at once, resized, and the shop serves it.
    assert_eq!(p.photos.len(), 1, "{:?}", p.photos);
    assert!(p.photos[0].url.ends_with("-800.jpg"));
    assert_eq!(s.get(&p.photos[0].url).await.status, StatusCode::OK);
    let list = s.get("/seller/products?lang=fr").await;
    assert!(
        list.body
            .contains(&p.photos[0].url.replace("-800.jpg", "-300.jpg"))
    );
    // The product page is found at the Latin address.
    let page = s.get(&format!("/products/{}", p.slug)).await;
    assert_eq!(page.status, StatusCode::OK);

    // Without a photo: created, and the list shows the drawn placeholder meanwhile.
    s.get("/seller/products/new?lang=fr").await;
    let r = s
        .post_multipart(
            "/seller/products",
            &[
                ("category", &category),
                ("title_fr", "Bracelet en argent"),
                ("price", "120"),
                ("lead_days", "5"),
                ("weight", "50"),
            ],
            &[("photo", b"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = products_of(&app, &seller).await;
    let b = all
        .iter()
        .find(|p| p.slug.starts_with("bracelet-en-argent-"))
        .expect("bracelet");
    assert!(b.photos.is_empty());
    let list = s.get("/seller/products?lang=fr").await;
    assert!(list.body.contains(&format!("/images/{}.svg", b.slug)));
}

/// A refused form: its fields, its photos, the status and a sentence of the answer.
type Case<'a> = (
    Vec<(&'a str, &'a str)>,
    Vec<(&'a str, &'a [u8])>,
    StatusCode,
    &'a str,
);

#[tokio::test]
async fn a_refused_new_product_writes_nothing_and_says_what_to_do() {
    let app = demo_app().await;
    let seller = third_seller(&app).await;
    let category = a_category(&app).await;
    let before = products_of(&app, &seller).await.len();
    let media = tijara_storefront::media::media_dir(&app);
    let files = || std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0);
    let files_before = files();
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let good = [
        ("category", category.as_str()),
        ("title_fr", "Coussin"),
        ("price", "300"),
        ("weight", "800"),
    ];
    let without = |key: &str| -> Vec<(&str, &str)> {
        good.iter().copied().filter(|(k, _)| *k != key).collect()
    };
    let png_small = png(20, 20);
    let cases: Vec<Case> = vec![
        (
            good.to_vec(),
            vec![("photo", b"GIF89a not a photo")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "n'est pas une image JPEG, PNG ou WebP",
        ),
        (
            good.to_vec(),
            vec![("photo", &png_small), ("photo", b"%PDF-1.4 not a photo")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Rien n'a été enregistré",
        ),
        (
            without("title_fr"),
            vec![("photo", &png_small)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Écrivez le titre du produit",
        ),
        (
            {
                let mut f = without("price");
                f.push(("price", "douze"));
                f
            },
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Prix non compris",
        ),
        (
            without("weight"),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Écrivez le poids en grammes",
        ),
        (
            {
                let mut f = good.to_vec();
                f.push(("stock", "-3"));
                f
            },
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "nombres entiers",
        ),
    ];
    for (fields, photos, status, says) in cases {
        s.get("/seller/products/new?lang=fr").await;
        let r = s
            .post_multipart("/seller/products?lang=fr", &fields, &photos)
            .await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(r.body.contains(says), "{says} in {}", r.body);
        // The form comes back with what was typed, ready to correct.
        assert!(r.body.contains("name=\"weight\""));
        if fields.iter().any(|(k, _)| *k == "title_fr") {
            assert!(r.body.contains("value=\"Coussin\""), "{}", r.body);
        }
    }
    // Too large: refused before it is decoded.
    s.get("/seller/products/new?lang=ar").await;
    let big = vec![7u8; 6 * 1024 * 1024];
    let r = s
        .post_multipart("/seller/products?lang=ar", &good, &[("photo", &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("5 ميغا"), "{}", r.body);
    assert!(
        r.body.contains("value=\"Coussin\"") && r.body.contains("ما كتبته محفوظ"),
        "what was typed comes back: {}",
        r.body
    );
    // A photo far over 5 MiB in a body under the route's limit (a phone's full-size photos):
    // drained, not held, and what was typed still comes back.
    s.get("/seller/products/new?lang=fr").await;
    let huge = vec![7u8; 21 * 1024 * 1024];
    let r = s
        .post_multipart("/seller/products?lang=fr", &good, &[("photo", &huge)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("value=\"Coussin\""), "{}", r.body);
    assert_eq!(
        products_of(&app, &seller).await.len(),
        before,
        "nothing written"
    );
    assert_eq!(files(), files_before, "no photo stored");

    // No CSRF token: 403. A shopper or a visitor: not the portal.
    let mut no_token = Client::new(&app);
    no_token.login("seller3@tijara.example", ARTISAN_PW).await;
    no_token.csrf = Some("forged".into());
    let r = no_token
        .post_multipart("/seller/products", &good, &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    shopper.get("/").await;
    let r = shopper.post_multipart("/seller/products", &good, &[]).await;
    assert!(
        r.status.is_redirection() || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.status
    );
    let mut anonymous = Client::new(&app);
    anonymous.get("/").await;
    let r = anonymous
        .post_multipart("/seller/products", &good, &[])
        .await;
    assert!(
        r.status.is_redirection() || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.status
    );
    assert_eq!(
        products_of(&app, &seller).await.len(),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn the_shop_profile_is_edited_by_its_seller_only_and_refuses_bad_numbers() {
    let app = demo_app().await;
    let list = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let (coop, artisan) = (list[0].id.clone(), list[2].id.clone());
    let seller = |id: SellerId| {
        let app = app.clone();
        async move { app.engine.catalog().seller(&id).await.unwrap() }
    };
    let before = seller(artisan.clone()).await;
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = s.get("/seller/profile?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("imprimée comme expéditeur"),
        "{}",
        page.body
    );

    // Bad input: a clear 422, nothing written.
    for (fields, says) in [
        (vec![("phone", "06 12")], "Numéro de téléphone non compris"),
        (
            vec![
                ("phone", "0612345678"),
                ("whatsapp_on", "1"),
                ("whatsapp", "abc"),
            ],
            "Numéro WhatsApp non compris",
        ),
        (vec![("whatsapp_on", "1")], "écrivez un numéro"),
        (
            vec![("address", &"rue ".repeat(100))],
            "Adresse trop longue",
        ),
    ] {
        s.get("/seller/profile?lang=fr").await;
        let r = s.post("/seller/profile?lang=fr", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    assert_eq!(seller(artisan.clone()).await, before, "nothing written");

    // Saved: the phone in international form, the address, the story, WhatsApp opted in.
    s.get("/seller/profile?lang=fr").await;
    let r = s
        .post(
            "/seller/profile?lang=fr",
            &[
                ("phone", "06 12 34 56 78"),
                ("address", "12 rue Tarfaya\r\nQuartier Al Massira"),
                ("story_fr", "Bijoux en argent faits main."),
                ("story_ar", "حلي فضية مصنوعة يدويا."),
                ("whatsapp_on", "1"),
                ("whatsapp", ""),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/seller/profile?saved=1"),
        "{}",
        r.body
    );
    let after = seller(artisan.clone()).await;
    assert_eq!(after.contact.phone.as_deref(), Some("+212612345678"));
    assert_eq!(
        after.contact.address.as_deref(),
        Some("12 rue Tarfaya\nQuartier Al Massira")
    );
    assert_eq!(after.whatsapp.as_deref(), Some("+212612345678"));
    assert_eq!(
        after.story.exact(tijara_core::Lang::FR),
        Some("Bijoux en argent faits main.")
    );
    assert_eq!(
        after.commission_rate, before.commission_rate,
        "the rest kept"
    );
    // Unticked: no WhatsApp shown any more.
    s.get("/seller/profile").await;
    let r = s
        .post("/seller/profile", &[("phone", "+212612345678")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(seller(artisan.clone()).await.whatsapp, None);

    // A member artisan reads the cooperative's profile and cannot save it.
    let coop_before = seller(coop.clone()).await;
    let mut member = Client::new(&app);
    member.login("member1@tijara.example", ARTISAN_PW).await;
    let page = member.get("/seller/profile?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("seul son compte peut le modifier"));
    assert!(page.body.contains("<fieldset disabled"), "{}", page.body);
    let r = member
        .post("/seller/profile?lang=fr", &[("phone", "0612345678")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(seller(coop.clone()).await, coop_before);
    // A shopper and a visitor do not reach it.
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    shopper.get("/").await;
    let r = shopper
        .post("/seller/profile", &[("phone", "0612345678")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let mut visitor = Client::new(&app);
    assert!(visitor.get("/seller/profile").await.status.is_redirection());
}

/// Saving a product (its form, its photos, for sale or not) comes back in the page's language,
/// named in the URL (`?lang=`), even when the browser's cookie says another; the forms carry
/// it; refusals write nothing; another seller and anonymous visitors change nothing.
#[tokio::test]
async fn saving_a_product_keeps_the_pages_language() {
    let app = demo_app().await;
    let seller = third_seller(&app).await;
    let p = products_of(&app, &seller).await.remove(0);
    let edit = format!("/seller/products/{}/edit", p.id);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    // The cookie says French; the page asked is English.
    s.get("/seller/products?lang=fr").await;
    let page = s.get(&format!("{edit}?lang=en")).await;
    assert!(
        page.body.contains(&format!(r#"action="{edit}?lang=en""#)),
        "the form keeps the language: {}",
        page.body
    );
    assert!(page.body.contains("/active?lang=en"));
    let fields = [
        ("category", p.category_id.as_str()),
        ("title_ar", "زربية"),
        ("title_fr", "Tapis"),
        ("price", "300,00"),
        ("stock", "3"),
        ("lead_days", "0"),
        ("weight", "900"),
    ];
    let r = s.post(&format!("{edit}?lang=en"), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/seller/products?lang=en"));
    let list = s.get("/seller/products?lang=en").await;
    assert!(list.body.contains("My products"), "in English");
    let r = s.post(&format!("{edit}?lang=ar"), &fields).await;
    assert_eq!(r.location.as_deref(), Some("/seller/products?lang=ar"));
    let r = s
        .post(
            &format!("/seller/products/{}/active?lang=en", p.id),
            &[("active", "true")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/seller/products?lang=en"));

    // A bad price: refused in the page's language, nothing written.
    let before = products_of(&app, &seller).await;
    let mut bad = fields;
    bad[3] = ("price", "trois cents");
    let r = s.post(&format!("{edit}?lang=en"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"lang="en""#), "{}", r.body);
    assert_eq!(products_of(&app, &seller).await, before, "nothing written");

    // Another seller: not found; anonymous: to the login page; nothing written.
    let mut other = Client::new(&app);
    other.login("seller1@tijara.example", ARTISAN_PW).await;
    other.get("/seller?lang=en").await;
    let r = other.post(&format!("{edit}?lang=en"), &fields).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut anon = Client::new(&app);
    anon.get("/?lang=en").await;
    let r = anon.post(&format!("{edit}?lang=en"), &fields).await;
    assert!(r.status.is_redirection() || r.status == StatusCode::FORBIDDEN);
    assert_ne!(r.location.as_deref(), Some("/seller/products?lang=en"));
    assert_eq!(products_of(&app, &seller).await, before, "nothing written");
}

/// The edit form posted as a browser posts it: every field, the empty ones too (the customs
/// fields left empty send `net_weight=`), numbers typed on an Arabic keyboard. It saves;
/// a number that is not one is refused with the sentence that says which, what was typed is
/// shown again, and nothing is written (the form's decoding refused it all before, with a
/// plain-text error).
#[tokio::test]
async fn the_edit_form_reads_empty_and_arabic_numbers_and_refuses_bad_ones_in_words() {
    let app = demo_app().await;
    let seller = third_seller(&app).await;
    let p = products_of(&app, &seller)
        .await
        .into_iter()
        .find(|p| {
            matches!(
                p.variants[0].stock_policy,
                tijara_core::catalog::StockPolicy::Tracked
            )
        })
        .unwrap();
    let edit = format!("/seller/products/{}/edit?lang=fr", p.id);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get(&edit).await;
    let browser = |stock: &'static str, weight: &'static str, net: &'static str| {
        vec![
            ("category", p.category_id.to_string()),
            ("title_ar", "زربية".to_owned()),
            ("title_fr", "Tapis".to_owned()),
            ("title_en", String::new()),
            ("desc_ar", String::new()),
            ("desc_fr", String::new()),
            ("desc_en", String::new()),
            ("price", "300".to_owned()),
            ("stock", stock.to_owned()),
            ("lead_days", "٠".to_owned()),
            ("weight", weight.to_owned()),
            ("hs_code", String::new()),
            ("customs_fr", String::new()),
            ("customs_en", String::new()),
            ("origin", "MA".to_owned()),
            ("net_weight", net.to_owned()),
        ]
    };
    let fields = browser("٧", "٩٠٠", "");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&edit, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = app.engine.catalog().product(&p.id).await.unwrap();
    assert_eq!(v.variants[0].variant.weight_grams, 900, "٩٠٠ is 900");
    let row = app
        .engine
        .catalog()
        .stock_row(&v.variants[0].variant.id)
        .await
        .unwrap();
    assert_eq!(row.on_hand, 7, "٧ is 7");
    // A piece sold while she edits: saving the field unchanged from what the form showed does
    // not put it back on the shelf.
    let page = s.get(&edit).await;
    assert!(
        page.body.contains(r#"name="stock_shown" value="7""#),
        "{}",
        page.body
    );
    app.engine
        .catalog()
        .adjust_stock(
            &v.variants[0].variant.id,
            tijara::usecases::catalog::StockAdjustment::Set { units: 6 },
            None,
        )
        .await
        .unwrap();
    let mut fields = browser("7", "900", "");
    fields.push(("stock_shown", "7".to_owned()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(s.post(&edit, &pairs).await.status, StatusCode::SEE_OTHER);
    let row = app
        .engine
        .catalog()
        .stock_row(&v.variants[0].variant.id)
        .await
        .unwrap();
    assert_eq!(row.on_hand, 6, "the sale made meanwhile stands");

    // Made to order, then in stock again: the shelf takes the stock typed.
    let mut fields = browser("٧", "٩٠٠", "");
    fields[9].1 = "5".to_owned();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(s.post(&edit, &pairs).await.status, StatusCode::SEE_OTHER);
    let v = app.engine.catalog().product(&p.id).await.unwrap();
    assert!(matches!(
        v.variants[0].variant.stock_policy,
        tijara_core::catalog::StockPolicy::MadeToOrder { lead_days: 5 }
    ));
    s.get(&edit).await;
    let fields = browser("4", "900", "");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(s.post(&edit, &pairs).await.status, StatusCode::SEE_OTHER);
    let v = app.engine.catalog().product(&p.id).await.unwrap();
    assert!(matches!(
        v.variants[0].variant.stock_policy,
        tijara_core::catalog::StockPolicy::Tracked
    ));
    let row = app
        .engine
        .catalog()
        .stock_row(&v.variants[0].variant.id)
        .await
        .unwrap();
    assert_eq!(row.on_hand, 4, "the stock typed when back in stock");

    // A weight that is not a number: the weight's sentence, what was typed kept, nothing written.
    let before = products_of(&app, &seller).await;
    for (stock, weight, net, says) in [
        ("5", "lourd", "", "Écrivez le poids en grammes"),
        (
            "cinq",
            "900",
            "",
            "Le stock et les jours de travail sont des nombres entiers",
        ),
        ("5", "900", "4.5", "Le poids net s'écrit en grammes"),
    ] {
        let fields = browser(stock, weight, net);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = s.post(&edit, &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        assert!(
            r.body.contains("value=\"Tapis\""),
            "what was typed is shown again: {}",
            r.body
        );
        let bad = [weight, stock, net]
            .into_iter()
            .find(|t| t.parse::<u32>().is_err() && !t.is_empty())
            .unwrap();
        assert!(
            r.body.contains(&format!("value=\"{bad}\"")),
            "the bad number is shown as typed: {}",
            r.body
        );
        assert_eq!(products_of(&app, &seller).await, before, "nothing written");
    }
}

/// A shop waiting for the marketplace's approval prepares its products (as `/sell` promises):
/// a new product's form with a photo is saved without the photo, nothing of the photo is
/// stored, and the list says to add it once the shop is approved.
#[tokio::test]
async fn a_shop_waiting_for_approval_saves_its_product_and_is_told_to_add_photos_later() {
    let app = demo_app().await;
    let category = a_category(&app).await;
    let media = tijara_storefront::media::media_dir(&app);
    let files = || std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0);
    let files_before = files();
    let mut s = Client::new(&app);
    s.get("/sell?lang=fr").await;
    let r = s
        .post(
            "/sell",
            &[
                ("shop", "Coopérative Tighmert"),
                ("kind", "cooperative"),
                ("city", "Dakhla"),
                ("name", "Fatimatou Ahmed"),
                ("email", "tighmert@example.ma"),
                ("phone", "06 61 22 33 55"),
                ("password", "a-long-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let account = app
        .engine
        .accounts()
        .account_by_email("tighmert@example.ma")
        .await
        .unwrap()
        .unwrap();
    let seller = account.seller_id().unwrap().clone();
    assert!(!app.engine.catalog().seller(&seller).await.unwrap().active);
    let form = s.get("/seller/products/new?lang=fr").await.body;
    assert!(
        form.contains("leurs photos ne seront gardées"),
        "told before choosing photos: {form}"
    );
    let r = s
        .post_multipart(
            "/seller/products?lang=fr",
            &[
                ("category", &category),
                ("title_fr", "Panier en palmier tressé"),
                ("price", "200"),
                ("stock", "4"),
                ("weight", "600"),
            ],
            &[("photo", &png(640, 480))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/seller/products?lang=fr&saved=no-photos")
    );
    let saved = products_of(&app, &seller).await;
    assert_eq!(saved.len(), 1);
    assert!(saved[0].photos.is_empty(), "saved without the photo");
    assert_eq!(files(), files_before, "no photo stored");
    let list = s.get("/seller/products?lang=fr&saved=no-photos").await;
    assert!(
        list.body.contains("Produit enregistré, sans ses photos"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Panier en palmier tressé"));
}
