//! The admin's dashboard (`/admin`): today's and this month's orders and sales, a chart of the
//! last 30 days drawn on the server (SVG, with the same figures in a table for screen readers
//! and printing), orders by state, and what waits for someone; every number links to its list.
//! The figures come from the engine (`engine.dashboard().summary()`), so the API could give
//! the same.

use super::*;
use tijara::usecases::dashboard::{AdminSummary, DayTally};

/// The dashboard's own words.
fn d(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "today" => ("Aujourd'hui", "اليوم", "Today"),
        "to_do" => (
            "Avant d'ouvrir le marché",
            "قبل فتح السوق",
            "Before the marketplace opens",
        ),
        "to_do_categories" => (
            "Aucune catégorie : les artisans ne peuvent mettre aucun produit en vente. Ajoutez-les :",
            "لا يوجد أي صنف: لا يستطيع الحرفيون عرض أي منتج للبيع. أضفها:",
            "No category: artisans cannot put any product on sale. Add them:",
        ),
        "to_do_operator" => (
            "Les pages légales montrent des coordonnées de démonstration (nom, ICE, RC, adresse, e-mail). Donnez celles de la société aux variables TIJARA_OPERATOR_* et TIJARA_CNDP_DECLARATION, puis redémarrez (docs/storefront.md, « The operator's identity »).",
            "الصفحات القانونية تعرض بيانات تجريبية (الاسم، ICE، RC، العنوان، البريد). أعط بيانات الشركة للمتغيرات \u{2066}TIJARA_OPERATOR_*\u{2069} و \u{2066}TIJARA_CNDP_DECLARATION\u{2069} ثم أعد التشغيل (\u{2066}docs/storefront.md\u{2069}).",
            "The legal pages show demonstration details (name, ICE, RC, address, e-mail). Give the company's in the TIJARA_OPERATOR_* and TIJARA_CNDP_DECLARATION variables, then restart (docs/storefront.md, \"The operator's identity\").",
        ),
        "to_do_see" => ("Voir la page", "شاهد الصفحة", "See the page"),
        "to_do_email" => (
            "Aucun e-mail ne part : confirmations de commande, validation des artisans, mots de passe oubliés. Démarrez avec --smtp-url (TIJARA_SMTP_URL), voir docs/operations.md.",
            "لا يرسل أي بريد إلكتروني: تأكيد الطلبات، قبول الحرفيين، كلمات المرور المنسية. شغل الخادم مع \u{2066}--smtp-url (TIJARA_SMTP_URL)\u{2069}، انظر \u{2066}docs/operations.md\u{2069}.",
            "No e-mail goes out: order confirmations, artisans' approvals, forgotten passwords. Start with --smtp-url (TIJARA_SMTP_URL), see docs/operations.md.",
        ),
        "month" => ("Ce mois-ci", "هذا الشهر", "This month"),
        "orders_n" => ("commandes", "طلبات", "orders"),
        "orders_1" => ("commande", "طلب", "order"),
        "orders_2" => ("commandes", "طلبان", "orders"),
        "sales" => ("ventes", "مبيعات", "sales"),
        "chart" => (
            "Ventes des 30 derniers jours",
            "مبيعات آخر 30 يوما",
            "Sales of the last 30 days",
        ),
        "chart_alt" => (
            "Graphique : ventes par jour sur 30 jours ; les chiffres sont dans le tableau ci-dessous.",
            "رسم بياني: المبيعات اليومية خلال 30 يوما؛ الأرقام في الجدول أسفله.",
            "Chart: sales per day over 30 days; the figures are in the table below.",
        ),
        "chart_table" => (
            "Les chiffres jour par jour",
            "الأرقام يوما بيوم",
            "Day by day figures",
        ),
        "day" => ("Jour", "اليوم", "Day"),
        "no_sales" => (
            "Pas encore de ventes sur ces 30 jours.",
            "لا مبيعات بعد خلال هذه الثلاثين يوما.",
            "No sales in these 30 days yet.",
        ),
        "by_state" => (
            "Commandes par état",
            "الطلبات حسب الحالة",
            "Orders by state",
        ),
        "waiting" => ("À traiter", "في انتظار المعالجة", "Waiting for someone"),
        "pending_sellers" => (
            "Vendeurs à approuver",
            "بائعون في انتظار الموافقة",
            "Sellers to approve",
        ),
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
        "refunds" => (
            "Remboursements à envoyer",
            "مبالغ مستردة للإرسال",
            "Refunds to send",
        ),
        "payouts_due" => (
            "Vendeurs à payer",
            "بائعون ينتظرون التحويل",
            "Sellers to pay",
        ),
        "failed" => (
            "Envois échoués (webhooks, e-mails, SMS)",
            "إرسالات فاشلة (webhooks، بريد، رسائل قصيرة)",
            "Failed deliveries (webhooks, e-mails, SMS)",
        ),
        "truncated" => (
            "Beaucoup de données : ces chiffres ne couvrent que les premières commandes lues.",
            "بيانات كثيرة: هذه الأرقام تشمل فقط الطلبات الأولى المقروءة.",
            "A lot of data: these figures cover only the first orders read.",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// The bar chart of the last days' sales, drawn on the server. Bars grow from the start of
/// the reading direction (time runs right to left in Arabic).
fn chart(lang: Lang, days: &[DayTally]) -> Markup {
    use tijara_core::Decimal;
    const W: usize = 600;
    const H: usize = 160;
    let max = days
        .iter()
        .map(|t| t.tally.sales.amount())
        .max()
        .unwrap_or(Decimal::ZERO);
    let n = days.len().max(1);
    let slot = W / n;
    let rtl = crate::web::page_dir(lang) == "rtl";
    let mut bars = String::new();
    for (i, t) in days.iter().enumerate() {
        let h = if max > Decimal::ZERO {
            let ratio = t.tally.sales.amount() / max * Decimal::from(H as u32 - 20);
            ratio.round().to_string().parse::<usize>().unwrap_or(0)
        } else {
            0
        };
        let pos = if rtl { n - 1 - i } else { i };
        let x = pos * slot + 2;
        let y = H - h;
        bars.push_str(&format!(
            r##"<rect x="{x}" y="{y}" width="{}" height="{h}" fill="#1b4168"><title>{} : {}</title></rect>"##,
            slot.saturating_sub(4).max(1),
            t.day.format("%Y-%m-%d"),
            html_escape(&t.tally.sales.format(lang)),
        ));
    }
    let svg = format!(
        r##"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" preserveAspectRatio="none" width="100%" height="{H}"><line x1="0" y1="{H}" x2="{W}" y2="{H}" stroke="#999"/>{bars}</svg>"##,
        html_escape(d(lang, "chart_alt")),
    );
    maud::PreEscaped(svg)
}

/// `text` with `&`, `<`, `>` and `"` escaped for an SVG attribute or text.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "orders" agreeing with `n` (one order, Arabic's dual for two).
fn orders_word(lang: Lang, n: impl Into<u64>) -> &'static str {
    match n.into() {
        1 => d(lang, "orders_1"),
        2 => d(lang, "orders_2"),
        _ => d(lang, "orders_n"),
    }
}

fn figure(label: &str, value: Markup, href: &str) -> Markup {
    html! {
        a.figure href=(href) {
            span.value { (value) }
            span.label { (label) }
        }
    }
}

/// What is still to do before the marketplace can serve its first shoppers and artisans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ToDo {
    /// No category: a seller cannot put a product on sale.
    Categories,
    /// The legal pages show demonstration details (a `TIJARA_OPERATOR_*` variable unset).
    Operator,
    /// No e-mail is sent (no `--smtp-url`).
    Email,
}

