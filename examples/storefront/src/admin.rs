//! The marketplace's administration: the dashboard (`/admin`), sellers to approve and their
//! commissions (`/admin/sellers`), products and their customs data (`/admin/products`), the
//! categories added and renamed (`/admin/categories`), orders
//! (refunds, bank transfers, tracking entered by hand, the customs declaration of a parcel
//! abroad), payouts marked paid, the event outbox and the failed deliveries
//! (`/admin/deliveries`).
//! Every route requires an admin account; every page is in the admin's language (words in its
//! `w` table).

mod categories;
mod dashboard;
mod deliveries;
mod payouts;
mod products;

use crate::App;
use crate::auth::Ctx;
use crate::portal::{apply_tracking, month_bounds};
use crate::web::pick;
use crate::web::{layout, problem, refusal, status_word};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use tijara::TijaraError;
use tijara::usecases::catalog::SellerInput;
use tijara_core::{Lang, Money, OrderId, Rate, ReturnId, SellerId, SellerOrderId};

fn admin_only(ctx: &Ctx) -> Option<Response> {
    match &ctx.account {
        Some(a) if a.is_admin() => None,
        Some(_) => Some(problem(ctx, StatusCode::FORBIDDEN, "403")),
        None => Some(Redirect::to("/account/login").into_response()),
    }
}

