//! The cart: adding, removing, the cart page.

use super::*;

#[derive(Deserialize)]
struct AddForm {
    variant: String,
    #[serde(default)]
    quantity: Option<u32>,
}

async fn cart_add(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    let lang = ctx.lang;
    let customer = ctx.account.as_ref().and_then(|a| a.customer_id().ok());
    let id = match cart_of(&app, &headers).await {
        Ok(Some(id)) => id,
        Ok(None) => match app.engine.carts().create_cart(customer, None).await {
            Ok(c) => c.cart.id,
            Err(e) => return refusal(&ctx, &e),
        },
        Err(e) => return refusal(&ctx, &e),
    };
    let Ok(variant) = VariantId::new(f.variant) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "out"));
    };
    if let Err(e) = app
        .engine
        .carts()
        .change_cart(
            &id,
            CartChange::Add {
                variant,
                quantity: f.quantity.unwrap_or(1),
            },
            None,
        )
        .await
    {
        return refusal(&ctx, &e);
    }
    set_cart(&app, Redirect::to("/cart").into_response(), &id)
}

async fn cart_remove(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    if let (Ok(Some(id)), Ok(variant)) = (cart_of(&app, &headers).await, VariantId::new(f.variant))
    {
        let _ = app
            .engine
            .carts()
            .change_cart(&id, CartChange::Remove { variant }, None)
            .await;
    }
    Redirect::to("/cart").into_response()
}

async fn cart_page(State(app): State<App>, ctx: Ctx, headers: HeaderMap) -> Response {
    let lang = ctx.lang;
    let priced = match cart_of(&app, &headers).await {
        Ok(Some(id)) => match found(app.engine.carts().price(&id).await) {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        },
        Ok(None) => None,
        Err(e) => return refusal(&ctx, &e),
    };
    // Shoppers see the product's title in their language (the SKU is for the artisan).
    let ids: Vec<_> = priced
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| l.product_id.clone())
        .collect();
    let products = match app.engine.catalog().products(&ids).await {
        Ok(p) => p,
        Err(e) => return refusal(&ctx, &e),
    };
    let products: HashMap<_, _> = products
        .into_iter()
        .map(|v| (v.product.id.clone(), v))
        .collect();
    let mut titles = HashMap::new();
    for l in priced.iter().flat_map(|p| &p.lines) {
        if let Some(v) = products.get(&l.product_id) {
            let title = v.product.title.get(lang, Lang::AR).unwrap_or("").to_owned();
            titles.insert(l.variant_id.clone(), (title, v.product.slug.clone()));
        }
    }
    let body = html! {
        h1 { (t(lang, "cart")) }
        @match &priced {
            Some(p) if !p.lines.is_empty() => {
                table {
                    @for l in &p.lines {
                        tr { td { @match titles.get(&l.variant_id) {
                                Some((title, slug)) => a href={ "/products/" (slug) } { (title) },
                                None => (l.sku),
                             } } td { "× " (l.quantity) } td { bdi { (l.net.format(lang)) } }
                             td { form method="post" action="/cart/remove" { (ctx.csrf_field()) input type="hidden" name="variant" value=(l.variant_id); button type="submit" { (t(lang, "remove")) } } } }
                    }
                }
                p.price { (t(lang, "total")) " " (price(&ctx, &p.items_net)) }
                p { a.button href="/checkout" { (t(lang, "checkout")) } }
            }
            _ => p { (t(lang, "empty")) }
        }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "cart"), body))
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/cart", get(cart_page))
        .route("/cart/add", post(cart_add))
        .route("/cart/remove", post(cart_remove))
}