/// The checklist: `production` (real card payments, not the demo), whether the operator's
/// identity is complete, whether e-mails go out, how many categories there are. The demo
/// marketplace shows only what a demo can act on (its categories).
fn to_do(
    production: bool,
    operator_complete: bool,
    sends_email: bool,
    categories: usize,
) -> Vec<ToDo> {
    let mut out = Vec::new();
    if categories == 0 {
        out.push(ToDo::Categories);
    }
    if production && !operator_complete {
        out.push(ToDo::Operator);
    }
    if production && !sends_email {
        out.push(ToDo::Email);
    }
    out
}

/// The checklist's box (nothing when it is empty).
fn to_do_box(lang: Lang, items: &[ToDo]) -> Markup {
    html! {
        @if !items.is_empty() {
            section.box.to-do role="region" aria-labelledby="to-do" {
                h2 id="to-do" { (d(lang, "to_do")) }
                ul {
                    @for item in items {
                        @match item {
                            ToDo::Categories => li { (d(lang, "to_do_categories")) " " a href="/admin/categories" { (w(lang, "categories")) } },
                            ToDo::Operator => li { (d(lang, "to_do_operator")) " " a href="/legal/notice" { (d(lang, "to_do_see")) } },
                            ToDo::Email => li { (d(lang, "to_do_email")) },
                        }
                    }
                }
            }
        }
    }
}