/// The admin's words, in Arabic, French and English.
pub(crate) fn w(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "admin" => ("Administration", "الإدارة", "Administration"),
        "dashboard" => ("Tableau de bord", "لوحة القيادة", "Dashboard"),
        "sellers" => ("Vendeurs", "البائعون", "Sellers"),
        "products" => ("Produits", "المنتجات", "Products"),
        "categories" => ("Catégories", "الأصناف", "Categories"),
        "orders" => ("Commandes", "الطلبات", "Orders"),
        "payouts" => ("Virements", "التحويلات", "Payouts"),
        "events" => ("Événements", "الأحداث", "Events"),
        "deliveries" => ("Envois échoués", "الإرسالات الفاشلة", "Failed deliveries"),
        "mailbox" => ("Messages", "الرسائل", "Messages"),
        "name" => ("Nom", "الاسم", "Name"),
        "month" => ("Mois", "الشهر", "Month"),
        "city" => ("Ville", "المدينة", "City"),
        "kind" => ("Type", "النوع", "Type"),
        "state" => ("État", "الحالة", "State"),
        "commission" => ("Commission %", "العمولة %", "Commission %"),
        "contact" => ("Contact", "التواصل", "Contact"),
        "tax" => (
            "TVA et identifiants",
            "الضريبة والمعرفات",
            "VAT and identifiers",
        ),
        "active" => ("actif", "نشط", "active"),
        "waiting" => ("en attente", "في الانتظار", "waiting"),
        "approve" => ("Approuver", "وافق", "Approve"),
        "suspend" => ("Suspendre", "أوقف", "Suspend"),
        "ok" => ("Enregistrer", "احفظ", "Save"),
        "all" => ("Tous", "الكل", "All"),
        "pending_only" => ("En attente", "في الانتظار", "Waiting"),
        "artisan" => ("Artisan", "حرفي", "Artisan"),
        "cooperative" => ("Coopérative", "تعاونية", "Cooperative"),
        "gie" => ("GIE", "مجموعة ذات نفع اقتصادي", "GIE"),
        "exempt_ae" => (
            "TVA non applicable : auto-entrepreneur (loi 114-13)",
            "بدون ضريبة على القيمة المضافة: مقاول ذاتي (القانون 114-13)",
            "No VAT: auto-entrepreneur (law 114-13)",
        ),
        "exempt_not_liable" => (
            "TVA non applicable : non assujetti (ni ICE ni statut donné)",
            "بدون ضريبة على القيمة المضافة: غير خاضع (لا ICE ولا وضعية)",
            "No VAT: not liable (neither ICE nor status given)",
        ),
        "vat_registered" => (
            "assujetti à la TVA",
            "خاضع للضريبة على القيمة المضافة",
            "VAT registered",
        ),
        "order" => ("Commande", "الطلب", "Order"),
        "date" => ("Date", "التاريخ", "Date"),
        "email" => ("E-mail", "البريد الإلكتروني", "E-mail"),
        "total" => ("Total", "المجموع", "Total"),
        "payment" => ("Paiement", "الأداء", "Payment"),
        "next" => ("Page suivante", "الصفحة التالية", "Next page"),
        "none" => ("Rien ici.", "لا شيء هنا.", "Nothing here."),
        "filter" => ("Filtre", "التصفية", "Filter"),
        "transfers" => (
            "Virements à confirmer",
            "تحويلات بانتظار التأكيد",
            "Transfers to confirm",
        ),
        "returns" => (
            "Retours à décider",
            "مرتجعات تنتظر القرار",
            "Returns to decide",
        ),
        "qty" => ("Quantité", "الكمية", "Quantity"),
        "product" => ("Produit", "المنتج", "Product"),
        "tracking_no" => ("N° de suivi", "رقم التتبع", "Tracking number"),
        "provisional" => (
            "Référence du marché sur l'étiquette, pas encore le numéro du transporteur",
            "مرجع السوق على الملصق، وليس بعد رقم الناقل",
            "Marketplace reference on the label, not the carrier's number yet",
        ),
        "customs_doc" => (
            "Déclaration en douane (CN23)",
            "التصريح الجمركي (CN23)",
            "Customs declaration (CN23)",
        ),
        "customs_later" => (
            "Colis pour l'étranger : sa déclaration en douane (CN23) sera ici une fois le colis expédié par le vendeur.",
            "طرد إلى الخارج: سيكون تصريحه الجمركي (CN23) هنا بعد أن يرسل البائع الطرد.",
            "Parcel abroad: its customs declaration (CN23) will be here once the seller has shipped it.",
        ),
        "step" => ("Étape", "المرحلة", "Step"),
        "refunds" => (
            "Remboursements à envoyer",
            "مبالغ مستردة للإرسال",
            "Refunds to send",
        ),
        "ret_refund_due" => (
            "Remboursement décidé par le vendeur, à envoyer à l'acheteur :",
            "استرداد قرره البائع، يجب إرساله إلى المشتري:",
            "Refund decided by the seller, to send to the buyer:",
        ),
        "ret_refund_sent" => (
            "Remboursement envoyé :",
            "تم إرسال الاسترداد:",
            "Refund sent:",
        ),
        "ret_by_card" => (
            "rendu à la carte par la passerelle",
            "أعيد إلى البطاقة عبر بوابة الدفع",
            "returned to the card by the gateway",
        ),
        "ret_by_hand" => (
            "fait à la main et noté",
            "تم يدويا وسُجّل",
            "made by hand and noted",
        ),
        "ret_reference" => ("référence", "المرجع", "reference"),
        "ret_unknown" => (
            "La passerelle de paiement a été sollicitée pour ce remboursement sans réponse claire : l'argent est peut-être parti. Regardez son espace marchand : s'il y est, notez sa référence ; sinon, remboursez-le là puis notez la référence. Le bouton de la carte n'est plus proposé, pour ne jamais rembourser deux fois",
            "طُلب من بوابة الدفع هذا الاسترداد دون جواب واضح: ربما خرج المال. راجع فضاء التاجر: إن وجدته فسجل مرجعه؛ وإلا فأرجع المبلغ من هناك ثم سجل المرجع. لم يعد زر البطاقة معروضا، حتى لا يتم الاسترداد مرتين",
            "The payment gateway was asked for this refund and gave no clear answer: the money may have left. Look in its merchant back office: if it is there, note its reference; if not, refund it there, then note the reference. The card button is no longer offered, so it is never refunded twice",
        ),
        "ret_ref_label" => (
            "Référence de la banque ou de la passerelle",
            "مرجع البنك أو بوابة الدفع",
            "Reference from the bank or the gateway",
        ),
        "ret_back_office" => (
            "Déjà remboursé dans l'espace marchand de la passerelle ?",
            "هل تم الاسترداد من قبل في فضاء التاجر لبوابة الدفع؟",
            "Already refunded in the gateway's merchant back office?",
        ),
        "ret_done_card" => ("Remboursement fait", "تم الاسترداد", "Refund made"),
        "ret_account" => (
            "Compte donné par l'acheteur :",
            "الحساب الذي قدمه المشتري:",
            "Account the buyer gave:",
        ),
        "ret_no_account" => (
            "L'acheteur n'a pas donné de compte : demandez-lui son RIB (e-mail ou téléphone de la commande) avant de virer.",
            "لم يقدم المشتري حسابا: اطلب منه رقم RIB (البريد أو الهاتف في الطلب) قبل التحويل.",
            "The buyer gave no account: ask them for their RIB (the order's e-mail or phone) before transferring.",
        ),
        "ret_card_by_hand" => (
            "Remboursez la carte dans l'espace marchand de la passerelle, puis notez la référence du remboursement.",
            "أرجع المبلغ إلى البطاقة من فضاء التاجر في بوابة الدفع، ثم سجل مرجع الاسترداد.",
            "Refund the card in the gateway's merchant back office, then note the refund's reference.",
        ),
        "ret_send_card" => (
            "Rendre à la carte",
            "أعد المبلغ إلى البطاقة",
            "Return it to the card",
        ),
        "ret_sent_btn" => ("Virement fait", "تم التحويل", "Transfer made"),
        "ret_ref_help" => (
            "La référence que la banque donne au virement (ou la passerelle au remboursement) : l'acheteur la reçoit.",
            "المرجع الذي يعطيه البنك للتحويل (أو البوابة للاسترداد): يتوصل به المشتري.",
            "The reference the bank gives the transfer (or the gateway the refund): the buyer receives it.",
        ),
        "ret_err_ref" => (
            "Écrivez la référence que la banque a donnée au virement (ou la passerelle au remboursement), 100 caractères au plus, puis appuyez à nouveau.",
            "اكتب المرجع الذي أعطاه البنك للتحويل (أو البوابة للاسترداد)، 100 حرف على الأكثر، ثم اضغط مرة أخرى.",
            "Write the reference the bank gave the transfer (or the gateway the refund), 100 characters at most, then press again.",
        ),
        "ret_came_back_note" => (
            "Colis revenu sans être livré, déjà payé : l'acheteur est à rembourser de tout le prix des articles. Le vendeur le fait depuis ses retours ; s'il ne l'a pas fait, faites-le ici (sa part baisse d'autant).",
            "عاد الطرد دون أن يُسلَّم وكان مدفوعا: يجب رد ثمن المنتجات كاملا إلى المشتري. يقوم به البائع من صفحة مرتجعاته؛ وإن لم يفعل فقم به هنا (تنقص حصته بالقدر نفسه).",
            "Parcel came back undelivered, already paid: the buyer is owed the items' whole price. The seller does it from their returns; if it is not done, do it here (their share drops by as much).",
        ),
        "ret_came_back_btn" => (
            "Rembourser l'acheteur",
            "رد المبلغ إلى المشتري",
            "Refund the buyer",
        ),
        "ret_err_not_came_back" => (
            "Seul le vendeur accepte, refuse ou rembourse la demande de retour d'un acheteur ; ce bouton sert aux colis revenus sans être livrés.",
            "البائع وحده يقبل طلب إرجاع المشتري أو يرفضه أو يرد مبلغه؛ هذا الزر للطرود التي عادت دون تسليم.",
            "Only the seller accepts, refuses or refunds a buyer's return request; this button is for parcels that came back undelivered.",
        ),
        "ret_err_moved" => (
            "Ce remboursement est déjà décidé : rechargez la commande pour voir où il en est.",
            "تم البت في هذا الاسترداد من قبل: أعد تحميل الطلب لترى حالته.",
            "This refund is already decided: reload the order to see where it stands.",
        ),
        "ret_err_sent" => (
            "Ce remboursement est déjà envoyé (ou pas encore décidé par le vendeur) : rechargez la commande pour voir où il en est.",
            "تم إرسال هذا الاسترداد من قبل (أو لم يقرره البائع بعد): أعد تحميل الطلب لترى حالته.",
            "This refund is already sent (or not decided by the seller yet): reload the order to see where it stands.",
        ),
        "ret_err_gateway" => (
            "La passerelle de paiement a refusé ce remboursement (rien n'est parti) : réessayez plus tard, ou remboursez dans son espace marchand et notez sa référence sous « Déjà remboursé dans l'espace marchand ».",
            "رفضت بوابة الدفع هذا الاسترداد (لم يخرج أي مبلغ): حاول لاحقا، أو أرجع المبلغ من فضاء التاجر وسجل مرجعه تحت «هل تم الاسترداد من قبل في فضاء التاجر».",
            "The payment gateway refused this refund (nothing left): try again later, or refund in its merchant back office and note its reference under \"Already refunded in the gateway's merchant back office\".",
        ),
        "ret_err_busy" => (
            "Ce remboursement est en cours d'envoi à la passerelle : rechargez la commande dans un instant pour voir s'il est parti.",
            "هذا الاسترداد قيد الإرسال إلى بوابة الدفع: أعد تحميل الطلب بعد لحظة لترى هل أُرسل.",
            "This refund is being sent to the gateway: reload the order in a moment to see whether it left.",
        ),
        "refund_other" => (
            "Autre remboursement (hors retour)",
            "استرداد آخر (خارج الإرجاع)",
            "Other refund (not a return)",
        ),
        "refund_other_help" => (
            "Un retour se rembourse dans sa boîte ci-dessus : ce formulaire est pour un article manquant ou un geste commercial.",
            "يتم استرداد مبلغ الإرجاع في خانته أعلاه: هذه الاستمارة لمنتج ناقص أو لتعويض تجاري.",
            "A return is refunded in its box above: this form is for a missing item or a goodwill gesture.",
        ),
        "refund" => ("Remboursement", "استرجاع المبلغ", "Refund"),
        "back_order" => (
            "Revenir à la commande",
            "العودة إلى الطلب",
            "Back to the order",
        ),
        "refund_btn" => ("Rembourser", "استرجع", "Refund"),
        "amount" => ("Montant (MAD)", "المبلغ (درهم)", "Amount (MAD)"),
        "transfer" => ("Virement reçu", "تحويل مستلم", "Transfer received"),
        "bank_ref" => ("Référence bancaire", "المرجع البنكي", "Bank reference"),
        "confirm" => ("Confirmer", "أكد", "Confirm"),
        "log" => ("Journal des paiements", "سجل الأداءات", "Payment log"),
        "outbox_note" => (
            "Les plus anciens événements de la file d'envoi (webhooks, e-mails, SMS) pas encore livrés.",
            "أقدم الأحداث في قائمة الإرسال (webhooks، رسائل البريد، الرسائل القصيرة) التي لم تُسلَّم بعد.",
            "The oldest events of the outbox (webhooks, e-mails, SMS) not delivered yet.",
        ),
        "failed_only" => ("Seulement les échecs", "الفاشلة فقط", "Failed only"),
        "bad_percent" => (
            "Commission : écrivez un pourcentage entre 0 et 100, par exemple 8 ou 7,5.",
            "العمولة: اكتب نسبة بين 0 و100، مثلا 8 أو 7,5.",
            "Commission: write a percentage from 0 to 100, e.g. 8 or 7.5.",
        ),
        "bad_amount" => (
            "Montant : écrivez un montant en dirhams, par exemple 120 ou 120,50.",
            "المبلغ: اكتب مبلغا بالدرهم، مثلا 120 أو 120,50.",
            "Amount: write an amount in dirhams, e.g. 120 or 120.50.",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// The admin's menu, in the admin's language.
fn nav(lang: Lang) -> Markup {
    html! {
        nav.portal aria-label=(w(lang, "admin")) {
            a.button href="/admin" { (w(lang, "dashboard")) } " "
            a.button href="/admin/sellers" { (w(lang, "sellers")) } " "
            a.button href="/admin/products" { (w(lang, "products")) } " "
            a.button href="/admin/categories" { (w(lang, "categories")) } " "
            a.button href="/admin/orders" { (w(lang, "orders")) } " "
            a.button href="/admin/payouts" { (w(lang, "payouts")) } " "
            a.button href="/admin/events" { (w(lang, "events")) } " "
            a.button href="/admin/deliveries" { (w(lang, "deliveries")) } " "
            a.button href="/admin/mailbox" { (w(lang, "mailbox")) }
        }
    }
}

fn kind_word(lang: Lang, kind: &tijara_core::catalog::SellerKind) -> &'static str {
    use tijara_core::catalog::SellerKind;
    match kind {
        SellerKind::Cooperative => w(lang, "cooperative"),
        SellerKind::Gie => w(lang, "gie"),
        _ => w(lang, "artisan"),
    }
}

/// `/admin/sellers` (`?state=pending`: only those waiting for approval): each seller with its
/// contact, TVA status and identifiers, approve/suspend, and its commission.
async fn sellers(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let pending_only = q.get("state").is_some_and(|s| s == "pending");
    let list = match app
        .engine
        .catalog()
        .list_sellers(q.get("after").map(String::as_str), 100)
        .await
    {
        Ok(p) => p,
        Err(e) => return refusal(&ctx, &e),
    };
    let next = list.next.clone();
    let list: Vec<_> = list
        .items
        .into_iter()
        .filter(|s| !pending_only || !s.active)
        .collect();
    // Each seller's own login (its person's name, e-mail and phone; not a cooperative member's):
    // the admin reaches an active seller as well as one waiting. One read for the page.
    let ids: Vec<SellerId> = list.iter().map(|s| s.id.clone()).collect();
    let mut contacts: HashMap<SellerId, (String, String, Option<String>)> = HashMap::new();
    if let Ok(all) = app.engine.accounts().sellers_accounts(&ids).await {
        for (id, accounts) in ids.iter().zip(all) {
            let owner = accounts.into_iter().find(|a| {
                matches!(
                    a.role,
                    tijara::usecases::accounts::Role::Seller { member: None, .. }
                )
            });
            if let Some(a) = owner {
                contacts.insert(id.clone(), (a.name, a.email, a.phone));
            }
        }
    }
    let body = html! {
        h1 { (w(lang, "sellers")) }
        (nav(lang))
        nav.chips aria-label=(w(lang, "filter")) {
            a.chip href="/admin/sellers" aria-current=[(!pending_only).then_some("page")] { (w(lang, "all")) }
            a.chip href="/admin/sellers?state=pending" aria-current=[pending_only.then_some("page")] { (w(lang, "pending_only")) }
        }
        @if list.is_empty() { p { (w(lang, "none")) } }
        @else {
        div.table-wrap tabindex="0" {
        table {
            tr { th { (w(lang, "name")) } th { (w(lang, "city")) } th { (w(lang, "kind")) } th { (w(lang, "contact")) } th { (w(lang, "tax")) } th { (w(lang, "state")) } th { (w(lang, "commission")) } }
            @for s in &list {
                tr {
                    td { (s.name) }
                    td { (s.home_city) }
                    td { (kind_word(lang, &s.kind)) }
                    td {
                        @if let Some((name, email, phone)) = contacts.get(&s.id) {
                            bdi { (name) } br;
                            bdi { (email) }
                            // The account's phone, else the shop's (its profile).
                            @if let Some(p) = phone.as_ref().or(s.contact.phone.as_ref()) { br; bdi dir="ltr" { (p) } }
                        } @else if let Some(p) = &s.contact.phone {
                            bdi dir="ltr" { (p) }
                        }
                    }
                    td {
                        @match &s.tax_status {
                            tijara_core::catalog::SellerTaxStatus::VatRegistered => { (w(lang, "vat_registered")) }
                            // The two mentions `/sell` stores are said in the admin's language
                            // (the invoice prints the stored French mention); another is shown as
                            // typed, in its own direction.
                            tijara_core::catalog::SellerTaxStatus::Exempt { reason } => {
                                @match reason.as_str() {
                                    tijara_core::onboarding::AUTO_ENTREPRENEUR_MENTION => { (w(lang, "exempt_ae")) }
                                    tijara_core::onboarding::NOT_LIABLE_MENTION => { (w(lang, "exempt_not_liable")) }
                                    other => { bdi { (other) } }
                                }
                            }
                            _ => {}
                        }
                        @if let Some(ice) = &s.legal.ice { br; "ICE " bdi { (ice) } }
                        @if let Some(ifn) = &s.legal.if_number { br; "IF " bdi { (ifn) } }
                        @if let Some(rc) = &s.legal.rc { br; "RC " bdi { (rc) } }
                    }
                    td {
                        form.inline method="post" action={ "/admin/sellers/" (s.id) "/active" } {
                            (ctx.csrf_field())
                            input type="hidden" name="active" value=(!s.active);
                            @if s.active { "✔ " (w(lang, "active")) " " button type="submit" { (w(lang, "suspend")) } }
                            @else { "⏳ " (w(lang, "waiting")) " " button type="submit" { (w(lang, "approve")) } }
                        }
                    }
                    td {
                        form.inline method="post" action={ "/admin/sellers/" (s.id) "/commission" } {
                            (ctx.csrf_field())
                            input aria-label={ (w(lang, "commission")) " — " (s.name) } name="percent" inputmode="decimal" size="5" value=(s.commission_rate.as_percent().normalize());
                            button type="submit" { (w(lang, "ok")) }
                        }
                    }
                }
            }
        }
        }
        }
        @if let Some(n) = &next {
            p { a.button href={ "/admin/sellers?after=" (n) @if pending_only { "&state=pending" } } { (w(lang, "next")) } }
        }
    };
    layout(&ctx, w(lang, "sellers"), body).into_response()
}

#[derive(Deserialize)]
struct ActiveForm {
    active: bool,
}

fn seller_id(ctx: &Ctx, id: String) -> Result<SellerId, Response> {
    SellerId::new(id).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))
}

