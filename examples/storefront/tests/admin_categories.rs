//! The admin's categories over HTTP (`/admin/categories`, `/admin/categories/{code}`): only an
//! admin reads or changes them (anonymous → login, a seller or a customer → 403, nor without
//! the page's CSRF token; nothing written); a new category reaches the shop's chips and the
//! sellers' form; a renamed one shows its new name on its products' pages and search finds
//! them by it, and keeps a parent set through the engine; a wrong field is refused beside it
//! (422) with what to write, and nothing is stored; `GET /api/v1/categories` lists them.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::catalog::Category;
use tijara_core::{CategoryId, Lang};
use tijara_storefront::App;

const ADMIN: (&str, &str) = ("admin@tijara.example", "admin-demo-2026");
const SELLER: (&str, &str) = ("seller1@tijara.example", "artisan-demo-2026");
const SHOPPER: (&str, &str) = ("shopper@tijara.example", "shopper-demo-2026");

async fn stored(app: &App) -> Vec<Category> {
    app.engine.catalog().categories().await.unwrap()
}

async fn admin(app: &App, lang: &str) -> Client {
    let mut c = Client::new(app);
    c.get(&format!("/?lang={lang}")).await;
    let r = c.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(r.location.as_deref(), Some("/admin"));
    // The session's form token, as a page gives it.
    c.get("/admin/categories").await;
    c
}

fn new_baskets() -> Vec<(&'static str, &'static str)> {
    vec![
        ("code", "paniers"),
        ("name_ar", "السلال"),
        ("name_fr", "Paniers en palme"),
        ("name_en", "Palm baskets"),
    ]
}

fn renamed_wood() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name_ar", "الخشب المنحوت"),
        ("name_fr", "Bois xylomorphe"),
        ("name_en", "Carved thuya wood"),
    ]
}

