//! Notifications: artisans are not always looking at the portal, shoppers want to know where
//! their parcel is.
//!
//! [`NotificationSink`] is an `EventSink` fed from the engine's outbox (combine it with webhooks
//! through `tijara::ports::runtime::FanOut`). It turns events into messages in the recipient's
//! language and hands them to a [`Notifier`]:
//!
//! | Event | Recipient | Message |
//! |---|---|---|
//! | `order.confirmed` (cash on delivery at once, card or transfer once paid) | each seller of the order: its logins by e-mail, its number by SMS, each in its language | a new order to prepare: its number, the products by name, the buyer's city, the carrier, the cash to collect, the link to the order in the portal |
//! | `shipment.created`, `shipment.updated` | the shopper (order e-mail and language) | the parcel's step and tracking number (not "going back to the sender" for a paid parcel whose refund opened: that return's message says it) |
//! | `payout.paid` | the seller's logins | the transfer, its amount and reference |
//! | `seller.approved` | the seller's logins: e-mail and SMS, each in its language | the shop is approved, the link to the portal |
//! | `seller.applied` | the applicant's login (`apply_as_seller_with_login`; a shop without a login yet is told nothing), by e-mail, in its language | thanks, what happens next, the guide's link |
//! | `order.placed` (bank transfer) | the shopper | the order received: items, total, the amount to transfer and the deadline, the order's link |
//! | `order.confirmed` | the shopper | the order confirmed (cash on delivery, or paid): items, total, the order's link |
//! | `payment.updated` (declined) | the shopper | the card payment did not go through: the link to try again |
//! | `return.requested`, `return.updated` | the shopper | the return's step (a paid parcel that came back undelivered: that it did, and that the money goes back) |
//! | `return.requested` | the seller's own logins (not a cooperative's members): e-mail, its number by SMS, each in its language | a return to answer (items, reason, link to the returns page); a paid parcel that came back undelivered: to refund |
//! | `order.payment_expired` | the shopper | the order cancelled, its items back on sale |
//!
//! Shoppers' messages are in the order's language, with the order's private link when the
//! shop gives one ([`NotificationSink::with_order_link`]). Password-reset and e-mail
//! verification messages are not events (their token must not be stored):
//! [`password_reset_message`] and [`verification_message`] compose them for the caller to send.
//!
//! Adapters: [`SmtpNotifier`] (e-mail over SMTP, with `lettre`), [`HttpSmsNotifier`] (a generic
//! HTTP SMS gateway: a URL and a JSON body template), [`LogNotifier`] (prints, for
//! development). Notifications never block the order flow: they are sent from the outbox after
//! the order is committed; a failed send keeps the event in the outbox and is retried on the next
//! dispatch; a message already sent for an event is not sent again when the event is retried
//! (the messages sent are marked done together once every channel was tried, in one storage
//! call: one statement on PostgreSQL, one group commit on SQLite).
//!
//! The dispatcher hands the sink a round's events in batches, one event per order or seller
//! (`EventSink::deliver_batch`); the sink takes them 16 at a time and reads what they need once:
//! the orders in one call, their products in one, each seller and its logins once, every
//! channel's delivery state and every message's done mark in one call each, and marks what the
//! 16 sent in one call. A round of up to 16 orders from one seller costs the storage as many
//! calls as a round of one. A crash between a send and that call, or that call failing, sends
//! the 16 events' messages again at the next round (the outbox delivers at least once).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use tijara::Tijara;
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::{DeliveryAttempt, DeliveryOutcome, DeliveryRow, OutboxEvent};
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order_record::OrderDoc;
use tijara_core::{DomainEvent, Lang, Money, Region};

use batch::Reads;

mod batch;
mod seller;
mod shopper;
pub use seller::{SellerLine, SellerReader, new_order_message, return_request_message};
pub use shopper::*;

/// A message for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// E-mail address, if known.
    pub email: Option<String>,
    /// Phone number, if known.
    pub phone: Option<String>,
    /// The recipient's language.
    pub lang: Lang,
    /// Subject (e-mail) / first words (SMS).
    pub subject: String,
    /// The text.
    pub text: String,
}

/// Why a notification was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification not sent: {0}")]
pub struct NotifyError(pub String);

/// Where notifications go.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends one notification. A notification the adapter cannot address (no e-mail for the
    /// e-mail adapter) is skipped with `Ok`.
    async fn send(&self, n: &Notification) -> Result<(), NotifyError>;
}

/// Prints notifications (development) and keeps them for inspection.
#[derive(Debug, Default)]
pub struct LogNotifier {
    sent: Mutex<Vec<Notification>>,
}