async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match app
        .engine
        .catalog()
        .set_seller_active(&id, f.active, None)
        .await
    {
        // An approval tells the applicant through the engine's outbox (`seller.approved`,
        // sent by tijara-notify and retried until it goes through).
        Ok(_) => Redirect::to("/admin/sellers").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
struct CommissionForm {
    percent: String,
}

async fn set_commission(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CommissionForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    // As typed: "12,5 %", "١٢٫٥٪" (Arabic-Indic digits, the Arabic decimal and percent signs).
    let rate = f
        .percent
        .chars()
        // Direction marks an Arabic keyboard or a pasted figure carries.
        .filter(|c| !tijara_core::digits::is_direction_mark(*c))
        .collect::<String>();
    let rate = rate.trim();
    let rate = rate
        .strip_suffix(['%', '\u{066A}'])
        .or_else(|| rate.strip_prefix(['%', '\u{066A}']))
        .unwrap_or(rate)
        .trim()
        .chars()
        .map(|c| match tijara_core::digits::ascii_digit(c) {
            ',' | '\u{066B}' => '.',
            c => c,
        })
        .collect::<String>()
        .parse::<tijara_core::Decimal>()
        .map_err(|e| e.to_string())
        .and_then(|p| Rate::from_percent(p).map_err(|e| e.to_string()));
    let rate = match rate {
        Ok(r) => r,
        Err(_) => {
            return problem(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                w(ctx.lang, "bad_percent"),
            );
        }
    };
    let seller = match app.engine.catalog().seller(&id).await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let input = SellerInput::from(seller).with_commission_rate(rate);
    match app.engine.catalog().update_seller(&id, input, None).await {
        Ok(_) => Redirect::to("/admin/sellers").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The filters of the orders list (`?state=`, `?transfer=pending`, `?returns=requested`,
/// `?refunds=due`, `?day=YYYY-MM-DD`), each as the dashboard links to it.
#[derive(Debug, Default, PartialEq, Eq)]
struct OrderFilter {
    state: Option<String>,
    transfers: bool,
    returns: bool,
    refunds: bool,
    day: Option<tijara_core::chrono::NaiveDate>,
}

impl OrderFilter {
    fn of(q: &HashMap<String, String>) -> Self {
        OrderFilter {
            state: q
                .get("state")
                .filter(|s| {
                    matches!(
                        s.as_str(),
                        "awaiting_payment" | "confirmed" | "completed" | "cancelled"
                    )
                })
                .cloned(),
            transfers: q.get("transfer").is_some_and(|v| v == "pending"),
            returns: q.get("returns").is_some_and(|v| v == "requested"),
            refunds: q.get("refunds").is_some_and(|v| v == "due"),
            day: q
                .get("day")
                .and_then(|d| tijara_core::chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        }
    }

    fn keeps(&self, app: &App, d: &tijara::docs::OrderDoc) -> bool {
        use tijara_core::payment::{PaymentMethod, PaymentStatus};
        let o = &d.order;
        self.state
            .as_deref()
            .is_none_or(|s| o.status().as_str() == s)
            && (!self.transfers
                || (o.payment.method() == PaymentMethod::BankTransfer
                    && o.payment.status() == PaymentStatus::Pending
                    && o.status() == tijara_core::order::OrderStatus::AwaitingPayment))
            && (!self.returns || d.returns.iter().any(|r| r.awaits_decision()))
            && (!self.refunds || d.returns.iter().any(|r| r.refund_due().is_some()))
            && self
                .day
                .is_none_or(|day| app.engine.region().local_date(o.placed_at) == day)
    }

    fn query(&self) -> String {
        let mut q = String::new();
        if let Some(s) = &self.state {
            q.push_str(&format!("&state={s}"));
        }
        if self.transfers {
            q.push_str("&transfer=pending");
        }
        if self.returns {
            q.push_str("&returns=requested");
        }
        if self.refunds {
            q.push_str("&refunds=due");
        }
        if let Some(d) = self.day {
            q.push_str(&format!("&day={d}"));
        }
        q
    }
}

/// `/admin/orders`: the orders by number, filtered as the dashboard's links ask (each page
/// reads 100 orders and shows those that match).
async fn orders(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let filter = OrderFilter::of(&q);
    let page = match app
        .engine
        .orders()
        .all_orders(q.get("after").map(String::as_str), 100)
        .await
    {
        Ok(page) => page,
        Err(e) => return refusal(&ctx, &e),
    };
    let shown: Vec<_> = page
        .items
        .iter()
        .filter(|d| filter.keeps(&app, d))
        .collect();
    let chip = |href: String, label: String, on: bool| {
        html! {
            a.chip href=(href) aria-current=[on.then_some("page")] { (label) }
        }
    };
    let body = html! {
        h1 { (w(lang, "orders")) }
        (nav(lang))
        nav.chips aria-label=(w(lang, "filter")) {
            (chip("/admin/orders".into(), w(lang, "all").into(), filter == OrderFilter::default()))
            @for st in ["awaiting_payment", "confirmed", "completed", "cancelled"] {
                (chip(format!("/admin/orders?state={st}"), status_word(lang, st), filter.state.as_deref() == Some(st)))
            }
            (chip("/admin/orders?transfer=pending".into(), w(lang, "transfers").into(), filter.transfers))
            (chip("/admin/orders?returns=requested".into(), w(lang, "returns").into(), filter.returns))
            (chip("/admin/orders?refunds=due".into(), w(lang, "refunds").into(), filter.refunds))
        }
        @if shown.is_empty() { p { (w(lang, "none")) } }
        @else {
        div.table-wrap tabindex="0" {
        table {
            tr { th { (w(lang, "order")) } th { (w(lang, "date")) } th { (w(lang, "email")) } th { (w(lang, "total")) } th { (w(lang, "state")) } }
            @for d in &shown {
                tr {
                    td { a href={ "/admin/orders/" (d.order.id) } { bdi { (d.order.reference()) } } }
                    td { bdi { (crate::web::local_time(&app, d.order.placed_at)) } }
                    td { bdi { (d.order.email) } }
                    td { bdi { (d.order.grand_total.format(lang)) } }
                    td { (crate::web::status_badge(lang, d.order.status().as_str())) " " (status_word(lang, d.order.payment.status().as_str())) }
                }
            }
        }
        }
        }
        @if let Some(n) = &page.next { p { a.button href={ "/admin/orders?after=" (n) (filter.query()) } { (w(lang, "next")) } } }
    };
    layout(&ctx, w(lang, "orders"), body).into_response()
}

/// The names (in the admin's language) and thumbnails of an order's products, by product id
/// (a product since removed shows its SKU).
async fn product_faces(
    app: &App,
    lang: Lang,
    o: &tijara_core::order::Order,
) -> HashMap<tijara_core::ProductId, (String, Option<String>)> {
    let lines = || o.seller_orders.iter().flat_map(|so| so.lines.iter());
    // One read for all the lines.
    let ids = lines().map(|l| &l.product_id);
    let views = app.engine.catalog().products_to_show(ids).await;
    let mut faces = HashMap::new();
    for l in lines() {
        if faces.contains_key(&l.product_id) {
            continue;
        }
        if let Some(p) = views.iter().find(|v| v.product.id == l.product_id) {
            let title = p
                .product
                .title
                .get(lang, Lang::AR)
                .unwrap_or(l.sku.as_str())
                .to_owned();
            let photo = p
                .product
                .photos
                .first()
                .map(|ph| crate::media::thumb_url(&ph.url));
            faces.insert(l.product_id.clone(), (title, photo));
        }
    }
    faces
}

async fn order(State(app): State<App>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let Ok(id) = OrderId::new(id) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let o = &doc.order;
    let faces = product_faces(&app, lang, o).await;
    let mut seller_names = HashMap::new();
    for so in &o.seller_orders {
        if let Ok(s) = app.engine.catalog().seller(&so.seller_id).await {
            seller_names.insert(so.seller_id.clone(), s.name);
        }
    }
    let title = format!("{} {}", w(lang, "order"), o.reference());
    let abroad = app.engine.region().is_abroad(&o.shipping_address.country);
    // Per return: a gateway without partial refunds is not offered part of a payment.
    let by_api = |r: &tijara_core::returns::ReturnRequest| {
        r.refund_due().is_some_and(|amount| {
            app.engine
                .payments()
                .refunds_by_api_for(&doc.gateway, amount, o.payment.captured())
        })
    };
    let body = html! {
        h1 { (w(lang, "order")) " " bdi { (o.reference()) } }
        (nav(lang))
        p { bdi { (o.email) } " · " (o.shipping_address.name) " · " (o.shipping_address.city) " (" (o.shipping_address.country) ")" }
        p { (crate::web::status_badge(lang, o.status().as_str())) " " (status_word(lang, o.payment.status().as_str())) " · " bdi { (o.grand_total.format(lang)) } }
        @for so in &o.seller_orders {
            section.box {
                h2 { (seller_names.get(&so.seller_id).cloned().unwrap_or_default()) " — " (crate::web::status_badge(lang, crate::web::part_status(&doc, so))) }
                ul.lines {
                    @for l in &so.lines {
                        @let face = faces.get(&l.product_id);
                        li {
                            @if let Some((name, Some(src))) = face { img.thumb src=(src) alt=(name) width="56" height="56" loading="lazy"; " " }
                            strong { (face.map(|f| f.0.as_str()).unwrap_or(l.sku.as_str())) }
                            " × " (l.quantity) " — " bdi { (l.net.format(lang)) }
                            " " span.muted { bdi { (l.sku) } }
                        }
                    }
                }
                @for r in doc.returns.iter().filter(|r| r.seller_order_id == so.id) {
                    (crate::web::return_summary(&app, lang, r))
                    // A paid parcel back undelivered: the buyer is owed it whatever the artisan
                    // does; the marketplace may decide the refund itself.
                    @if r.is_came_back() && r.awaits_decision() {
                        div.box id={ "ret-" (r.id) } {
                            p { (w(lang, "ret_came_back_note")) }
                            form method="post" action={ "/admin/orders/" (o.id) "/returns/" (r.id) "/refund-came-back" } {
                                (ctx.csrf_field())
                                button.big type="submit" { (w(lang, "ret_came_back_btn")) " · " bdi { (doc.came_back_owed(&r.id).unwrap_or(r.value).format(lang)) } }
                            }
                        }
                    }
                    (refund_box(&app, &ctx, &doc, r, by_api(r)))
                }
                @if let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so.id) {
                    p { (tijara_core::pricing::carrier_name(&s.carrier)) " " bdi { (s.carrier_number().unwrap_or_default()) } " — " (status_word(lang, s.status().as_str())) }
                    @if let (None, Some(reference)) = (s.carrier_number(), &s.tracking_number) {
                        p.muted { (w(lang, "provisional")) ": " bdi { (reference) } }
                    }
                    @if abroad {
                        p { a.button href={ "/admin/orders/" (o.id) "/" (so.id) "/customs" } { (w(lang, "customs_doc")) } }
                    }
                    form method="post" action={ "/admin/orders/" (o.id) "/" (so.id) "/tracking" } {
                        (ctx.csrf_field())
                        label { (w(lang, "tracking_no")) input name="number" value=(s.carrier_number().unwrap_or_default()) autocomplete="off"; }
                        label { (w(lang, "step")) select name="status" {
                            option value="" { "—" }
                            @for st in ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed", "returned_to_sender"] {
                                option value=(st) { (status_word(lang, st)) }
                            }
                        } }
                        button type="submit" { (w(lang, "ok")) }
                    }
                } @else if abroad {
                    p.muted { (w(lang, "customs_later")) }
                }
            }
        }
        h2 { (w(lang, if doc.returns.is_empty() { "refund" } else { "refund_other" })) }
        @if !doc.returns.is_empty() { p.small.muted { (w(lang, "refund_other_help")) } }
        form method="post" action={ "/admin/orders/" (o.id) "/refund" } {
            (ctx.csrf_field())
            label { (w(lang, "amount")) input name="amount" inputmode="decimal" required; }
            button type="submit" { (w(lang, "refund_btn")) }
        }
        // Only an order paid by bank transfer and still awaiting it has a transfer to confirm.
        @if o.payment.method() == tijara_core::payment::PaymentMethod::BankTransfer
            && o.status() == tijara_core::order::OrderStatus::AwaitingPayment
        {
            h2 { (w(lang, "transfer")) }
            form method="post" action={ "/admin/orders/" (o.id) "/transfer" } {
                (ctx.csrf_field())
                label { (w(lang, "amount")) input name="amount" inputmode="decimal" value=(o.grand_total.amount()) required; }
                label { (w(lang, "bank_ref")) input name="reference" required; }
                button type="submit" { (w(lang, "confirm")) }
            }
        }
        details {
            summary { (w(lang, "log")) }
            ol { @for e in &doc.payment_log { li { code { (serde_json::to_string(e).unwrap_or_default()) } } } }
        }
    };
    layout(&ctx, &title, body).into_response()
}

/// A return's refund as the admin handles it: decided by the seller, it waits here until the
/// money leaves: a button that returns it to the card (a gateway that refunds by API, when it
/// failed at the seller's step), or the transfer's bank reference once it is made by hand (to
/// the account the buyer gave, shown in full). Sent: when, how, the reference.
fn refund_box(
    app: &App,
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    r: &tijara_core::returns::ReturnRequest,
    by_api: bool,
) -> Markup {
    let lang = ctx.lang;
    let Some(amount) = r.refunded().filter(|a| a.is_positive()) else {
        return html! {};
    };
    let action = format!(
        "/admin/orders/{}/returns/{}/refund-sent",
        doc.order.id, r.id
    );
    html! {
        div.box.refund-box id={ "ret-" (r.id) } {
            @if let Some(sent) = r.refund_sent() {
                p { strong { (w(lang, "ret_refund_sent")) } " " bdi { (amount.format(lang)) } " · "
                    bdi { (crate::web::local_day(app, sent.at)) } " · "
                    (w(lang, if sent.through_gateway { "ret_by_card" } else { "ret_by_hand" }))
                    @if !sent.by.is_empty() && sent.by != "engine" { " (" bdi dir="ltr" { (sent.by) } ")" }
                    " · " (w(lang, "ret_reference")) " " bdi dir="ltr" { (sent.reference) } }
            } @else if r.refund_due().is_none() {
                // Refunded before refunds were sent through the shop: its money went otherwise.
                p { strong { (w(lang, "refund")) ":" } " " bdi { (amount.format(lang)) } }
            } @else {
                @let transfer = crate::web::refund_by_transfer(doc);
                @let unknown = r.refund_attempted_at();
                p { strong { (w(lang, "ret_refund_due")) } " " bdi { (amount.format(lang)) } }
                @if let Some(at) = unknown {
                    p.error { (w(lang, "ret_unknown")) " (" bdi { (crate::web::local_time(app, at)) } ")." }
                }
                @match r.refund_account() {
                    Some(a) => p { (w(lang, "ret_account")) " " bdi.name { (a.holder()) } " · " bdi dir="ltr" { "RIB " code { (a.rib()) } } },
                    None if transfer => p.error { (w(lang, "ret_no_account")) },
                    None => {},
                }
                @if by_api && unknown.is_none() {
                    form method="post" action=(action) {
                        (ctx.csrf_field())
                        input type="hidden" name="via" value="gateway";
                        button.big type="submit" { (w(lang, "ret_send_card")) }
                    }
                    details {
                        summary { (w(lang, "ret_back_office")) }
                        form method="post" action=(action) {
                            (ctx.csrf_field())
                            label { (w(lang, "ret_ref_label")) input name="reference" required maxlength="100" autocomplete="off" dir="ltr"; }
                            button type="submit" { (w(lang, "ret_done_card")) }
                        }
                    }
                } @else {
                    @if !transfer && unknown.is_none() { p.small.muted { (w(lang, "ret_card_by_hand")) } }
                    form method="post" action=(action) {
                        (ctx.csrf_field())
                        label { (w(lang, "ret_ref_label")) input name="reference" required maxlength="100" autocomplete="off" dir="ltr" aria-describedby={ "refhelp-" (r.id) }; }
                        p.small.muted id={ "refhelp-" (r.id) } { (w(lang, "ret_ref_help")) }
                        button.big type="submit" { (w(lang, if transfer { "ret_sent_btn" } else { "ret_done_card" })) }
                    }
                }
            }
        }
    }
}

/// The order and return an admin's return route names: anyone else refused (a visitor to the
/// login), a malformed id 404.
fn admin_return(ctx: &Ctx, id: String, ret: String) -> Result<(OrderId, ReturnId), Response> {
    if let Some(r) = admin_only(ctx) {
        return Err(r);
    }
    let id = order_id(ctx, id)?;
    let ret = ReturnId::new(ret).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))?;
    Ok((id, ret))
}

/// A return route's refusal: the sentence of `key`, and the way back to the return (`back`).
fn return_problem(ctx: &Ctx, status: StatusCode, key: &str, back: &str) -> Response {
    crate::web::problem_with_link(
        ctx,
        status,
        w(ctx.lang, key),
        back,
        w(ctx.lang, "back_order"),
    )
}

#[derive(Deserialize)]
struct RefundSentForm {
    #[serde(default)]
    reference: String,
    /// `gateway` from the button that has the card gateway refund it.
    #[serde(default)]
    via: String,
}

/// `POST /admin/orders/{id}/returns/{ret}/refund-sent`: a return's refund leaves, to the card
/// through the gateway that refunds by API, or recorded as transferred by hand with the
/// bank's reference (the admin's e-mail kept in the payment log).
async fn refund_sent(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, ret)): Path<(String, String)>,
    Form(f): Form<RefundSentForm>,
) -> Response {
    use tijara_core::returns::ReturnError;
    let (id, ret) = match admin_return(&ctx, id, ret) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let admin = ctx
        .account
        .as_ref()
        .map(|a| a.email.clone())
        .unwrap_or_default();
    // On its own task: a closed tab does not drop the bank call half-way.
    let (engine, order, r) = (app.engine.clone(), id.clone(), ret.clone());
    // The card gateway's button says so; any other form carries a reference typed by hand.
    let reference = (f.via != "gateway").then_some(f.reference);
    let result = crate::detached(async move {
        engine
            .orders()
            .send_return_refund(&order, &r, &admin, reference.as_deref(), None)
            .await
            .map(|_| ())
    })
    .await;
    let back = format!("/admin/orders/{id}#ret-{ret}");
    let say = |status: StatusCode, key: &str| return_problem(&ctx, status, key, &back);
    match result {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(TijaraError::Return(ReturnError::BadTransferReference)) => {
            say(StatusCode::UNPROCESSABLE_ENTITY, "ret_err_ref")
        }
        Err(TijaraError::Return(ReturnError::RefundNotDue | ReturnError::RefundAlreadySent(_))) => {
            say(StatusCode::CONFLICT, "ret_err_sent")
        }
        Err(TijaraError::PartNotFound { .. }) => problem(&ctx, StatusCode::NOT_FOUND, "404"),
        // Part of a payment, on a gateway that refunds only whole ones: nothing was called.
        Err(TijaraError::PartialRefundUnsupported { .. }) => {
            say(StatusCode::UNPROCESSABLE_ENTITY, "ret_card_by_hand")
        }
        // A timeout may have refunded: the attempt stays noted, the card button is gone.
        Err(TijaraError::Gateway(g))
            if !matches!(
                g,
                tijara::ports::payment::GatewayError::Declined(_)
                    | tijara::ports::payment::GatewayError::Unsupported(_)
                    | tijara::ports::payment::GatewayError::Config(_)
            ) =>
        {
            say(StatusCode::BAD_GATEWAY, "ret_unknown")
        }
        Err(TijaraError::Gateway(_)) => say(StatusCode::BAD_GATEWAY, "ret_err_gateway"),
        Err(TijaraError::Return(ReturnError::RefundOutcomeUnknown { .. })) => {
            say(StatusCode::CONFLICT, "ret_unknown")
        }
        Err(TijaraError::IdempotencyInProgress { .. }) => say(StatusCode::CONFLICT, "ret_err_busy"),
        Err(e) => refusal(&ctx, &e),
    }
}

