//! The portal's monthly statement: a seller's sales, refunds, commission, what is owed and
//! paid in one month (in the region's local time), and the bank account form.

use super::*;
use tijara::usecases::payouts::MonthFigures;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::statement::{Availability, Scope};

// ---- statement -----------------------------------------------------------------------------

/// `YYYY-MM` (default: this month) → the month's text, first instant and the next month's,
/// in the region's local time.
pub(crate) fn month_bounds(
    app: &App,
    month: Option<&str>,
) -> (
    String,
    tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
    tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
) {
    let region = app.engine.region();
    let this_month = region
        .local_date(app.engine.now())
        .format("%Y-%m")
        .to_string();
    let (text, bounds) = match month.and_then(|m| region.month(m).map(|b| (m.to_owned(), b))) {
        Some(found) => found,
        None => {
            let b = region.month(&this_month).unwrap_or_else(|| {
                let now = app.engine.now();
                (now, now)
            });
            (this_month, b)
        }
    };
    (text, bounds.0, bounds.1)
}

/// Words of the statement page (kept here, beside the page).
fn sw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "yours_only" => (
            "Vos produits seulement : les ventes des pièces que vous avez faites, et votre part.",
            "منتجاتك فقط: مبيعات القطع التي صنعتها، وحصتك.",
            "Your products only: sales of the pieces you made, and your share.",
        ),
        "your_share" => ("Votre part", "حصتك", "Your share"),
        "payable" => (
            "Prêt à être viré",
            "جاهز للتحويل",
            "Ready to be transferred",
        ),
        "held_delivery" => (
            "En attente de la livraison (payé par carte ou virement : compté quand le colis est livré)",
            "في انتظار التسليم (مدفوع بالبطاقة أو بالتحويل: يحتسب عند تسليم الطرد)",
            "Waiting for delivery (paid by card or transfer: counts once the parcel is delivered)",
        ),
        "held_cod" => (
            "Paiement à la livraison encaissé, pas encore remis par le transporteur",
            "دفع عند الاستلام محصل، لم يسلمه الناقل بعد",
            "Cash collected on delivery, not yet handed over by the carrier",
        ),
        "why" => (
            "Ce qui reste dû, et pourquoi",
            "ما بقي مستحقا، ولماذا",
            "What is still owed, and why",
        ),
        "months" => ("Les 12 derniers mois", "آخر 12 شهرا", "The last 12 months"),
        "chart_desc" => (
            "Barres par mois : ventes, commission, paiement à la livraison encaissé, virements reçus. Les mêmes chiffres sont dans le tableau.",
            "أعمدة لكل شهر: المبيعات، العمولة، الدفع عند الاستلام المحصل، التحويلات المستلمة. نفس الأرقام في الجدول.",
            "Bars per month: sales, commission, cash collected on delivery, transfers received. The same figures are in the table.",
        ),
        "cod" => (
            "Paiement à la livraison",
            "الدفع عند الاستلام",
            "Cash on delivery",
        ),
        "lines" => ("Le détail", "التفاصيل", "The details"),
        "csv" => (
            "Télécharger (CSV, tableur)",
            "تحميل (CSV، جدول)",
            "Download (CSV, spreadsheet)",
        ),
        "date" => ("Date", "التاريخ", "Date"),
        "order" => ("Commande", "الطلب", "Order"),
        "item" => ("Article", "المنتج", "Item"),
        "refund_line" => ("Remboursement", "استرداد", "Refund"),
        "show" => ("Afficher ce mois", "اعرض هذا الشهر", "Show this month"),
        "shipping" => ("Livraison", "التوصيل", "Shipping"),
        "amount" => ("Montant", "المبلغ", "Amount"),
        "status" => ("État", "الحالة", "Status"),
        "payable_s" => ("prêt", "جاهز", "ready"),
        "not_delivered_s" => ("pas livré", "لم يسلم", "not delivered"),
        "cod_not_remitted_s" => ("pas remis", "لم يسلم بعد", "not handed over"),
        "none" => (
            "Rien ce mois-ci.",
            "لا شيء هذا الشهر.",
            "Nothing this month.",
        ),
        "card_vs_cod" => (
            "Carte : l'argent est reçu à la commande, votre part est virée après la livraison. Paiement à la livraison : le transporteur encaisse, puis remet l'argent au marché ; votre part est virée ensuite.",
            "البطاقة: يستلم المبلغ عند الطلب، وتحول حصتك بعد التسليم. الدفع عند الاستلام: يحصل الناقل المبلغ ثم يسلمه للسوق؛ ثم تحول حصتك.",
            "Card: the money is received with the order, your share is transferred after delivery. Cash on delivery: the carrier collects, then hands the money to the marketplace; your share is transferred after that.",
        ),
        "bad_month" => (
            "Mois non valable : écrivez-le comme 2026-11.",
            "شهر غير صالح: اكتبه هكذا 2026-11.",
            "Not a valid month: write it like 2026-11.",
        ),
        "no_payouts" => (
            "Aucun virement pour l'instant.",
            "لا تحويلات بعد.",
            "No transfers yet.",
        ),
        _ => return w(lang, key),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The statement's scope for this login: a member sees her lines only.
