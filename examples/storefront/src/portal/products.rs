//! The portal's product pages: a seller's products, the form to create and edit one (variants,
//! stock, a member artisan), deactivation, and photo upload and removal.

use super::*;

pub(super) async fn products(State(app): State<App>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = ProductFilter::default()
        .with_seller(seller)
        .with_include_inactive(true);
    let items = match app.engine.catalog().list_products(&filter, None, 100).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let body = html! {
        h1 { (w(lang, "products")) }
        (nav(&ctx))
        p { a.button.big href="/seller/products/new" { (w(lang, "new")) } }
        table {
            @for v in items.iter().filter(|v| member.is_none() || v.product.made_by == member) {
                @let p = &v.product;
                tr {
                    td { @if let Some(ph) = p.photos.iter().find(|ph| tijara_core::catalog::is_local_media_path(&ph.url)) { img src=(crate::media::thumb_url(&ph.url)) alt="" width="64" height="64"; } }
                    td { (p.title.get(lang, Lang::AR).unwrap_or("")) @if !p.active { " " span.muted { "(" (w(lang, "inactive")) ")" } } }
                    td { @for var in &v.variants { bdi { (var.variant.price.format(lang)) } " · " (crate::web::availability_text(lang, &var.availability)) br; } }
                    td { a.button href={ "/seller/products/" (p.id) "/edit" } { (w(lang, "edit")) } }
                }
            }
        }
    };
    layout(&ctx, w(lang, "products"), body).into_response()
}

/// The product form's fields.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ProductForm {
    category: String,
    title_ar: String,
    #[serde(default)]
    title_fr: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    desc_ar: String,
    #[serde(default)]
    desc_fr: String,
    price: String,
    #[serde(default)]
    stock: Option<u32>,
    #[serde(default)]
    lead_days: Option<u16>,
    weight: u32,
}

pub(super) async fn product_form(
    app: &App,
    ctx: &Ctx,
    action: &str,
    p: Option<&Product>,
    stock: u32,
    error: Option<&str>,
) -> Result<Markup, Response> {
    let lang = ctx.lang;
    let cats = app
        .engine
        .catalog()
        .categories()
        .await
        .map_err(|e| refusal(ctx, &e))?;
    let v = p.and_then(|p| p.variants.first());
    let text =
        |t: Option<&LocalizedText>, l: Lang| t.and_then(|t| t.exact(l)).unwrap_or("").to_owned();
    let lead = match v.map(|v| &v.stock_policy) {
        Some(StockPolicy::MadeToOrder { lead_days }) => *lead_days,
        _ => 0,
    };
    Ok(html! {
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form method="post" action=(action) {
            (ctx.csrf_field())
            label { (w(lang, "category")) select name="category" {
                @for c in &cats { option value=(c.id) selected[p.is_some_and(|p| p.category_id == c.id)] { (c.name.get(lang, Lang::AR).unwrap_or("")) } }
            } }
            label { (w(lang, "title_ar")) input name="title_ar" dir="rtl" lang="ar" required value=(text(p.map(|p| &p.title), Lang::AR)); }
            label { (w(lang, "title_fr")) input name="title_fr" lang="fr" value=(text(p.map(|p| &p.title), Lang::FR)); }
            label { (w(lang, "title_en")) input name="title_en" lang="en" value=(text(p.map(|p| &p.title), Lang::EN)); }
            label { (w(lang, "desc_ar")) textarea name="desc_ar" dir="rtl" lang="ar" rows="3" { (text(p.map(|p| &p.description), Lang::AR)) } }
            label { (w(lang, "desc_fr")) textarea name="desc_fr" lang="fr" rows="3" { (text(p.map(|p| &p.description), Lang::FR)) } }
            label { (w(lang, "price")) input name="price" inputmode="decimal" required value=(v.map(|v| v.price.amount().to_string()).unwrap_or_default()); }
            label { (w(lang, "stock")) input name="stock" type="number" min="0" max="100000" value=(stock); }
            label { (w(lang, "lead")) input name="lead_days" type="number" min="0" max="365" value=(lead); }
            label { (w(lang, "weight")) input name="weight" type="number" min="1" required value=(v.map(|v| v.weight_grams).unwrap_or(500)); }
            button.big type="submit" { (w(lang, "save")) }
        }
    })
}