/// `POST /admin/orders/{id}/returns/{ret}/refund-came-back`: the marketplace decides the
/// whole refund of a paid parcel that came back undelivered (the artisan's refund step, taken
/// for her: her share drops by the same, the card refunded through the gateway when it can,
/// else the refund waits in its box below). A shopper's return stays the seller's to decide
/// (403); one already decided is a 409.
async fn refund_came_back(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, ret)): Path<(String, String)>,
) -> Response {
    use tijara::usecases::returns::ReturnStep;
    use tijara_core::returns::ReturnError;
    let (id, ret) = match admin_return(&ctx, id, ret) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let Some(r) = doc.returns.iter().find(|r| r.id == ret) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let back = format!("/admin/orders/{id}#ret-{ret}");
    let say = |status: StatusCode, key: &str| return_problem(&ctx, status, key, &back);
    if !r.is_came_back() {
        return say(StatusCode::FORBIDDEN, "ret_err_not_came_back");
    }
    let amount = doc.came_back_owed(&ret).unwrap_or(r.value);
    // The step records no actor: who took it for the seller is logged.
    tracing::info!(
        target: "admin",
        order = %id,
        return_id = %ret,
        amount = %amount,
        admin = ctx.account.as_ref().map(|a| a.email.as_str()).unwrap_or_default(),
        "the marketplace refunds a paid parcel that came back, for its seller"
    );
    // On its own task: a closed tab does not drop the bank call half-way.
    let (engine, order, rid) = (app.engine.clone(), id.clone(), ret.clone());
    let result = crate::detached(async move {
        engine
            .orders()
            .advance_return(&order, &rid, ReturnStep::Refund { amount }, None)
            .await
            .map(|_| ())
    })
    .await;
    match result {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(TijaraError::Return(ReturnError::Transition(_))) => {
            say(StatusCode::CONFLICT, "ret_err_moved")
        }
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
struct AmountForm {
    amount: String,
    #[serde(default)]
    reference: String,
}

fn order_id(ctx: &Ctx, id: String) -> Result<OrderId, Response> {
    OrderId::new(id).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))
}

