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
    let Ok(variant) = VariantId::new(f.variant) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "out"));
    };
    let quantity = f.quantity.unwrap_or(1);
    let carts = app.engine.carts();
    let existing = match cart_of(&app, &headers).await {
        Ok(id) => id,
        Err(e) => return refusal(&ctx, &e),
    };
    let add = |quantity: u32| {
        let (carts, variant, existing, customer) = (&carts, &variant, &existing, &customer);
        async move {
            match existing {
                Some(id) => carts
                    .change_cart(
                        id,
                        CartChange::Add {
                            variant: variant.clone(),
                            quantity,
                        },
                        None,
                    )
                    .await
                    .map(|_| id.clone()),
                // A shopper's first add makes the cart holding it, in one commit: refused, it
                // leaves no empty cart behind.
                None => carts
                    .create_cart_with(customer.clone(), variant, quantity, None)
                    .await
                    .map(|c| c.cart.id),
            }
        }
    };
    let (id, to) = match add(quantity).await {
        Ok(id) => (id, "/cart".to_owned()),
        // More than is left: what is left goes in the cart, and the cart says how many (as a
        // shop assistant would), rather than an error page and nothing added.
        Err(TijaraError::OutOfStock {
            requested,
            available,
            ..
        }) if available > 0 && requested > available => {
            let already = requested.saturating_sub(quantity);
            let extra = available.saturating_sub(already);
            if extra == 0 {
                let Some(id) = existing else {
                    return Redirect::to("/cart").into_response();
                };
                // The cart already holds all that is left, or more (the stock fell since): it
                // is brought down to what is left, so what it says is what checkout takes.
                if already > available
                    && let Err(e) = carts
                        .change_cart(
                            &id,
                            CartChange::SetQuantity {
                                variant: variant.clone(),
                                quantity: available,
                            },
                            None,
                        )
                        .await
                {
                    return refusal(&ctx, &e);
                }
                (id, left_url(available, &variant))
            } else {
                match add(extra).await {
                    Ok(id) => (id, left_url(available, &variant)),
                    Err(e) => return refusal(&ctx, &e),
                }
            }
        }
        Err(e) => return refusal(&ctx, &e),
    };
    set_cart(&app, Redirect::to(&to).into_response(), &id)
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

#[derive(Deserialize)]
struct SetForm {
    variant: String,
    quantity: u32,
}

