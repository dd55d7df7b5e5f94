//! The shopper's messages, in the order's language: the order received or confirmed (its
//! items, total and private link; for a bank transfer, the amount and the deadline, the
//! transfer details being on the order page), a failed card payment (the link to try again),
//! the parcel's steps (with the link to follow it), return updates; and the account's
//! one-time links (password reset, e-mail verification), which are not outbox events (their
//! token must never be stored) and are composed here for the caller to send.

use crate::{Notification, Reader};
use std::fmt::Write as _;
use std::sync::Arc;
use tijara_core::Lang;
use tijara_core::chrono::{DateTime, Duration, Utc};
use tijara_core::order_record::OrderDoc;
use tijara_core::returns::ReturnStatus;
use tijara_core::{Money, Region};

/// The absolute private link of an order (with its access token), made by the shop.
pub type OrderLink = Arc<dyn Fn(&OrderDoc) -> String + Send + Sync>;

/// Extra lines for a bank-transfer order's first message (the bank details, when the shop
/// wants them in the e-mail too); `None` adds nothing.
pub type TransferNote = Arc<dyn Fn(&OrderDoc, Lang) -> Option<String> + Send + Sync>;

/// How the shopper names an order in messages: its human number (`DAK-2026-483920`), or a short
/// form of the id for orders placed before numbers existed.
pub fn order_label(doc: &OrderDoc) -> String {
    doc.order.reference()
}