/// What an admin does with an amount on an order.
enum MoneyAction {
    Refund,
    ConfirmTransfer,
}

/// Refunds or confirms a transfer (the admin's e-mail is kept in the payment log).
async fn money_action(
    app: &App,
    ctx: &Ctx,
    id: String,
    f: &AmountForm,
    action: MoneyAction,
) -> Response {
    if let Some(r) = admin_only(ctx) {
        return r;
    }
    let id = match order_id(ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let admin = ctx
        .account
        .as_ref()
        .map(|a| a.email.clone())
        .unwrap_or_default();
    let amount = match Money::parse_typed(&f.amount, tijara_core::Currency::MAD) {
        Ok(m) => m,
        Err(_) => {
            return problem(
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                w(ctx.lang, "bad_amount"),
            );
        }
    };
    let result = match action {
        MoneyAction::Refund => {
            // On its own task: a closed tab does not drop the bank call half-way.
            let (engine, order) = (app.engine.clone(), id.clone());
            crate::detached(async move {
                engine
                    .payments()
                    .refund_payment(&order, amount, &admin, None)
                    .await
                    .map(|_| ())
            })
            .await
        }
        MoneyAction::ConfirmTransfer => app
            .engine
            .payments()
            .confirm_bank_transfer(&id, amount, &f.reference, &admin, None)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/orders/{id}")).into_response(),
        Err(e) => refusal(ctx, &e),
    }
}

async fn refund(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AmountForm>,
) -> Response {
    money_action(&app, &ctx, id, &f, MoneyAction::Refund).await
}

async fn transfer(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AmountForm>,
) -> Response {
    money_action(&app, &ctx, id, &f, MoneyAction::ConfirmTransfer).await
}

#[derive(Deserialize)]
struct TrackingForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
}