fn scope_of(member: &Option<MemberId>) -> Scope {
    match member {
        Some(m) => Scope::Member(m.clone()),
        None => Scope::Seller,
    }
}

/// A month's first instant and the next month's.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// `YYYY-MM`, checked: `None` when absent, `Err` when given and not a month.
fn month_param(app: &App, q: &HashMap<String, String>, key: &str) -> Result<Option<Span>, ()> {
    match q.get(key).map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => Ok(None),
        Some(m) => app.engine.region().month(m).map(Some).ok_or(()),
    }
}

/// The chart: one group of bars per month (sales, commission, cash collected, paid out),
/// drawn on the server; described by its title and desc, its figures in the table beside it.
///
/// Mirrored for a right-to-left page: time runs the way the page reads, the first month at the
/// right and each month's first bar (sales) at its right, like the legend's first item; the
/// month labels stay upright text, anchored at their group's middle.
pub(super) fn chart(lang: Lang, months: &[MonthFigures]) -> Markup {
    const W: f64 = 640.0;
    const H: f64 = 250.0;
    const BASE: f64 = 205.0;
    let series: [(&str, &str); 4] = [
        ("#1b4168", "sales"),
        ("#a8442a", "commission"),
        ("#256238", "cod"),
        ("#7a5300", "paid"),
    ];
    let value = |m: &MonthFigures, k: usize| -> f64 {
        let v = match k {
            0 => Some(m.sales),
            1 => Some(m.commission),
            2 => Some(m.cod_collected),
            _ => m.paid_out,
        };
        v.map(|v| v.amount().to_string().parse::<f64>().unwrap_or(0.0))
            .unwrap_or(0.0)
    };
    let max = months
        .iter()
        .flat_map(|m| (0..4).map(move |k| (m, k)))
        .map(|(m, k)| value(m, k))
        .fold(0.0_f64, f64::max);
    let n = months.len().max(1) as f64;
    let slot = (W - 20.0) / n;
    let bar = (slot - 6.0) / 4.0;
    let shown = if months.iter().any(|m| m.paid_out.is_some()) {
        4
    } else {
        3
    };
    let rtl = crate::web::page_dir(lang) == "rtl";
    // A box from `x` of `width`, placed the way the page reads.
    let at = |x: f64, width: f64| if rtl { W - x - width } else { x };
    html! {
        svg viewBox={ "0 0 " (W) " " (H) } role="img" aria-labelledby="chart-title chart-desc" class="chart" width="100%" {
            title id="chart-title" { (sw(lang, "months")) }
            desc id="chart-desc" { (sw(lang, "chart_desc")) }
            line x1="10" y1=(BASE) x2=(W - 10.0) y2=(BASE) stroke="#ddd0bb" {}
            @for (i, m) in months.iter().enumerate() {
                @for k in 0..shown {
                    @let v = value(m, k);
                    @let h = if max > 0.0 { (v / max) * (BASE - 20.0) } else { 0.0 };
                    rect x=(format!("{:.1}", at(10.0 + i as f64 * slot + 3.0 + k as f64 * bar, bar)))
                        y=(format!("{:.1}", BASE - h)) width=(format!("{:.1}", bar))
                        height=(format!("{:.1}", h)) fill=(series[k].0) {}
                }
                text.month x=(format!("{:.1}", at(10.0 + i as f64 * slot + slot / 2.0, 0.0))) y="240"
                    text-anchor="middle" direction="ltr" font-size="24" fill="#4a5163" { (m.month.get(5..).unwrap_or("")) }
            }
        }
        p.small {
            @for (color, key) in series.iter().take(shown) {
                svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" { rect width="12" height="12" fill=(color) {} }
                " " (sw(lang, key)) " "
            }
        }
    }
}