/// The shopper's words.
pub(crate) fn words(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "hello" => ("Bonjour,", "مرحبا،", "Hello,"),
        "order" => ("Commande", "الطلب", "Order"),
        "confirmed" => ("confirmée", "مؤكد", "confirmed"),
        "received" => ("reçue", "تم استلامه", "received"),
        "thanks" => (
            "Merci pour votre commande. La voici :",
            "شكرا على طلبك. إليك تفاصيله:",
            "Thank you for your order. Here it is:",
        ),
        "shipping" => ("Livraison", "التوصيل", "Delivery"),
        "total" => ("Total", "المجموع", "Total"),
        "pay_cod" => (
            "Vous payez en espèces au livreur, à la réception du colis.",
            "تدفع نقدا لعامل التوصيل عند استلام الطرد.",
            "You pay the courier in cash when the parcel arrives.",
        ),
        "pay_card" => (
            "Votre paiement par carte est bien reçu.",
            "تم استلام أدائك بالبطاقة.",
            "Your card payment is received.",
        ),
        "pay_transfer_done" => (
            "Votre virement est bien reçu.",
            "تم استلام تحويلك البنكي.",
            "Your bank transfer is received.",
        ),
        "transfer_wait" => (
            "Votre commande sera confirmée dès réception de votre virement bancaire.",
            "سيتم تأكيد طلبك فور وصول تحويلك البنكي.",
            "Your order will be confirmed as soon as your bank transfer arrives.",
        ),
        "transfer_amount" => (
            "Montant à virer",
            "المبلغ المطلوب تحويله",
            "Amount to transfer",
        ),
        "transfer_by" => ("À virer avant le", "يجب التحويل قبل", "Transfer before"),
        "transfer_where" => (
            "Le RIB et la référence à indiquer sont sur la page de votre commande",
            "رقم الحساب البنكي والمرجع الواجب ذكره موجودان في صفحة طلبك",
            "The bank details and the reference to give are on your order's page",
        ),
        "open" => ("Voir votre commande", "اطلع على طلبك", "See your order"),
        "keep_link" => (
            "Gardez ce lien : il ouvre votre commande sans mot de passe. Ne le partagez pas.",
            "احتفظ بهذا الرابط: يفتح طلبك دون كلمة سر. لا تشاركه مع أحد.",
            "Keep this link: it opens your order without a password. Do not share it.",
        ),
        "pay_failed" => (
            "Paiement non abouti",
            "لم يتم الأداء",
            "Payment not completed",
        ),
        "pay_failed_text" => (
            "Le paiement par carte de votre commande n'a pas abouti : rien n'a été débité. Vous pouvez réessayer, ou choisir un autre moyen de paiement, depuis la page de votre commande",
            "لم يتم أداء طلبك بالبطاقة ولم يُخصم أي مبلغ. يمكنك إعادة المحاولة أو اختيار وسيلة أداء أخرى من صفحة طلبك",
            "The card payment for your order did not go through: nothing was charged. You can try again, or choose another way to pay, from your order's page",
        ),
        "follow" => ("Suivre le colis", "تتبع الطرد", "Follow the parcel"),
        "return" => ("Votre retour", "طلب الإرجاع", "Your return"),
        "return_value" => ("Montant", "المبلغ", "Amount"),
        "reset" => (
            "Choisir un nouveau mot de passe",
            "اختيار كلمة سر جديدة",
            "Choose a new password",
        ),
        "reset_text" => (
            "Quelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte. Pour en choisir un nouveau, ouvrez ce lien",
            "طلب أحدهم (أنت على الأرجح) تغيير كلمة سر حسابك. لاختيار كلمة سر جديدة، افتح هذا الرابط",
            "Someone (probably you) asked to change your account's password. To choose a new one, open this link",
        ),
        "reset_once" => (
            "Le lien marche une seule fois, pendant {m} minutes. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.",
            "الرابط صالح لمرة واحدة لمدة {m} دقيقة. إذا لم تطلب شيئا، تجاهل هذه الرسالة: كلمة سرك لن تتغير.",
            "The link works once, for {m} minutes. If you asked for nothing, ignore this message: your password stays as it is.",
        ),
        "verify" => (
            "Confirmez votre adresse e-mail",
            "أكد عنوان بريدك الإلكتروني",
            "Confirm your e-mail address",
        ),
        "verify_text" => (
            "Bienvenue ! Pour confirmer que cette adresse est la vôtre, ouvrez ce lien. Vos commandes passées sans compte avec cette adresse rejoindront alors votre compte",
            "مرحبا بك! لتأكيد أن هذا العنوان لك، افتح هذا الرابط. ستنضم حينها إلى حسابك الطلبات التي قمت بها بهذا العنوان دون حساب",
            "Welcome! To confirm this address is yours, open this link. Orders you placed without an account with this address will then join your account",
        ),
        "verify_once" => (
            "Le lien marche une seule fois, pendant {h} heures.",
            "الرابط صالح لمرة واحدة لمدة {h} ساعة.",
            "The link works once, for {h} hours.",
        ),
        _ => ("", "", ""),
    };
    match lang {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

fn return_word(lang: Lang, status: ReturnStatus) -> &'static str {
    let (fr, ar, en) = match status {
        ReturnStatus::Requested => (
            "demande reçue ; le vendeur vous répond bientôt",
            "تم استلام طلبك؛ سيرد عليك البائع قريبا",
            "request received; the seller answers soon",
        ),
        ReturnStatus::Approved => (
            "accepté par le vendeur",
            "قبل البائع طلبك",
            "approved by the seller",
        ),
        ReturnStatus::Rejected => (
            "refusé par le vendeur",
            "رفض البائع طلبك",
            "refused by the seller",
        ),
        ReturnStatus::Received => (
            "articles reçus par le vendeur ; le remboursement suit",
            "استلم البائع المنتجات؛ سيتم الاسترداد قريبا",
            "items received by the seller; the refund follows",
        ),
        ReturnStatus::Refunded => ("remboursé", "تم استرداد المبلغ", "refunded"),
        _ => ("mise à jour", "تم التحديث", "updated"),
    };
    match lang {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

impl Reader<'_> {
    fn s(&self, key: &str) -> &'static str {
        words(self.words, key)
    }

    /// A colon as the words' language writes it (French puts a space before it).
    pub(crate) fn colon(&self) -> &'static str {
        if self.words == Lang::FR { " :" } else { ":" }
    }
}

/// An item line: the product's name in the reader's language (else its id), quantity, amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    /// The product's name.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// What the line costs, discounts taken off.
    pub net: Money,
}

/// A message to the order's e-mail only: long texts with links are not for SMS (the parcel's
/// steps, short, also go by SMS: [`shipment_message`]).
fn recipient(doc: &OrderDoc, subject: String, text: String) -> Notification {
    Notification {
        email: Some(doc.order.email.clone()),
        phone: None,
        lang: doc.lang,
        subject,
        text,
    }
}

fn with_link(r: &Reader<'_>, text: &mut String, label: &str, link: Option<&str>) {
    if let Some(link) = link {
        let _ = write!(
            text,
            "\n\n{label}{}\n{link}\n\n{}",
            r.colon(),
            r.s("keep_link")
        );
    }
}

/// Whether `doc`'s payment is still awaited (its message says "received", not "confirmed").
fn awaiting_payment(doc: &OrderDoc) -> bool {
    matches!(
        doc.order.status(),
        tijara_core::order::OrderStatus::AwaitingPayment
    )
}

