//! The admin's failed deliveries (`/admin/deliveries`): each event a target (the e-mail or SMS
//! channel, a webhook endpoint, the NATS relay) has not received yet, with its attempts, last
//! error and next try, kept in the engine's storage (so every process of the shop shows the
//! same list); "Retry now" makes one due at once (`POST /admin/deliveries/retry`).

use super::*;

/// Words of the page (kept here, beside it).
fn dw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => ("Envois échoués", "الإرسالات الفاشلة", "Failed deliveries"),
        "note" => (
            "Chaque envoi d'un événement qui a échoué et n'est pas encore arrivé (e-mail, SMS, webhook, NATS). Il est réessayé tout seul, de plus en plus espacé ; « Réessayer maintenant » le relance au prochain passage, dans quelques secondes.",
            "كل إرسال لحدث فشل ولم يصل بعد (بريد، رسالة قصيرة، webhook، NATS). يعاد تلقائيا بفواصل متزايدة؛ «أعد المحاولة الآن» يعيده في الجولة التالية، خلال ثوان.",
            "Each delivery of an event that failed and has not arrived yet (e-mail, SMS, webhook, NATS). It is retried by itself, further and further apart; \"Retry now\" sends it again on the next round, in a few seconds.",
        ),
        "target" => ("Destination", "الوجهة", "Target"),
        "event" => ("Événement", "الحدث", "Event"),
        "attempts" => ("Essais", "المحاولات", "Attempts"),
        "error" => ("Dernière erreur", "آخر خطأ", "Last error"),
        "next" => ("Prochain essai", "المحاولة القادمة", "Next try"),
        "retry" => ("Réessayer maintenant", "أعد المحاولة الآن", "Retry now"),
        "none" => (
            "Aucun envoi en échec : tout est arrivé.",
            "لا يوجد إرسال فاشل: وصل كل شيء.",
            "No failed delivery: everything arrived.",
        ),
        "retried" => (
            "Envoi relancé : il part au prochain passage (quelques secondes).",
            "أعيد الإرسال: ينطلق في الجولة التالية (بضع ثوان).",
            "Delivery retried: it goes out on the next round (a few seconds).",
        ),
        "bad" => (
            "Cet envoi n'est pas dans la liste des échecs (il est peut-être arrivé entre-temps). Rechargez la liste et choisissez une ligne.",
            "هذا الإرسال ليس في قائمة الإرسالات الفاشلة (ربما وصل في الأثناء). أعد تحميل القائمة واختر سطرا.",
            "This delivery is not in the list of failures (it may have arrived meanwhile). Reload the list and pick a row.",
        ),
        "email" => ("E-mail", "البريد الإلكتروني", "E-mail"),
        "sms" => ("SMS", "رسالة قصيرة", "SMS"),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// A target as the admin reads it: the e-mail and SMS channels by name, others as stored.
fn target_name(lang: Lang, target: &str) -> String {
    match target {
        "notification:email" => dw(lang, "email").to_owned(),
        "notification:sms" => dw(lang, "sms").to_owned(),
        other => other.to_owned(),
    }
}

#[derive(Deserialize)]
pub(super) struct DeliveriesQuery {
    /// `retried`: the retry just made.
    #[serde(default)]
    done: Option<String>,
}

/// `/admin/deliveries`: the oldest 200 failed deliveries.
pub(super) async fn deliveries(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<DeliveriesQuery>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let rows = match app.engine.operations().failed_deliveries(None, 200).await {
        Ok(rows) => rows,
        Err(e) => return refusal(&ctx, &e),
    };
    page(
        &app,
        &ctx,
        &rows,
        q.done.is_some().then(|| dw(lang, "retried")),
        StatusCode::OK,
    )
}

fn page(
    app: &App,
    ctx: &Ctx,
    rows: &[tijara::ports::storage::DeliveryRow],
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let when = |t: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>| {
        crate::web::local_format(app, t, "%Y-%m-%d %H:%M:%S")
    };
    let body = html! {
        h1 { (dw(lang, "title")) }
        (nav(lang))
        p.muted { (dw(lang, "note")) }
        @if let Some(n) = notice {
            p.notice role="status" { (n) }
        }
        @if rows.is_empty() {
            p { (dw(lang, "none")) }
        } @else {
            // One box per delivery (phone-first: no table wider than the screen).
            @for r in rows {
                article.box {
                    p {
                        strong { bdi { (target_name(lang, &r.target)) } }
                        " · #" (r.seq) " " code { (r.kind) }
                    }
                    p.small.muted { bdi.wrap dir="ltr" { (r.aggregate) } }
                    dl.totals {
                        dt { (dw(lang, "attempts")) } dd { (r.attempts) }
                        dt { (dw(lang, "next")) } dd { bdi dir="ltr" { (r.next_try_at.map(when).unwrap_or_default()) } }
                    }
                    p.small {
                        (dw(lang, "error")) (if lang == Lang::FR { "\u{a0}: " } else { ": " })
                        bdi.wrap dir="ltr" { (r.last_error.as_deref().unwrap_or("")) }
                    }
                    form method="post" action="/admin/deliveries/retry" {
                        (ctx.csrf_field())
                        input type="hidden" name="target" value=(r.target);
                        input type="hidden" name="seq" value=(r.seq);
                        button type="submit" { (dw(lang, "retry")) }
                    }
                }
            }
        }
    };
    let mut response = layout(ctx, dw(lang, "title"), body).into_response();
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
pub(super) struct RetryForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    seq: String,
}

/// `POST /admin/deliveries/retry`: makes one failed delivery due now.
pub(super) async fn retry(State(app): State<App>, ctx: Ctx, Form(f): Form<RetryForm>) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let refused = |app: App, ctx: Ctx| async move {
        let rows = app
            .engine
            .operations()
            .failed_deliveries(None, 200)
            .await
            .unwrap_or_default();
        page(
            &app,
            &ctx,
            &rows,
            Some(dw(ctx.lang, "bad")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (Ok(seq), false) = (f.seq.trim().parse::<u64>(), f.target.trim().is_empty()) else {
        return refused(app, ctx).await;
    };
    match app
        .engine
        .operations()
        .retry_delivery(f.target.trim(), seq)
        .await
    {
        Ok(()) => Redirect::to("/admin/deliveries?done=retried").into_response(),
        Err(tijara::TijaraError::PartNotFound { .. }) => refused(app, ctx).await,
        Err(e) => refusal(&ctx, &e),
    }
}
