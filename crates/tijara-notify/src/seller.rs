//! The sellers' messages: a new order to prepare, by e-mail to each of the seller's logins and
//! by SMS to the seller's number, in each login's language.
//!
//! A seller hears of a return request on its part at once (it must answer), by the same
//! channels; a cooperative's members do not decide returns and are not told.
//!
//! A seller hears of an order when there is work to do: when it is confirmed (cash on
//! delivery at once, a card or transfer order once paid), never for an unpaid order it must
//! not ship. A member artisan of a cooperative hears only of orders holding her products, and
//! reads only her lines.

use crate::{NotificationSink, Reader};
use tijara::usecases::accounts::Role;
use tijara_core::order::SellerOrder;
use tijara_core::order_record::OrderDoc;
use tijara_core::returns::ReturnRequest;
use tijara_core::{Lang, Region};

use crate::Notification;
use std::fmt::Write as _;

/// One line of a seller's new order: the product's name in the seller's language, its
/// options, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerLine {
    /// The product's name (its SKU when the product is gone).
    pub name: String,
    /// The variant's options (`couleur: rouge`), empty when none.
    pub options: String,
    /// How many.
    pub quantity: u32,
}

/// The sellers' words.
fn words(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "subject" => (
            "Nouvelle commande à préparer",
            "طلب جديد للتحضير",
            "New order to prepare",
        ),
        "items" => ("À préparer", "للتحضير", "To prepare"),
        "city" => ("Ville de l'acheteur", "مدينة المشتري", "Buyer's city"),
        "carrier" => ("Transporteur", "الناقل", "Carrier"),
        "cod" => (
            "À encaisser à la livraison",
            "المبلغ الواجب تحصيله عند التسليم",
            "To collect on delivery",
        ),
        "paid" => (
            "Déjà payé : rien à encaisser, vous pouvez expédier",
            "مدفوع مسبقا: لا شيء للتحصيل، يمكنك الإرسال",
            "Already paid: nothing to collect, you may ship",
        ),
        "open" => ("Ouvrir la commande", "افتح الطلب", "Open the order"),
        "ret_subject" => ("Demande de retour", "طلب إرجاع", "Return request"),
        "ret_items" => (
            "L'acheteur demande à renvoyer",
            "يطلب المشتري إرجاع",
            "The buyer asks to send back",
        ),
        "ret_reason" => ("Motif", "السبب", "Reason"),
        "ret_answer" => (
            "Acceptez ou refusez (avec votre raison) dans vos retours : l'acheteur attend votre réponse",
            "اقبل أو ارفض (مع ذكر السبب) في صفحة المرتجعات: المشتري ينتظر ردك",
            "Accept or refuse (with your reason) in your returns: the buyer waits for your answer",
        ),
        "ret_open" => ("Vos retours", "مرتجعاتك", "Your returns"),
        "back_subject" => (
            "Colis revenu : remboursez l'acheteur",
            "عاد الطرد: أرجع المبلغ إلى المشتري",
            "Parcel came back: refund the buyer",
        ),
        "back_items" => (
            "Revenu sans être livré, déjà payé par l'acheteur",
            "عاد دون أن يُسلَّم، وكان المشتري قد دفع ثمنه",
            "Came back undelivered, already paid by the buyer",
        ),
        "back_answer" => (
            "Remboursez-lui le prix des articles dans vos retours (ils sont de nouveau en vente)",
            "أرجع إليه ثمن المنتجات في صفحة المرتجعات (هي معروضة للبيع من جديد)",
            "Refund the items' price in your returns (they are on sale again)",
        ),
        "changed_mind" => ("a changé d'avis", "غيّر رأيه", "changed their mind"),
        "damaged" => ("article abîmé", "منتج متضرر", "item damaged"),
        "not_as_described" => ("pas comme décrit", "ليس كما وُصف", "not as described"),
        "wrong_item" => ("mauvais article", "منتج خاطئ", "wrong item"),
        "other" => ("autre raison", "سبب آخر", "another reason"),
        _ => ("", "", ""),
    };
    match lang {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

/// Who a seller's message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerReader {
    /// The login's e-mail.
    pub email: Option<String>,
    /// The seller's number, for the SMS (`None`: no SMS).
    pub phone: Option<String>,
    /// The login's language.
    pub lang: Lang,
}