impl LogNotifier {
    /// What was "sent".
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for LogNotifier {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        eprintln!(
            "[notify] to {} ({}): {} — {}",
            n.email.as_deref().or(n.phone.as_deref()).unwrap_or("?"),
            n.lang.code(),
            n.subject,
            n.text
        );
        if let Ok(mut s) = self.sent.lock() {
            s.push(n.clone());
        }
        Ok(())
    }
}

/// E-mail over SMTP.
pub struct SmtpNotifier {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpNotifier {
    /// A relay reached without TLS (a local MTA or a test sink) at `host:port`.
    pub fn unencrypted(host: &str, port: u16, from: &str) -> Result<Self, NotifyError> {
        Ok(SmtpNotifier {
            transport: lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(
                host,
            )
            .port(port)
            .build(),
            from: from
                .parse()
                .map_err(|e| NotifyError(format!("sender {from:?}: {e}")))?,
        })
    }

    /// A relay given as a URL, lettre's form: `smtps://user:password@host:465` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtp://host:25` (no TLS: a
    /// local relay or a test sink only). The password is never logged.
    pub fn from_url(url: &str, from: &str) -> Result<Self, NotifyError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| NotifyError(format!("the SMTP URL is not usable: {e}")))?
            .build();
        Ok(SmtpNotifier {
            transport,
            from: from
                .parse()
                .map_err(|e| NotifyError(format!("sender {from:?}: {e}")))?,
        })
    }

    /// A relay with STARTTLS and a login (production).
    pub fn starttls(
        host: &str,
        user: &str,
        password: &str,
        from: &str,
    ) -> Result<Self, NotifyError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::starttls_relay(host)
            .map_err(|e| NotifyError(e.to_string()))?
            .credentials(lettre::transport::smtp::authentication::Credentials::new(
                user.to_owned(),
                password.to_owned(),
            ))
            .build();
        Ok(SmtpNotifier {
            transport,
            from: from
                .parse()
                .map_err(|e| NotifyError(format!("sender {from:?}: {e}")))?,
        })
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        use lettre::AsyncTransport;
        let Some(to) = &n.email else {
            return Ok(());
        };
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to
                .parse()
                .map_err(|e| NotifyError(format!("{to:?}: {e}")))?)
            .subject(n.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(n.text.clone())
            .map_err(|e| NotifyError(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| NotifyError(e.to_string()))
    }
}

/// A generic HTTP SMS gateway: POSTs JSON made from a template where `{to}` and `{text}` are
/// replaced (JSON-escaped), e.g. `{"recipient": "{to}", "message": "{text}", "sender": "TIJARA"}`.
pub struct HttpSmsNotifier {
    client: reqwest::Client,
    url: String,
    template: String,
    bearer: Option<String>,
}

impl HttpSmsNotifier {
    /// A gateway at `url` with a body template and an optional bearer token (never logged).
    pub fn new(url: &str, template: &str, bearer: Option<String>) -> Result<Self, NotifyError> {
        let probe = template.replace("{to}", "x").replace("{text}", "y");
        serde_json::from_str::<serde_json::Value>(&probe)
            .map_err(|e| NotifyError(format!("the SMS template is not JSON: {e}")))?;
        Ok(HttpSmsNotifier {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| NotifyError(e.to_string()))?,
            url: url.to_owned(),
            template: template.to_owned(),
            bearer,
        })
    }
}

fn json_inner(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[async_trait]
impl Notifier for HttpSmsNotifier {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let Some(to) = &n.phone else {
            return Ok(());
        };
        let text = format!("{}: {}", n.subject, n.text);
        let body = self
            .template
            .replace("{to}", &json_inner(to))
            .replace("{text}", &json_inner(&text));
        let mut req = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(b) = &self.bearer {
            req = req.bearer_auth(b);
        }
        let res = req.send().await.map_err(|e| NotifyError(e.to_string()))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(NotifyError(format!(
                "SMS gateway answered {}",
                res.status()
            )))
        }
    }
}

/// The languages the messages' words exist in.
const WORDS: [Lang; 3] = [Lang::FR, Lang::AR, Lang::EN];

/// The language of the words told to a reader of `lang`: `lang` if the messages exist in it,
/// else the first of its fallbacks in `region` that they exist in (Tamazight falling back to
/// Arabic reads Arabic), else French.
fn words_lang(region: &Region, lang: Lang) -> Lang {
    region.best_of(lang, &WORDS).unwrap_or(Lang::FR)
}

/// Words and amounts for one reader: the words in [`words_lang`], amounts in the region's
/// format for the reader's own language.
struct Reader<'a> {
    region: &'a Region,
    lang: Lang,
    words: Lang,
}

impl<'a> Reader<'a> {
    fn new(region: &'a Region, lang: Lang) -> Self {
        Reader {
            region,
            lang,
            words: words_lang(region, lang),
        }
    }

