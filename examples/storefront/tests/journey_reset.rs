//! Journey (issue 13): a shopper forgot her password. From the login form she asks for a link,
//! reads the e-mail (from a local SMTP sink), opens the link in the browser, sets a new
//! password and logs in with it. Screenshots at 390 px in French and in Arabic
//! (target/screenshots/reset-fr, reset-ar).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;
#[path = "support/smtp_sink.rs"]
mod smtp_sink;

async fn journey(lang: &str, sent_words: &str, done_words: &str) {
    let Some(mut shop) = browser::Shop::start(&format!("reset-{lang}"), lang).await else {
        return;
    };
    let sink = smtp_sink::SmtpSink::start().await;
    shop.app
        .messages
        .use_smtp(&sink.url(), "Artisanat de Dakhla <noreply@tijara.example>")
        .unwrap();
    shop.go(&format!("/account/login?lang={lang}")).await;
    shop.shot("1-login").await;
    shop.click("a[href='/account/forgot']").await;
    assert_eq!(shop.wait_path("/account/forgot").await, "/account/forgot");
    shop.fill(
        "form[action='/account/forgot'] input[name=email]",
        "shopper@tijara.example",
    )
    .await;
    shop.shot("2-forgot").await;
    shop.click("form[action='/account/forgot'] button").await;
    // The form posts to its own page: wait for the answer, not the form still shown.
    shop.wait_main_contains(sent_words).await;
    shop.shot("3-sent").await;

    let mail = sink
        .wait_for("shopper@tijara.example", |m| {
            m.body.contains("/account/reset?token=")
        })
        .await
        .expect("the reset e-mail");
    let link = mail
        .link(&format!("{}/account/reset?token=", shop.base))
        .expect("an absolute link to the shop");
    shop.go(link.strip_prefix(&shop.base).unwrap()).await;
    shop.shot("4-new-password").await;
    shop.fill(
        "form[action='/account/reset'] input[name=password]",
        "nouveau-2026-sel",
    )
    .await;
    shop.click("form[action='/account/reset'] button").await;
    shop.wait_main_contains(done_words).await;
    shop.shot("5-changed").await;

    shop.click("main a[href='/account/login']").await;
    shop.fill(
        "form[action='/account/login'] input[name=email]",
        "shopper@tijara.example",
    )
    .await;
    shop.fill(
        "form[action='/account/login'] input[name=password]",
        "nouveau-2026-sel",
    )
    .await;
    shop.click("form[action='/account/login'] button").await;
    // The click returns before the navigation to /account ends (under load CI read the old
    // /account/login); a failed login would stay there (the page re-rendered with an error).
    let path = shop.wait_path_change("/account/login").await;
    assert_eq!(path, "/account", "logged in with the new password");
    shop.shot("6-logged-in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_by_email_in_french() {
    journey(
        "fr",
        "Si un compte utilise cette adresse",
        "nouveau mot de passe est enregistré",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_by_email_in_arabic() {
    journey(
        "ar",
        "إذا كان هناك حساب بهذا العنوان",
        "تم حفظ كلمة السر الجديدة",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_demo_mode_the_admin_reads_the_reset_email_in_the_mailbox() {
    let Some(shop) = browser::Shop::start("mailbox", "fr").await else {
        return;
    };
    shop.go("/account/forgot?lang=fr").await;
    shop.fill(
        "form[action='/account/forgot'] input[name=email]",
        "shopper@tijara.example",
    )
    .await;
    shop.click("form[action='/account/forgot'] button").await;
    // The "link sent" page, before going on: a navigation started while the POST is in
    // flight would cancel it.
    shop.find("main p.ok[role=status]").await;
    shop.go("/account/login").await;
    shop.fill(
        "form[action='/account/login'] input[name=email]",
        "admin@tijara.example",
    )
    .await;
    shop.fill(
        "form[action='/account/login'] input[name=password]",
        "admin-demo-2026",
    )
    .await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/admin").await;
    let mut text = String::new();
    for _ in 0..30 {
        shop.go("/admin/mailbox?lang=fr").await;
        text = shop.main_text().await;
        if text.contains("/account/reset?token=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.contains("shopper@tijara.example"), "{text}");
    shop.shot("mailbox-fr").await;
    shop.go("/admin/mailbox?lang=ar").await;
    shop.shot("mailbox-ar").await;
    // The link in the mailbox opens the reset form.
    shop.click("main a[href*='/account/reset?token=']").await;
    shop.wait_path("/account/reset?token=").await;
    shop.shot("reset-from-mailbox-ar").await;
}