/// The message telling a seller's login (`to`) of a new order to prepare: the order's number,
/// the lines (`lines`, already in the reader's language), the buyer's city, the carrier, the
/// cash to collect, and `link` to the order in the portal.
pub fn new_order_message(
    region: &Region,
    doc: &OrderDoc,
    part: &SellerOrder,
    lines: &[SellerLine],
    to: SellerReader,
    link: Option<&str>,
) -> Notification {
    let SellerReader { email, phone, lang } = to;
    let r = Reader::new(region, lang);
    let w = |k| words(r.words, k);
    let reference = doc.order.reference();
    let items = lines
        .iter()
        .map(|l| {
            if l.options.is_empty() {
                format!("{} × {}", l.quantity, l.name)
            } else {
                format!("{} × {} ({})", l.quantity, l.name, l.options)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    // French puts a space before the colon, as the shoppers' messages do.
    let c = r.colon();
    let mut text = format!("{} {reference}\n{}{c} {items}\n", w("subject"), w("items"));
    let _ = write!(text, "{}{c} {}", w("city"), doc.order.shipping_address.city);
    if let Some(s) = &part.shipping {
        let _ = write!(
            text,
            " · {}{c} {}",
            w("carrier"),
            s.choice.carrier_display()
        );
    }
    text.push('\n');
    match part.cod_amount {
        Some(m) if m.is_positive() => {
            let _ = writeln!(text, "{}{c} {}", w("cod"), r.money(&m));
        }
        _ => {
            let _ = writeln!(text, "{}", w("paid"));
        }
    }
    if let Some(link) = link {
        let _ = writeln!(text, "{}{c} {link}", w("open"));
    }
    Notification {
        email,
        phone,
        lang,
        subject: format!("{} {reference}", w("subject")),
        text,
    }
}

/// The message telling a seller's login (`to`) that a buyer asks to return items of its part
/// (or, for [`ReturnRequest::came_back`], that a paid parcel came back and is to refund):
/// the order's number, the items asked back (`lines`, in the reader's language, with the
/// quantities asked), the reason chosen, what to do, and `link` to the returns page. Short
/// enough for an SMS: the buyer's own words and photos are on the page.
pub fn return_request_message(
    region: &Region,
    doc: &OrderDoc,
    ret: &ReturnRequest,
    lines: &[SellerLine],
    to: SellerReader,
    link: Option<&str>,
) -> Notification {
    let SellerReader { email, phone, lang } = to;
    let r = Reader::new(region, lang);
    let w = |k| words(r.words, k);
    let c = r.colon();
    let reference = doc.order.reference();
    let items = lines
        .iter()
        .map(|l| format!("{} × {}", l.quantity, l.name))
        .collect::<Vec<_>>()
        .join(", ");
    // A paid parcel that came back undelivered is not a request: it is to refund.
    let back = ret.is_came_back();
    let (subject, asks, answer) = if back {
        ("back_subject", "back_items", "back_answer")
    } else {
        ("ret_subject", "ret_items", "ret_answer")
    };
    let mut text = format!("{} {reference}\n{}{c} {items}\n", w(subject), w(asks));
    if let Some(code) = ret.reason_code.filter(|_| !back) {
        let _ = writeln!(text, "{}{c} {}", w("ret_reason"), w(code.as_str()));
    }
    let _ = writeln!(text, "{}.", w(answer));
    if let Some(link) = link {
        let _ = writeln!(text, "{}{c} {link}", w("ret_open"));
    }
    Notification {
        email,
        phone,
        lang,
        subject: format!("{} {reference}", w(subject)),
        text,
    }
}

impl NotificationSink {
    /// The messages of a new return request: one per login deciding for the part's seller
    /// (its own logins, not a cooperative's members, who do not decide), the seller's number
    /// getting the SMS once.
    pub(crate) async fn seller_return_notices(
        &self,
        reads: &crate::batch::Reads,
        doc: &OrderDoc,
        ret: &ReturnRequest,
    ) -> Result<Vec<Notification>, tijara::TijaraError> {
        let Ok(so) = doc.order.seller_order(&ret.seller_order_id) else {
            return Ok(Vec::new());
        };
        // The part as the return asks it back: its returned lines, their returned quantities.
        let mut asked = so.clone();
        asked.lines = so
            .lines
            .iter()
            .filter_map(|l| {
                let back = ret.lines.iter().find(|x| x.variant_id == l.variant_id)?;
                let mut l = l.clone();
                l.quantity = back.quantity;
                Some(l)
            })
            .collect();
        let mut phone = self.sms_number(reads, &so.seller_id).await?;
        let link = self
            .portal_url
            .as_ref()
            .map(|base| format!("{base}/returns"));
        let mut out = Vec::new();
        for a in self.accounts_read(reads, &so.seller_id).await?.iter() {
            if !matches!(&a.role, Role::Seller { member: None, .. }) {
                continue;
            }
            let lines = self.seller_lines(reads, &asked, None, a.lang).await;
            out.push(return_request_message(
                self.engine.region(),
                doc,
                ret,
                &lines,
                SellerReader {
                    email: Some(a.email.clone()),
                    phone: phone.take(),
                    lang: a.lang,
                },
                link.as_deref(),
            ));
        }
        Ok(out)
    }

    /// Where a shopper sends back the items of `ret`: its seller's name, street (when the
    /// profile has one), city and phone (or WhatsApp number); `None` for a seller gone.
    pub(crate) async fn return_address(
        &self,
        reads: &crate::batch::Reads,
        doc: &OrderDoc,
        ret: &ReturnRequest,
    ) -> Result<Option<String>, tijara::TijaraError> {
        let Ok(so) = doc.order.seller_order(&ret.seller_order_id) else {
            return Ok(None);
        };
        Ok(self.seller_read(reads, &so.seller_id).await?.map(|s| {
            let mut to = s.name.clone();
            if let Some(street) = s
                .contact
                .address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                to.push_str(", ");
                to.push_str(street);
            }
            to.push_str(", ");
            to.push_str(&s.home_city);
            if let Some(phone) = s.contact.phone.as_deref().or(s.whatsapp.as_deref()) {
                to.push_str(" · ☎ ");
                to.push_str(phone);
            }
            to
        }))
    }

    /// The number a seller's SMS goes to: its phone, else its WhatsApp number, when it is a
    /// full international number.
    async fn sms_number(
        &self,
        reads: &crate::batch::Reads,
        seller: &tijara_core::SellerId,
    ) -> Result<Option<String>, tijara::TijaraError> {
        Ok(self
            .seller_read(reads, seller)
            .await?
            .as_ref()
            .and_then(|s| s.contact.phone.clone().or_else(|| s.whatsapp.clone()))
            .filter(|p| tijara_core::catalog::is_e164(p)))
    }

    /// The lines of `part` a reader in `lang` sees (a member: only hers), named in `lang`.
    async fn seller_lines(
        &self,
        reads: &crate::batch::Reads,
        part: &SellerOrder,
        member: Option<&tijara_core::MemberId>,
        lang: Lang,
    ) -> Vec<SellerLine> {
        let lines: Vec<_> = part
            .lines
            .iter()
            .filter(|l| member.is_none() || l.made_by.as_ref() == member)
            .collect();
        // One read (a product deleted since or unreadable is named by its reference).
        let ids: Vec<&tijara_core::ProductId> = lines.iter().map(|l| &l.product_id).collect();
        let products = self.products(reads, &ids).await;
        let mut out = Vec::new();
        for l in lines {
            let (name, options) = match products.iter().find(|p| p.id == l.product_id) {
                Some(product) => (
                    self.engine
                        .region()
                        .text(&product.title, lang)
                        .map_or_else(|| l.sku.to_string(), str::to_owned),
                    product
                        .variants
                        .iter()
                        .find(|v| v.id == l.variant_id)
                        .map(|v| {
                            v.options
                                .iter()
                                .map(|(k, val)| format!("{k}: {val}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default(),
                ),
                None => (l.sku.to_string(), String::new()),
            };
            out.push(SellerLine {
                name,
                options,
                quantity: l.quantity,
            });
        }
        out
    }

    /// The new-order messages of a confirmed order: one per login of each of its sellers
    /// (members only for orders holding their products), the seller's number getting the SMS
    /// once (with its first owner login's message).
    pub(crate) async fn seller_notices(
        &self,
        reads: &crate::batch::Reads,
        doc: &OrderDoc,
    ) -> Result<Vec<Notification>, tijara::TijaraError> {
        let mut out = Vec::new();
        for so in &doc.order.seller_orders {
            let mut phone = self.sms_number(reads, &so.seller_id).await?;
            let link = self
                .portal_url
                .as_ref()
                .map(|base| format!("{base}/orders/{}/{}", doc.order.id, so.id));
            for a in self.accounts_read(reads, &so.seller_id).await?.iter() {
                let member = match &a.role {
                    Role::Seller { member, .. } => member.clone(),
                    _ => continue,
                };
                if let Some(m) = &member
                    && !so.lines.iter().any(|l| l.made_by.as_ref() == Some(m))
                {
                    continue;
                }
                let lines = self.seller_lines(reads, so, member.as_ref(), a.lang).await;
                let sms = if member.is_none() { phone.take() } else { None };
                // A member opens the portal's list; the order's page is the shipper's.
                let link = if member.is_none() {
                    link.clone()
                } else {
                    self.portal_url.clone()
                };
                out.push(new_order_message(
                    self.engine.region(),
                    doc,
                    so,
                    &lines,
                    SellerReader {
                        email: Some(a.email.clone()),
                        phone: sms,
                        lang: a.lang,
                    },
                    link.as_deref(),
                ));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_exist_in_three_languages() {
        for key in ["subject", "items", "city", "carrier", "cod", "paid", "open"] {
            for lang in [Lang::FR, Lang::AR, Lang::EN] {
                assert!(!words(lang, key).is_empty(), "{key} {lang:?}");
            }
        }
        assert_eq!(words(Lang::AR, "subject"), "طلب جديد للتحضير");
        assert_eq!(tijara_core::pricing::carrier_name("amana"), "Amana");
    }
}