#[tokio::test]
async fn only_an_admin_reads_or_changes_the_categories() {
    let app = demo_app().await;
    let before = stored(&app).await;
    let mut anonymous = Client::new(&app);
    for page in ["/admin/categories", "/admin/categories/wood"] {
        let r = anonymous.get(page).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(r.location.as_deref(), Some("/account/login"), "{page}");
    }
    // Anonymous with a page's token: sent to the login, nothing written.
    anonymous.get("/").await;
    let r = anonymous.post("/admin/categories", &new_baskets()).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let r = anonymous
        .post("/admin/categories/wood", &renamed_wood())
        .await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    assert_eq!(stored(&app).await, before);
    for (email, pw) in [SELLER, SHOPPER] {
        let mut c = Client::new(&app);
        c.login(email, pw).await;
        for page in ["/admin/categories", "/admin/categories/wood"] {
            assert_eq!(
                c.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{email} {page}"
            );
        }
        c.get("/").await;
        assert_eq!(
            c.post("/admin/categories", &new_baskets()).await.status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(
            c.post("/admin/categories/wood", &renamed_wood())
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(stored(&app).await, before, "{email}: nothing written");
    }
    // The admin without the page's token: refused, nothing written.
    let mut a = admin(&app, "fr").await;
    for (page, form) in [
        ("/admin/categories", new_baskets()),
        ("/admin/categories/wood", renamed_wood()),
    ] {
        let r = a.post_raw(page, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
    }
    assert_eq!(stored(&app).await, before);
    // The admin with it: both go through (the refusals above were the rules under test).
    assert_eq!(
        a.post("/admin/categories", &new_baskets()).await.status,
        StatusCode::SEE_OTHER
    );
    a.get("/admin/categories/wood").await;
    assert_eq!(
        a.post("/admin/categories/wood", &renamed_wood())
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let after = stored(&app).await;
    assert_eq!(after.len(), before.len() + 1);
    let wood = after.iter().find(|c| c.id.as_str() == "wood").unwrap();
    assert_eq!(wood.name.exact(Lang::FR), Some("Bois xylomorphe"));
}

#[tokio::test]
async fn a_new_category_reaches_the_shop_and_the_sellers_form_and_a_rename_keeps_a_parent() {
    let app = demo_app().await;
    let mut a = admin(&app, "fr").await;
    // Linked from the admin's nav; every demo category listed, with its names.
    let dash = a.get("/admin").await;
    assert!(dash.body.contains(r#"href="/admin/categories""#));
    let list = a.get("/admin/categories").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("<h1>Catégories</h1>"), "{}", list.body);
    for c in stored(&app).await {
        assert!(
            list.body
                .contains(&format!(r#"href="/admin/categories/{}""#, c.id)),
            "{}",
            c.id
        );
        assert!(list.body.contains(c.name.exact(Lang::AR).unwrap()));
    }
    // Capitals are taken in lower case: "Paniers" is the code "paniers".
    let mut form = new_baskets();
    form.retain(|(k, _)| *k != "code");
    form.push(("code", "Paniers"));
    let r = a.post("/admin/categories", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/admin/categories?done=created")
    );
    let done = a.get("/admin/categories?done=created").await;
    assert!(done.body.contains("Catégorie ajoutée"), "{}", done.body);
    let baskets = stored(&app)
        .await
        .into_iter()
        .find(|c| c.id.as_str() == "paniers")
        .expect("stored");
    assert_eq!(baskets.slug, "paniers");
    assert_eq!(baskets.name.exact(Lang::AR), Some("السلال"));
    assert_eq!(baskets.name.exact(Lang::EN), Some("Palm baskets"));
    assert_eq!(baskets.parent, None);
    // The form offers no parent (the shop shows a category's own products only); a
    // subcategory made through the engine is listed after its parent, marked as inside it.
    assert!(!list.body.contains(r#"name="parent""#));
    app.engine
        .catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                CategoryId::new("petits-paniers").unwrap(),
                "petits-paniers",
                tijara_core::LocalizedText::single(Lang::FR, "Petits paniers"),
            )
            .with_parent(CategoryId::new("paniers").unwrap()),
            None,
        )
        .await
        .unwrap();
    let list = a.get("/admin/categories").await.body;
    let at = |s: &str| list.find(s).unwrap_or_else(|| panic!("{s}: {list}"));
    assert!(
        at("Paniers en palme")
            < at(
                r#"data-depth="1"><span aria-hidden="true">↳ </span><a href="/admin/categories/petits-paniers""#
            )
    );
    // Renamed, it stays inside its parent.
    a.get("/admin/categories/petits-paniers").await;
    let r = a
        .post(
            "/admin/categories/petits-paniers",
            &[
                ("name_fr", "Petits paniers ronds"),
                ("name_ar", "سلال صغيرة"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let small = stored(&app)
        .await
        .into_iter()
        .find(|c| c.id.as_str() == "petits-paniers")
        .unwrap();
    assert_eq!(
        small.parent.as_ref().map(CategoryId::as_str),
        Some("paniers")
    );
    assert_eq!(small.name.exact(Lang::FR), Some("Petits paniers ronds"));
    // The shop's chips, in each language.
    let mut shopper = Client::new(&app);
    let home = shopper.get("/?lang=ar").await.body;
    assert!(home.contains(r#"href="/?category=paniers""#), "{home}");
    assert!(home.contains("السلال"));
    // The seller's product form offers it.
    let mut seller = Client::new(&app);
    seller.login(SELLER.0, SELLER.1).await;
    let form = seller.get("/seller/products/new?lang=fr").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(r#"option value="paniers""#),
        "{}",
        form.body
    );
    assert!(form.body.contains(r#"option value="petits-paniers""#));
}

#[tokio::test]
async fn a_renamed_category_shows_its_new_name_and_its_products_are_found_by_it() {
    let app = demo_app().await;
    let wood = CategoryId::new("wood").unwrap();
    let before = stored(&app)
        .await
        .into_iter()
        .find(|c| c.id == wood)
        .unwrap();
    let product = app
        .engine
        .catalog()
        .list_products(
            &ProductFilter::default().with_category(wood.clone()),
            None,
            1,
        )
        .await
        .unwrap()
        .items
        .remove(0)
        .product;
    let title = product.title.get(Lang::FR, Lang::AR).unwrap().to_owned();
    let mut shopper = Client::new(&app);
    let missing = shopper.get("/?q=xylomorphe&lang=fr").await.body;
    assert!(missing.contains("Aucun produit pour"), "{missing}");
    // A name in a language the form has no field for is kept.
    app.engine
        .catalog()
        .update_category(
            &wood,
            tijara::usecases::catalog::CategoryUpdate::new()
                .with_name(before.name.clone().with(Lang::ES, "Madera tallada")),
            None,
        )
        .await
        .unwrap();
    let mut a = admin(&app, "fr").await;
    let page = a.get("/admin/categories/wood").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Bois sculpté"),
        "the stored name is in the form"
    );
    let r = a.post("/admin/categories/wood", &renamed_wood()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/admin/categories?done=saved"));
    let after = stored(&app)
        .await
        .into_iter()
        .find(|c| c.id == wood)
        .unwrap();
    assert_eq!(after.name.exact(Lang::FR), Some("Bois xylomorphe"));
    assert_eq!(after.name.exact(Lang::ES), Some("Madera tallada"));
    assert_eq!(after.slug, before.slug, "the code and slug stay");
    // The product's page, the chips and the search follow.
    let page = shopper
        .get(&format!("/products/{}?lang=fr", product.slug))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Bois xylomorphe"), "{}", page.body);
    assert!(!page.body.contains("Bois sculpté"));
    let found = shopper.get("/?q=xylomorphe&lang=fr").await.body;
    assert!(found.contains(&title), "{found}");
    let home = shopper.get("/?lang=fr").await.body;
    assert!(home.contains("Bois xylomorphe"), "the chip: {home}");
    assert!(!home.contains("Bois sculpté"));
    // An emptied name is removed (the others stay).
    let r = a
        .post("/admin/categories/wood", &[("name_fr", "Bois xylomorphe")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = stored(&app)
        .await
        .into_iter()
        .find(|c| c.id == wood)
        .unwrap();
    assert_eq!(after.name.exact(Lang::AR), None);
    assert_eq!(after.name.exact(Lang::ES), Some("Madera tallada"));
}

/// Posts `form` to `page` as the admin: 422 with `sentence` beside `field`, and nothing stored.
async fn refused(
    app: &App,
    a: &mut Client,
    page: &str,
    form: &[(&str, &str)],
    field: &str,
    sentence: &str,
) {
    let before = stored(app).await;
    let r = a.post(page, form).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{form:?}: {}",
        r.body
    );
    assert!(
        r.body.contains(&format!(r#"id="err-{field}""#)),
        "{form:?}: {}",
        r.body
    );
    assert!(r.body.contains(sentence), "{form:?}: {}", r.body);
    // The named field's own input is marked.
    let input = &r.body[r.body.find(&format!(r#"name="{field}""#)).unwrap()..];
    let input = &input[..input.find('>').unwrap()];
    assert!(
        input.contains(r#"aria-invalid="true""#),
        "{form:?}: {input}"
    );
    assert_eq!(stored(app).await, before, "{form:?}: nothing stored");
}

#[tokio::test]
async fn a_wrong_field_is_refused_beside_it_and_nothing_is_stored() {
    let app = demo_app().await;
    let mut a = admin(&app, "fr").await;
    let with = |key: &'static str, value: &'static str| {
        let mut f = new_baskets();
        f.retain(|(k, _)| *k != key);
        f.push((key, value));
        f
    };
    for code in [
        "Paniers en palme",
        "paniers en palme",
        "-paniers",
        "bijoux&argent",
        "",
        "été",
    ] {
        refused(
            &app,
            &mut a,
            "/admin/categories",
            &with("code", code),
            "code",
            "Code : écrivez 1 à 40 lettres minuscules",
        )
        .await;
    }
    refused(
        &app,
        &mut a,
        "/admin/categories",
        &with("code", "leather"),
        "code",
        "une catégorie a déjà ce code",
    )
    .await;
    refused(
        &app,
        &mut a,
        "/admin/categories",
        &[("code", "paniers"), ("name_ar", " ")],
        "name_ar",
        "dans au moins une langue",
    )
    .await;
    let long = "x".repeat(81);
    refused(
        &app,
        &mut a,
        "/admin/categories",
        &[("code", "paniers"), ("name_fr", &long)],
        "name_fr",
        "80 caractères au plus",
    )
    .await;
    // The typed values stay in the form.
    let r = a.post("/admin/categories", &with("code", "Pan iers")).await;
    assert!(r.body.contains(r#"value="Paniers en palme""#), "{}", r.body);
    refused(
        &app,
        &mut a,
        "/admin/categories/leather",
        &[("name_ar", ""), ("name_fr", "\t"), ("name_en", "")],
        "name_ar",
        "dans au moins une langue",
    )
    .await;
    // A code that another category (made through the engine) has as its address.
    app.engine
        .catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                CategoryId::new("baskets").unwrap(),
                "vannerie",
                tijara_core::LocalizedText::single(Lang::FR, "Vannerie"),
            ),
            None,
        )
        .await
        .unwrap();
    a.get("/admin/categories").await;
    refused(
        &app,
        &mut a,
        "/admin/categories",
        &with("code", "vannerie"),
        "code",
        "une catégorie a déjà ce code (ou cette adresse",
    )
    .await;
    let list = a.get("/admin/categories").await.body;
    assert!(
        list.contains("<code>vannerie</code>"),
        "the address shown: {list}"
    );
    // A name that would reorder the text around it.
    refused(
        &app,
        &mut a,
        "/admin/categories",
        &with("name_fr", "Paniers \u{202e}emlap ne"),
        "name_fr",
        "sans caractère de contrôle",
    )
    .await;
    // An unknown category: 404, saying what to do.
    for r in [
        a.get("/admin/categories/gone").await,
        a.post("/admin/categories/gone", &renamed_wood()).await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.body.contains(r#"href="/admin/categories""#),
            "a way to the list"
        );
        assert!(
            r.body.contains("Cette catégorie n&#39;existe pas")
                || r.body.contains("Cette catégorie n'existe pas"),
            "{}",
            r.body
        );
    }
    // In Arabic, right to left.
    let mut ar = admin(&app, "ar").await;
    let r = ar.post("/admin/categories", &with("code", "سلال")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dir=\"rtl\""));
    assert!(r.body.contains("الرمز: اكتب من 1 إلى 40"), "{}", r.body);
}

/// A marketplace started empty (as in production): no category, its first admin adds one, and
/// the seller's product form says what to wait for until then.
#[tokio::test]
async fn a_new_marketplace_gets_its_first_category_from_its_admin() {
    use tijara::usecases::accounts::{NewAccount, Role, hash_password};
    use tijara::usecases::catalog::SellerInput;
    use tijara_core::catalog::{SellerKind, SellerTaxStatus};

    let app = support::empty_app().await;
    assert!(stored(&app).await.is_empty());
    let (owner, password) = ("owner@example.ma", "a long secret passphrase");
    // Built without the demo seed (a production start seeds nothing); its first admin.
    app.engine
        .accounts()
        .create_account(
            NewAccount::new(
                owner,
                "Owner",
                hash_password(password).unwrap(),
                Role::Admin,
                Lang::FR,
            ),
            None,
        )
        .await
        .unwrap();
    let seller = app
        .engine
        .catalog()
        .create_seller(
            SellerInput::new(
                "Atelier Dakhla",
                SellerKind::Artisan,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await
        .unwrap();
    let (email, pw) = ("artisan@example.ma", "another long passphrase");
    app.engine
        .accounts()
        .create_account(
            NewAccount::new(
                email,
                "Fatima",
                hash_password(pw).unwrap(),
                Role::Seller {
                    seller_id: seller.id.clone(),
                    member: None,
                },
                Lang::FR,
            ),
            None,
        )
        .await
        .unwrap();
    let mut artisan = Client::new(&app);
    artisan.login(email, pw).await;
    let form = artisan.get("/seller/products/new?lang=fr").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains("Le marché n&#39;a encore aucune catégorie")
            || form.body.contains("Le marché n'a encore aucune catégorie"),
        "{}",
        form.body
    );
    assert!(
        !form.body.contains(r#"name="title_fr""#),
        "no form that could not be saved"
    );
    let mut a = Client::new(&app);
    a.get("/?lang=fr").await;
    a.login(owner, password).await;
    // The dashboard says what to do first, with the way there.
    let dash = a.get("/admin").await.body;
    assert!(
        dash.contains("Avant d&#39;ouvrir le marché") || dash.contains("Avant d'ouvrir le marché"),
        "{dash}"
    );
    assert!(dash.contains("Aucune catégorie : les artisans"), "{dash}");
    let empty = a.get("/admin/categories").await;
    assert!(
        empty.body.contains("Aucune catégorie encore"),
        "{}",
        empty.body
    );
    let r = a.post("/admin/categories", &new_baskets()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let dash = a.get("/admin").await.body;
    assert!(
        !dash.contains("Aucune catégorie : les artisans"),
        "done: {dash}"
    );
    let form = artisan.get("/seller/products/new?lang=fr").await;
    assert!(!form.body.contains("aucune catégorie"), "{}", form.body);
    assert!(form.body.contains(r#"option value="paniers""#));
}

/// `GET /api/v1/categories`: every category with its names by language and its parent, for
/// anyone (a frontend's menu), and what the admin adds is in it at once; its ids filter the
/// products.
#[tokio::test]
async fn the_api_lists_the_categories_a_frontend_builds_its_menu_from() {
    let app = demo_app().await;
    let mut anonymous = Client::new(&app);
    let r = anonymous.get("/api/v1/categories").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let items = doc["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "{doc}");
    let leather = items.iter().find(|c| c["id"] == "leather").unwrap();
    assert_eq!(
        leather,
        &serde_json::json!({
            "id": "leather",
            "slug": "leather",
            "name": {"ar": "الجلد", "fr": "Cuir", "en": "Leather"},
            "parent": null,
        })
    );
    app.engine
        .catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                CategoryId::new("sacs").unwrap(),
                "sacs",
                tijara_core::LocalizedText::single(Lang::FR, "Sacs"),
            )
            .with_parent(CategoryId::new("leather").unwrap()),
            None,
        )
        .await
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&anonymous.get("/api/v1/categories").await.body).unwrap();
    let bags = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sacs")
        .cloned()
        .unwrap();
    assert_eq!(bags["parent"], "leather");
    assert_eq!(bags["name"], serde_json::json!({"fr": "Sacs"}));
    // Its ids are the products' filter.
    let r = anonymous
        .get("/api/v1/products?category=leather&limit=100")
        .await;
    let page: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let products = page["items"].as_array().unwrap();
    assert!(!products.is_empty());
    assert!(
        products
            .iter()
            .all(|p| p["product"]["category_id"] == "leather")
    );
}

/// A category made through the engine with characters an address must escape: its links are
/// escaped, and its page opens and saves.
#[tokio::test]
async fn a_category_whose_id_needs_escaping_is_listed_opened_and_renamed() {
    let app = demo_app().await;
    let odd = CategoryId::new("bijoux&argent/anciens").unwrap();
    app.engine
        .catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                odd.clone(),
                "bijoux-anciens",
                tijara_core::LocalizedText::single(Lang::FR, "Bijoux anciens"),
            ),
            None,
        )
        .await
        .unwrap();
    let mut a = admin(&app, "fr").await;
    let list = a.get("/admin/categories").await.body;
    let page = "/admin/categories/bijoux%26argent%2Fanciens";
    assert!(list.contains(&format!(r#"href="{page}""#)), "{list}");
    let r = a.get(page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"action="{page}""#)),
        "{}",
        r.body
    );
    let r = a.post(page, &[("name_fr", "Bijoux de famille")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = stored(&app).await;
    let c = stored.iter().find(|c| c.id == odd).unwrap();
    assert_eq!(c.name.exact(Lang::FR), Some("Bijoux de famille"));
}