/// Whether [`order_message`] shows the bank-transfer note it is given: a transfer order whose
/// payment is awaited. Its caller builds the note only then.
pub(crate) fn shows_transfer_note(doc: &OrderDoc) -> bool {
    doc.order.payment.method() == tijara_core::payment::PaymentMethod::BankTransfer
        && awaiting_payment(doc)
}

/// The message of an order received (bank transfer: what to transfer, by when) or confirmed
/// (paid by card or transfer, or cash on delivery).
pub fn order_message(
    region: &Region,
    doc: &OrderDoc,
    items: &[ItemLine],
    link: Option<&str>,
    transfer_note: Option<String>,
) -> Notification {
    use tijara_core::payment::PaymentMethod;
    let r = Reader::new(region, doc.lang);
    let label = order_label(doc);
    let method = doc.order.payment.method();
    let awaiting = awaiting_payment(doc);
    let state = if awaiting { "received" } else { "confirmed" };
    let subject = format!("{} {label} — {}", r.s("order"), r.s(state));
    let mut text = format!("{}\n\n{}\n", r.s("hello"), r.s("thanks"));
    for item in items {
        let _ = write!(
            text,
            "\n- {} × {} — {}",
            item.name,
            item.quantity,
            r.money(&item.net)
        );
    }
    let c = r.colon();
    let _ = write!(
        text,
        "\n\n{}{c} {}\n{}{c} {}\n\n",
        r.s("shipping"),
        r.money(&doc.order.shipping_total),
        r.s("total"),
        r.money(&doc.order.grand_total)
    );
    match (method, awaiting) {
        (PaymentMethod::BankTransfer, true) => {
            let deadline = transfer_deadline(region, doc);
            let _ = write!(
                text,
                "{}\n{}{c} {}\n{}{c} {}\n{}.",
                r.s("transfer_wait"),
                r.s("transfer_amount"),
                r.money(&doc.order.grand_total),
                r.s("transfer_by"),
                region.format_date(region.local_date(deadline), doc.lang),
                r.s("transfer_where"),
            );
            if let Some(note) = transfer_note {
                let _ = write!(text, "\n\n{note}");
            }
        }
        (PaymentMethod::BankTransfer, false) => text.push_str(r.s("pay_transfer_done")),
        (PaymentMethod::CashOnDelivery, _) => text.push_str(r.s("pay_cod")),
        _ => text.push_str(r.s("pay_card")),
    }
    with_link(&r, &mut text, r.s("open"), link);
    recipient(doc, subject, text)
}

/// The message of a card payment that did not go through, with the link to try again.
pub fn payment_failed_message(region: &Region, doc: &OrderDoc, link: Option<&str>) -> Notification {
    let r = Reader::new(region, doc.lang);
    let label = order_label(doc);
    let mut text = format!("{}\n\n{} {label}.", r.s("hello"), r.s("pay_failed_text"));
    with_link(&r, &mut text, r.s("open"), link);
    recipient(
        doc,
        format!("{} — {} {label}", r.s("pay_failed"), r.s("order")),
        text,
    )
}

/// The message of a parcel's step (ready, on its way, delivered...) in `lang` (the
/// shipment's), with its tracking number (none when `number` is empty: not known yet) and the
/// link to follow it: the carrier's tracking page `tracking` when the carrier has one
/// ([`Carrier::tracking_url`](tijara::ports::carrier::Carrier::tracking_url)), else the
/// order's page `link`.
pub fn shipment_message(
    region: &Region,
    doc: &OrderDoc,
    lang: Lang,
    status: tijara_core::fulfillment::TrackingStatus,
    number: &str,
    link: Option<&str>,
    tracking: Option<&str>,
) -> Notification {
    let link = tracking.or(link);
    let r = Reader::new(region, lang);
    let number = if number.trim().is_empty() {
        String::new()
    } else {
        format!(" — {} {number}", r.w("tracking"))
    };
    let mut text = format!(
        "{} {}{number}\n{} {}",
        r.w("parcel"),
        r.step(status),
        r.s("order"),
        order_label(doc)
    );
    with_link(&r, &mut text, r.s("follow"), link);
    let mut n = recipient(doc, format!("{} {}", r.w("parcel"), r.step(status)), text);
    n.lang = lang;
    n.phone = Some(doc.order.shipping_address.phone.clone());
    n
}

