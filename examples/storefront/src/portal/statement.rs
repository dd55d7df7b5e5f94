//! The portal's monthly statement: a seller's sales, refunds, commission, what is owed and
//! paid in one month (in the region's local time), and the bank account form.

use super::*;

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
    let (month, from, until) = month_bounds(&app, q.get("month").map(String::as_str));
    let st = match app
        .engine
        .payouts()
        .seller_statement(&seller_id, from, until)
        .await
    {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    let payouts = match app.engine.payouts().payouts(&seller_id, None, 100).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let period_paid = payouts
        .iter()
        .filter(|p| p.period_from >= from && p.period_until <= until)
        .try_fold(Money::zero(st.owed.currency()), |acc, p| {
            acc.checked_add(p.amount)
        });
    let balance = period_paid
        .as_ref()
        .ok()
        .and_then(|paid| st.owed.checked_sub(*paid).ok());
    // A member's share: their products' lines in orders paid this month, less the commission.
    let share = if member.is_some() {
        let seller = match crate::web::found(app.engine.catalog().seller(&seller_id).await) {
            Ok(s) => s,
            Err(e) => return refusal(&ctx, &e),
        };
        let orders = match app
            .engine
            .orders()
            .seller_orders(&seller_id, None, 100)
            .await
        {
            Ok(p) => p.items,
            Err(e) => return refusal(&ctx, &e),
        };
        let paid: std::collections::HashSet<_> =
            st.entries.iter().map(|e| e.order_id.clone()).collect();
        let mut total = Money::zero(st.owed.currency());
        for d in orders.iter().filter(|d| paid.contains(&d.order.id)) {
            for so in d
                .order
                .seller_orders
                .iter()
                .filter(|s| s.seller_id == seller_id)
            {
                for l in visible_lines(so, &member) {
                    total = total.checked_add(l.net).unwrap_or(total);
                }
            }
        }
        seller.and_then(|s| {
            let commission = total.mul_rounded(s.commission_rate.fraction()).ok()?;
            total.checked_sub(commission).ok()
        })
    } else {
        None
    };
    let rib = match crate::web::found(app.engine.catalog().seller(&seller_id).await) {
        Ok(s) => s.and_then(|s| s.legal.rib).unwrap_or_default(),
        Err(e) => return refusal(&ctx, &e),
    };
    let row =
        |label: &str, m: &Money| html! { tr { th { (label) } td { bdi { (m.format(lang)) } } } };
    let body = html! {
        h1 { (w(lang, "statement")) }
        (nav(&ctx))
        form method="get" action="/seller/statement" {
            label { (w(lang, "month")) input type="month" name="month" value=(month); }
            button type="submit" { "↻" }
        }
        table {
            (row(w(lang, "sales"), &st.sales))
            (row(w(lang, "refunds"), &st.refunds))
            (row(w(lang, "commission"), &st.commission))
            (row(w(lang, "owed"), &st.owed))
            @if let Ok(p) = &period_paid { (row(w(lang, "paid"), p)) }
            @if let Some(b) = &balance { (row(w(lang, "balance"), b)) }
            @if let Some(s) = &share { (row(w(lang, "share"), s)) }
        }
        p.muted { (w(lang, "cod_note")) }
        @if member.is_none() {
            h2 { (w(lang, "bank")) }
            form method="post" action="/seller/bank" {
                (ctx.csrf_field())
                label { (w(lang, "rib")) input name="rib" inputmode="numeric" maxlength="30" value=(rib); }
                button type="submit" { (w(lang, "save")) }
            }
        }
        h2 { (w(lang, "paid")) }
        ul { @for p in &payouts { li { bdi { (p.paid_at.format("%Y-%m-%d")) } " — " bdi { (p.amount.format(lang)) } " — " bdi { (p.reference) } } } }
    };
    layout(&ctx, w(lang, "statement"), body).into_response()
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
        .route("/seller/bank", post(set_bank))
}
