//! The portal's orders: tabs with counts (to prepare, waiting for payment, to ship, shipped,
//! done, returns), numbered pages, and one page per order where shipping happens in one
//! place: ready → label → tracking.
//!
//! The tab of a part is the core's [`tijara_core::order::Work`] (through
//! [`OrderDoc::work`](tijara::docs::OrderDoc::work)), so the seller API gives the same. A card or
//! transfer order not paid yet has no ship button and says so in words; the engine refuses it
//! anyway with [`TijaraError::NotPaidYet`].

use super::*;
use tijara::usecases::catalog::ProductView;
use tijara_core::order::Work;
use tijara_core::pricing::carrier_name;

/// Orders on one page of a tab.
const PER_PAGE: usize = 10;

/// At most this many pages of 100 orders of one tab are read to list it (the tabs are counted
/// by the storage, without reading orders).
const MAX_READ_PAGES: usize = 50;

/// Words of the orders' pages (kept here, apart from the portal's shared table).
fn ow(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "tab_prepare" => ("À préparer", "للتحضير", "To prepare"),
        "tab_awaiting_payment" => (
            "En attente de paiement",
            "في انتظار الأداء",
            "Waiting for payment",
        ),
        "tab_to_ship" => ("À expédier", "للإرسال", "To ship"),
        "tab_shipped" => ("Expédiées", "تم إرسالها", "Shipped"),
        "tab_done" => ("Terminées", "منتهية", "Done"),
        "tab_returns" => ("Retours", "المرتجعات", "Returns"),
        "empty_prepare" => (
            "Rien à préparer pour le moment.",
            "لا شيء للتحضير حاليا.",
            "Nothing to prepare right now.",
        ),
        "empty" => (
            "Aucune commande ici.",
            "لا توجد طلبات هنا.",
            "No order here.",
        ),
        "not_paid" => (
            "L'acheteur n'a pas encore payé : n'expédiez pas. La commande passera dans « À préparer » dès le paiement.",
            "لم يدفع المشتري بعد: لا ترسل الطرد. سينتقل الطلب إلى «للتحضير» فور الأداء.",
            "The buyer has not paid yet: do not ship. The order moves to \"To prepare\" once paid.",
        ),
        "cod" => (
            "À encaisser à la livraison",
            "المبلغ الواجب تحصيله عند التسليم",
            "To collect on delivery",
        ),
        "paid_online" => (
            "Déjà payé : rien à encaisser",
            "مدفوع مسبقا: لا شيء للتحصيل",
            "Already paid: nothing to collect",
        ),
        "carrier" => ("Transporteur", "الناقل", "Carrier"),
        "city" => ("Ville de l'acheteur", "مدينة المشتري", "Buyer's city"),
        "qty" => ("Quantité", "الكمية", "Quantity"),
        "open" => ("Ouvrir la commande", "افتح الطلب", "Open the order"),
        "all_orders" => ("Toutes les commandes", "كل الطلبات", "All orders"),
        "step_ready" => (
            "1. Emballez, puis appuyez sur « Prêt : expédier »",
            "1. غلّف الطرد ثم اضغط «جاهز: أرسل»",
            "1. Pack it, then press \"Ready: ship\"",
        ),
        "step_label" => ("2. L'étiquette", "2. الملصق", "2. The label"),
        "customs_doc" => (
            "Imprimer la déclaration en douane (CN23)",
            "اطبع التصريح الجمركي (CN23)",
            "Print the customs declaration (CN23)",
        ),
        "customs_hint" => (
            "Colis pour l'étranger : imprimez la déclaration en deux exemplaires et glissez-la dans la pochette du colis, à côté de l'étiquette. Les droits et taxes sont payés par le destinataire.",
            "طرد إلى الخارج: اطبع التصريح في نسختين وضعه في جيب الطرد بجانب الملصق. الرسوم والضرائب يدفعها المرسل إليه.",
            "Parcel abroad: print the declaration twice and put it in the parcel's pouch, beside the label. Duties and taxes are paid by the recipient.",
        ),
        "step_tracking" => (
            "3. Le suivi du colis",
            "3. تتبع الطرد",
            "3. Tracking the parcel",
        ),
        "label_hint" => (
            "Imprimez l'étiquette et collez-la sur le colis. Pas d'imprimante ? Écrivez au feutre sur le colis le numéro de commande, et le nom, l'adresse et le téléphone de l'acheteur (en haut de cette page).",
            "اطبع الملصق وألصقه على الطرد. لا توجد طابعة؟ اكتب بخط واضح على الطرد رقم الطلب، واسم المشتري وعنوانه وهاتفه (أعلى هذه الصفحة).",
            "Print the label and stick it on the parcel. No printer? Write the order number, and the buyer's name, address and phone (at the top of this page), on the parcel with a marker.",
        ),
        "label_after_ready" => (
            "L'étiquette apparaît ici après « Prêt : expédier ».",
            "يظهر الملصق هنا بعد «جاهز: أرسل».",
            "The label appears here after \"Ready: ship\".",
        ),
        "tracking_after_label" => (
            "Après avoir remis le colis au transporteur, notez ici son numéro de suivi et les étapes.",
            "بعد تسليم الطرد للناقل، سجل هنا رقم التتبع والمراحل.",
            "Once the carrier has the parcel, note its tracking number and steps here.",
        ),
        "shipped_now" => (
            "C'est prêt : l'étiquette est créée. Imprimez-la ou recopiez-la sur le colis.",
            "جاهز: تم إنشاء الملصق. اطبعه أو انقله على الطرد.",
            "Done: the label is made. Print it or copy it onto the parcel.",
        ),
        "tracking_saved" => ("Suivi enregistré.", "تم حفظ التتبع.", "Tracking saved."),
        "sender_before" => (
            "Avant d'expédier, complétez l'expéditeur de l'étiquette :",
            "قبل الإرسال، أكمل بيانات المرسل في الملصق:",
            "Before shipping, complete the label's sender:",
        ),
        "sender_no_phone" => (
            "Votre boutique n'a pas de téléphone : le transporteur ne pourra pas vous appeler pour l'enlèvement.",
            "ليس لمتجرك هاتف: لن يستطيع الناقل الاتصال بك للاستلام.",
            "Your shop has no phone: the carrier cannot call you for pick-up.",
        ),
        "sender_no_address" => (
            "Votre boutique n'a pas d'adresse : l'étiquette ne donnera que votre ville, et un colis refusé ne pourra pas vous revenir.",
            "ليس لمتجرك عنوان: لن يظهر في الملصق إلا مدينتك، ولن يعود إليك طرد مرفوض.",
            "Your shop has no address: the label will give only your city, and a refused parcel cannot come back to you.",
        ),
        "sender_fix" => (
            "Complétez « Ma boutique »",
            "أكمل «متجري»",
            "Complete \"My shop\"",
        ),
        "err_number" => (
            "Ce numéro de suivi n'est pas valable : recopiez les lettres et les chiffres du reçu du transporteur (les espaces sont enlevés). Rien n'a été enregistré.",
            "رقم التتبع هذا غير صالح: انقل الحروف والأرقام من وصل الناقل (تحذف الفراغات). لم يحفظ أي شيء.",
            "This tracking number is not valid: copy the letters and digits from the carrier's receipt (spaces are removed). Nothing was saved.",
        ),
        "err_taken" => (
            "Ce numéro de suivi est déjà celui d'un autre colis : vérifiez-le sur le reçu du transporteur. Rien n'a été enregistré.",
            "رقم التتبع هذا مسجل لطرد آخر: تحقق منه في وصل الناقل. لم يحفظ أي شيء.",
            "This tracking number already belongs to another parcel: check it on the carrier's receipt. Nothing was saved.",
        ),
        "money_title" => (
            "Votre argent pour cette commande",
            "مالكم من هذا الطلب",
            "Your money for this order",
        ),
        "money_items" => ("Articles", "المنتجات", "Items"),
        "money_delivery" => ("Livraison", "التوصيل", "Delivery"),
        "money_refunded" => (
            "Remboursé à l'acheteur",
            "المبلغ المسترجع للمشتري",
            "Refunded to the buyer",
        ),
        "money_commission" => (
            "Commission du marché",
            "عمولة السوق",
            "Marketplace commission",
        ),
        "money_for_you" => ("Pour vous", "لكم", "For you"),
        "money_commission_back" => (
            "Commission rendue avec le remboursement",
            "العمولة المسترجعة مع الاسترداد",
            "Commission given back with the refund",
        ),
        "money_for_you_later" => (
            "Pour vous, une fois la commande payée",
            "لكم، بعد أداء الطلب",
            "For you, once the order is paid",
        ),
        "money_returned_paid" => (
            "Le colis est revenu : l'acheteur, qui avait payé, doit être remboursé ; ce qui vous revient suit ce remboursement, dans vos comptes.",
            "عاد الطرد: يجب رد المبلغ للمشتري الذي دفع؛ وما يعود لك يتبع هذا الاسترداد في حساباتك.",
            "The parcel came back: the buyer, who had paid, is to be refunded; what is yours follows that refund, in your statement.",
        ),
        "money_returned" => (
            "Le colis est revenu sans être payé : rien à recevoir pour cette commande.",
            "عاد الطرد دون أداء: لا شيء للتحصيل عن هذا الطلب.",
            "The parcel came back unpaid: nothing to receive for this order.",
        ),
        "money_note" => (
            "La commission porte sur le prix des articles, pas sur la livraison. Le marché vous verse votre part une fois la commande payée.",
            "تحسب العمولة على ثمن المنتجات فقط، لا على التوصيل. يدفع لكم السوق نصيبكم بعد أداء الطلب.",
            "The commission is on the items' price, not on delivery. The marketplace pays you your share once the order is paid.",
        ),
        "money_statement" => ("Voir mes comptes", "اطلع على حساباتي", "See my statement"),
        "label_made" => (
            "Prête : l'étiquette est faite. Remettez le colis au transporteur.",
            "جاهز: الملصق جاهز. سلّم الطرد للناقل.",
            "Ready: the label is made. Hand the parcel to the carrier.",
        ),
        "reference" => (
            "Référence du marché (sur l'étiquette)",
            "مرجع السوق (على الملصق)",
            "Marketplace reference (on the label)",
        ),
        "no_carrier_number" => (
            "Numéro de suivi du transporteur : pas encore noté. Au dépôt, le transporteur vous remet un reçu avec son numéro : notez-le ci-dessous, l'acheteur pourra alors suivre son colis.",
            "رقم تتبع الناقل: لم يسجل بعد. عند الإيداع يسلمك الناقل وصلا عليه رقمه: سجله أدناه ليتمكن المشتري من تتبع طرده.",
            "Carrier's tracking number: not noted yet. At the counter the carrier gives you a receipt with its number: note it below, so the buyer can follow the parcel.",
        ),
        "page" => ("Pages", "الصفحات", "Pages"),
        "no_photo" => ("", "", ""),
        "return_open" => (
            "L'acheteur a demandé un retour sur cette commande.",
            "طلب المشتري إرجاع هذا الطلب.",
            "The buyer asked to return this order.",
        ),
        "done_note" => (
            "Rien d'autre à faire pour cette commande.",
            "لا شيء آخر للقيام به لهذا الطلب.",
            "Nothing more to do for this order.",
        ),
        "back_to_order" => (
            "Revenir à la commande",
            "العودة إلى الطلب",
            "Back to the order",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The tab's title.
fn tab_word(lang: Lang, w: Work) -> &'static str {
    match w {
        Work::Prepare => ow(lang, "tab_prepare"),
        Work::AwaitingPayment => ow(lang, "tab_awaiting_payment"),
        Work::ToShip => ow(lang, "tab_to_ship"),
        Work::Shipped => ow(lang, "tab_shipped"),
        Work::Done => ow(lang, "tab_done"),
        _ => ow(lang, "tab_returns"),
    }
}

/// The products of some order lines, read together (a product deleted since is `None`).
#[derive(Default)]
struct Products(HashMap<ProductId, Option<ProductView>>);

impl Products {
    async fn load(app: &App, lines: &[&tijara_core::pricing::PricedLine]) -> Products {
        let mut out = Products::default();
        let ids = lines.iter().map(|l| &l.product_id);
        for view in app.engine.catalog().products_to_show(ids).await {
            out.0.insert(view.product.id.clone(), Some(view));
        }
        for l in lines {
            out.0.entry(l.product_id.clone()).or_insert(None);
        }
        out
    }

    fn view(&self, id: &ProductId) -> Option<&ProductView> {
        self.0.get(id).and_then(Option::as_ref)
    }

    /// The line's product name in `lang` (Arabic, then the SKU, when missing).
    fn name(&self, lang: Lang, l: &tijara_core::pricing::PricedLine) -> String {
        self.view(&l.product_id)
            .and_then(|v| v.product.title.get(lang, Lang::AR))
            .map_or_else(|| l.sku.to_string(), str::to_owned)
    }

    /// The line's options (`color: red`), from its variant.
    fn options(&self, l: &tijara_core::pricing::PricedLine) -> String {
        self.view(&l.product_id)
            .and_then(|v| v.product.variants.iter().find(|x| x.id == l.variant_id))
            .map(|v| {
                v.options
                    .iter()
                    .map(|(k, val)| format!("{k}: {val}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// The product's first photo (its thumbnail), else its drawn picture.
    fn image(&self, l: &tijara_core::pricing::PricedLine) -> Option<String> {
        let p = &self.view(&l.product_id)?.product;
        Some(
            match p
                .photos
                .iter()
                .find(|ph| tijara_core::catalog::is_local_media_path(&ph.url))
            {
                Some(photo) => crate::media::thumb_url(&photo.url),
                None => format!("/images/{}.svg", p.slug),
            },
        )
    }
}

/// One visible part of an order, with its tab.
struct Row<'a> {
    doc: &'a OrderDoc,
    part: &'a SellerOrder,
    lines: Vec<&'a tijara_core::pricing::PricedLine>,
    work: Work,
}

/// The seller's (or member's) orders in one tab, newest first: only that tab's orders are read
/// (at most [`MAX_READ_PAGES`] pages), through the storage's per-tab owner rows.
async fn tab_orders(
    app: &App,
    seller: &SellerId,
    member: Option<&MemberId>,
    tab: Work,
) -> Result<Vec<OrderDoc>, TijaraError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_READ_PAGES {
        let page = app
            .engine
            .orders()
            .seller_orders_at(seller, member, tab, after.as_deref(), 100)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    tab: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

pub(super) async fn dashboard(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    let lang = ctx.lang;
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let seller = match app.engine.catalog().seller(&seller_id).await {
        Ok(s) => s,
        Err(TijaraError::NotFound { .. }) => return forbidden(&ctx),
        Err(e) => return refusal(&ctx, &e),
    };
    // The tabs' counts: one counting query, no order read.
    let counts = match app
        .engine
        .orders()
        .seller_work_counts(&seller_id, member.as_ref())
        .await
    {
        Ok(c) => c,
        Err(e) => return refusal(&ctx, &e),
    };
    let count = |w: Work| counts.get(w);
    // The tab asked for; by default the first with something in it, else "to prepare".
    let tab = q
        .tab
        .as_deref()
        .and_then(Work::parse)
        .or_else(|| Work::ALL.into_iter().find(|w| count(*w) > 0))
        .unwrap_or(Work::Prepare);
    let orders = match tab_orders(&app, &seller_id, member.as_ref(), tab).await {
        Ok(o) => o,
        Err(e) => return refusal(&ctx, &e),
    };
    let sid = &seller_id;
    let rows: Vec<Row> = orders
        .iter()
        .flat_map(|d| {
            d.order
                .seller_orders
                .iter()
                .filter(move |s| &s.seller_id == sid)
                .map(move |s| (d, s))
        })
        .filter_map(|(doc, part)| {
            let lines = visible_lines(part, &member);
            (!lines.is_empty()).then(|| Row {
                doc,
                part,
                lines,
                work: doc.work(part),
            })
        })
        .collect();
    let shown: Vec<&Row> = rows.iter().filter(|r| r.work == tab).collect();
    let pages = shown.len().div_ceil(PER_PAGE).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let on_page: Vec<&Row> = shown
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .copied()
        .collect();
    let wanted: Vec<&tijara_core::pricing::PricedLine> = on_page
        .iter()
        .flat_map(|r| r.lines.iter().copied())
        .collect();
    let products = Products::load(&app, &wanted).await;
    let member_name = member.as_ref().and_then(|m| {
        seller
            .members
            .iter()
            .find(|x| &x.id == m)
            .map(|x| x.name.clone())
    });
    let can_act = member.is_none();
    let body = html! {
        h1 { (seller.name) }
        @if let Some(n) = &member_name { p { (n) " · " (w(lang, "member_of")) " " (seller.name) } }
        @if seller.awaiting_approval() {
            (super::pending_box(lang))
        } @else if !seller.active {
            p.error role="status" { (w(lang, "suspended")) }
        }
        (nav(&ctx))
        h2 { (w(lang, "orders")) }
        nav.chips aria-label=(w(lang, "orders")) {
            @for t in Work::ALL {
                @let n = count(t);
                @if t == tab {
                    a.chip aria-current="page" href={ "/seller?tab=" (t.as_str()) } { (tab_word(lang, t)) " (" (n) ")" }
                } @else {
                    a.chip href={ "/seller?tab=" (t.as_str()) } { (tab_word(lang, t)) " (" (n) ")" }
                }
            }
        }
        @if tab == Work::AwaitingPayment && !shown.is_empty() {
            p.error role="note" { "⚠ " (ow(lang, "not_paid")) }
        }
        @if on_page.is_empty() {
            p { (if tab == Work::Prepare { ow(lang, "empty_prepare") } else { ow(lang, "empty") }) }
        }
        @for r in &on_page {
            (order_box(&app, &ctx, r, &products, can_act))
        }
        @if pages > 1 {
            nav.pages aria-label=(ow(lang, "page")) {
                @for p in 1..=pages {
                    @if p == page {
                        span aria-current="page" { (p) }
                    } @else {
                        a href={ "/seller?tab=" (tab.as_str()) "&page=" (p) } { (p) }
                    }
                }
            }
        }
    };
    layout(&ctx, w(lang, "orders"), body).into_response()
}

/// The lines of a part: the product's picture and name in the reader's language, options,
/// quantity and amount.
fn lines_list(
    lang: Lang,
    lines: &[&tijara_core::pricing::PricedLine],
    products: &Products,
) -> Markup {
    html! {
        ul.lines {
            @for l in lines {
                @let name = products.name(lang, l);
                @let options = products.options(l);
                li.artisan {
                    @if let Some(src) = products.image(l) {
                        img src=(src) alt="" width="64" height="64" loading="lazy";
                    } @else {
                        span {}
                    }
                    div {
                        strong { (name) }
                        @if !options.is_empty() { br; span.small { (options) } }
                        br;
                        span { (ow(lang, "qty")) ": " strong { (l.quantity) } " · " bdi { (l.net.format(lang)) } }
                        br;
                        span.small.muted { bdi dir="ltr" { (l.sku) } }
                    }
                }
            }
        }
    }
}

/// What the courier collects, or that nothing is to collect.
fn cod_line(lang: Lang, part: &SellerOrder) -> Markup {
    html! {
        @match part.cod_amount {
            Some(m) if m.is_positive() => p { (ow(lang, "cod")) ": " strong.big { bdi { (m.format(lang)) } } },
            _ => p.muted { (ow(lang, "paid_online")) },
        }
    }
}

/// What the part brings the seller: its items and delivery, refunds, the marketplace's
/// commission (with its rate when every line is at one rate that gives exactly the order's
/// commission) and what is hers. Once money was received for it, "for you" is the
/// settlement's share of what was received; before, what she will get once it is paid. A
/// parcel that came back gets a sentence instead of figures; a cancelled part, nothing.
fn money_box(
    lang: Lang,
    doc: &OrderDoc,
    part: &SellerOrder,
    seller: Option<&tijara_core::catalog::Seller>,
) -> Markup {
    use tijara_core::order::FulfillmentStatus as F;
    let Some(share) = doc
        .settlement
        .parts()
        .iter()
        .find(|p| p.seller_id == part.seller_id)
    else {
        return html! {};
    };
    if part.status() == F::Cancelled {
        return html! {};
    }
    // A parcel that came back: what is hers follows the refund (paid) or there is nothing
    // (unpaid); rows would not add up to a figure.
    if part.status() == F::Returned {
        return html! {
            section.box id="money" {
                h2 { (ow(lang, "money_title")) }
                p { (ow(lang, if share.received.is_positive() { "money_returned_paid" } else { "money_returned" })) }
                p.muted { a href="/seller/statement" { (ow(lang, "money_statement")) } }
            }
        };
    }
    let settled = share.received.is_positive();
    // The rate, when the lines share one that still gives the order's commission exactly
    // (a rate changed since the order would not).
    let rate = seller.and_then(|s| {
        let mut rates = part.lines.iter().map(|l| s.commission_for(&l.category_id));
        let first = rates.next()?;
        if !rates.all(|r| r == first) {
            return None;
        }
        let again = part.lines.iter().try_fold(
            Money::zero(share.commission_due.currency()),
            |acc, l| {
                acc.checked_add(l.net.mul_rounded(first.fraction()).ok()?)
                    .ok()
            },
        )?;
        (again == share.commission_due).then(|| format!(" ({} %)", first.as_percent().normalize()))
    });
    let delivery = part.total.checked_sub(part.subtotal).ok();
    // The commission row is what is (or will be) taken; what a refund gave back is its own
    // row, so the rate beside the first still reads true.
    let (commission, for_you) = if settled {
        (Some(share.commission_taken), share.seller_share().ok())
    } else {
        let kept = share
            .commission_due
            .checked_sub(share.commission_reversed)
            .ok();
        let for_you = share
            .due
            .checked_sub(share.refunded)
            .ok()
            .zip(kept)
            .and_then(|(a, c)| a.checked_sub(c).ok());
        (Some(share.commission_due), for_you)
    };
    html! {
        section.box id="money" {
            h2 { (ow(lang, "money_title")) }
            table.earnings {
                tr { th scope="row" { (ow(lang, "money_items")) } td { bdi { (part.subtotal.format(lang)) } } }
                @if let Some(d) = delivery { tr { th scope="row" { (ow(lang, "money_delivery")) } td { bdi { (d.format(lang)) } } } }
                @if share.refunded.is_positive() {
                    tr { th scope="row" { (ow(lang, "money_refunded")) } td { bdi { "− " (share.refunded.format(lang)) } } }
                }
                @if let Some(c) = commission {
                    tr { th scope="row" { (ow(lang, "money_commission")) (rate.unwrap_or_default()) } td { bdi { "− " (c.format(lang)) } } }
                }
                @if share.commission_reversed.is_positive() {
                    tr { th scope="row" { (ow(lang, "money_commission_back")) } td { bdi { "+ " (share.commission_reversed.format(lang)) } } }
                }
                @if let Some(m) = for_you {
                    tr.price {
                        th scope="row" { (ow(lang, if settled { "money_for_you" } else { "money_for_you_later" })) }
                        td { bdi { (m.format(lang)) } }
                    }
                }
            }
            p.muted { (ow(lang, "money_note")) " " a href="/seller/statement" { (ow(lang, "money_statement")) } }
        }
    }
}

/// The carrier of the part's parcel (else the one the shopper chose), by the name stored with
/// the shopper's choice, else the core's [`carrier_name`] of its code.
fn carrier_of(doc: &OrderDoc, part: &SellerOrder) -> Option<String> {
    let chosen = part.shipping.as_ref().map(|s| &s.choice);
    match doc.shipments.iter().find(|s| s.seller_order_id == part.id) {
        Some(s) => Some(
            chosen
                .filter(|c| c.carrier == s.carrier)
                .map_or_else(|| carrier_name(&s.carrier), |c| c.carrier_display()),
        ),
        None => chosen.map(|c| c.carrier_display()),
    }
}

fn order_box(app: &App, ctx: &Ctx, r: &Row, products: &Products, can_act: bool) -> Markup {
    let lang = ctx.lang;
    let o = &r.doc.order;
    let base = format!("/seller/orders/{}/{}", o.id, r.part.id);
    html! {
        section.box id={ "o-" (r.part.id) } {
            h3 { a href=(base) { bdi dir="ltr" { (o.reference()) } } " " span class={ "badge " (r.work.as_str()) } { (tab_word(lang, r.work)) } }
            p.muted { bdi { (crate::web::local_time(app, o.placed_at)) } " · " (ow(lang, "city")) ": " strong { (o.shipping_address.city) }
                @if let Some(c) = carrier_of(r.doc, r.part) { " · " (ow(lang, "carrier")) ": " (c) } }
            @if r.work == Work::AwaitingPayment { p.error role="note" { "⚠ " (ow(lang, "not_paid")) } }
            @if r.work == Work::Returns { p.error role="note" { (ow(lang, "return_open")) } }
            (lines_list(lang, &r.lines, products))
            (cod_line(lang, r.part))
            @if can_act {
                @if r.work == Work::Prepare || (r.work == Work::ToShip && r.part.status() == FulfillmentStatus::Ready) {
                    form method="post" action={ (base) "/ship" } {
                        (ctx.csrf_field())
                        button.big type="submit" { (w(lang, "ready")) }
                    }
                }
                p { a.button href=(base) { (ow(lang, "open")) } }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct OrderQuery {
    #[serde(default)]
    shipped: Option<String>,
    #[serde(default)]
    saved: Option<String>,
    /// A tracking number refused: `number` (not a number) or `taken` (another parcel's).
    #[serde(default)]
    err: Option<String>,
}

/// One order part, with the whole shipping flow: ready, label, tracking.
pub(super) async fn order_page(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
    Query(q): Query<OrderQuery>,
) -> Response {
    let (doc, so, _) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(part) = doc.order.seller_order(&so) else {
        return forbidden(&ctx);
    };
    let lang = ctx.lang;
    let o = &doc.order;
    let work = doc.work(part);
    let lines: Vec<_> = part.lines.iter().collect();
    let products = Products::load(&app, &lines).await;
    // For the commission's rate only: the page reads without it.
    let seller = app.engine.catalog().seller(&part.seller_id).await.ok();
    let shipment = doc.shipments.iter().find(|s| s.seller_order_id == so);
    let base = format!("/seller/orders/{}/{}", o.id, so);
    let reference = o.reference();
    let body = html! {
        (nav(&ctx))
        p { a href={ "/seller?tab=" (work.as_str()) } { (ow(lang, "all_orders")) } }
        h1 { bdi dir="ltr" { (reference) } " " span class={ "badge " (work.as_str()) } { (tab_word(lang, work)) } }
        @if q.shipped.is_some() && shipment.is_some() { p.ok role="status" { "✔ " (ow(lang, "shipped_now")) } }
        @if q.saved.is_some() { p.ok role="status" { "✔ " (ow(lang, "tracking_saved")) } }
        p.muted { bdi { (crate::web::local_time(&app, o.placed_at)) } " · " (status_word(lang, o.payment.status().as_str())) }
        section.box {
            // The whole address, as the destination's post lays it out: what to write on the
            // parcel without a printer (a parcel abroad needs more than the city).
            @let a = &o.shipping_address;
            p { strong { (a.name) }
                @for line in crate::web::address_lines(&app, lang, a) { br; bdi.wrap { (line) } }
                br; bdi dir="ltr" { (a.phone) } }
            @if let Some(c) = carrier_of(&doc, part) { p { (ow(lang, "carrier")) ": " strong { (c) } } }
            (lines_list(lang, &lines, &products))
            (cod_line(lang, part))
        }
        (money_box(lang, &doc, part, seller.as_ref()))
        @if work == Work::AwaitingPayment {
            p.error role="note" { "⚠ " (ow(lang, "not_paid")) }
        }
        @if work == Work::Returns { p.error role="note" { (ow(lang, "return_open")) } }
        section.box id="ready" {
            h2 { (ow(lang, "step_ready")) }
            @if work.may_ship() && shipment.is_none() {
                // The label's sender is the shop's profile: without a phone or a street address
                // the carrier cannot call for pick-up nor bring a returned parcel back.
                @if let Some(s) = &seller {
                    @let no_phone = s.contact.phone.is_none() && s.whatsapp.is_none();
                    @let no_address = s.contact.address.as_deref().is_none_or(|a| a.trim().is_empty());
                    @if no_phone || no_address {
                        div.to-do role="note" {
                            p { strong { (ow(lang, "sender_before")) } }
                            @if no_phone { p { (ow(lang, "sender_no_phone")) } }
                            @if no_address { p { (ow(lang, "sender_no_address")) } }
                            p { a href="/seller/profile" { (ow(lang, "sender_fix")) } }
                        }
                    }
                }
                form method="post" action={ (base) "/ship" } {
                    (ctx.csrf_field())
                    button.big type="submit" { (w(lang, "ready")) }
                }
            } @else if shipment.is_some() && crate::web::part_status(&doc, part) == "packed" {
                p.ok { "✔ " (ow(lang, "label_made")) }
            } @else if shipment.is_some() {
                p.ok { "✔ " (status_word(lang, crate::web::part_status(&doc, part))) }
            } @else if work == Work::Done {
                p { (ow(lang, "done_note")) }
            }
        }
        section.box id="label" {
            h2 { (ow(lang, "step_label")) }
            @if shipment.is_some() {
                p { a.button.big href={ (base) "/label" } { (w(lang, "label")) } }
                p { (ow(lang, "label_hint")) }
                @if app.engine.region().is_abroad(&o.shipping_address.country) {
                    p { a.button.big href={ (base) "/customs" } { (ow(lang, "customs_doc")) } }
                    p { (ow(lang, "customs_hint")) }
                }
            } @else {
                p.muted { (ow(lang, "label_after_ready")) }
            }
        }
        section.box id="tracking" {
            h2 { (ow(lang, "step_tracking")) }
            @if let Some(s) = shipment {
                @let carrier = carrier_of(&doc, part).unwrap_or_else(|| carrier_name(&s.carrier));
                @if let Some(number) = s.carrier_number() {
                    p { (t(lang, "tracking")) ": " (carrier) " " bdi.wrap dir="ltr" { (number) } " — " (status_word(lang, s.status().as_str())) }
                } @else {
                    @if let Some(reference) = &s.tracking_number { p { (ow(lang, "reference")) ": " bdi.wrap dir="ltr" { (reference) } } }
                    p.notice role="note" { (ow(lang, "no_carrier_number")) }
                    @let step = if s.status() == TrackingStatus::LabelCreated { crate::web::part_status(&doc, part) } else { s.status().as_str() };
                    p { (carrier) " — " (status_word(lang, step)) }
                }
                ol.timeline { @for e in s.events() { li { bdi { (crate::web::local_time(&app, e.at)) } " — " (status_word(lang, e.status.as_str())) } } }
                @match q.err.as_deref() {
                    Some("number") => p.error role="alert" { (ow(lang, "err_number")) },
                    Some("taken") => p.error role="alert" { (ow(lang, "err_taken")) },
                    _ => {},
                }
                form method="post" action={ (base) "/tracking" } {
                    (ctx.csrf_field())
                    label { (w(lang, "number")) input name="number" value=(s.carrier_number().unwrap_or_default()) autocomplete="off"; }
                    label { (w(lang, "step")) select name="status" {
                        option value="" { "—" }
                        @for st in ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed"] {
                            option value=(st) { (status_word(lang, st)) }
                        }
                    } }
                    button.big type="submit" { (w(lang, "save")) }
                }
            } @else {
                p.muted { (ow(lang, "tracking_after_label")) }
            }
        }
    };
    layout(&ctx, &reference, body).into_response()
}

/// Loads an order and the part of it that belongs to the logged-in seller.
pub(super) async fn my_part(
    app: &App,
    ctx: &Ctx,
    order: String,
    so: String,
) -> Result<(OrderDoc, SellerOrderId, SellerId), Response> {
    let (seller, member) = seller_of(ctx)?;
    if member.is_some() {
        // Members see their lines; shipping is the cooperative's job.
        return Err(forbidden(ctx));
    }
    let (Ok(order), Ok(so)) = (OrderId::new(order), SellerOrderId::new(so)) else {
        return Err(forbidden(ctx));
    };
    let doc = app
        .engine
        .orders()
        .order(&order)
        .await
        .map_err(|e| match e {
            TijaraError::NotFound { .. } => forbidden(ctx),
            e => refusal(ctx, &e),
        })?;
    match doc.order.seller_order(&so) {
        Ok(part) if part.seller_id == seller => Ok((doc, so, seller)),
        _ => {
            tracing::warn!(target: "security", seller = %seller, order = %doc.order.id, part = %so, "portal: not this seller's part");
            Err(forbidden(ctx))
        }
    }
}

/// The refusal of "ready" for an order not paid yet: what to do, and the way back to it.
fn not_paid_page(ctx: &Ctx, back: &str) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { (ow(lang, "tab_awaiting_payment")) }
        p.error role="alert" { "⚠ " (ow(lang, "not_paid")) }
        p { a.button.big href=(back) { (ow(lang, "back_to_order")) } }
    };
    (
        StatusCode::CONFLICT,
        layout(ctx, ow(lang, "tab_awaiting_payment"), body),
    )
        .into_response()
}

/// "Ready to ship": marks the part ready (if not yet) and creates the shipment with the carrier
/// the shopper chose, then comes back to the order's page, at its label.
pub(super) async fn ship(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = doc.order.id.clone();
    let status = doc.order.seller_order(&so).map(|s| s.status()).ok();
    let engine = app.engine.clone();
    let (order, part) = (id.clone(), so.clone());
    // On its own task: a closed tab does not drop the carrier call half-way.
    let shipped = crate::detached(async move {
        if status == Some(FulfillmentStatus::Awaiting) {
            engine.fulfillment().mark_ready(&order, &part, None).await?;
        }
        engine
            .fulfillment()
            .ship_as(
                &Operator::Seller(seller),
                &order,
                &part,
                ShipRequest::new(),
                None,
            )
            .await
    })
    .await;
    let page = format!("/seller/orders/{id}/{so}");
    match shipped {
        Ok(_) => Redirect::to(&format!("{page}?shipped=1#label")).into_response(),
        Err(TijaraError::NotPaidYet { .. }) => not_paid_page(&ctx, &page),
        Err(e) => refusal(&ctx, &e),
    }
}

pub(super) async fn label(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, _) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so) else {
        return forbidden(&ctx);
    };
    let back = format!("/seller/orders/{}/{so}#label", doc.order.id);
    match app.engine.fulfillment().label(&doc.order.id, &s.id).await {
        Ok(l) => (
            // The label is a document of its own, printed as it is: its style is inline, and
            // nothing else is allowed.
            [(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                 base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            )],
            Html(tijara_render::label_html_with(&l, Some(&back))),
        )
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The customs declaration (CN23 style) of this part's parcel abroad, beside its label.
pub(super) async fn customs(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, _) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so) else {
        return forbidden(&ctx);
    };
    let back = format!("/seller/orders/{}/{so}#label", doc.order.id);
    match app
        .engine
        .fulfillment()
        .customs_document(&doc.order.id, &s.id)
        .await
    {
        Ok(d) => (
            [(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                 base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            )],
            Html(tijara_render::customs_html_for(&d, Some(&back), ctx.lang)),
        )
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct TrackingForm {
    #[serde(default)]
    pub(super) number: String,
    #[serde(default)]
    pub(super) status: String,
}

/// Tracking by hand for carriers without an API: the carrier's number, and a step, applied by
/// the engine to this part's shipment with `by`'s rights.
pub(crate) async fn apply_tracking(
    app: &App,
    by: &Operator,
    doc: &OrderDoc,
    so: &SellerOrderId,
    number: &str,
    status: &str,
) -> Result<(), TijaraError> {
    let status: Option<TrackingStatus> = match status.trim() {
        "" => None,
        s => Some(
            serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
                TijaraError::InvalidField {
                    field: "status",
                    rule: format!("{s:?} is not a tracking step"),
                }
            })?,
        ),
    };
    // As printed on a receipt ("RR 987 654 321 MA"): spaces out (no number has any).
    let number: String = number.split_whitespace().collect();
    let mut update = HandTracking::new().with_tracking_number(number);
    update.status = status;
    app.engine
        .fulfillment()
        .track_by_hand(by, &doc.order.id, so, update, None)
        .await?;
    Ok(())
}

/// Saves the tracking typed on the order's page and comes back to it, at the tracking form.
pub(super) async fn tracking(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
    Form(f): Form<TrackingForm>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let by = Operator::Seller(seller);
    // A seller types numbers only for carriers without an API (rate cards): in capitals, as
    // receipts print them (`am…` → `AM…`). The admin's form and the API keep the case typed.
    let number = f.number.to_uppercase();
    match apply_tracking(&app, &by, &doc, &so, &number, &f.status).await {
        Ok(()) => Redirect::to(&format!(
            "/seller/orders/{}/{so}?saved=1#tracking",
            doc.order.id
        ))
        .into_response(),
        // Said on the order's page, beside the form (nothing saved), with what to do.
        Err(TijaraError::InvalidField {
            field: "tracking_number",
            ..
        }) => Redirect::to(&format!(
            "/seller/orders/{}/{so}?err=number#tracking",
            doc.order.id
        ))
        .into_response(),
        Err(TijaraError::TrackingNumberTaken { .. }) => Redirect::to(&format!(
            "/seller/orders/{}/{so}?err=taken#tracking",
            doc.order.id
        ))
        .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The order routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller", get(dashboard))
        .route("/seller/orders/{order}/{so}", get(order_page))
        .route("/seller/orders/{order}/{so}/ship", post(ship))
        .route("/seller/orders/{order}/{so}/label", get(label))
        .route("/seller/orders/{order}/{so}/customs", get(customs))
        .route("/seller/orders/{order}/{so}/tracking", post(tracking))
}