/// What a return's step adds for the shopper: the seller's reason for a refusal (and that
/// they may write to the marketplace if they disagree), the amount of a refund and when it
/// reaches them, the next thing to do after an approval.
fn return_details(
    r: &Reader<'_>,
    doc: &OrderDoc,
    ret: &tijara_core::returns::ReturnRequest,
) -> String {
    let c = r.colon();
    let (fr, ar, en) = match ret.status() {
        ReturnStatus::Rejected => ("Motif du vendeur", "سبب الرفض", "The seller's reason"),
        ReturnStatus::Approved => (
            "Renvoyez les articles avec le numéro de commande écrit sur le colis ; le remboursement suit leur réception",
            "أعد المنتجات مع كتابة رقم الطلب على الطرد؛ يتم الاسترداد بعد استلامها",
            "Send the items back with the order number written on the parcel; the refund follows their receipt",
        ),
        ReturnStatus::Refunded if ret.refund_due().is_some() => (
            "Montant du remboursement",
            "مبلغ الاسترداد",
            "Amount of the refund",
        ),
        ReturnStatus::Refunded => ("Montant remboursé", "المبلغ المسترد", "Amount refunded"),
        _ => return String::new(),
    };
    let label = match r.words {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    };
    match ret.status() {
        ReturnStatus::Rejected => match ret.refusal() {
            Some(reason) => format!("\n{label}{c} {reason}"),
            None => String::new(),
        },
        ReturnStatus::Refunded => match ret.refunded() {
            Some(amount) => {
                let way = refund_way(r, doc, ret);
                let sep = if way.is_empty() { "" } else { "\n" };
                format!("\n{label}{c} {}{sep}{way}", r.money(&amount))
            }
            None => String::new(),
        },
        _ => format!("\n{label}."),
    }
}

/// How a refund reaches the shopper, and where it stands: back on the card (sent through the
/// gateway: a few days at the bank), transferred by hand (the day, the account's last digits,
/// the bank's reference), or still to send (to the account given, to the card, or the
/// marketplace asks for an account); a sentence, without the amount.
fn refund_way(r: &Reader<'_>, doc: &OrderDoc, ret: &tijara_core::returns::ReturnRequest) -> String {
    let pick = |fr: &str, ar: &str, en: &str| -> String {
        match r.words {
            Lang::AR => ar,
            Lang::EN => en,
            _ => fr,
        }
        .to_owned()
    };
    let day = |at: DateTime<Utc>| r.region.local_date(at).format("%d/%m/%Y").to_string();
    let account = ret.refund_account().map(|a| a.masked()).unwrap_or_default();
    let by_transfer = doc.order.payment.method().refunds_by_transfer();
    match (ret.refund_sent(), ret.refund_account()) {
        // Refunded before refunds were sent through the engine: no promise to make.
        (None, _) if ret.refund_due().is_none() => String::new(),
        (Some(sent), _) if sent.through_gateway => pick(
            &format!(
                "Rendu à votre carte le {} : votre banque l'affiche sous quelques jours.",
                day(sent.at)
            ),
            &format!(
                "أعيد المبلغ إلى بطاقتك في {}: يظهر في حسابك البنكي خلال أيام.",
                day(sent.at)
            ),
            &format!(
                "Returned to your card on {}: your bank shows it within a few days.",
                day(sent.at)
            ),
        ),
        (Some(sent), Some(_)) => pick(
            &format!(
                "Viré le {} au compte {account} (référence {}).",
                day(sent.at),
                sent.reference
            ),
            &format!(
                "تم تحويله في {} إلى الحساب {account} (المرجع {}).",
                day(sent.at),
                sent.reference
            ),
            &format!(
                "Transferred on {} to the account {account} (reference {}).",
                day(sent.at),
                sent.reference
            ),
        ),
        (Some(sent), None) => pick(
            &format!("Envoyé le {} (référence {}).", day(sent.at), sent.reference),
            &format!("أرسل في {} (المرجع {}).", day(sent.at), sent.reference),
            &format!("Sent on {} (reference {}).", day(sent.at), sent.reference),
        ),
        (None, Some(_)) => pick(
            &format!(
                "Le marché va le virer au compte {account} ; un message vous dira quand il est envoyé."
            ),
            &format!("سيحوله السوق إلى الحساب {account}؛ ستصلك رسالة عند إرساله."),
            &format!(
                "The marketplace will transfer it to the account {account}; a message will tell you when it is sent."
            ),
        ),
        (None, None) if by_transfer => pick(
            "Le marché vous contactera pour le compte sur lequel le virer.",
            "سيتصل بك السوق لمعرفة الحساب الذي يحوله إليه.",
            "The marketplace will contact you for the account to transfer it to.",
        ),
        (None, None) => pick(
            "Le marché va le rendre à votre carte ; un message vous dira quand il est envoyé.",
            "سيعيده السوق إلى بطاقتك؛ ستصلك رسالة عند إرساله.",
            "The marketplace will return it to your card; a message will tell you when it is sent.",
        ),
    }
}

