//! The admin's payouts: what each seller is owed for a month, marking a payout paid (refused
//! without the seller's RIB), the batch for the bank (the CLI's CSV), and the orders each
//! payout covers.

use super::*;
use axum::http::header;
use tijara::TijaraError;
use tijara_core::Lang;
use tijara_core::statement::{Scope, batch_csv};

/// Words of the payouts page (kept here, beside the page).
fn pw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "no_rib" => (
            "Pas de RIB : le virement est impossible. Demandez au vendeur de saisir son RIB dans son portail (Mes comptes → Compte bancaire), puis revenez ici.",
            "لا يوجد رقم حساب بنكي: التحويل غير ممكن. اطلب من البائع إدخال رقم حسابه في بوابته (حساباتي ← الحساب البنكي)، ثم عد إلى هنا.",
            "No RIB: the transfer cannot be made. Ask the seller to enter their RIB in their portal (My statement → Bank account), then come back here.",
        ),
        "batch" => (
            "Télécharger le lot pour la banque (CSV)",
            "تحميل دفعة البنك (CSV)",
            "Download the batch for the bank (CSV)",
        ),
        "bad_month" => (
            "Mois non valable : écrivez-le comme 2026-11.",
            "شهر غير صالح: اكتبه هكذا 2026-11.",
            "Not a valid month: write it like 2026-11.",
        ),
        "bad_amount" => (
            "Montant non valable : écrivez-le comme 812,40.",
            "مبلغ غير صالح: اكتبه هكذا 812,40.",
            "Not a valid amount: write it like 812.40.",
        ),
        "covers" => ("Commandes couvertes", "الطلبات المشمولة", "Orders covered"),
        "made" => (
            "Virements du mois",
            "تحويلات الشهر",
            "This month's transfers",
        ),
        "title" => (
            "Virements aux vendeurs",
            "التحويلات إلى البائعين",
            "Payouts to sellers",
        ),
        "seller" => ("Vendeur", "البائع", "Seller"),
        "sales" => ("Ventes", "المبيعات", "Sales"),
        "commission" => ("Commission", "العمولة", "Commission"),
        "owed" => ("Dû", "المستحق", "Owed"),
        "paid" => ("Payé", "المدفوع", "Paid"),
        "balance" => ("Reste", "الباقي", "Balance"),
        "action" => ("Virement", "التحويل", "Transfer"),
        "amount" => ("Montant", "المبلغ", "Amount"),
        "reference" => (
            "Référence du virement",
            "مرجع التحويل",
            "Transfer reference",
        ),
        "reference_hint" => ("Réf. virement", "مرجع التحويل", "Transfer ref."),
        "mark_paid" => ("Marquer payé", "سجّل كمدفوع", "Mark paid"),
        "refresh" => ("Afficher ce mois", "اعرض هذا الشهر", "Show this month"),
        "no_sellers" => (
            "Aucun vendeur pour l'instant.",
            "لا يوجد بائعون بعد.",
            "No sellers yet.",
        ),
        "none_made" => (
            "Aucun virement ce mois-ci.",
            "لا توجد تحويلات هذا الشهر.",
            "No transfers this month.",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

fn has_rib(s: &tijara_core::catalog::Seller) -> bool {
    s.legal.rib.as_deref().is_some_and(|r| !r.trim().is_empty())
}

/// Every seller, all pages.
async fn all_sellers(app: &App) -> Result<Vec<tijara_core::catalog::Seller>, TijaraError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .engine
            .catalog()
            .list_sellers(after.as_deref(), 100)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(out)
}

