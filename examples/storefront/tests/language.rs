//! The language choice sticks: a switch sets the cookie on any page and, when logged in, the
//! account's preference; a login keeps the visitor's language unless the account has a chosen
//! one; the choice survives page changes across shop → login → portal → admin.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use support::{Client, demo_app};
use tijara_core::Lang;

fn lang_of(body: &str) -> &str {
    let at = body.find("<html lang=\"").unwrap() + "<html lang=\"".len();
    body[at..].split('"').next().unwrap()
}

#[tokio::test]
async fn the_choice_survives_five_page_changes_shop_login_admin() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    // The seeded admin's account speaks Arabic (never chosen): French chosen in the shop wins.
    let r = c.get("/?lang=fr").await;
    assert_eq!(lang_of(&r.body), "fr");
    for page in ["/artisans", "/cart", "/account/login"] {
        assert_eq!(lang_of(&c.get(page).await.body), "fr", "{page}");
    }
    let r = c.login("admin@tijara.example", "admin-demo-2026").await;
    assert_eq!(r.location.as_deref(), Some("/admin"));
    for page in [
        "/admin",
        "/admin/orders",
        "/admin/sellers",
        "/admin/events",
        "/",
    ] {
        assert_eq!(lang_of(&c.get(page).await.body), "fr", "{page}");
    }
}

#[tokio::test]
async fn a_switch_while_logged_in_is_the_accounts_preference_everywhere() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    c.login("seller1@tijara.example", "artisan-demo-2026").await;
    assert_eq!(
        lang_of(&c.get("/seller").await.body),
        "fr",
        "kept across the login"
    );
    // Switching in the portal saves the preference.
    assert_eq!(lang_of(&c.get("/seller?lang=en").await.body), "en");
    let account = app
        .engine
        .accounts()
        .account_by_email("seller1@tijara.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.lang, Lang::EN);
    assert!(account.lang_chosen_at.is_some());
    for page in ["/seller", "/", "/account"] {
        assert_eq!(lang_of(&c.get(page).await.body), "en", "{page}");
    }
    // Another device, whose cookie says Arabic: the account's chosen language wins at login.
    let mut phone = Client::new(&app);
    phone.get("/?lang=ar").await;
    phone
        .login("seller1@tijara.example", "artisan-demo-2026")
        .await;
    assert_eq!(lang_of(&phone.get("/seller").await.body), "en");
    // A language the shop does not speak changes nothing.
    phone.get("/seller?lang=de").await;
    let account = app
        .engine
        .accounts()
        .account_by_email("seller1@tijara.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.lang, Lang::EN);
}