    fn w(&self, key: &str) -> &'static str {
        words(self.words, key)
    }

    fn step(&self, status: TrackingStatus) -> String {
        step(self.words, status)
    }

    fn money(&self, m: &Money) -> String {
        self.region.format_money(m, self.lang)
    }
}

fn words(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "new_order" => ("Nouvelle commande", "طلب جديد", "New order"),
        "new_order_text" => (
            "Une nouvelle commande vous attend dans votre espace. Montant",
            "طلب جديد ينتظرك في فضائك. المبلغ",
            "A new order is waiting in your portal. Amount",
        ),
        "parcel" => ("Votre colis", "طردك", "Your parcel"),
        "tracking" => ("suivi", "رقم التتبع", "tracking"),
        "payout" => ("Virement envoyé", "تم التحويل", "Transfer sent"),
        "payout_text" => (
            "Le marché vous a viré",
            "حول لك السوق",
            "The marketplace transferred",
        ),
        "reference" => ("référence", "المرجع", "reference"),
        "approved" => (
            "Votre boutique est approuvée",
            "تمت الموافقة على متجرك",
            "Your shop is approved",
        ),
        "approved_text" => (
            "Bonne nouvelle : votre boutique est approuvée. Vos produits peuvent maintenant être achetés. Connectez-vous pour les mettre en ligne :",
            "خبر سار: تمت الموافقة على متجرك. يمكن الآن شراء منتجاتك. ادخل إلى حسابك لنشرها:",
            "Good news: your shop is approved. Your products can now be bought. Log in to put them online:",
        ),
        "applied" => (
            "Merci pour votre demande",
            "شكرًا على طلبك",
            "Thank you for your application",
        ),
        "applied_text" => (
            "Merci : nous avons bien reçu votre demande pour vendre sur la place de marché. L'équipe du marché la vérifie et vous prévient par e-mail et SMS dès que votre boutique est approuvée. En attendant, vous pouvez déjà ajouter vos produits (ils seront en vente une fois la boutique approuvée) et lire le guide des artisans :",
            "شكرًا، توصلنا بطلبك للبيع في السوق. سيتحقق منه فريق السوق ويخبرك عبر البريد الإلكتروني والرسائل القصيرة فور الموافقة على متجرك. وفي انتظار ذلك، يمكنك إضافة منتجاتك من الآن (ستعرض للبيع بعد الموافقة على المتجر) وقراءة دليل الحرفيين:",
            "Thank you: your application to sell on the marketplace is received. The marketplace's team checks it and tells you by e-mail and SMS as soon as your shop is approved. Meanwhile you can already add your products (they go on sale once the shop is approved) and read the artisans' guide:",
        ),
        "expired" => ("Commande annulée", "تم إلغاء الطلب", "Order cancelled"),
        "expired_text" => (
            "Le paiement n'est pas arrivé à temps : la commande est annulée et les articles sont de nouveau en vente. Vous pouvez commander à nouveau sur la boutique. Commande",
            "لم يصل الأداء في الوقت المحدد: أُلغي الطلب وعادت المنتجات إلى البيع. يمكنك الطلب من جديد في المتجر. الطلب",
            "The payment did not arrive in time: the order is cancelled and its items are on sale again. You can order again in the shop. Order",
        ),
        _ => ("", "", ""),
    };
    match lang {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

fn step(lang: Lang, status: TrackingStatus) -> String {
    let (fr, ar, en) = match status {
        TrackingStatus::LabelCreated => ("est prêt à partir", "جاهز للإرسال", "is ready to leave"),
        TrackingStatus::PickedUp => (
            "a été pris en charge",
            "تم استلامه من طرف الناقل",
            "was picked up",
        ),
        TrackingStatus::InTransit => ("est en route", "في الطريق", "is on its way"),
        TrackingStatus::OutForDelivery => (
            "est en cours de livraison",
            "خرج للتسليم",
            "is out for delivery",
        ),
        TrackingStatus::Delivered => ("a été livré", "تم تسليمه", "was delivered"),
        TrackingStatus::DeliveryFailed => (
            "n'a pas pu être livré",
            "تعذر تسليمه",
            "could not be delivered",
        ),
        TrackingStatus::ReturnedToSender => (
            "retourne à l'expéditeur",
            "يعود إلى المرسل",
            "is going back to the sender",
        ),
        // Unknown, or a status a newer core adds: its name, in words.
        other => return other.as_str().replace('_', " "),
    };
    match lang {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
    .to_owned()
}

/// Turns outbox events into notifications and sends them; see the crate docs.
pub struct NotificationSink {
    engine: Tijara,
    channels: Vec<Arc<dyn Notifier>>,
    /// The channels' names in the stored delivery state (`notification:<name>`).
    channel_names: Vec<String>,
    order_link: Option<OrderLink>,
    transfer_note: Option<TransferNote>,
    /// The portal's absolute address (`https://shop.example/seller`), for sellers' links.
    portal_url: Option<String>,
}

impl NotificationSink {
    /// Notifications of `engine`'s events through each channel (e-mail, SMS...). The engine is
    /// a second handle on the same storage (the sink reads orders, sellers and accounts). Each
    /// channel's deliveries are recorded apart, in the engine's storage
    /// ([`Operations::record_done`](tijara::Operations::record_done), keyed by event, channel position and recipient): when the SMS
    /// gateway fails, the retry sends the SMS, not the e-mail again, even after a restart or
    /// from another process. Keep the channels in the same order across restarts.
    pub fn new(engine: Tijara, channels: Vec<Arc<dyn Notifier>>) -> Self {
        let channel_names = (0..channels.len())
            .map(|i| format!("channel-{i}"))
            .collect();
        NotificationSink {
            engine,
            channels,
            channel_names,
            order_link: None,
            transfer_note: None,
            portal_url: None,
        }
    }

    /// Names the channels (`email`, `sms`), in their order, for the stored delivery state
    /// (targets `notification:<name>`, listed to the admin with their failures). Unnamed
    /// channels are `channel-<position>`. Give each channel its own name: channels under one
    /// name share one delivery state.
    pub fn with_channel_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for (slot, name) in self.channel_names.iter_mut().zip(names) {
            *slot = name.into();
        }
        self
    }

    /// Shoppers' messages carry the order's private link, made by `link` (an absolute URL
    /// with the order's access token).
    pub fn with_order_link(mut self, link: OrderLink) -> Self {
        self.order_link = Some(link);
        self
    }

    /// A bank-transfer order's first message adds `note`'s lines (the bank details, say).
    /// `note` is asked only for that message, while the order's payment is awaited.
    pub fn with_transfer_note(mut self, note: TransferNote) -> Self {
        self.transfer_note = Some(note);
        self
    }

    /// Sellers' messages link to their orders under `portal` (the portal's absolute address,
    /// `https://shop.example/seller`: an order is at `{portal}/orders/{order}/{part}`).
    pub fn with_portal_url(mut self, portal: impl Into<String>) -> Self {
        self.portal_url = Some(portal.into().trim_end_matches('/').to_owned());
        self
    }

    fn link(&self, doc: &OrderDoc) -> Option<String> {
        self.order_link.as_ref().map(|f| f(doc))
    }

    /// An order, or `None` when it is gone (nothing to tell); a storage failure fails the
    /// delivery, so it is tried again.
    async fn order_doc(
        &self,
        reads: &Reads,
        id: &tijara_core::OrderId,
    ) -> Result<Option<Arc<OrderDoc>>, SinkError> {
        match self.order_read(reads, id).await {
            Ok(d) => Ok(Some(d)),
            Err(tijara::TijaraError::NotFound { .. }) => Ok(None),
            Err(e) => Err(SinkError(e.to_string())),
        }
    }

    /// The order's items, named in the order's language.
    async fn items(&self, reads: &Reads, doc: &OrderDoc) -> Vec<ItemLine> {
        let lines = || doc.order.seller_orders.iter().flat_map(|s| &s.lines);
        // One read (a product deleted since or unreadable is named by its reference).
        let ids: Vec<&tijara_core::ProductId> = lines().map(|l| &l.product_id).collect();
        let products = self.products(reads, &ids).await;
        let mut out = Vec::new();
        for line in lines() {
            let name = match products.iter().find(|p| p.id == line.product_id) {
                Some(product) => self
                    .engine
                    .region()
                    .text(&product.title, doc.lang)
                    .map_or_else(|| line.sku.to_string(), str::to_owned),
                None => line.sku.to_string(),
            };
            out.push(ItemLine {
                name,
                quantity: line.quantity,
                net: line.net,
            });
        }
        out
    }

    /// The shopper's message for an order placed or confirmed.
    async fn order_notice(&self, reads: &Reads, doc: &OrderDoc) -> Notification {
        let items = self.items(reads, doc).await;
        let note = self
            .transfer_note
            .as_ref()
            .filter(|_| shopper::shows_transfer_note(doc))
            .and_then(|f| f(doc, doc.lang));
        order_message(
            self.engine.region(),
            doc,
            &items,
            self.link(doc).as_deref(),
            note,
        )
    }

    /// The notifications an event calls for.
    pub async fn compose(&self, event: &OutboxEvent) -> Result<Vec<Notification>, SinkError> {
        Ok(self.compose_marked(event).await?.0)
    }

    /// Whether this step of a shipment or return (`key`: its id, step and number) was told
    /// already: a shipment event that changes neither step nor number (a label re-created,
    /// a repeated carrier event) is not told again. Kept in the engine's storage as a done
    /// mark (scope `notification-told`), so another process or a restart knows it too.
    async fn told(&self, key: &str) -> Result<bool, SinkError> {
        self.engine
            .operations()
            .is_done(TOLD_SCOPE, key)
            .await
            .map_err(sink)
    }

    /// The notifications, and for a shipment or return step the mark to record once they are
    /// sent.
    async fn compose_marked(
        &self,
        event: &OutboxEvent,
    ) -> Result<(Vec<Notification>, Option<String>), SinkError> {
        // A kind this version does not know (or a payload that does not fit its kind) calls
        // for no notification.
        match event.event() {
            Ok(typed) => self.compose_typed(typed, &Reads::default()).await,
            Err(_) => Ok((Vec::new(), None)),
        }
    }

    /// [`NotificationSink::compose_marked`] of an event read, with what its batch read ahead.
    async fn compose_typed(
        &self,
        typed: DomainEvent,
        reads: &Reads,
    ) -> Result<(Vec<Notification>, Option<String>), SinkError> {
        let mut mark = None;
        let asked = matches!(&typed, DomainEvent::ReturnRequested(_));
        let err = |e: tijara::TijaraError| SinkError(e.to_string());
        let mut out = Vec::new();
        match typed {
            // Only an order placed awaiting its payment can call for a message here (a bank
            // transfer's instructions); an order placed otherwise (cash on delivery, confirmed
            // at once) never comes back to awaiting payment, so it is not read at all.
            DomainEvent::OrderPlaced(placed)
                if placed.status == tijara_core::order::OrderStatus::AwaitingPayment =>
            {
                let doc = self
                    .order_read(reads, &placed.order_id)
                    .await
                    .map_err(err)?;
                if doc.order.payment.method() == tijara_core::payment::PaymentMethod::BankTransfer
                    && doc.order.status() == tijara_core::order::OrderStatus::AwaitingPayment
                {
                    out.push(self.order_notice(reads, &doc).await);
                }
            }
            DomainEvent::OrderConfirmed(snapshot) => {
                if let Some(doc) = self.order_doc(reads, &snapshot.order_id).await? {
                    out.push(self.order_notice(reads, &doc).await);
                    // The sellers hear of it now: there is work to do (never for an order
                    // still unpaid, which they must not ship).
                    out.extend(self.seller_notices(reads, &doc).await.map_err(err)?);
                }
            }
            DomainEvent::PaymentUpdated(report)
                if report.event == tijara_core::payment::PaymentLogEvent::Declined
                    && matches!(
                        report.outcome,
                        tijara_core::payment::PaymentOutcome::Applied
                    ) =>
            {
                if let Some(doc) = self.order_doc(reads, &report.order_id).await? {
                    let link = self.link(&doc);
                    out.push(payment_failed_message(
                        self.engine.region(),
                        &doc,
                        link.as_deref(),
                    ));
                }
            }
            DomainEvent::ReturnRequested(snapshot) | DomainEvent::ReturnUpdated(snapshot) => {
                if let Some(doc) = self.order_doc(reads, &snapshot.order_id).await? {
                    // The message tells where the event's return stands when it is sent: two
                    // steps delivered together (a late dispatch) are told once, not twice alike.
                    // An event written before it named its return is about the newest one.
                    let ret = match &snapshot.return_id {
                        Some(id) => doc.returns.iter().find(|r| &r.id == id),
                        None => doc.returns.iter().max_by_key(|r| r.requested_at),
                    };
                    let Some(ret) = ret else {
                        return Ok((out, None));
                    };
                    // A refund's sending is a step of its own (the money left).
                    let sent = if ret.refund_sent().is_some() {
                        "|sent"
                    } else {
                        ""
                    };
                    let key = format!("return:{}|{}{sent}", ret.id, ret.status().as_str());
                    if self.told(&key).await? {
                        return Ok((out, None));
                    }
                    let link = self.link(&doc);
                    // Accepted: where the items go back (the shop's street and phone).
                    let send_to = match ret.status() {
                        tijara_core::returns::ReturnStatus::Approved => {
                            self.return_address(reads, &doc, ret).await.map_err(err)?
                        }
                        _ => None,
                    };
                    out.push(return_step_message(
                        self.engine.region(),
                        &doc,
                        ret,
                        send_to.as_deref(),
                        link.as_deref(),
                    ));
                    // A new request still waiting: its seller must answer; a paid parcel that
                    // came back: its seller must refund.
                    let to_answer = match ret.status() {
                        tijara_core::returns::ReturnStatus::Requested => true,
                        tijara_core::returns::ReturnStatus::Received => ret.is_came_back(),
                        _ => false,
                    };
                    if asked && to_answer {
                        out.extend(
                            self.seller_return_notices(reads, &doc, ret)
                                .await
                                .map_err(err)?,
                        );
                    }
                    mark = Some(key);
                }
            }
            DomainEvent::ShipmentCreated(shipment) | DomainEvent::ShipmentUpdated(shipment) => {
                let lang = shipment.lang;
                let status = shipment.status;
                // The marketplace's provisional reference (a carrier without an API) is not a
                // number the shopper can follow: the message names none and links the order's
                // page until the carrier's number is typed in.
                let provisional = shipment.provisional_number;
                let number = shipment.tracking_number.unwrap_or_default();
                let carrier = shipment.carrier;
                let (order, shipment) = (shipment.order_id, shipment.shipment_id.to_string());
                let key = format!("shipment:{shipment}|{}|{number}", status.as_str());
                if self.told(&key).await? {
                    return Ok((out, None));
                }
                // The event carries no contact (webhooks forward it): e-mail and phone come from
                // the order; a storage failure fails the delivery, so it is tried again.
                let doc = match self.order_read(reads, &order).await {
                    Ok(d) => d,
                    Err(tijara::TijaraError::NotFound { .. }) => return Ok((out, None)),
                    Err(e) => return Err(err(e)),
                };
                let link = self.link(&doc);
                let tracking = self
                    .engine
                    .fulfillment()
                    .carriers()
                    .find(|c| c.code() == carrier)
                    .filter(|_| !provisional)
                    .and_then(|c| c.tracking_url(&number));
                let n = shipment_message(
                    self.engine.region(),
                    &doc,
                    lang,
                    status,
                    if provisional { "" } else { &number },
                    link.as_deref(),
                    tracking.as_deref(),
                );
                // A paid parcel back: its refund's own message says it came back and that the
                // money goes back; one message, not two at once.
                let refund_tells = status
                    == tijara_core::fulfillment::TrackingStatus::ReturnedToSender
                    && doc
                        .returns
                        .iter()
                        .any(|r| r.is_came_back() && r.id.as_str() == shipment);
                if !refund_tells {
                    out.push(n);
                }
                mark = Some(key);
            }
            DomainEvent::OrderPaymentExpired(expiry) => {
                // The shopper: the order is off, the stock back on sale. The event carries no
                // contact (webhooks must not spread it): both come from the order. A storage
                // failure fails the delivery, so the event is tried again.
                let (lang, order) = (expiry.lang, expiry.order_id);
                let doc = match self.order_read(reads, &order).await {
                    Ok(d) => d,
                    Err(tijara::TijaraError::NotFound { .. }) => return Ok((out, None)),
                    Err(e) => return Err(err(e)),
                };
                let r = Reader::new(self.engine.region(), lang);
                out.push(Notification {
                    email: Some(doc.order.email.clone()),
                    phone: Some(doc.order.shipping_address.phone.clone()),
                    lang,
                    subject: format!("{} {order}", r.w("expired")),
                    text: format!("{} {order}.", r.w("expired_text")),
                });
            }
            DomainEvent::PayoutPaid(payout) => {
                let reference = &payout.reference;
                for a in self
                    .accounts_read(reads, &payout.seller_id)
                    .await
                    .map_err(err)?
                    .iter()
                {
                    if matches!(
                        a.role,
                        tijara::usecases::accounts::Role::Seller {
                            member: Some(_),
                            ..
                        }
                    ) {
                        continue;
                    }
                    let r = Reader::new(self.engine.region(), a.lang);
                    out.push(Notification {
                        email: Some(a.email.clone()),
                        phone: None,
                        lang: a.lang,
                        subject: r.w("payout").to_owned(),
                        text: format!(
                            "{} {} ({} {reference}).",
                            r.w("payout_text"),
                            r.money(&payout.amount),
                            r.w("reference")
                        ),
                    });
                }
            }
            DomainEvent::SellerApproved(_) | DomainEvent::SellerApplied(_) => {
                // Each of the seller's logins, in its own language, with the portal's address:
                // the approval by e-mail and SMS, the thanks for applying by e-mail (a new
                // shop has its applicant's login only).
                let seller = match &typed {
                    DomainEvent::SellerApproved(a) => &a.seller_id,
                    DomainEvent::SellerApplied(a) => &a.seller_id,
                    _ => return Ok((out, mark)),
                };
                let (region, portal) = (self.engine.region(), self.portal_url.as_deref());
                for a in self.accounts_read(reads, seller).await.map_err(err)?.iter() {
                    out.push(match &typed {
                        DomainEvent::SellerApplied(x) => application_message(region, x, a, portal),
                        DomainEvent::SellerApproved(x) => approval_message(region, x, a, portal),
                        _ => continue,
                    });
                }
            }
            _ => {}
        }
        Ok((out, mark))
    }
}

/// The message telling a seller's login that the shop is approved (`seller.approved`): in the
/// account's language, to its e-mail and phone, with the portal's address when known.
pub fn approval_message(
    region: &Region,
    approval: &tijara_core::events::SellerApproval,
    account: &tijara::usecases::accounts::Account,
    portal: Option<&str>,
) -> Notification {
    let r = Reader::new(region, account.lang);
    let text = match portal {
        Some(link) => format!("{} {link}", r.w("approved_text")),
        None => r.w("approved_text").trim_end_matches([':', ' ']).to_owned(),
    };
    Notification {
        email: Some(account.email.clone()),
        phone: account.phone.clone(),
        lang: account.lang,
        subject: format!("{} — {}", r.w("approved"), approval.name),
        text,
    }
}

/// The message thanking a seller's login for its application (`seller.applied`): in the
/// account's language, by e-mail only (the approval comes by SMS too), with what happens next
/// and the portal's address when known (`{portal}/guide`, the artisans' guide).
pub fn application_message(
    region: &Region,
    application: &tijara_core::events::SellerApplicationSnapshot,
    account: &tijara::usecases::accounts::Account,
    portal: Option<&str>,
) -> Notification {
    let r = Reader::new(region, account.lang);
    let text = match portal {
        Some(link) => format!("{} {link}/guide", r.w("applied_text")),
        None => r.w("applied_text").trim_end_matches([':', ' ']).to_owned(),
    };
    Notification {
        email: Some(account.email.clone()),
        phone: None,
        lang: account.lang,
        subject: format!("{} — {}", r.w("applied"), application.name),
        text,
    }
}

/// The scope of the engine's done marks for notifications sent.
const DONE_SCOPE: &str = "notification";

fn sink(e: tijara::TijaraError) -> SinkError {
    SinkError(e.to_string())
}

/// The scope of the done marks of shipment and return steps told.
const TOLD_SCOPE: &str = "notification-told";

/// The done marks to record after sending on one channel: the keys whose every message was
/// sent, each once. Two different messages of one event to one recipient (a seller buying from
/// the own shop: the seller's notice and the shopper's confirmation) share a key: it is marked
/// only when both were sent, so a retry sends both again rather than lose the one that failed.
fn keys_fully_sent<'a>(outcomes: &[(&'a str, bool)]) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in outcomes {
        if !keys.contains(key) && outcomes.iter().all(|(k, ok)| k != key || *ok) {
            keys.push(key);
        }
    }
    keys
}