fn body(ctx: &Ctx, s: &AdminSummary, to_do: &[ToDo]) -> Markup {
    let lang = ctx.lang;
    let today = s
        .days
        .last()
        .map(|t| t.day.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    html! {
        h1 { (w(lang, "dashboard")) }
        (nav(lang))
        (to_do_box(lang, to_do))
        @if s.truncated { p.error role="status" { (d(lang, "truncated")) } }
        section.figures aria-label=(d(lang, "today")) {
            h2 { (d(lang, "today")) }
            div.figure-row {
                (figure(orders_word(lang, s.today.orders), html! { (s.today.orders) }, &format!("/admin/orders?day={today}")))
                (figure(d(lang, "sales"), html! { bdi { (s.today.sales.format(lang)) } }, &format!("/admin/orders?day={today}")))
            }
            h2 { (d(lang, "month")) }
            div.figure-row {
                (figure(orders_word(lang, s.month.orders), html! { (s.month.orders) }, "/admin/orders"))
                (figure(d(lang, "sales"), html! { bdi { (s.month.sales.format(lang)) } }, "/admin/payouts"))
            }
        }
        section.box {
            h2 { (d(lang, "waiting")) }
            div.figure-row {
                (figure(d(lang, "pending_sellers"), html! { (s.pending_sellers) }, "/admin/sellers?state=pending"))
                (figure(d(lang, "transfers"), html! { (s.transfers_awaiting) }, "/admin/orders?transfer=pending"))
                (figure(d(lang, "returns"), html! { (s.returns_awaiting) }, "/admin/orders?returns=requested"))
                (figure(d(lang, "refunds"), html! { (s.refunds_to_send) }, "/admin/orders?refunds=due"))
                (figure(d(lang, "payouts_due"), html! { (s.payouts_due) }, &format!("/admin/payouts?month={}", s.payouts_month)))
                (figure(d(lang, "failed"), html! { (s.failed_deliveries) }, "/admin/events?failed=1"))
            }
        }
        section.box {
            h2 { (d(lang, "chart")) }
            (chart(lang, &s.days))
            @if let (Some(first), Some(last)) = (s.days.first(), s.days.last()) {
                div.chart-axis aria-hidden="true" { bdi { (first.day.format("%d/%m")) } bdi { (last.day.format("%d/%m")) } }
            }
            @if s.days.iter().all(|t| !t.tally.sales.is_positive()) { p.muted { (d(lang, "no_sales")) } }
            details {
                summary { (d(lang, "chart_table")) }
                div.table-wrap tabindex="0" {
                    table {
                        caption { (d(lang, "chart")) }
                        tr { th scope="col" { (d(lang, "day")) } th scope="col" { (d(lang, "orders_n")) } th scope="col" { (d(lang, "sales")) } }
                        @for t in s.days.iter().rev() {
                            @let day = t.day.format("%Y-%m-%d").to_string();
                            tr {
                                th scope="row" { a href={ "/admin/orders?day=" (day) } { bdi { (day) } } }
                                td { (t.tally.orders) }
                                td { bdi { (t.tally.sales.format(lang)) } }
                            }
                        }
                    }
                }
            }
        }
        section.box {
            h2 { (d(lang, "by_state")) }
            div.figure-row {
                @for c in &s.by_state {
                    (figure(&status_word(lang, c.status.as_str()), html! { (c.orders) }, &format!("/admin/orders?state={}", c.status.as_str())))
                }
            }
        }
    }
}

/// `GET /admin`: the dashboard.
pub(super) async fn dashboard(State(app): State<App>, ctx: Ctx) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let summary = match app.engine.dashboard().summary().await {
        Ok(s) => s,
        Err(e) => return refusal(&ctx, &e),
    };
    // Unread, the categories item is left out rather than the whole dashboard refused.
    let categories = app
        .engine
        .catalog()
        .categories()
        .await
        .map_or(usize::MAX, |c| c.len());
    let items = to_do(
        app.simulator.is_none(),
        !crate::web::operator_is_demo(),
        app.messages.sends_email(),
        categories,
    );
    layout(&ctx, w(ctx.lang, "dashboard"), body(&ctx, &summary, &items)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checklist_names_what_production_still_lacks() {
        assert_eq!(to_do(true, true, true, 6), []);
        assert_eq!(
            to_do(true, false, false, 0),
            [ToDo::Categories, ToDo::Operator, ToDo::Email]
        );
        assert_eq!(to_do(true, false, true, 3), [ToDo::Operator]);
        // The demo: only its categories (its legal pages and mailbox are a demo's).
        assert_eq!(to_do(false, false, false, 6), []);
        assert_eq!(to_do(false, false, false, 0), [ToDo::Categories]);
    }
}