pub(super) async fn statement(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if month_param(&app, &q, "month").is_err() {
        return problem(&ctx, StatusCode::BAD_REQUEST, sw(lang, "bad_month"));
    }
    let (month, from, until) = month_bounds(&app, q.get("month").map(String::as_str));
    let scope = scope_of(&member);
    let payouts = app.engine.payouts();
    let st = match payouts
        .statement(&seller_id, scope.clone(), from, until)
        .await
    {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    // Each line names its product in the page's language (one read for all; a product
    // deleted since, or unreadable, is named by its SKU).
    let views = app
        .engine
        .catalog()
        .products_to_show(st.lines.iter().filter_map(|l| l.product_id.as_ref()))
        .await;
    let name_of = |l: &tijara_core::statement::StatementLine| -> Option<String> {
        let id = l.product_id.as_ref()?;
        let v = views.iter().find(|v| &v.product.id == id)?;
        v.product.title.get(lang, Lang::AR).map(str::to_owned)
    };
    let months = match payouts.monthly(&seller_id, scope, Some(&month), 12).await {
        Ok(m) => m,
        Err(e) => return refusal(&ctx, &e),
    };
    // Transfers are the seller's (the cooperative's): a member sees none.
    let (transfers, paid, rib) = if member.is_none() {
        let list = match payouts.all_payouts(&seller_id).await {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        };
        let paid = match payouts.paid_for(&seller_id, from, until).await {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        };
        let rib = match app.engine.catalog().seller(&seller_id).await {
            Ok(s) => s.legal.rib.unwrap_or_default(),
            Err(e) => return refusal(&ctx, &e),
        };
        (list, Some(paid), rib)
    } else {
        (Vec::new(), None, String::new())
    };
    let t = &st.totals;
    let balance = paid.and_then(|p| t.share.checked_sub(p).ok());
    let money = |m: &Money| html! { bdi { (m.format(lang)) } };
    let row =
        |label: &str, m: &Money| html! { tr { th scope="row" { (label) } td { (money(m)) } } };
    let status = |a: Availability| {
        sw(
            lang,
            match a {
                Availability::Payable => "payable_s",
                Availability::NotDelivered => "not_delivered_s",
                Availability::CodNotRemitted => "cod_not_remitted_s",
            },
        )
    };
    let body = html! {
        h1 { (w(lang, "statement")) }
        (nav(&ctx))
        @if member.is_some() { p.box { (sw(lang, "yours_only")) } }
        form method="get" action="/seller/statement" {
            label { (w(lang, "month")) " " input type="month" name="month" value=(month); }
            " " button type="submit" { (sw(lang, "show")) }
        }
        p { a.button.ghost href={ "/seller/statement.csv?month=" (month) } download { (sw(lang, "csv")) } }
        table {
            (row(w(lang, "sales"), &t.sales))
            (row(w(lang, "refunds"), &t.refunds))
            (row(w(lang, "commission"), &t.commission))
            @if member.is_some() {
                (row(sw(lang, "your_share"), &t.share))
            } @else {
                (row(w(lang, "owed"), &t.share))
                @if let Some(p) = &paid { (row(w(lang, "paid"), p)) }
                @if let Some(b) = &balance { (row(w(lang, "balance"), b)) }
            }
        }
        h2 { (sw(lang, "why")) }
        table {
            (row(sw(lang, "payable"), &t.payable))
            (row(sw(lang, "held_delivery"), &t.held_not_delivered))
            (row(sw(lang, "held_cod"), &t.held_cod_not_remitted))
        }
        p.muted { (sw(lang, "card_vs_cod")) }
        h2 { (sw(lang, "months")) }
        figure {
            (chart(lang, &months))
            figcaption.small { (sw(lang, "chart_desc")) }
        }
        div.table-wrap tabindex="0" {
            table {
                thead { tr {
                    th scope="col" { (w(lang, "month")) }
                    th scope="col" { (sw(lang, "sales")) }
                    th scope="col" { (sw(lang, "commission")) }
                    th scope="col" { (sw(lang, "cod")) }
                    @if member.is_none() { th scope="col" { (w(lang, "paid")) } }
                } }
                tbody { @for m in &months { tr {
                    th scope="row" { bdi { (m.month) } }
                    td { (money(&m.sales)) }
                    td { (money(&m.commission)) }
                    td { (money(&m.cod_collected)) }
                    @if let Some(p) = &m.paid_out { td { (money(p)) } }
                } } }
            }
        }
        h2 { (sw(lang, "lines")) }
        @if st.lines.is_empty() {
            p.muted { (sw(lang, "none")) }
        } @else {
            // On a phone, one block per line, each figure with its label (`table.labelled`).
            div.table-wrap tabindex="0" {
                table.labelled {
                    thead { tr {
                        th scope="col" { (sw(lang, "date")) }
                        th scope="col" { (sw(lang, "order")) }
                        th scope="col" { (sw(lang, "item")) }
                        th scope="col" { (sw(lang, "amount")) }
                        th scope="col" { (w(lang, "commission")) }
                        th scope="col" { (sw(lang, "your_share")) }
                        th scope="col" { (sw(lang, "status")) }
                    } }
                    tbody { @for l in &st.lines { tr {
                        td data-label=(sw(lang, "date")) { bdi { (crate::web::local_format(&app, l.at, "%d/%m")) } }
                        td data-label=(sw(lang, "order")) { bdi { (l.order_number.clone().unwrap_or_else(|| l.order_id.to_string())) } }
                        // A refund says so before the product (its amount is negative).
                        td data-label=(sw(lang, "item")) { span { @if l.gross.is_negative() { strong { "↩ " (sw(lang, "refund_line")) } " · " } @match (name_of(l), &l.sku) {
                            // The SKU under the name tells a product's variants apart.
                            (Some(name), Some(s)) => { bdi.name { (name) } br; bdi.small.muted { (s.as_str()) } },
                            (Some(name), None) => bdi.name { (name) },
                            (None, Some(s)) => bdi { (s.as_str()) },
                            (None, None) => (sw(lang, "shipping")),
                        } } }
                        td data-label=(sw(lang, "amount")) { (money(&l.gross)) }
                        td data-label=(w(lang, "commission")) { (money(&l.commission)) }
                        td data-label=(sw(lang, "your_share")) { (money(&l.share)) }
                        td data-label=(sw(lang, "status")) { (status(l.availability)) }
                    } } }
                }
            }
        }
        @if member.is_none() {
            h2 { (w(lang, "paid")) }
            @if transfers.is_empty() { p.muted { (sw(lang, "no_payouts")) } }
            ul { @for p in &transfers { li { bdi { (crate::web::local_day(&app, p.paid_at)) } " — " (money(&p.amount)) " — " bdi { (p.reference) } } } }
            h2 { (w(lang, "bank")) }
            form method="post" action="/seller/bank" {
                (ctx.csrf_field())
                label { (w(lang, "rib")) input name="rib" inputmode="numeric" maxlength="30" value=(rib); }
                button type="submit" { (w(lang, "save")) }
            }
        }
    };
    layout(&ctx, w(lang, "statement"), body).into_response()
}

/// `GET /seller/statement.csv?month=YYYY-MM` (or `?from=YYYY-MM&to=YYYY-MM`, both months
/// included): the statement's lines as CSV, the login's own lines only for a member.
pub(super) async fn statement_csv(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (month, from, to) = match (
        month_param(&app, &q, "month"),
        month_param(&app, &q, "from"),
        month_param(&app, &q, "to"),
    ) {
        (Ok(m), Ok(f), Ok(t)) => (m, f, t),
        _ => return problem(&ctx, StatusCode::BAD_REQUEST, sw(lang, "bad_month")),
    };
    let (from, until, name) = match (month, from, to) {
        (_, Some(f), Some(t)) if f.0 < t.1 => (
            f.0,
            t.1,
            format!(
                "{}_{}",
                q.get("from").map_or("", |s| s.trim()),
                q.get("to").map_or("", |s| s.trim())
            ),
        ),
        (_, Some(_), Some(_)) | (_, Some(_), None) | (_, None, Some(_)) => {
            return problem(&ctx, StatusCode::BAD_REQUEST, sw(lang, "bad_month"));
        }
        (Some(m), None, None) => (m.0, m.1, q.get("month").map_or("", |s| s.trim()).to_owned()),
        (None, None, None) => {
            let (text, f, u) = month_bounds(&app, None);
            (f, u, text)
        }
    };
    match app
        .engine
        .payouts()
        .statement(&seller_id, scope_of(&member), from, until)
        .await
    {
        Ok(st) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"statement-{name}.csv\""),
                ),
            ],
            st.to_csv(),
        )
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct BankForm {
    pub(super) rib: String,
}

/// `POST /seller/bank`: the seller's RIB for payouts (not a member's).
pub(super) async fn set_bank(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<BankForm>,
) -> Response {
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if member.is_some() {
        return forbidden(&ctx);
    }
    let seller = match app.engine.catalog().seller(&seller_id).await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let rib: String = f.rib.chars().filter(|c| !c.is_whitespace()).collect();
    let mut input = tijara::usecases::catalog::SellerInput::from(seller);
    input.legal.rib = (!rib.is_empty()).then_some(rib);
    match app
        .engine
        .catalog()
        .update_seller(&seller_id, input, None)
        .await
    {
        Ok(_) => Redirect::to("/seller/statement").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The statement's and the bank account's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller/statement", get(statement))
        .route("/seller/statement.csv", get(statement_csv))
        .route("/seller/bank", post(set_bank))
}
