//! The messages the shop sends: e-mail over SMTP (`--smtp-url`, `--mail-from`) and SMS
//! through an HTTP gateway (`--sms-url`), or, in demo mode without SMTP, the demo mailbox the
//! admin reads at `/admin/mailbox` ([`crate::mailbox`]).
//!
//! Order, payment, parcel and return messages come from the engine's outbox through
//! `tijara_notify::NotificationSink` (installed by [`crate::build`]; [`run_dispatcher`]
//! delivers the outbox every few seconds): they never block the order flow, a failed send is
//! retried on the next round, and a message sent is never sent again. Password-reset and
//! e-mail verification links are not outbox events (their token is never stored): they are
//! sent by [`Messages::send_soon`] on a task of their own, tried up to three times.

use crate::mailbox::Mailbox;
use async_trait::async_trait;
use std::sync::{Arc, RwLock};
use tijara_notify::{Notification, Notifier, NotifyError};

/// A channel whose adapter is chosen after start (an SMTP relay or the demo mailbox for
/// e-mail; an HTTP gateway or nothing for SMS). The sink keeps the channels' positions, so
/// its records of what was sent stay right whatever the adapter.
#[derive(Clone, Default)]
pub struct Slot(Arc<RwLock<Option<Arc<dyn Notifier>>>>);

impl Slot {
    fn set(&self, notifier: Arc<dyn Notifier>) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(notifier);
        }
    }

    fn get(&self) -> Option<Arc<dyn Notifier>> {
        self.0.read().ok().and_then(|s| s.clone())
    }
}

#[async_trait]
impl Notifier for Slot {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        match self.get() {
            Some(channel) => channel.send(n).await,
            // No adapter: nothing is sent (said once at start).
            None => Ok(()),
        }
    }
}

/// The shop's messages: its channels and, in demo mode, the demo mailbox.
#[derive(Clone)]
pub struct Messages {
    email: Slot,
    sms: Slot,
    mailbox: Option<Arc<Mailbox>>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("demo_mailbox", &self.mailbox.is_some())
            .finish_non_exhaustive()
    }
}

impl Messages {
    /// No SMTP yet: in demo mode e-mails go to the demo mailbox, else nowhere (until
    /// [`Messages::use_smtp`]).
    pub fn new(demo: bool) -> Self {
        let email = Slot::default();
        let mailbox = demo.then(|| Arc::new(Mailbox::new(crate::mailbox::CAPACITY)));
        if let Some(m) = &mailbox {
            email.set(m.clone());
        }
        Messages {
            email,
            sms: Slot::default(),
            mailbox,
        }
    }

    /// The channels, in the order the notification sink keeps: e-mail, then SMS.
    pub fn channels(&self) -> Vec<Arc<dyn Notifier>> {
        vec![Arc::new(self.email.clone()), Arc::new(self.sms.clone())]
    }

    /// E-mails go through the SMTP relay at `url` (lettre's form, e.g.
    /// `smtp://user:password@host:587?tls=required`), from `from`
    /// (`Shop name <noreply@example.ma>`). The demo mailbox then receives nothing more.
    pub fn use_smtp(&mut self, url: &str, from: &str) -> Result<(), NotifyError> {
        let smtp = tijara_notify::SmtpNotifier::from_url(url, from)?;
        self.email.set(Arc::new(smtp));
        self.mailbox = None;
        Ok(())
    }

    /// SMS go through the HTTP gateway at `url`, with the JSON body `template` (`{to}` and
    /// `{text}` replaced) and an optional bearer token.
    pub fn use_sms(
        &self,
        url: &str,
        template: &str,
        bearer: Option<String>,
    ) -> Result<(), NotifyError> {
        self.sms.set(Arc::new(tijara_notify::HttpSmsNotifier::new(
            url, template, bearer,
        )?));
        Ok(())
    }

    /// The demo mailbox (demo mode without SMTP).
    pub fn mailbox(&self) -> Option<&Arc<Mailbox>> {
        self.mailbox.as_ref()
    }

    /// True when e-mails go somewhere (an SMTP relay or the demo mailbox).
    pub fn sends_email(&self) -> bool {
        self.email.get().is_some()
    }

    /// Sends `n` by e-mail on a task of its own (the page answers at once, whether or not an
    /// account exists), tried three times, 2 then 10 seconds apart; a message that still
    /// fails is logged (without its text, which holds a live link).
    pub fn send_soon(&self, n: Notification) -> tokio::task::JoinHandle<bool> {
        let email = self.email.clone();
        tokio::spawn(async move {
            for (attempt, wait) in [0u64, 2, 10].into_iter().enumerate() {
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                match email.send(&n).await {
                    Ok(()) => return true,
                    Err(e) => {
                        tracing::warn!(target: "messages", attempt = attempt + 1, error = %e, subject = %n.subject, "e-mail not sent");
                    }
                }
            }
            false
        })
    }
}

