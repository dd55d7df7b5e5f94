//! The admin's payouts: what each seller is owed for a month, and marking a payout paid.

use super::*;

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
    let sellers = match app.engine.catalog().list_sellers(None, 200).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let mut rows = Vec::new();
    for s in &sellers {
        let st = match found(
            app.engine
                .payouts()
                .seller_statement(&s.id, from, until)
                .await,
        ) {
            Ok(Some(st)) => st,
            Ok(None) => continue,
            Err(e) => return refusal(&ctx, &e),
        };
        let payouts = match app.engine.payouts().payouts(&s.id, None, 100).await {
            Ok(p) => p.items,
            Err(e) => return refusal(&ctx, &e),
        };
        let paid = payouts
            .into_iter()
            .filter(|p| p.period_from >= from && p.period_until <= until)
            .try_fold(Money::zero(st.owed.currency()), |acc, p| {
                acc.checked_add(p.amount)
            })
            .unwrap_or(Money::zero(st.owed.currency()));
        let balance = st.owed.checked_sub(paid).unwrap_or(st.owed);
        rows.push((s, st, paid, balance));
    }
    let body = html! {
        h1 { "Virements aux vendeurs · " (month) }
        (nav(lang))
        form method="get" action="/admin/payouts" { input type="month" name="month" value=(month) aria-label=(w(lang, "month")); button type="submit" { "↻" } }
        table {
            tr { th { "Vendeur" } th { "Ventes" } th { "Commission" } th { "Dû" } th { "Payé" } th { "Reste" } th {} }
            @for (s, st, paid, balance) in &rows {
                tr {
                    td { (s.name) }
                    td { bdi { (st.sales.format(lang)) } }
                    td { bdi { (st.commission.format(lang)) } }
                    td { bdi { (st.owed.format(lang)) } }
                    td { bdi { (paid.format(lang)) } }
                    td { bdi { (balance.format(lang)) } }
                    td {
                        @if balance.is_positive() {
                            form method="post" action={ "/admin/payouts/" (s.id) "?month=" (month) } {
                                (ctx.csrf_field())
                                input name="amount" inputmode="decimal" size="8" value=(balance.amount());
                                input name="reference" placeholder="Réf. virement" required size="12";
                                button type="submit" { "Marquer payé" }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&ctx, "Virements", body).into_response()
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
    let id = match seller_id(&ctx, id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (month, from, until) = month_bounds(&app, q.get("month").map(String::as_str));
    let result = match Money::mad(f.amount.trim().replace(',', ".").as_str()) {
        Ok(m) => app
            .engine
            .payouts()
            .record_payout(&id, m, &f.reference, (from, until))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/payouts?month={month}")).into_response(),
        Err(e) => problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

/// The payout routes of the admin.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/payouts", get(payouts))
        .route("/admin/payouts/{id}", post(mark_paid))
}
