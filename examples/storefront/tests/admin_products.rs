//! The admin's products and customs data over HTTP (`/admin/products`,
//! `/admin/products/{id}/customs`): only an admin reads or changes them (anonymous → login,
//! a seller or a customer → 403, nothing written, nor without the page's CSRF token); the list
//! searches, narrows to a seller and shows which products lack customs data; a wrong field is
//! refused beside it (422) with what to write, and nothing is stored; a right one is stored
//! tidied, and "remove" takes the data off. The admin's nav links the list.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::customs::CustomsInfo;
use tijara_storefront::App;

const ADMIN: (&str, &str) = ("admin@tijara.example", "admin-demo-2026");
const SELLER: (&str, &str) = ("seller1@tijara.example", "artisan-demo-2026");
const SHOPPER: (&str, &str) = ("shopper@tijara.example", "shopper-demo-2026");

/// The first seller's first product: its id and stored customs data.
async fn first_product(app: &App) -> (tijara_core::ProductId, Option<CustomsInfo>) {
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 1)
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let p = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default().with_seller(seller), None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    (p.product.id.clone(), p.product.customs.clone())
}

async fn stored(app: &App, id: &tijara_core::ProductId) -> Option<CustomsInfo> {
    app.engine
        .catalog()
        .product(id)
        .await
        .unwrap()
        .product
        .customs
}

async fn admin(app: &App, lang: &str) -> Client {
    let mut c = Client::new(app);
    c.get(&format!("/?lang={lang}")).await;
    let r = c.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(r.location.as_deref(), Some("/admin"));
    c
}

fn good_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("hs_code", "4202 21"),
        ("description_fr", "  Sac en cuir de chèvre fait main "),
        ("description_en", "Handmade goat leather bag"),
        ("origin", "ma"),
        ("net_weight", "450"),
        ("action", "save"),
    ]
}