/// The notification sink of the shop's outbox: a second engine on the same storage reads
/// orders and accounts and records what was sent; shoppers' messages carry the order's
/// private link under `public_url`.
pub fn sink(
    reader: tijara::Tijara,
    messages: &Messages,
    public_url: &str,
    bank: Arc<tijara_pay_offline::BankDetails>,
) -> tijara_notify::NotificationSink {
    let base = public_url.trim_end_matches('/').to_owned();
    let engine = reader.clone();
    tijara_notify::NotificationSink::new(reader, messages.channels())
        // Their failures are listed to the admin under these names (/admin/deliveries).
        .with_channel_names(["email", "sms"])
        // Sellers' new-order messages link to the order's page in the portal.
        .with_portal_url(link(public_url, "/seller"))
        .with_order_link(Arc::new(move |doc| {
            format!(
                "{base}{}",
                crate::web::order_url(&doc.order.id, doc.access_token.as_str())
            )
        }))
        // A bank-transfer order's first message carries the account, the amount, the reference
        // (the order number) and the deadline, as the order page does.
        .with_transfer_note(Arc::new(move |doc, lang| {
            let o = &doc.order;
            Some(
                tijara_pay_offline::transfer_instructions(
                    &bank,
                    o.payment.amount(),
                    &o.reference(),
                    engine.checkout().pay_by(o),
                )
                .text(lang),
            )
        }))
}