pub(super) async fn payouts(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let (month, from, until) = month_bounds(&app, q.get("month").map(String::as_str));
    let sellers = match all_sellers(&app).await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let engine = app.engine.payouts();
    let mut rows = Vec::new();
    let mut made = Vec::new();
    let mut numbers: HashMap<String, String> = HashMap::new();
    for s in &sellers {
        let st = match engine.statement(&s.id, Scope::Seller, from, until).await {
            Ok(st) => st,
            Err(e) => return refusal(&ctx, &e),
        };
        let list = match engine.all_payouts(&s.id).await {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        };
        // The orders' human numbers, for the payouts' "orders covered" links.
        for line in &st.lines {
            if let Some(n) = &line.order_number {
                numbers.insert(line.order_id.to_string(), n.clone());
            }
        }
        let zero = Money::zero(st.totals.share.currency());
        let paid = list
            .iter()
            .filter(|p| p.period_from >= from && p.period_until <= until)
            .try_fold(zero, |acc, p| acc.checked_add(p.amount))
            .unwrap_or(zero);
        let balance = st.totals.share.checked_sub(paid).unwrap_or(st.totals.share);
        made.extend(
            list.into_iter()
                .filter(|p| p.period_from >= from && p.period_until <= until)
                .map(|p| (s.name.clone(), p)),
        );
        rows.push((s, st.totals, paid, balance));
    }
    let body = html! {
        h1 { (pw(lang, "title")) " · " bdi { (month) } }
        (nav(lang))
        form method="get" action="/admin/payouts" {
            input type="month" name="month" value=(month) aria-label=(w(lang, "month"));
            " " button type="submit" aria-label=(pw(lang, "refresh")) title=(pw(lang, "refresh")) { "↻" }
        }
        p { a.button.ghost href={ "/admin/payouts.csv?month=" (month) } download { (pw(lang, "batch")) } }
        @if rows.is_empty() { p.muted { (pw(lang, "no_sellers")) } }
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th scope="col" { (pw(lang, "seller")) }
                th scope="col" { (pw(lang, "sales")) }
                th scope="col" { (pw(lang, "commission")) }
                th scope="col" { (pw(lang, "owed")) }
                th scope="col" { (pw(lang, "paid")) }
                th scope="col" { (pw(lang, "balance")) }
                th scope="col" { (pw(lang, "action")) }
            } }
            tbody { @for (s, t, paid, balance) in &rows {
                tr {
                    th scope="row" { (s.name) }
                    td { bdi { (t.sales.format(lang)) } }
                    td { bdi { (t.commission.format(lang)) } }
                    td { bdi { (t.share.format(lang)) } }
                    td { bdi { (paid.format(lang)) } }
                    td { bdi { (balance.format(lang)) } }
                    td {
                        @if balance.is_positive() {
                            @if has_rib(s) {
                                form method="post" action={ "/admin/payouts/" (s.id) "?month=" (month) } {
                                    (ctx.csrf_field())
                                    input name="amount" inputmode="decimal" size="8" value=(balance.amount()) aria-label=(pw(lang, "amount"));
                                    input name="reference" placeholder=(pw(lang, "reference_hint")) required size="12" aria-label=(pw(lang, "reference"));
                                    button type="submit" { (pw(lang, "mark_paid")) }
                                }
                            } @else {
                                p.error { (pw(lang, "no_rib")) }
                            }
                        }
                    }
                }
            } }
        } }
        h2 { (pw(lang, "made")) }
        @if made.is_empty() { p.muted { (pw(lang, "none_made")) } }
        ul { @for (name, p) in &made {
            li {
                (name) " — " bdi { (p.amount.format(lang)) } " — " bdi { (p.reference) } " — " bdi { (crate::web::local_day(&app, p.paid_at)) }
                @if !p.orders.is_empty() {
                    br; span.small { (pw(lang, "covers")) " (" (p.orders.len()) ") : " }
                    @for o in &p.orders {
                        @let id = o.to_string();
                        a href={ "/admin/orders/" (id) } { bdi { (numbers.get(&id).unwrap_or(&id)) } } " "
                    }
                }
            }
        } }
    };
    layout(&ctx, pw(lang, "title"), body).into_response()
}

/// `GET /admin/payouts.csv?month=YYYY-MM`: the batch for the bank, the CLI's
/// `tijara payouts batch` CSV.
pub(super) async fn batch(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let given = q.get("month").map(|m| m.trim()).filter(|m| !m.is_empty());
    if given.is_some_and(|m| app.engine.region().month(m).is_none()) {
        return problem(&ctx, StatusCode::BAD_REQUEST, pw(lang, "bad_month"));
    }
    let (month, from, until) = month_bounds(&app, given);
    match app.engine.payouts().batch(&month, from, until).await {
        Ok(lines) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"payouts-{month}.csv\""),
                ),
            ],
            batch_csv(&lines),
        )
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

pub(super) async fn mark_paid(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    Form(f): Form<AmountForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (month, from, until) = month_bounds(&app, q.get("month").map(String::as_str));
    let Ok(amount) = Money::parse_typed(&f.amount, tijara_core::Currency::MAD) else {
        return problem(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            pw(lang, "bad_amount"),
        );
    };
    match app
        .engine
        .payouts()
        .record_payout(&id, amount, &f.reference, (from, until))
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/payouts?month={month}")).into_response(),
        Err(TijaraError::NoBankAccount { .. }) => {
            problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, pw(lang, "no_rib"))
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// The payout routes of the admin.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/payouts", get(payouts))
        .route("/admin/payouts.csv", get(batch))
        .route("/admin/payouts/{id}", post(mark_paid))
}