#[tokio::test]
async fn only_an_admin_reads_or_changes_customs_data() {
    let app = demo_app().await;
    let (id, before) = first_product(&app).await;
    assert!(before.is_some(), "the demo product has customs data");
    let form = format!("/admin/products/{id}/customs");
    let mut anonymous = Client::new(&app);
    for page in ["/admin/products", form.as_str()] {
        let r = anonymous.get(page).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(r.location.as_deref(), Some("/account/login"), "{page}");
    }
    // Anonymous with a page's token: sent to the login, nothing written.
    anonymous.get("/").await;
    let r = anonymous.post(&form, &good_fields()).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let r = anonymous.post(&form, &[("action", "remove")]).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    assert_eq!(stored(&app, &id).await, before);
    for (email, pw) in [SELLER, SHOPPER] {
        let mut c = Client::new(&app);
        c.login(email, pw).await;
        for page in [
            "/admin/products",
            "/admin/products?missing=1",
            form.as_str(),
        ] {
            assert_eq!(
                c.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{email} {page}"
            );
        }
        c.get("/").await;
        assert_eq!(
            c.post(&form, &good_fields()).await.status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(
            c.post(&form, &[("action", "remove")]).await.status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(stored(&app, &id).await, before, "{email}: nothing written");
    }
    // The admin without the page's token: refused, nothing written.
    let mut a = admin(&app, "fr").await;
    let r = a.post_raw(&form, &[("action", "remove")]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(stored(&app, &id).await, before);
}

#[tokio::test]
async fn the_list_searches_narrows_to_a_seller_and_shows_what_lacks_customs_data() {
    let app = demo_app().await;
    let (id, _) = first_product(&app).await;
    app.engine
        .catalog()
        .set_product_customs(&id, None, None)
        .await
        .unwrap();
    let product = app.engine.catalog().product(&id).await.unwrap().product;
    let title_fr = product
        .title
        .get(tijara_core::Lang::FR, tijara_core::Lang::AR)
        .unwrap()
        .to_owned();
    let mut a = admin(&app, "fr").await;
    // Linked from the dashboard's nav.
    let dash = a.get("/admin").await;
    assert!(
        dash.body.contains(r#"href="/admin/products""#),
        "{}",
        dash.body
    );
    let list = a.get("/admin/products").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("<h1>Produits</h1>"), "{}", list.body);
    assert!(
        list.body
            .contains("manquantes : pas d&#39;envoi à l&#39;étranger")
            || list.body.contains("manquantes : pas d'envoi à l'étranger"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains(&format!("/admin/products/{id}/customs")),
        "{}",
        list.body
    );
    // Only those without customs data: this one, none of the others (all have some).
    let missing = a.get("/admin/products?missing=1").await;
    assert!(
        missing
            .body
            .contains(&format!("/admin/products/{id}/customs"))
    );
    assert_eq!(
        missing.body.matches("/customs\"").count(),
        1,
        "{}",
        missing.body
    );
    // One seller's products only.
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 10)
        .await
        .unwrap()
        .items;
    let other = &sellers[1];
    let theirs = a.get(&format!("/admin/products?seller={}", other.id)).await;
    assert!(
        !theirs
            .body
            .contains(&format!("/admin/products/{id}/customs"))
    );
    assert!(theirs.body.contains("/customs\""), "{}", theirs.body);
    // Words of the title.
    let word = title_fr.split_whitespace().max_by_key(|w| w.len()).unwrap();
    let found = a
        .get(&format!("/admin/products?q={}", urlencode(word)))
        .await;
    assert!(
        found
            .body
            .contains(&format!("/admin/products/{id}/customs")),
        "{word}: {}",
        found.body
    );
    let none = a.get("/admin/products?q=zzqqxxnothing").await;
    assert!(none.body.contains("Rien ici."), "{}", none.body);
    // In English too.
    let en = admin(&app, "en")
        .await
        .get("/admin/products?missing=1")
        .await;
    assert!(en.body.contains("missing: not sent abroad"), "{}", en.body);
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn a_wrong_field_is_refused_beside_it_and_nothing_is_stored() {
    let app = demo_app().await;
    let (id, before) = first_product(&app).await;
    let form = format!("/admin/products/{id}/customs");
    let mut a = admin(&app, "en").await;
    let page = a.get(&form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"name="hs_code""#), "{}", page.body);
    let cases: [(&str, &str, &str); 7] = [
        ("hs_code", "4202", "HS code: write 6 to 10 digits"),
        ("hs_code", "42022a", "HS code: write 6 to 10 digits"),
        (
            "description_fr",
            "   ",
            "French description: say what the item is",
        ),
        (
            "description_en",
            &"x".repeat(121),
            "English description: say what the item is",
        ),
        ("origin", "MAR", "two-letter code, MA for Morocco"),
        (
            "net_weight",
            "0",
            "Net weight: write a whole number of grams above 0",
        ),
        (
            "net_weight",
            "heavy",
            "Net weight: write a whole number of grams above 0",
        ),
    ];
    for (field, value, says) in cases {
        let mut fields = good_fields();
        for f in &mut fields {
            if f.0 == field {
                f.1 = value;
            }
        }
        a.get(&form).await;
        let r = a.post(&form, &fields).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.body
        );
        assert!(r.body.contains(says), "{field}: {}", r.body);
        assert!(
            r.body.contains(&format!(r#"id="err-{field}""#)),
            "{field}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!(r#"name="{field}""#))
                && r.body.contains(r#"aria-invalid="true""#),
            "{field}: {}",
            r.body
        );
        assert_eq!(
            r.body.matches(r#"aria-invalid="true""#).count(),
            1,
            "{field}: only it"
        );
        assert!(r.body.contains("Nothing was saved"), "{}", r.body);
        assert_eq!(stored(&app, &id).await, before, "{field}: nothing stored");
    }
    // An unknown product: 404.
    a.get(&form).await;
    let r = a
        .post("/admin/products/prd_nope/customs", &good_fields())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.get("/admin/products/prd_nope/customs").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_admin_saves_tidied_customs_data_and_can_take_it_off() {
    let app = demo_app().await;
    let (id, _) = first_product(&app).await;
    let form = format!("/admin/products/{id}/customs");
    let mut a = admin(&app, "ar").await;
    a.get(&form).await;
    let r = a.post(&form, &good_fields()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{form}?done=saved").as_str())
    );
    assert_eq!(
        stored(&app, &id).await,
        Some(CustomsInfo {
            hs_code: "420221".into(),
            description_fr: "Sac en cuir de chèvre fait main".into(),
            description_en: "Handmade goat leather bag".into(),
            origin_country: "MA".into(),
            net_weight_grams: 450,
        })
    );
    let page = a.get(&format!("{form}?done=saved")).await;
    assert!(
        page.body.contains("تم حفظ البيانات الجمركية"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="4202.21""#), "{}", page.body);
    // The rest of the product is as it was.
    let p = app.engine.catalog().product(&id).await.unwrap();
    assert!(p.product.active);
    // Removed: no customs data, so not sold abroad.
    let r = a.post(&form, &[("action", "remove")]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{form}?done=removed").as_str())
    );
    assert_eq!(stored(&app, &id).await, None);
    let after = app.engine.catalog().product(&id).await.unwrap();
    assert_eq!(
        after.product.variants, p.product.variants,
        "variants untouched"
    );
    assert_eq!(after.product.title, p.product.title);
}

#[tokio::test]
async fn pages_of_one_seller_follow_each_other_without_gaps_or_repeats() {
    use tijara::usecases::catalog::{ProductInput, VariantInput};
    use tijara_core::{Lang, LocalizedText};
    let app = demo_app().await;
    let any = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    let seller = any.product.seller_id.clone();
    let var = &any.variants[0].variant;
    // More products than a page (50) for one seller, none with customs data.
    for i in 0..55 {
        app.engine
            .catalog()
            .create_product(
                ProductInput::new(
                    seller.clone(),
                    any.product.category_id.clone(),
                    format!("extra-{i:02}"),
                    LocalizedText::new().with(Lang::FR, format!("Objet {i:02}")),
                    vec![VariantInput::new(
                        format!("EXTRA-{i:02}"),
                        var.price,
                        var.tax_category.clone(),
                        300,
                    )],
                ),
                None,
            )
            .await
            .unwrap();
    }
    let expected = app
        .engine
        .catalog()
        .list_products(
            &ProductFilter::default()
                .with_seller(seller.clone())
                .with_include_inactive(true),
            None,
            100,
        )
        .await
        .unwrap()
        .items
        .len();
    let mut a = admin(&app, "fr").await;
    let mut url = format!("/admin/products?seller={seller}&missing=1");
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let page = a.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        for part in page.body.split(r#"href="/admin/products/"#).skip(1) {
            seen.push(part.split('/').next().unwrap().to_owned());
        }
        // The next page keeps the seller and the filter.
        match page
            .body
            .split(r#"<a class="button" href="/admin/products?after="#)
            .nth(1)
        {
            Some(rest) => {
                let query = rest.split('"').next().unwrap().replace("&amp;", "&");
                assert!(query.contains(&format!("&seller={seller}")), "{query}");
                assert!(query.contains("&missing=1"), "{query}");
                url = format!("/admin/products?after={query}");
            }
            None => break,
        }
        assert!(pages < 5, "pages end");
    }
    assert_eq!(pages, 2);
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no product twice");
    // Every extra product (none has customs data) is listed once.
    assert!(
        seen.len() >= 55 && seen.len() <= expected,
        "{} of {expected}",
        seen.len()
    );
}