/// The absolute link of a storefront path.
pub fn link(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// Delivers the outbox every `every` (order, payment, parcel and return messages), forever;
/// while rounds come back full ([`DISPATCH_ROUND`] events), without waiting between them, and
/// [`FOLLOW_UP`] after a round that delivered events without a failure (orders keep coming:
/// their messages leave within a fraction of a second, not up to `every` later).
/// Every process of a scaled-out shop runs it; each round takes the `dispatch` lease first
/// (see [`crate::housekeeping`]), so one process delivers at a time and events are not sent
/// twice by two processes at once. A round with nothing waiting takes no lease and writes
/// nothing.
pub async fn run_dispatcher(engine: tijara::Tijara, every: std::time::Duration) {
    run_dispatcher_until(engine, every, std::future::pending()).await;
}

/// [`run_dispatcher`] until `stop` resolves: a round under way is finished first (a message
/// being sent is sent and marked), so a shutdown neither cuts a delivery nor repeats one.
pub async fn run_dispatcher_until(
    engine: tijara::Tijara,
    every: std::time::Duration,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    let mut stop = std::pin::pin!(stop);
    let holder = crate::housekeeping::holder();
    // Whether the last round delivered events: orders are coming, and the next round runs
    // without asking first (no extra read per round under load).
    let mut busy = false;
    loop {
        // Nothing waiting: no lease taken for a round with nothing to deliver (the lease is two
        // durable writes). A failed check runs the round, which reports the failure.
        let waiting = busy || engine.operations().events_waiting().await.unwrap_or(true);
        let round = if waiting {
            crate::housekeeping::leased(
                &engine,
                "dispatch",
                &holder,
                std::time::Duration::from_secs(120),
                || engine.operations().dispatch_events(DISPATCH_ROUND),
            )
            .await
        } else {
            None
        };
        busy = matches!(&round, Some(Ok(r)) if r.delivered > 0);
        let pause = pause_after(
            match &round {
                Some(Ok(r)) => Some((r.delivered, r.failed)),
                _ => None,
            },
            every,
        );
        match round {
            Some(Ok(report)) if report.failed > 0 => {
                metrics::counter!("tijara_outbox_delivery_failures_total")
                    .increment(u64::try_from(report.failed).unwrap_or(u64::MAX));
                tracing::warn!(target: "messages", failed = report.failed, delivered = report.delivered, "some messages were not sent; retried on the next round");
            }
            Some(Ok(_)) | None => {}
            Some(Err(e)) => {
                tracing::warn!(target: "messages", error = %e, "outbox delivery failed")
            }
        }
        tokio::select! {
            // A stop asked is honoured first, also between rounds run back to back.
            biased;
            () = &mut stop => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// The pause of [`run_dispatcher_until`] after a round that delivered and failed `round`'s
/// events (`None`: no round ran, another process holds the lease, or it failed as a whole).
fn pause_after(round: Option<(usize, usize)>, every: std::time::Duration) -> std::time::Duration {
    match round {
        // A full round with no failure leaves more waiting (a busy hour): the next round
        // starts at once instead of after `every`, so messages keep up with the orders.
        Some((delivered, 0)) if delivered as u64 >= u64::from(DISPATCH_ROUND) => {
            std::time::Duration::ZERO
        }
        // Orders keep coming: the next round soon (not while some fail: a failed event is
        // tried again after `every`, as before).
        Some((delivered, 0)) if delivered > 0 => FOLLOW_UP.min(every),
        _ => every,
    }
}

/// The most outbox events one round of [`run_dispatcher_until`] delivers.
pub const DISPATCH_ROUND: u32 = 100;

/// The pause of [`run_dispatcher_until`] after a round that delivered events, none failing,
/// without filling the round: the messages of a steady stream of orders leave within about
/// this long, not up to the interval later (measured at ~650 orders a second: the oldest
/// waiting event at most ~0.1 s old; `docs/benchmarks.md`, 2026-12-04 step 9). Each round
/// takes the lease and reads the outbox once, so rounds are not run back to back while none
/// is full.
pub const FOLLOW_UP: std::time::Duration = std::time::Duration::from_millis(100);

/// Sends a password-reset link (`/account/reset?token=…`) in the account's language.
pub fn send_reset(app: &crate::App, mail: &tijara::usecases::accounts::LinkMail) {
    let url = link(
        &app.public_url,
        &format!("/account/reset?token={}", mail.token),
    );
    let n = tijara_notify::password_reset_message(
        app.engine.region(),
        &mail.email,
        mail.lang,
        &url,
        tijara::usecases::accounts::RESET_MINUTES,
    );
    app.messages.send_soon(n);
}

/// Sends an e-mail verification link (`/account/verify?token=…`) in the account's language.
/// Call it after a sign-up: `crate::messages::send_verification(&app, &account).await`.
pub async fn send_verification(
    app: &crate::App,
    account: &tijara::usecases::accounts::Account,
) -> Result<bool, tijara::TijaraError> {
    let Some(mail) = app
        .engine
        .accounts()
        .start_email_verification(&account.id)
        .await?
    else {
        return Ok(false);
    };
    let url = link(
        &app.public_url,
        &format!("/account/verify?token={}", mail.token),
    );
    let n = tijara_notify::verification_message(
        app.engine.region(),
        &mail.email,
        mail.lang,
        &url,
        tijara::usecases::accounts::VERIFY_HOURS,
    );
    app.messages.send_soon(n);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_round_starts_at_once_when_full_soon_after_deliveries_else_after_the_interval() {
        use std::time::Duration;
        let every = Duration::from_secs(5);
        let full = DISPATCH_ROUND as usize;
        assert_eq!(pause_after(Some((full, 0)), every), Duration::ZERO);
        assert_eq!(pause_after(Some((full, 1)), every), every, "failures wait");
        assert_eq!(pause_after(Some((3, 1)), every), every, "failures wait");
        assert_eq!(pause_after(Some((1, 0)), every), FOLLOW_UP);
        assert_eq!(pause_after(Some((0, 0)), every), every, "an idle outbox");
        assert_eq!(pause_after(Some((0, 3)), every), every, "only failures");
        assert_eq!(pause_after(None, every), every);
        let short = Duration::from_millis(10);
        assert_eq!(
            pause_after(Some((1, 0)), short),
            short,
            "never longer than asked"
        );
    }

    #[tokio::test]
    async fn demo_mode_without_smtp_keeps_mail_in_the_mailbox_and_sms_go_nowhere() {
        let m = Messages::new(true);
        assert!(m.sends_email());
        let n = Notification {
            email: Some("a@example.ma".into()),
            phone: Some("+212600000000".into()),
            lang: tijara_core::Lang::FR,
            subject: "Bonjour".into(),
            text: "Texte".into(),
        };
        for c in m.channels() {
            assert!(c.send(&n).await.is_ok());
        }
        let mailbox = m.mailbox().map(|b| b.newest_first()).unwrap_or_default();
        assert_eq!(mailbox.len(), 1);
        assert_eq!(mailbox[0].subject, "Bonjour");
        let production = Messages::new(false);
        assert!(!production.sends_email());
        assert!(production.mailbox().is_none());
    }

    #[test]
    fn links_are_absolute_without_double_slashes() {
        assert_eq!(
            link("https://shop.example/", "/account/reset?token=x"),
            "https://shop.example/account/reset?token=x"
        );
    }
}
