//! The portal's returns: every withdrawal request on the seller's parts (items, quantities,
//! the shopper's reason and words), and the seller's steps: approve, refuse with a reason,
//! mark received, refund. The rules (order of the steps, the refund at most the lines' value)
//! are the core's (`tijara_core::returns`); the shopper is told at each step by the
//! notifications (`return.updated`).
//!
//! Authorization: the seller is the logged-in account's; a return on another seller's part is
//! "not found". A cooperative's member artisan sees the returns of the products she made but
//! does not decide: the refund is taken from the cooperative's share and paid from its
//! account, so its manager answers for it (403 with a sentence that says so).

use super::*;
use tijara::usecases::returns::ReturnStep;
use tijara_core::ReturnId;
use tijara_core::returns::{ReturnError, ReturnRequest, ReturnStatus};

/// Words of the returns page.
pub(super) fn rw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "returns" => ("Retours", "المرتجعات", "Returns"),
        "intro" => (
            "Un acheteur peut renvoyer un article dans les 7 jours après la livraison. Répondez vite : il est prévenu à chaque étape.",
            "يمكن للمشتري إرجاع منتج خلال 7 أيام بعد التسليم. أجب بسرعة: يتم إخباره في كل مرحلة.",
            "A buyer may send an item back within 7 days of delivery. Answer quickly: they are told at each step.",
        ),
        "none" => (
            "Aucune demande de retour.",
            "لا توجد طلبات إرجاع.",
            "No return requests.",
        ),
        "order" => ("Commande", "الطلب", "Order"),
        "asked_on" => ("demandé le", "طُلب في", "asked on"),
        "came_back_on" => ("revenu le", "عاد في", "came back on"),
        "reason" => ("Motif", "السبب", "Reason"),
        "words" => (
            "Les mots de l'acheteur",
            "كلمات المشتري",
            "The buyer's words",
        ),
        "value" => ("Valeur des articles", "قيمة المنتجات", "Value of the items"),
        "approve" => ("Accepter le retour", "اقبل الإرجاع", "Accept the return"),
        "refuse" => ("Refuser", "ارفض", "Refuse"),
        "refuse_why" => (
            "Pourquoi refusez-vous ? (l'acheteur lira ce texte)",
            "لماذا ترفض؟ (سيقرأ المشتري هذا النص)",
            "Why do you refuse? (the buyer reads this)",
        ),
        "received" => (
            "J'ai reçu les articles",
            "استلمت المنتجات",
            "I received the items",
        ),
        "came_back_help" => (
            "Le colis vous est revenu sans être livré et l'acheteur l'avait déjà payé : ses articles sont de nouveau en vente, remboursez-lui leur prix ci-dessous.",
            "عاد إليك الطرد دون أن يُسلَّم وكان المشتري قد دفع ثمنه: منتجاته معروضة للبيع من جديد، فأرجع إليه ثمنها أدناه.",
            "The parcel came back to you undelivered and the buyer had already paid: the items are on sale again; refund their price below.",
        ),
        "received_help" => (
            "Quand le colis revient, vérifiez les articles, dites s'ils peuvent être vendus à nouveau, puis appuyez.",
            "عندما يعود الطرد، تحقق من المنتجات، وحدد هل يمكن بيعها من جديد، ثم اضغط.",
            "When the parcel comes back, check the items, say whether they can be sold again, then press.",
        ),
        "sale_q" => (
            "Les articles reçus peuvent-ils être vendus à nouveau ?",
            "هل يمكن بيع المنتجات المستلمة من جديد؟",
            "Can the items you received be sold again?",
        ),
        "sale_yes" => (
            "Oui, comme neufs : les remettre en vente",
            "نعم، كأنها جديدة: أعدها للبيع",
            "Yes, as new: put them back on sale",
        ),
        "sale_no" => (
            "Non, abîmés ou usés : ne pas les remettre en vente",
            "لا، تالفة أو مستعملة: لا تعدها للبيع",
            "No, damaged or worn: keep them off sale",
        ),
        "sale_no_help" => (
            "Le remboursement se fait de la même façon. Si l'article est arrivé abîmé chez l'acheteur, remboursez-le en entier.",
            "يتم الاسترداد بنفس الطريقة. إذا وصل المنتج تالفا إلى المشتري، أرجع له المبلغ كاملا.",
            "The refund is made the same way. If the item reached the buyer damaged, refund it in full.",
        ),
        "err_sale" => (
            "Dites si les articles peuvent être vendus à nouveau : choisissez « Oui » ou « Non » au-dessus du bouton.",
            "حدد هل يمكن بيع المنتجات من جديد: اختر «نعم» أو «لا» فوق الزر.",
            "Say whether the items can be sold again: choose \"Yes\" or \"No\" above the button.",
        ),
        "kept_off_sale" => (
            "Reçus, non remis en vente (abîmés ou usés).",
            "مستلمة، لم تعد للبيع (تالفة أو مستعملة).",
            "Received, kept off sale (damaged or worn).",
        ),
        "refund" => ("Rembourser", "أرجع المبلغ", "Refund"),
        "refund_amount" => ("Montant (MAD)", "المبلغ (درهم)", "Amount (MAD)"),
        "came_back_whole" => (
            "L'acheteur n'a rien reçu : tout le prix des articles lui est rendu (la livraison n'en fait pas partie). Le marché le lui envoie.",
            "لم يستلم المشتري شيئا: يُرَدّ إليه ثمن المنتجات كاملا (دون التوصيل). والسوق هو من يرسله إليه.",
            "The buyer received nothing: the items' whole price goes back to them (the delivery is not part of it). The marketplace sends it to them.",
        ),
        "err_came_back_whole" => (
            "Ce colis n'a pas été livré : remboursez tout le prix des articles, sans rien retenir. Revenez aux retours et confirmez le montant affiché.",
            "لم يُسلَّم هذا الطرد: أرجع ثمن المنتجات كاملا دون خصم. عد إلى المرتجعات وأكد المبلغ المعروض.",
            "This parcel was not delivered: refund the items' whole price, keeping nothing. Go back to the returns and confirm the amount shown.",
        ),
        "effect_if" => ("Si vous remboursez", "إذا أرجعت", "If you refund"),
        "effect_colon" => (" :", ":", ":"),
        "effect_owed" => (
            "ce que le marché vous doit baisse de",
            "ينقص ما يدين لك به السوق بمبلغ",
            "what the marketplace owes you drops by",
        ),
        "effect_open" => ("(le remboursement", "(المبلغ المسترد", "(the refund"),
        "effect_less_comm" => (
            "moins la commission de",
            "ناقص عمولة",
            "less the commission of",
        ),
        "effect_close" => (
            "que le marché ne garde plus).",
            "التي لم يعد السوق يحتفظ بها).",
            "the marketplace no longer keeps).",
        ),
        "effect_less" => (
            "Un remboursement moindre les réduit en proportion.",
            "المبلغ الأقل يخفضهما بالتناسب.",
            "A smaller refund lowers both in proportion.",
        ),
        "refund_help" => (
            "Au plus la valeur des articles. Vous pouvez retenir les frais du renvoi si l'acheteur a changé d'avis (loi 31-08). Le marché envoie le remboursement à l'acheteur.",
            "على الأكثر قيمة المنتجات. يمكنك خصم مصاريف الإرجاع إذا غير المشتري رأيه (القانون 31-08). والسوق هو من يرسل المبلغ إلى المشتري.",
            "At most the items' value. You may keep the cost of sending back if the buyer changed their mind (law 31-08). The marketplace sends the refund to the buyer.",
        ),
        "member_only_sees" => (
            "La coopérative décide des retours : le remboursement est pris sur sa part.",
            "التعاونية هي التي تقرر في المرتجعات: يخصم الاسترداد من حصتها.",
            "The cooperative decides on returns: the refund comes out of its share.",
        ),
        "refused_because" => ("Refusé :", "مرفوض:", "Refused:"),
        "refunded" => ("Remboursé :", "المبلغ المسترد:", "Refunded:"),
        "done_approve" => (
            "Retour accepté : l'acheteur est prévenu qu'il peut renvoyer les articles.",
            "تم قبول الإرجاع: تم إخبار المشتري بأنه يمكنه إعادة المنتجات.",
            "Return accepted: the buyer is told to send the items back.",
        ),
        "done_reject" => (
            "Retour refusé : l'acheteur a reçu votre motif.",
            "تم رفض الإرجاع: وصل سببك إلى المشتري.",
            "Return refused: the buyer has your reason.",
        ),
        "done_receive" => (
            "Articles reçus et remis en vente. Étape suivante : rembourser.",
            "تم استلام المنتجات وإعادتها للبيع. الخطوة التالية: إرجاع المبلغ.",
            "Items received and back on sale. Next: refund.",
        ),
        "done_kept" => (
            "Articles reçus, non remis en vente. Étape suivante : rembourser.",
            "تم استلام المنتجات ولم تعد للبيع. الخطوة التالية: إرجاع المبلغ.",
            "Items received and kept off sale. Next: refund.",
        ),
        "done_refund" => (
            "Remboursement enregistré : le marché rend l'argent à l'acheteur (à sa carte, ou par virement) et le prévient.",
            "تم تسجيل الاسترداد: يعيد السوق المبلغ إلى المشتري (إلى بطاقته أو بتحويل) ويخبره.",
            "Refund recorded: the marketplace sends the money back to the buyer (to their card, or by transfer) and tells them.",
        ),
        "err_moved" => (
            "Ce retour a déjà changé d'étape (quelqu'un d'autre a répondu ?). Rechargez la page des retours pour voir où il en est.",
            "تغيرت مرحلة هذا الإرجاع (ربما أجاب شخص آخر). أعد تحميل صفحة المرتجعات لترى حالته.",
            "This return has already moved on (did someone else answer?). Reload the returns page to see where it stands.",
        ),
        "err_reason" => (
            "Écrivez la raison du refus : l'acheteur la lira (par exemple « article personnalisé à son nom »).",
            "اكتب سبب الرفض: سيقرأه المشتري (مثلا «منتج مخصص باسمه»).",
            "Write the reason for refusing: the buyer reads it (for example \"item personalised with their name\").",
        ),
        "err_reason_long" => (
            "Le motif est trop long : 500 caractères au plus.",
            "السبب طويل جدا: 500 حرف على الأكثر.",
            "The reason is too long: 500 characters at most.",
        ),
        "err_reason_bad" => (
            "Le motif contient un caractère invisible : retapez-le.",
            "يحتوي السبب على حرف غير مرئي: أعد كتابته.",
            "The reason holds an invisible character: type it again.",
        ),
        "err_amount" => (
            "Montant non compris : écrivez un nombre comme 120 ou 120,50, au plus la valeur des articles.",
            "لم نفهم المبلغ: اكتب رقما مثل 120 أو 120,50، على الأكثر قيمة المنتجات.",
            "Amount not understood: write a number such as 120 or 120.50, at most the items' value.",
        ),
        "err_step" => (
            "Étape inconnue : utilisez les boutons de la page des retours.",
            "مرحلة غير معروفة: استعمل أزرار صفحة المرتجعات.",
            "Unknown step: use the buttons of the returns page.",
        ),
        "back" => (
            "Revenir aux retours",
            "العودة إلى المرتجعات",
            "Back to the returns",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The shopper's reason, in the reader's words.
fn reason_word(lang: Lang, r: &ReturnRequest) -> Option<&'static str> {
    use tijara_core::returns::ReturnReason;
    let key = match r.reason_code? {
        ReturnReason::ChangedMind => "ac_reason_changed_mind",
        ReturnReason::Damaged => "ac_reason_damaged",
        ReturnReason::NotAsDescribed => "ac_reason_not_as_described",
        ReturnReason::WrongItem => "ac_reason_wrong_item",
        ReturnReason::CameBack => "ac_reason_came_back",
        _ => "ac_reason_other",
    };
    Some(t(lang, key))
}

