//! What a shopper does after ordering: the actions shown on the order page (cancel, return)
//! and their routes.

use super::*;

/// The actions the order page offers `ctx`'s visitor on `doc` (opened with `token` when the
/// visitor came by the order's private link): only those possible now.
pub(super) fn order_actions(
    ctx: &Ctx,
    doc: &tijara::docs::OrderDoc,
    token: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let o = &doc.order;
    let owner = ctx
        .account
        .as_ref()
        .is_some_and(|a| o.customer.as_ref().is_some_and(|c| c.as_str() == a.id));
    let _ = token;
    html! {
        @for so in &o.seller_orders {
            @if owner && so.status() == tijara_core::order::FulfillmentStatus::Delivered {
                form method="post" action={ "/account/orders/" (o.id) "/" (so.id) "/withdraw" } {
                    (ctx.csrf_field())
                    button type="submit" { (t(lang, "withdraw")) }
                }
            }
        }
    }
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
}