/// `POST /cart/set`: the stepper's − and + (a quantity of 0 removes the line; above what is
/// left, the line holds what is left and the cart says so). Without a cart there is nothing to
/// change: back to the (empty) cart.
async fn cart_set(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<SetForm>,
) -> Response {
    let lang = ctx.lang;
    let Ok(variant) = VariantId::new(f.variant) else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, t(lang, "out"));
    };
    let id = match cart_of(&app, &headers).await {
        Ok(Some(id)) => id,
        Ok(None) => return Redirect::to("/cart").into_response(),
        Err(e) => return refusal(&ctx, &e),
    };
    let change = |quantity: u32| {
        if quantity == 0 {
            CartChange::Remove {
                variant: variant.clone(),
            }
        } else {
            CartChange::SetQuantity {
                variant: variant.clone(),
                quantity,
            }
        }
    };
    let carts = app.engine.carts();
    match carts.change_cart(&id, change(f.quantity), None).await {
        Ok(_) => Redirect::to("/cart").into_response(),
        // The + past what is left: the line holds what is left, and the cart says how many.
        Err(TijaraError::OutOfStock { available, .. }) if available > 0 => {
            match carts.change_cart(&id, change(available), None).await {
                Ok(_) => Redirect::to(&left_url(available, &variant)).into_response(),
                Err(e) => refusal(&ctx, &e),
            }
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// The cart's address after asking for more than the `available` left of `variant`: the cart
/// says so beside that piece's name.
fn left_url(available: u32, variant: &VariantId) -> String {
    let v: String = form_urlencoded::byte_serialize(variant.as_str().as_bytes()).collect();
    format!("/cart?left={available}&v={v}")
}

/// A drawn empty bag, for the empty cart.
fn empty_bag() -> Markup {
    maud::PreEscaped(r##"<svg viewBox="0 0 80 80" aria-hidden="true"><circle cx="40" cy="40" r="40" fill="#efe4d0"/><path d="M20 30h40l-3 32H23z" fill="#a8442a"/><path d="M31 30v-5a9 9 0 0 1 18 0v5" fill="none" stroke="#1b4168" stroke-width="4" stroke-linecap="round"/></svg>"##.into())
}

/// `GET /cart` (`?left=N` after an add that asked for more than the N left: the cart holds
/// them, and says so).
async fn cart_page(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let left: Option<u32> = q
        .get("left")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0);
    let priced = match cart_of(&app, &headers).await {
        Ok(Some(id)) => match found(app.engine.carts().price(&id).await) {
            Ok(p) => p,
            Err(e) => return refusal(&ctx, &e),
        },
        Ok(None) => None,
        Err(e) => return refusal(&ctx, &e),
    };
    // Shoppers see the product's title in their language and its picture (the SKU is for the
    // artisan), grouped by the seller who ships it.
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
    // "Only N were left" is said only while the cart holds exactly those N of the piece named
    // (`v`), beside its name: an old link or a cart changed since says nothing.
    let left = left.and_then(|n| {
        let v = q.get("v")?;
        let line = priced
            .iter()
            .flat_map(|p| &p.lines)
            .find(|l| l.variant_id.as_str() == v && l.quantity == n)?;
        let title = products
            .get(&line.product_id)
            .and_then(|p| p.product.title.get(lang, Lang::AR))
            .unwrap_or(line.sku.as_str())
            .to_owned();
        Some((n, title))
    });
    let body = html! {
        h1 { (t(lang, "cart")) }
        @if let Some((n, title)) = &left {
            p.notice role="status" {
                strong { (title) } " — "
                @if *n == 1 { (t(lang, "only_one_left")) }
                @else { (t(lang, "only_left_1")) " " bdi { (n) } " " (t(lang, "only_left_2")) }
            }
        }
        @match &priced {
            Some(p) if !p.lines.is_empty() => {
                @for group in &p.sellers {
                    @let first = group.lines.first().and_then(|i| p.lines.get(*i)).and_then(|l| products.get(&l.product_id));
                    section.seller-group {
                        h2 {
                            (t(lang, "sold_by")) " "
                            bdi.name { @match first { Some(v) => { a href={ "/artisans/" (group.seller_id) } { (v.seller_name) } " · " (v.seller_city) }, None => { (group.seller_id) } } }
                        }
                        ul.lines {
                            @for l in group.lines.iter().filter_map(|i| p.lines.get(*i)) {
                                @let view = products.get(&l.product_id);
                                @let title = view.and_then(|v| v.product.title.get(lang, Lang::AR)).unwrap_or(l.sku.as_str());
                                li.line {
                                    @match view {
                                        Some(v) => img src=(super::shop::product_image(&v.product, true)) alt="" width="72" height="72" loading="lazy";,
                                        None => span {},
                                    }
                                    div {
                                        @match view {
                                            Some(v) => a.name href={ "/products/" (v.product.slug) } { (title) },
                                            None => span.name { (title) },
                                        }
                                        p.muted { (price(&ctx, &l.unit_price)) " " (t(lang, "each")) }
                                    }
                                    div.ctl {
                                        div.stepper {
                                            form method="post" action="/cart/set" {
                                                (ctx.csrf_field())
                                                input type="hidden" name="variant" value=(l.variant_id);
                                                input type="hidden" name="quantity" value=(l.quantity - 1);
                                                button type="submit" aria-label=(t(lang, "less")) { "−" }
                                            }
                                            output aria-label=(t(lang, "quantity")) { (l.quantity) }
                                            form method="post" action="/cart/set" {
                                                (ctx.csrf_field())
                                                input type="hidden" name="variant" value=(l.variant_id);
                                                input type="hidden" name="quantity" value=(l.quantity + 1);
                                                button type="submit" aria-label=(t(lang, "more")) { "+" }
                                            }
                                        }
                                        strong { bdi.money { (l.net.format(lang)) } }
                                        form.remove method="post" action="/cart/remove" { (ctx.csrf_field()) input type="hidden" name="variant" value=(l.variant_id); button type="submit" { (t(lang, "remove")) } }
                                    }
                                }
                            }
                        }
                    }
                }
                div.summary {
                    div.row { span { (t(lang, "total")) } strong { (price(&ctx, &p.items_net)) } }
                    p.muted { (t(lang, "shipping_next")) }
                    a.button.primary href="/checkout" { (t(lang, "checkout")) }
                    a href="/" { (t(lang, "keep_shopping")) }
                }
            }
            _ => div.empty {
                (empty_bag())
                p { strong { (t(lang, "empty")) } }
                p { (t(lang, "empty_cta")) }
                div.actions { a.button.primary href="/" { (t(lang, "browse")) } a href="/artisans" { (t(lang, "artisans")) } }
            }
        }
    };
    with_lang_cookie(lang, layout(&ctx, t(lang, "cart"), body))
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/cart", get(cart_page))
        .route("/cart/add", post(cart_add))
        .route("/cart/set", post(cart_set))
        .route("/cart/remove", post(cart_remove))
}
