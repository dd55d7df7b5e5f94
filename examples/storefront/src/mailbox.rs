//! The demo mailbox: in demo mode without `--smtp-url`, the e-mails the shop would send are
//! kept here and the admin reads them at `/admin/mailbox` (newest first: subject, recipient,
//! text, links clickable).
//!
//! Kept in memory, the last [`CAPACITY`] only, and emptied at restart: it is a demonstration
//! aid, and its messages hold live links (password resets, orders' private links) that must not
//! be written to the database, where a copy would outlive them.

use crate::App;
use crate::auth::Ctx;
use crate::web::{layout, problem, t, with_lang_cookie};
use async_trait::async_trait;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use std::collections::VecDeque;
use std::sync::Mutex;
use tijara_core::chrono::{DateTime, Utc};
use tijara_notify::{Notification, Notifier, NotifyError};

/// The most messages the demo mailbox keeps (the oldest go first).
pub const CAPACITY: usize = 200;

/// One message kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// When it was "sent".
    pub at: DateTime<Utc>,
    /// The recipient's e-mail.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// The text.
    pub text: String,
}

/// The demo mailbox: an e-mail channel that keeps the last [`CAPACITY`] messages in memory.
#[derive(Debug)]
pub struct Mailbox {
    capacity: usize,
    mails: Mutex<VecDeque<Mail>>,
}

impl Mailbox {
    /// An empty mailbox keeping at most `capacity` messages.
    pub fn new(capacity: usize) -> Self {
        Mailbox {
            capacity: capacity.max(1),
            mails: Mutex::new(VecDeque::new()),
        }
    }

    /// The messages, newest first.
    pub fn newest_first(&self) -> Vec<Mail> {
        self.mails
            .lock()
            .map(|m| m.iter().rev().cloned().collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for Mailbox {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        // Like the SMTP channel: a message without an e-mail is not this channel's.
        let Some(to) = &n.email else {
            return Ok(());
        };
        let mut mails = self
            .mails
            .lock()
            .map_err(|_| NotifyError("the demo mailbox is unavailable".into()))?;
        while mails.len() >= self.capacity {
            mails.pop_front();
        }
        mails.push_back(Mail {
            at: Utc::now(),
            to: to.clone(),
            subject: n.subject.clone(),
            text: n.text.clone(),
        });
        Ok(())
    }
}

/// A message's text with its web links clickable.
fn text_with_links(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            @for (j, word) in line.split(' ').enumerate() {
                @if j > 0 { " " }
                @if word.starts_with("https://") || word.starts_with("http://") {
                    a href=(word) { bdi { (word) } }
                } @else {
                    (word)
                }
            }
        }
    }
}

async fn mailbox_page(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    match &ctx.account {
        Some(a) if a.is_admin() => {}
        Some(_) => return problem(&ctx, StatusCode::FORBIDDEN, t(lang, "mailbox_admin_only")),
        None => return Redirect::to("/account/login").into_response(),
    }
    let body = match app.messages.mailbox() {
        None => html! {
            h1 { (t(lang, "mailbox")) }
            p { (t(lang, "mailbox_off")) }
            p { a.button href="/admin" { (t(lang, "mailbox_back")) } }
        },
        Some(mailbox) => {
            let mails = mailbox.newest_first();
            html! {
                h1 { (t(lang, "mailbox")) }
                p.muted { (t(lang, "mailbox_note")) }
                @if mails.is_empty() {
                    p { (t(lang, "mailbox_empty")) }
                }
                @for m in &mails {
                    article.card.mail {
                        h2 { (m.subject) }
                        p.muted {
                            (t(lang, "mailbox_to")) " " bdi { (m.to) } " · "
                            bdi { (m.at.format("%Y-%m-%d %H:%M:%S UTC")) }
                        }
                        p.mail-text dir="auto" { (text_with_links(&m.text)) }
                    }
                }
                p { a.button href="/admin" { (t(lang, "mailbox_back")) } }
            }
        }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "mailbox"), body))
}

/// The mailbox's route (admin only).
pub fn routes() -> Router<App> {
    Router::new().route("/admin/mailbox", get(mailbox_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(subject: &str) -> Notification {
        Notification {
            email: Some("a@example.ma".into()),
            phone: None,
            lang: tijara_core::Lang::FR,
            subject: subject.into(),
            text: "voir https://shop.example/x".into(),
        }
    }

    #[tokio::test]
    async fn the_mailbox_keeps_the_newest_within_its_capacity() {
        let m = Mailbox::new(2);
        for s in ["un", "deux", "trois"] {
            m.send(&note(s)).await.ok();
        }
        let sms_only = Notification {
            email: None,
            ..note("sms")
        };
        m.send(&sms_only).await.ok();
        let subjects: Vec<_> = m.newest_first().into_iter().map(|m| m.subject).collect();
        assert_eq!(subjects, ["trois", "deux"]);
    }

    #[test]
    fn links_in_a_text_are_clickable() {
        let html = text_with_links("voir https://shop.example/x?t=1 ici").into_string();
        assert!(
            html.contains(r#"<a href="https://shop.example/x?t=1">"#),
            "{html}"
        );
        assert!(!text_with_links("<b>").into_string().contains("<b>"));
    }
}