pub(super) async fn new_product_page(State(app): State<App>, ctx: Ctx) -> Response {
    if let Err(r) = seller_of(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let form = match product_form(&app, &ctx, "/seller/products", None, 1, None).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    layout(
        &ctx,
        w(lang, "new"),
        html! { h1 { (w(lang, "new")) } (nav(&ctx)) (form) },
    )
    .into_response()
}

pub(super) fn slugify(text: &str, suffix: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    if s.is_empty() {
        suffix.to_owned()
    } else {
        format!("{s}-{suffix}")
    }
}

impl ProductForm {
    fn input(
        &self,
        seller: &SellerId,
        member: Option<MemberId>,
        existing: Option<&Product>,
        suffix: &str,
    ) -> Result<ProductInput, String> {
        let price =
            Money::mad(self.price.trim().replace(',', ".").as_str()).map_err(|e| e.to_string())?;
        let category = CategoryId::new(self.category.clone()).map_err(|e| e.to_string())?;
        let mut title = LocalizedText::default();
        title.set(Lang::AR, self.title_ar.trim());
        title.set(Lang::FR, self.title_fr.trim());
        title.set(Lang::EN, self.title_en.trim());
        let mut description = existing.map(|p| p.description.clone()).unwrap_or_default();
        description.set(Lang::AR, self.desc_ar.trim());
        description.set(Lang::FR, self.desc_fr.trim());
        let lead = self.lead_days.unwrap_or(0);
        let policy = if lead > 0 {
            StockPolicy::MadeToOrder { lead_days: lead }
        } else {
            StockPolicy::Tracked
        };
        let first = existing.and_then(|p| p.variants.first());
        let slug_base = if self.title_fr.trim().is_empty() {
            &self.title_en
        } else {
            &self.title_fr
        };
        let slug = existing
            .map(|p| p.slug.clone())
            .unwrap_or_else(|| slugify(slug_base, suffix));
        let mut variant = VariantInput::new(
            first
                .map(|v| v.sku.to_string())
                .unwrap_or_else(|| format!("{}-{suffix}", seller.as_str().to_uppercase())),
            price,
            match first {
                Some(v) => v.tax_category.clone(),
                None => TaxCategoryId::new("standard").map_err(|e| e.to_string())?,
            },
            self.weight,
        )
        .with_options(first.map(|v| v.options.clone()).unwrap_or_default())
        .with_stock_policy(policy)
        .with_initial_stock(self.stock.unwrap_or(0));
        variant.dimensions = first.and_then(|v| v.dimensions);
        let mut variants = vec![variant];
        // Other variants are kept as they are.
        if let Some(p) = existing {
            variants.extend(input_of(p).variants.into_iter().skip(1));
        }
        let mut input = ProductInput::new(seller.clone(), category, slug, title, variants)
            .with_description(description)
            .with_materials(existing.map(|p| p.materials.clone()).unwrap_or_default())
            .with_photos(existing.map(|p| p.photos.clone()).unwrap_or_default());
        input.made_by = existing.map(|p| p.made_by.clone()).unwrap_or(member);
        Ok(input)
    }
}

pub(super) async fn create_product(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<ProductForm>,
) -> Response {
    let lang = ctx.lang;
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let suffix = crate::auth::random_token()
        .chars()
        .take(6)
        .collect::<String>();
    let result = match f.input(&seller, member, None, &suffix) {
        Ok(input) => app
            .engine
            .catalog()
            .create_product(input, None)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/seller/products").into_response(),
        Err(e) => {
            let form = product_form(
                &app,
                &ctx,
                "/seller/products",
                None,
                f.stock.unwrap_or(0),
                Some(&e),
            )
            .await;
            let form = match form {
                Ok(f) => f,
                Err(r) => return r,
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(
                    &ctx,
                    w(lang, "new"),
                    html! { h1 { (w(lang, "new")) } (form) },
                ),
            )
                .into_response()
        }
    }
}

/// Loads a product the logged-in seller (or member) may edit.
pub(super) async fn my_product(
    app: &App,
    ctx: &Ctx,
    id: String,
) -> Result<(Product, u32), Response> {
    let (seller, member) = seller_of(ctx)?;
    let id = ProductId::new(id).map_err(|_| forbidden(ctx))?;
    let v = app
        .engine
        .catalog()
        .product(&id)
        .await
        .map_err(|e| match e {
            TijaraError::NotFound { .. } => forbidden(ctx),
            e => refusal(ctx, &e),
        })?;
    if v.product.seller_id != seller || (member.is_some() && v.product.made_by != member) {
        return Err(forbidden(ctx));
    }
    let stock = match v.variants.first() {
        // A failed read is not "0 in stock": saving the form would set it.
        Some(var) => match crate::web::found(app.engine.catalog().stock_row(&var.variant.id).await)
        {
            Ok(r) => r.map_or(0, |r| r.on_hand),
            Err(e) => return Err(refusal(ctx, &e)),
        },
        None => 0,
    };
    Ok((v.product, stock))
}

pub(super) async fn edit_product_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let lang = ctx.lang;
    let (p, stock) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = format!("/seller/products/{}/edit", p.id);
    let form = match product_form(&app, &ctx, &action, Some(&p), stock, None).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let body = html! {
        h1 { (p.title.get(lang, Lang::AR).unwrap_or("")) }
        (nav(&ctx))
        (form)
        h2 { (w(lang, "photos")) }
        div.grid {
            @for (i, ph) in p.photos.iter().enumerate() {
                div.card {
                    @if tijara_core::catalog::is_local_media_path(&ph.url) { img src=(crate::media::thumb_url(&ph.url)) alt="" width="150" height="150"; }
                    form method="post" action={ "/seller/products/" (p.id) "/photos/" (i) "/delete" } {
                        (ctx.csrf_field())
                        button type="submit" { (w(lang, "remove_photo")) }
                    }
                }
            }
        }
        // Multipart bodies are not read by the CSRF guard: the token travels in the query.
        form method="post" enctype="multipart/form-data" action={ "/seller/products/" (p.id) "/photos?csrf=" (ctx.csrf) } {
            label { (w(lang, "add_photo")) input type="file" name="photo" accept="image/jpeg,image/png,image/webp" required; }
            p.muted { (w(lang, "photo_rules")) }
            button.big type="submit" { (w(lang, "upload")) }
        }
        form method="post" action={ "/seller/products/" (p.id) "/active" } {
            (ctx.csrf_field())
            input type="hidden" name="active" value=(if p.active { "false" } else { "true" });
            button.big type="submit" { (if p.active { w(lang, "off") } else { w(lang, "on") }) }
        }
    };
    layout(&ctx, w(lang, "edit"), body).into_response()
}