/// The message of the order's latest return (requested, approved, refunded...); `None` when
/// the order has no return.
pub fn return_message(region: &Region, doc: &OrderDoc, link: Option<&str>) -> Option<Notification> {
    let ret = doc.returns.iter().max_by_key(|r| r.requested_at)?;
    Some(return_step_message(region, doc, ret, None, link))
}

/// The message of one return of the order (`ret`), where it stands: its step, its value, what
/// the step adds (a refusal's reason, a refund's amount and how the money comes back; once
/// accepted, where to send the items: `send_to`, the shop's name, street, city and phone).
pub fn return_step_message(
    region: &Region,
    doc: &OrderDoc,
    ret: &tijara_core::returns::ReturnRequest,
    send_to: Option<&str>,
    link: Option<&str>,
) -> Notification {
    let r = Reader::new(region, doc.lang);
    let c = r.colon();
    // A refund decided whose money has not left yet is on its way, not yet refunded.
    let word = if ret.refund_due().is_some() {
        match r.words {
            Lang::AR => "تم قبول الاسترداد، المبلغ في الطريق",
            Lang::EN => "refund decided, the money is on its way",
            _ => "remboursement décidé, l'argent est en route",
        }
    } else if ret.is_came_back() && ret.status() == ReturnStatus::Received {
        // Not a return the shopper asked: the parcel came back, the payment is owed back.
        match r.words {
            Lang::AR => "عاد الطرد إلى البائع دون أن يُسلَّم؛ سيُرَدّ إليك المبلغ",
            Lang::EN => "the parcel came back to the seller undelivered; you will be refunded",
            _ => "le colis est revenu au vendeur sans être livré ; votre argent vous sera rendu",
        }
    } else {
        return_word(r.words, ret.status())
    };
    let mut text = format!(
        "{} {} — {}{c} {word}\n{}{c} {}",
        r.s("order"),
        order_label(doc),
        r.s("return"),
        r.s("return_value"),
        r.money(&ret.value)
    );
    text.push_str(&return_details(&r, doc, ret));
    if let (ReturnStatus::Approved, Some(to)) = (ret.status(), send_to) {
        let label = match r.words {
            Lang::AR => "العنوان الذي ترسل إليه المنتجات",
            Lang::EN => "Where to send the items",
            _ => "Où renvoyer les articles",
        };
        let _ = write!(text, "\n{label}{c} {to}");
    }
    with_link(&r, &mut text, r.s("open"), link);
    recipient(doc, format!("{} — {word}", r.s("return")), text)
}

/// The password-reset message for `email` in `lang`, with its link (works once, for
/// `minutes`).
pub fn password_reset_message(
    region: &Region,
    email: &str,
    lang: Lang,
    link: &str,
    minutes: i64,
) -> Notification {
    let r = Reader::new(region, lang);
    Notification {
        email: Some(email.to_owned()),
        phone: None,
        lang,
        subject: r.s("reset").to_owned(),
        text: format!(
            "{}\n\n{}{}\n{link}\n\n{}",
            r.s("hello"),
            r.s("reset_text"),
            r.colon(),
            r.s("reset_once").replace("{m}", &minutes.to_string())
        ),
    }
}

/// The e-mail verification message for `email` in `lang`, with its link (works once, for
/// `hours`).
pub fn verification_message(
    region: &Region,
    email: &str,
    lang: Lang,
    link: &str,
    hours: i64,
) -> Notification {
    let r = Reader::new(region, lang);
    Notification {
        email: Some(email.to_owned()),
        phone: None,
        lang,
        subject: r.s("verify").to_owned(),
        text: format!(
            "{}\n\n{}{}\n{link}\n\n{}",
            r.s("hello"),
            r.s("verify_text"),
            r.colon(),
            r.s("verify_once").replace("{h}", &hours.to_string())
        ),
    }
}

/// When a deadline falls, for tests and callers: the order's transfer deadline.
pub fn transfer_deadline(region: &Region, doc: &OrderDoc) -> DateTime<Utc> {
    doc.order.placed_at + Duration::hours(i64::from(region.transfer_hold_hours))
}