async fn tracking(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, so)): Path<(String, String)>,
    Form(f): Form<TrackingForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let (Ok(id), Ok(so)) = (OrderId::new(id), SellerOrderId::new(so)) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let by = tijara::usecases::fulfillment::Operator::Marketplace;
    match apply_tracking(&app, &by, &doc, &so, &f.number, &f.status).await {
        Ok(()) => Redirect::to(&format!("/admin/orders/{id}")).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// `GET /admin/orders/{id}/{so}/customs`: the customs declaration (CN23 style) of a seller
/// part's parcel abroad, as its seller prints it, for the marketplace's admin (the seller's
/// own route stays the seller's). 404 before the part is shipped; a parcel in the region's
/// country has none (refused, as the engine says).
async fn customs(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, so)): Path<(String, String)>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let (Ok(id), Ok(so)) = (OrderId::new(id), SellerOrderId::new(so)) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let doc = match app.engine.orders().order(&id).await {
        Ok(d) => d,
        Err(e) => return refusal(&ctx, &e),
    };
    let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so) else {
        return problem(&ctx, StatusCode::NOT_FOUND, "404");
    };
    let back = format!("/admin/orders/{id}");
    match app.engine.fulfillment().customs_document(&id, &s.id).await {
        Ok(d) => (
            // A printed document of its own: its style is inline, nothing else is allowed.
            [(
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                 base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            )],
            axum::response::Html(tijara_render::customs_html_for(&d, Some(&back), ctx.lang)),
        )
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// `/admin/events` (`?failed=1`: only those still undelivered after
/// [`tijara::usecases::dashboard::STUCK_AFTER_MINUTES`]).
async fn events(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let failed_only = q.contains_key("failed");
    let list = match app.engine.storage().pending_events(200).await {
        Ok(list) => list,
        Err(e) => return refusal(&ctx, &e.into()),
    };
    let stuck_before = app.engine.now()
        - tijara_core::chrono::Duration::minutes(tijara::usecases::dashboard::STUCK_AFTER_MINUTES);
    let list: Vec<_> = list
        .into_iter()
        .filter(|e| !failed_only || e.created_at < stuck_before)
        .collect();
    let body = html! {
        h1 { (w(lang, "events")) }
        (nav(lang))
        p.muted { (w(lang, "outbox_note")) }
        nav.chips aria-label=(w(lang, "filter")) {
            a.chip href="/admin/events" aria-current=[(!failed_only).then_some("page")] { (w(lang, "all")) }
            a.chip href="/admin/events?failed=1" aria-current=[failed_only.then_some("page")] { (w(lang, "failed_only")) }
        }
        @if list.is_empty() { p { (w(lang, "none")) } }
        div.table-wrap tabindex="0" { table {
            @for e in &list {
                tr { td { (e.seq) } td { bdi { (crate::web::local_format(&app, e.created_at, "%Y-%m-%d %H:%M:%S")) } } td { code { (e.kind) } } td { bdi { (e.aggregate) } } td { code { (e.payload) } } }
            }
        } }
    };
    layout(&ctx, w(lang, "events"), body).into_response()
}

/// The admin routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/sellers", get(sellers))
        .route("/admin/sellers/{id}/active", post(set_active))
        .route("/admin/sellers/{id}/commission", post(set_commission))
        .route("/admin/orders", get(orders))
        .route("/admin/orders/{id}", get(order))
        .route("/admin/orders/{id}/refund", post(refund))
        .route("/admin/orders/{id}/transfer", post(transfer))
        .route(
            "/admin/orders/{id}/returns/{ret}/refund-sent",
            post(refund_sent),
        )
        .route(
            "/admin/orders/{id}/returns/{ret}/refund-came-back",
            post(refund_came_back),
        )
        .route("/admin/orders/{id}/{so}/tracking", post(tracking))
        .route("/admin/orders/{id}/{so}/customs", get(customs))
        .route("/admin/products", get(products::products))
        .route(
            "/admin/products/{id}/customs",
            get(products::customs_form).post(products::save_customs),
        )
        .route(
            "/admin/categories",
            get(categories::categories).post(categories::create),
        )
        .route(
            "/admin/categories/{id}",
            get(categories::edit).post(categories::save),
        )
        .route("/admin/events", get(events))
        .route("/admin/deliveries", get(deliveries::deliveries))
        .route("/admin/deliveries/retry", post(deliveries::retry))
        .merge(payouts::routes())
}