/// The status of a return in words.
fn status_of(lang: Lang, s: ReturnStatus) -> &'static str {
    let (fr, ar, en) = match s {
        ReturnStatus::Requested => ("À décider", "في انتظار قرارك", "To decide"),
        ReturnStatus::Approved => (
            "Accepté : en attente du colis",
            "مقبول: في انتظار الطرد",
            "Accepted: waiting for the parcel",
        ),
        ReturnStatus::Rejected => ("Refusé", "مرفوض", "Refused"),
        ReturnStatus::Received => (
            "Reçu : à rembourser",
            "مستلم: أرجع المبلغ",
            "Received: to refund",
        ),
        ReturnStatus::Refunded => ("Remboursé", "تم رد المبلغ", "Refunded"),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// Every order of the seller (all pages).
async fn seller_docs(app: &App, seller: &SellerId) -> Result<Vec<OrderDoc>, TijaraError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .engine
            .orders()
            .seller_orders(seller, after.as_deref(), 100)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// Whether a member artisan sees this return: it includes a line of a product she made.
pub(crate) fn member_sees(so: &SellerOrder, r: &ReturnRequest, member: &Option<MemberId>) -> bool {
    member.is_none()
        || r.lines.iter().any(|l| {
            so.lines
                .iter()
                .any(|o| o.variant_id == l.variant_id && o.made_by == *member)
        })
}

/// The names of the products of these orders' lines, in `lang`.
async fn product_names(app: &App, docs: &[&OrderDoc], lang: Lang) -> HashMap<ProductId, String> {
    let lines = || {
        docs.iter()
            .flat_map(|d| d.order.seller_orders.iter())
            .flat_map(|so| so.lines.iter())
    };
    // One read for all the lines (a product deleted since is named by its SKU).
    let ids = lines().map(|l| &l.product_id);
    let views = app.engine.catalog().products_to_show(ids).await;
    let mut names = HashMap::new();
    for l in lines() {
        if names.contains_key(&l.product_id) {
            continue;
        }
        let name = match views.iter().find(|v| v.product.id == l.product_id) {
            Some(v) => v.product.title.get(lang, Lang::AR).unwrap_or("").to_owned(),
            None => l.sku.to_string(),
        };
        names.insert(l.product_id.clone(), name);
    }
    names
}

#[derive(Deserialize)]
pub(super) struct ReturnsQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /seller/returns`.
pub(super) async fn returns_page(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ReturnsQuery>,
) -> Response {
    let lang = ctx.lang;
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let docs = match seller_docs(&app, &seller).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let mut items: Vec<(&OrderDoc, &SellerOrder, &ReturnRequest)> = Vec::new();
    for d in &docs {
        for r in &d.returns {
            if let Ok(so) = d.order.seller_order(&r.seller_order_id)
                && so.seller_id == seller
                && member_sees(so, r, &member)
            {
                items.push((d, so, r));
            }
        }
    }
    // Those to act on first, then the newest.
    items.sort_by_key(|(_, _, r)| {
        (
            matches!(r.status(), ReturnStatus::Rejected | ReturnStatus::Refunded),
            std::cmp::Reverse(r.requested_at),
        )
    });
    let with_returns: Vec<&OrderDoc> = items.iter().map(|(d, _, _)| *d).collect();
    let names = product_names(&app, &with_returns, lang).await;
    // The shop's rates, read once, for what a refund to decide would take from her share (the
    // page reads without them).
    let shop = if items
        .iter()
        .any(|(_, _, r)| r.status() == ReturnStatus::Received)
    {
        app.engine.catalog().seller(&seller).await.ok()
    } else {
        None
    };
    let done = q.done.as_deref().and_then(|d| match d {
        "approve" => Some("done_approve"),
        "reject" => Some("done_reject"),
        "receive" => Some("done_receive"),
        "kept" => Some("done_kept"),
        "refund" => Some("done_refund"),
        _ => None,
    });
    let body = html! {
        h1 { (rw(lang, "returns")) }
        (nav(&ctx))
        @if let Some(k) = done { p.ok role="status" { "✔ " (rw(lang, k)) } }
        p.muted { (rw(lang, "intro")) }
        @if member.is_some() { p.muted { (rw(lang, "member_only_sees")) } }
        @if items.is_empty() { p { (rw(lang, "none")) } }
        @for (d, so, r) in &items {
            (return_box(&app, &ctx, (d, so, r), &names, shop.as_ref(), member.is_none()))
        }
    };
    layout(&ctx, rw(lang, "returns"), body).into_response()
}

/// What refunding the whole of `r` would move on the seller's share, exactly as the refund step
/// will (the order's rule applied to a copy): (the commission given back, the drop of what the
/// marketplace owes her). `None` when the rule would refuse.
fn refund_effect(
    d: &OrderDoc,
    r: &ReturnRequest,
    amount: Money,
    shop: &tijara_core::catalog::Seller,
) -> Option<(Money, Money)> {
    let mut copy = d.clone();
    let before = copy.ledger.len();
    // The time only dates the copy's ledger line.
    copy.refund_return(&r.id, amount, shop, d.order.placed_at)
        .ok()?;
    let m = &copy.ledger.get(before)?.movement;
    Some((m.commission.negated(), m.seller_share.negated()))
}

fn return_box(
    app: &App,
    ctx: &Ctx,
    (d, so, r): (&OrderDoc, &SellerOrder, &ReturnRequest),
    names: &HashMap<ProductId, String>,
    shop: Option<&tijara_core::catalog::Seller>,
    can_act: bool,
) -> Markup {
    let lang = ctx.lang;
    // What the refund gives: the value, or for a parcel that came back, all it is owed now.
    let whole = d.came_back_owed(&r.id).unwrap_or(r.value);
    let effect = shop
        .filter(|_| r.status() == ReturnStatus::Received && whole.is_positive())
        .and_then(|s| refund_effect(d, r, whole, s));
    let base = format!("/seller/returns/{}/{}", d.order.id, r.id);
    // Each step's address carries the page's language, so the answer stays in it.
    let to = |step: &str| format!("{base}/{step}?lang={lang}");
    html! {
        section.box id={ "ret-" (r.id) } {
            h2 { (rw(lang, "order")) " " bdi { (d.order.reference()) } " — " (status_of(lang, r.status())) }
            // Each part isolated: a Latin name or a date must not reorder the Arabic line.
            p.muted { (rw(lang, if r.is_came_back() { "came_back_on" } else { "asked_on" })) " " bdi { (crate::web::local_day(app, r.requested_at)) } " · " bdi.name { (d.order.shipping_address.name) } " · " bdi { (d.order.shipping_address.city) } }
            ul {
                @for l in &r.lines {
                    @let line = so.lines.iter().find(|o| o.variant_id == l.variant_id);
                    li {
                        (line.and_then(|o| names.get(&o.product_id)).map(String::as_str).unwrap_or(l.variant_id.as_str()))
                        " × " (l.quantity)
                    }
                }
            }
            p { (rw(lang, "value")) ": " bdi { (r.value.format(lang)) } }
            @if let Some(why) = reason_word(lang, r) { p { (rw(lang, "reason")) ": " (why) } }
            @if r.is_came_back() && r.status() == ReturnStatus::Received { p.notice { (rw(lang, "came_back_help")) } }
            @if let Some(words) = &r.reason { p { (rw(lang, "words")) ": " q { bdi { (words) } } } }
            @if let Some(why) = r.refusal() { p { (rw(lang, "refused_because")) " " (why) } }
            (crate::web::return_photos(lang, r, None))
            @if r.kept_off_sale() { p.muted { (rw(lang, "kept_off_sale")) } }
            @if let Some(amount) = r.refunded() { p { (rw(lang, "refunded")) " " bdi { (amount.format(lang)) } } }
            @if can_act {
                @match r.status() {
                    ReturnStatus::Requested => {
                        form method="post" action=(to("approve")) {
                            (ctx.csrf_field())
                            button.big type="submit" { (rw(lang, "approve")) }
                        }
                        form method="post" action=(to("reject")) {
                            (ctx.csrf_field())
                            label { (rw(lang, "refuse_why")) textarea name="reason" rows="2" maxlength="500" required {} }
                            button type="submit" { (rw(lang, "refuse")) }
                        }
                    }
                    ReturnStatus::Approved => {
                        p.muted { (rw(lang, "received_help")) }
                        // Nothing ticked (the browser asks for a choice), except "keep off sale"
                        // for a piece the buyer says arrived damaged; the artisan decides.
                        @let damaged = r.reason_code == Some(tijara_core::returns::ReturnReason::Damaged);
                        form method="post" action=(to("receive")) {
                            (ctx.csrf_field())
                            fieldset {
                                legend { (rw(lang, "sale_q")) }
                                label { input type="radio" name="sale" value="yes" required; " " (rw(lang, "sale_yes")) }
                                label { input type="radio" name="sale" value="no" required checked[damaged]; " " (rw(lang, "sale_no")) }
                                p.muted { (rw(lang, "sale_no_help")) }
                            }
                            button.big type="submit" { (rw(lang, "received")) }
                        }
                    }
                    ReturnStatus::Received => {
                        form method="post" action=(to("refund")) {
                            (ctx.csrf_field())
                            @if r.is_came_back() {
                                // Refunded in whole: nothing to choose (the core refuses less).
                                input type="hidden" name="amount" value=(whole.amount().to_string());
                                p { (rw(lang, "refund_amount")) (rw(lang, "effect_colon")) " " strong { bdi { (whole.format(lang)) } } }
                                p.muted { (rw(lang, "came_back_whole")) }
                            } @else {
                                label { (rw(lang, "refund_amount")) input name="amount" inputmode="decimal" required value=(r.value.amount().to_string()); }
                                p.muted { (rw(lang, "refund_help")) }
                            }
                            @if let Some((commission, drop)) = effect {
                                p.small {
                                    (rw(lang, "effect_if")) " " bdi { (whole.format(lang)) } (rw(lang, "effect_colon")) " "
                                    (rw(lang, "effect_owed")) " " strong { bdi { (drop.format(lang)) } } " "
                                    (rw(lang, "effect_open")) " " bdi { (whole.format(lang)) } " " (rw(lang, "effect_less_comm")) " "
                                    bdi { (commission.format(lang)) } " " (rw(lang, "effect_close")) " "
                                    @if !r.is_came_back() { (rw(lang, "effect_less")) }
                                }
                            }
                            button.big type="submit" { (rw(lang, "refund")) }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The fields of a step's form (each step reads the ones it needs).
#[derive(Debug, Default, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
    /// `receive`: whether the items go back on sale (`yes`) or are kept off sale (`no`).
    #[serde(default)]
    sale: String,
}

/// A refusal page for a step: the sentence, and the way back to the list.
fn step_problem(ctx: &Ctx, status: StatusCode, key: &str) -> Response {
    let lang = ctx.lang;
    (
        status,
        layout(
            ctx,
            rw(lang, "returns"),
            html! {
                p.error role="alert" { (rw(lang, key)) }
                p { a.button.big href="/seller/returns" { (rw(lang, "back")) } }
            },
        ),
    )
        .into_response()
}

/// The page for an engine refusal of a step: the return's own causes in the seller's words,
/// others as everywhere else.
fn step_refusal(ctx: &Ctx, e: &TijaraError) -> Response {
    match e {
        TijaraError::Return(ReturnError::Transition(_)) => {
            step_problem(ctx, StatusCode::CONFLICT, "err_moved")
        }
        TijaraError::Return(ReturnError::RefusalWithoutReason) => {
            step_problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_reason")
        }
        TijaraError::Return(ReturnError::ReasonTooLong { .. }) => {
            step_problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_reason_long")
        }
        TijaraError::Return(ReturnError::ReasonControl) => {
            step_problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_reason_bad")
        }
        TijaraError::Return(ReturnError::RefundTooLarge { .. }) => {
            step_problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_amount")
        }
        TijaraError::Return(ReturnError::CameBackRefundedInWhole { .. }) => {
            step_problem(ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_came_back_whole")
        }
        e => refusal(ctx, e),
    }
}

/// `POST /seller/returns/{order}/{return}/{step}` (`approve`, `reject`, `receive`, `refund`).
pub(super) async fn return_step(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, ret, step)): Path<(String, String, String)>,
    Form(f): Form<StepForm>,
) -> Response {
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Ok(order), Ok(ret)) = (OrderId::new(order), ReturnId::new(ret)) else {
        return forbidden(&ctx);
    };
    let doc = match app.engine.orders().order(&order).await {
        Ok(d) => d,
        Err(TijaraError::NotFound { .. }) => return forbidden(&ctx),
        Err(e) => return refusal(&ctx, &e),
    };
    // Another seller's return (or none): not found, whatever the step.
    let Some((so, r)) = doc.returns.iter().find(|r| r.id == ret).and_then(|r| {
        doc.order
            .seller_order(&r.seller_order_id)
            .ok()
            .filter(|so| so.seller_id == seller)
            .map(|so| (so, r))
    }) else {
        return forbidden(&ctx);
    };
    if member.is_some() {
        if !member_sees(so, r, &member) {
            return forbidden(&ctx);
        }
        return step_problem(&ctx, StatusCode::FORBIDDEN, "member_only_sees");
    }
    let step = match step.as_str() {
        "approve" => ReturnStep::Approve,
        "reject" => ReturnStep::RejectWithReason { reason: f.reason },
        "receive" => match f.sale.as_str() {
            "yes" => ReturnStep::Receive,
            "no" => ReturnStep::ReceiveKeptOffSale,
            // Nothing chosen (or a made-up value): asked, never guessed, since a guess either
            // way puts a damaged piece on sale or takes a good one off.
            _ => return step_problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_sale"),
        },
        "refund" => match Money::parse_typed(&f.amount, tijara_core::Currency::MAD) {
            Ok(amount) if !amount.is_negative() => ReturnStep::Refund { amount },
            _ => return step_problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "err_amount"),
        },
        _ => return step_problem(&ctx, StatusCode::NOT_FOUND, "err_step"),
    };
    let name = match &step {
        ReturnStep::Approve => "approve",
        ReturnStep::Receive => "receive",
        ReturnStep::ReceiveKeptOffSale => "kept",
        ReturnStep::Refund { .. } => "refund",
        _ => "reject",
    };
    // On its own task: a refund may reach the card gateway, and a closed tab must not drop
    // the call between the bank and the record.
    let moved = {
        let (engine, order, ret) = (app.engine.clone(), order.clone(), ret.clone());
        crate::detached(async move {
            engine
                .orders()
                .advance_return(&order, &ret, step, None)
                .await
                .map(|_| ())
        })
        .await
    };
    match moved {
        // Back on the list in the page's language, at this return.
        Ok(_) => Redirect::to(&format!(
            "/seller/returns?done={name}&lang={}#ret-{ret}",
            ctx.lang
        ))
        .into_response(),
        Err(e) => step_refusal(&ctx, &e),
    }
}

/// The return routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller/returns", get(returns_page))
        .route("/seller/returns/{order}/{ret}/{step}", post(return_step))
}