/// The wait before the next attempt on a channel after `failures` failed ones: none after the
/// first (the next dispatch round tries again), then 5 s, doubled each time, at most 1 hour.
fn channel_backoff(failures: u32) -> tijara_core::chrono::Duration {
    if failures <= 1 {
        return tijara_core::chrono::Duration::zero();
    }
    let secs = 5i64.saturating_mul(1i64 << failures.saturating_sub(2).min(10));
    tijara_core::chrono::Duration::seconds(secs.min(3600))
}

impl NotificationSink {
    /// The delivery target of channel `i` (`notification:email`, ...).
    fn target(&self, i: usize) -> String {
        format!(
            "notification:{}",
            self.channel_names.get(i).map_or("channel", String::as_str)
        )
    }

    /// Sends on `channel` (delivery target `target`) the notifications of `event` in `todo`
    /// that are not done yet (each with its done mark's key and whether that mark was found),
    /// adding to `sent` the keys whose every message was sent (the caller records them);
    /// `row` is the channel's delivery state for the event, read before. The channel's failure
    /// is stored as delivery state, with the next try, so every process waits for it and the
    /// admin sees it.
    async fn deliver_on(
        &self,
        target: &str,
        channel: &dyn Notifier,
        event: &OutboxEvent,
        row: Option<&DeliveryRow>,
        todo: &[(&Notification, &str, bool)],
        sent: &mut Vec<String>,
    ) -> Result<(), SinkError> {
        let now = self.engine.now();
        if let Some(next) = row.filter(|r| r.waits_at(now)).and_then(|r| r.next_try_at) {
            return Err(SinkError(format!(
                "{target}: waiting until {}",
                next.to_rfc3339()
            )));
        }
        let mut failures = Vec::new();
        let mut outcomes: Vec<(&str, bool)> = Vec::new();
        for (n, key, done) in todo {
            // Done before (a redelivered event).
            if *done {
                continue;
            }
            match channel.send(n).await {
                Ok(()) => outcomes.push((key, true)),
                Err(e) => {
                    failures.push(e.0);
                    outcomes.push((key, false));
                }
            }
        }
        for key in keys_fully_sent(&outcomes) {
            if !sent.iter().any(|k| k == key) {
                sent.push(key.to_owned());
            }
        }
        let outcome = if failures.is_empty() {
            // Recorded only where it failed before: the failure leaves the admin's list.
            match row {
                Some(r) if !r.is_delivered() => DeliveryOutcome::Delivered,
                _ => return Ok(()),
            }
        } else {
            let attempts = row.map_or(0, |r| r.attempts).saturating_add(1);
            DeliveryOutcome::Failed {
                error: failures.join("; "),
                next_try_at: now + channel_backoff(attempts),
            }
        };
        let failed = matches!(outcome, DeliveryOutcome::Failed { .. });
        self.engine
            .operations()
            .record_delivery(&DeliveryAttempt::new(target, event, now, outcome))
            .await
            .map_err(sink)?;
        if failed {
            Err(SinkError(format!("{target}: {}", failures.join("; "))))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl EventSink for NotificationSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        self.deliver_all(&[event], 1)
            .await
            .pop()
            .unwrap_or_else(|| Err(SinkError("no result".into())))
    }

    async fn deliver_batch(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        self.deliver_all(events, concurrency).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shared_by_two_messages_is_marked_only_when_both_were_sent() {
        assert_eq!(
            keys_fully_sent(&[("1:0:a|", true), ("1:0:b|", true)]),
            vec!["1:0:a|", "1:0:b|"]
        );
        assert_eq!(
            keys_fully_sent(&[("1:0:a|", true), ("1:0:a|", true)]),
            vec!["1:0:a|"],
            "once"
        );
        assert_eq!(
            keys_fully_sent(&[("1:0:a|", true), ("1:0:b|", true), ("1:0:a|", false)]),
            vec!["1:0:b|"],
            "the first of a shared key sent, the second failed: not marked"
        );
        assert_eq!(
            keys_fully_sent(&[("1:0:a|", false), ("1:0:a|", true)]),
            Vec::<&str>::new()
        );
        assert!(keys_fully_sent(&[]).is_empty());
    }

    #[test]
    fn a_failing_channel_is_retried_at_once_then_further_apart() {
        let secs = |n| channel_backoff(n).num_seconds();
        assert_eq!([secs(1), secs(2), secs(3), secs(4)], [0, 5, 10, 20]);
        assert_eq!(secs(40), 3600);
    }

    #[test]
    fn sms_templates_escape_the_text() {
        assert_eq!(json_inner("a \"b\"\n"), "a \\\"b\\\"\\n");
        assert!(
            HttpSmsNotifier::new(
                "http://127.0.0.1:1",
                "{\"to\": \"{to}\", \"m\": \"{text}\"}",
                None
            )
            .is_ok()
        );
        assert!(HttpSmsNotifier::new("http://127.0.0.1:1", "to={to}&m={text}", None).is_err());
    }

    #[test]
    fn steps_are_worded_in_three_languages() {
        assert_eq!(step(Lang::FR, TrackingStatus::InTransit), "est en route");
        assert_eq!(step(Lang::AR, TrackingStatus::Delivered), "تم تسليمه");
        assert_eq!(step(Lang::EN, TrackingStatus::Unknown), "unknown");
    }

    #[test]
    fn other_languages_read_their_fallbacks_words_and_their_own_amounts() {
        let zgh = Lang::parse("zgh-Tfng").expect("tag");
        let mey = Lang::parse("mey").expect("tag");
        let mut region = Region::dakhla();
        region.languages.extend([zgh, mey]);
        let mut info = tijara_core::LanguageInfo::builtin(zgh).into_owned();
        info.fallbacks = vec![Lang::AR, Lang::FR];
        info.number.group = '.';
        region.language_info.push(info);
        // Tamazight: Arabic words (its first fallback), its own number format.
        let r = Reader::new(&region, zgh);
        assert_eq!(r.w("parcel"), "طردك");
        assert_eq!(r.step(TrackingStatus::Delivered), "تم تسليمه");
        let amount = Money::mad("1234.5").expect("amount");
        assert_eq!(r.money(&amount), "1.234,50\u{a0}MAD");
        // Hassaniya without facts: the region's default language, Arabic.
        assert_eq!(Reader::new(&region, mey).w("payout"), "تم التحويل");
        // The built-in languages are unchanged.
        assert_eq!(Reader::new(&region, Lang::EN).w("parcel"), "Your parcel");
        assert_eq!(Reader::new(&region, Lang::FR).w("parcel"), "Votre colis");
        assert_eq!(words_lang(&Region::dakhla(), Lang::ES), Lang::FR);
    }
}