pub(super) async fn update_product(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ProductForm>,
) -> Response {
    let lang = ctx.lang;
    let (p, stock) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match f.input(&seller, member, Some(&p), "") {
        Ok(input) => app
            .engine
            .catalog()
            .update_product(&p.id, input, None)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    // The stock field sets the units on the shelf (tracked variants).
    let result = match (result, f.stock, p.variants.first()) {
        (Ok(_), Some(units), Some(v))
            if units != stock
                && matches!(v.stock_policy, StockPolicy::Tracked)
                && f.lead_days.unwrap_or(0) == 0 =>
        {
            app.engine
                .catalog()
                .adjust_stock(&v.id, StockAdjustment::Set { units }, None)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        (r, _, _) => r.map(|_| ()),
    };
    match result {
        Ok(()) => Redirect::to("/seller/products").into_response(),
        Err(e) => {
            let action = format!("/seller/products/{}/edit", p.id);
            let form = match product_form(&app, &ctx, &action, Some(&p), stock, Some(&e)).await {
                Ok(f) => f,
                Err(r) => return r,
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&ctx, w(lang, "edit"), form),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ActiveForm {
    active: bool,
}

pub(super) async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match app
        .engine
        .catalog()
        .set_product_active(&p.id, f.active, None)
        .await
    {
        Ok(_) => Redirect::to("/seller/products").into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// A product as it stands, as the input that would recreate it.
pub(super) fn input_of(p: &Product) -> ProductInput {
    let variants = p
        .variants
        .iter()
        .map(|v| {
            let mut variant = VariantInput::new(
                v.sku.to_string(),
                v.price,
                v.tax_category.clone(),
                v.weight_grams,
            )
            .with_options(v.options.clone())
            .with_shippable(v.shippable)
            .with_stock_policy(v.stock_policy);
            variant.dimensions = v.dimensions;
            variant
        })
        .collect();
    let mut input = ProductInput::new(
        p.seller_id.clone(),
        p.category_id.clone(),
        p.slug.clone(),
        p.title.clone(),
        variants,
    )
    .with_description(p.description.clone())
    .with_materials(p.materials.clone())
    .with_photos(p.photos.clone());
    input.made_by = p.made_by.clone();
    input
}

/// `POST /seller/products/{id}/photos` (multipart, field `photo`).
pub(super) async fn upload_photo(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Only an approved seller's photos are decoded and stored.
    match app.engine.catalog().seller(&p.seller_id).await {
        Ok(seller) if seller.active => {}
        Ok(seller) => {
            return refusal(&ctx, &tijara::TijaraError::SellerNotApproved(seller.id));
        }
        Err(e) => return refusal(&ctx, &e),
    }
    if p.photos.len() >= tijara::usecases::catalog::MAX_PHOTOS {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "8 photos at most");
    }
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => match field.bytes().await {
                Ok(b) => {
                    bytes = Some(b.to_vec());
                    break;
                }
                Err(e) => return problem(&ctx, e.status(), &e.body_text()),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return problem(&ctx, e.status(), &e.body_text()),
        }
    }
    let Some(bytes) = bytes else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "no photo");
    };
    let url = match crate::media::store(&app, bytes).await {
        Ok(u) => u,
        Err(e) => return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    // Added to the product as stored, so photos sent at the same time are all kept (or the
    // refused ones are told why).
    let photo = tijara_core::catalog::Photo {
        url,
        alt: p.title.clone(),
    };
    match app.engine.catalog().add_product_photo(&p.id, photo).await {
        Ok(_) => Redirect::to(&format!("/seller/products/{}/edit", p.id)).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// `POST /seller/products/{id}/photos/{index}/delete`.
pub(super) async fn delete_photo(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, index)): Path<(String, usize)>,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(photo) = p.photos.get(index) else {
        return forbidden(&ctx);
    };
    match app
        .engine
        .catalog()
        .remove_product_photo(&p.id, &photo.url)
        .await
    {
        Ok(_) => Redirect::to(&format!("/seller/products/{}/edit", p.id)).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The product routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller/products", get(products).post(create_product))
        .route("/seller/products/new", get(new_product_page))
        .route(
            "/seller/products/{id}/edit",
            get(edit_product_page).post(update_product),
        )
        .route("/seller/products/{id}/active", post(set_active))
        .route(
            "/seller/products/{id}/photos",
            post(upload_photo).layer(axum::extract::DefaultBodyLimit::max(
                crate::media::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/seller/products/{id}/photos/{index}/delete",
            post(delete_photo),
        )
        .route("/media/{file}", get(crate::media::serve))
}
