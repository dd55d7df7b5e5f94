//! The artisan portal: a seller's orders (ready to ship, label, tracking), products (create,
//! edit, stock, deactivate), statement, and the illustrated guide. Arabic by default, few words,
//! large buttons.
//!
//! Authorization: every route takes the seller from the logged-in account, never from the
//! request, and checks that the order part or product belongs to it. A cooperative's member
//! artisan sees only the lines of the products they made, and edits only those products.

use crate::App;
use crate::auth::Ctx;
use crate::web::{layout, problem, refusal, status_word, t};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use std::collections::HashMap;
use tijara::TijaraError;
use tijara::docs::OrderDoc;
use tijara::usecases::catalog::{ProductFilter, ProductInput, StockAdjustment, VariantInput};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara_core::catalog::{Product, StockPolicy};
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order::{FulfillmentStatus, SellerOrder};
use tijara_core::{
    CategoryId, Lang, LocalizedText, MemberId, Money, OrderId, ProductId, SellerId, SellerOrderId,
    TaxCategoryId,
};

mod products;
mod statement;
use products::*;
pub(crate) use statement::month_bounds;
use statement::statement;

/// Words of the portal.
fn w(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "orders" => ("Commandes", "الطلبات", "Orders"),
        "products" => ("Mes produits", "منتجاتي", "My products"),
        "statement" => ("Mes comptes", "حساباتي", "My statement"),
        "guide" => ("Guide", "الدليل", "Guide"),
        "pending" => (
            "Votre boutique attend la validation de l'administrateur.",
            "متجرك في انتظار موافقة الإدارة.",
            "Your shop awaits the administrator's approval.",
        ),
        "ready" => ("Prêt : expédier", "جاهز: أرسل", "Ready: ship"),
        "label" => ("Imprimer l'étiquette", "اطبع الملصق", "Print the label"),
        "number" => (
            "N° de suivi du transporteur",
            "رقم التتبع",
            "Carrier's tracking number",
        ),
        "step" => ("Étape", "المرحلة", "Step"),
        "save" => ("Enregistrer", "احفظ", "Save"),
        "saved" => ("enregistré", "تم الحفظ", "saved"),
        "photos" => ("Photos", "الصور", "Photos"),
        "bank" => (
            "Compte bancaire pour les virements",
            "الحساب البنكي للتحويلات",
            "Bank account for transfers",
        ),
        "rib" => (
            "RIB (24 chiffres)",
            "رقم الحساب البنكي (24 رقما)",
            "RIB (24 digits)",
        ),
        "add_photo" => ("Ajouter une photo", "أضف صورة", "Add a photo"),
        "remove_photo" => ("Retirer", "احذف", "Remove"),
        "upload" => ("Envoyer la photo", "أرسل الصورة", "Upload the photo"),
        "photo_rules" => (
            "JPEG, PNG ou WebP, 5 Mo au plus.",
            "JPEG أو PNG أو WebP، 5 ميغا على الأكثر.",
            "JPEG, PNG or WebP, 5 MB at most.",
        ),
        "new" => ("Nouveau produit", "منتج جديد", "New product"),
        "edit" => ("Modifier", "عدّل", "Edit"),
        "stock" => ("Stock", "المخزون", "Stock"),
        "price" => ("Prix TTC (MAD)", "الثمن (درهم)", "Price incl. tax (MAD)"),
        "weight" => ("Poids (grammes)", "الوزن (غرام)", "Weight (grams)"),
        "category" => ("Catégorie", "الصنف", "Category"),
        "title_ar" => ("Titre en arabe", "الاسم بالعربية", "Title in Arabic"),
        "title_fr" => ("Titre en français", "الاسم بالفرنسية", "Title in French"),
        "title_en" => ("Titre en anglais", "الاسم بالإنجليزية", "Title in English"),
        "desc_ar" => (
            "Description en arabe",
            "الوصف بالعربية",
            "Description in Arabic",
        ),
        "desc_fr" => (
            "Description en français",
            "الوصف بالفرنسية",
            "Description in French",
        ),
        "lead" => (
            "Fait sur commande : jours de travail (0 = en stock)",
            "يصنع حسب الطلب: أيام العمل (0 = متوفر)",
            "Made to order: days of work (0 = in stock)",
        ),
        "off" => ("Retirer de la vente", "أوقف البيع", "Stop selling"),
        "on" => ("Remettre en vente", "أعد البيع", "Sell again"),
        "inactive" => ("hors vente", "متوقف", "not for sale"),
        "sales" => ("Ventes encaissées", "المبيعات المحصلة", "Sales received"),
        "refunds" => ("Remboursements", "المبالغ المسترجعة", "Refunds"),
        "commission" => (
            "Commission du marché",
            "عمولة السوق",
            "Marketplace commission",
        ),
        "owed" => (
            "Ce que le marché vous doit",
            "المبلغ المستحق لك",
            "What you are owed",
        ),
        "paid" => ("Virements reçus", "التحويلات المستلمة", "Transfers received"),
        "balance" => ("Reste à recevoir", "الباقي", "Still to receive"),
        "share" => (
            "Votre part (vos produits)",
            "حصتك (منتجاتك)",
            "Your share (your products)",
        ),
        "month" => ("Mois", "الشهر", "Month"),
        "cod_note" => (
            "Paiement à la livraison : l'argent compte quand le transporteur l'a remis au marché.",
            "الدفع عند الاستلام: يحتسب المبلغ عندما يسلمه الناقل للسوق.",
            "Cash on delivery: the money counts once the carrier has handed it to the marketplace.",
        ),
        "member_of" => ("Artisan membre de", "حرفي عضو في", "Member artisan of"),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The seller (and member) of the logged-in account, or a redirect to the login page.
fn seller_of(ctx: &Ctx) -> Result<(SellerId, Option<MemberId>), Response> {
    ctx.seller()
        .ok_or_else(|| Redirect::to("/account/login").into_response())
}

fn forbidden(ctx: &Ctx) -> Response {
    problem(ctx, StatusCode::NOT_FOUND, "404")
}

fn nav(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        nav.portal {
            a.button.big href="/seller" { (w(lang, "orders")) } " "
            a.button.big href="/seller/products" { (w(lang, "products")) } " "
            a.button.big href="/seller/statement" { (w(lang, "statement")) } " "
            a.button.big href="/seller/guide" { (w(lang, "guide")) }
        }
    }
}

/// The lines of a seller order this login may see (a member sees their products' lines).
fn visible_lines<'a>(
    so: &'a SellerOrder,
    member: &Option<MemberId>,
) -> Vec<&'a tijara_core::pricing::PricedLine> {
    so.lines
        .iter()
        .filter(|l| member.is_none() || l.made_by == *member)
        .collect()
}

async fn dashboard(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (seller_id, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let seller = match app.engine.catalog().seller(&seller_id).await {
        Ok(s) => s,
        Err(TijaraError::NotFound { .. }) => return forbidden(&ctx),
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
    let member_name = member.as_ref().and_then(|m| {
        seller
            .members
            .iter()
            .find(|x| &x.id == m)
            .map(|x| x.name.clone())
    });
    let body = html! {
        h1 { (seller.name) }
        @if let Some(n) = &member_name { p { (n) " · " (w(lang, "member_of")) " " (seller.name) } }
        @if !seller.active { p.error role="status" { (w(lang, "pending")) } }
        @if let Some(so) = q.get("saved") { p.ok role="status" { "✔ " bdi { (so) } " — " (w(lang, "saved")) } }
        (nav(&ctx))
        h2 { (w(lang, "orders")) }
        @if orders.is_empty() { p { (t(lang, "none")) } }
        @for d in orders.iter().rev() {
            @for so in d.order.seller_orders.iter().filter(|s| s.seller_id == seller_id) {
                @let lines = visible_lines(so, &member);
                @if !lines.is_empty() {
                    (order_box(&ctx, d, so, &lines, member.is_none()))
                }
            }
        }
    };
    layout(&ctx, w(lang, "orders"), body).into_response()
}

fn order_box(
    ctx: &Ctx,
    d: &OrderDoc,
    so: &SellerOrder,
    lines: &[&tijara_core::pricing::PricedLine],
    can_act: bool,
) -> Markup {
    let lang = ctx.lang;
    let o = &d.order;
    let shipment = d.shipments.iter().find(|s| s.seller_order_id == so.id);
    let base = format!("/seller/orders/{}/{}", o.id, so.id);
    html! {
        section.box {
            h3 { bdi { (o.reference()) } " — " (status_word(lang, so.status().as_str())) }
            p.muted { bdi { (o.placed_at.format("%Y-%m-%d %H:%M")) } " · " (o.shipping_address.name) " · " (o.shipping_address.city) " · " (status_word(lang, o.payment.status().as_str())) }
            ul { @for l in lines { li { bdi { (l.sku) } " × " (l.quantity) " — " bdi { (l.net.format(lang)) } } } }
            @if can_act && matches!(so.status(), FulfillmentStatus::Awaiting | FulfillmentStatus::Ready) {
                form method="post" action={ (base) "/ship" } {
                    (ctx.csrf_field())
                    button.big type="submit" { (w(lang, "ready")) }
                }
            }
            @if let Some(s) = shipment {
                p { a.button.big href={ (base) "/label" } target="_blank" { (w(lang, "label")) } }
                p { (t(lang, "tracking")) ": " (s.carrier) " " bdi { (s.tracking_number.clone().unwrap_or_default()) } " — " (status_word(lang, s.status().as_str())) }
                ol.timeline { @for e in s.events() { li { bdi { (e.at.format("%Y-%m-%d %H:%M")) } " — " (status_word(lang, e.status.as_str())) } } }
                @if can_act {
                    form method="post" action={ (base) "/tracking" } {
                        (ctx.csrf_field())
                        label { (w(lang, "number")) input name="number" value=(s.tracking_number.clone().unwrap_or_default()); }
                        label { (w(lang, "step")) select name="status" {
                            option value="" { "—" }
                            @for st in ["picked_up", "in_transit", "out_for_delivery", "delivered", "delivery_failed"] {
                                option value=(st) { (status_word(lang, st)) }
                            }
                        } }
                        button type="submit" { (w(lang, "save")) }
                    }
                }
            }
        }
    }
}

/// Loads an order and the part of it that belongs to the logged-in seller.
async fn my_part(
    app: &App,
    ctx: &Ctx,
    order: String,
    so: String,
) -> Result<(OrderDoc, SellerOrderId, SellerId), Response> {
    let (seller, member) = seller_of(ctx)?;
    if member.is_some() {
        // Members see their lines; shipping is the cooperative's job.
        return Err(forbidden(ctx));
    }
    let (Ok(order), Ok(so)) = (OrderId::new(order), SellerOrderId::new(so)) else {
        return Err(forbidden(ctx));
    };
    let doc = app
        .engine
        .orders()
        .order(&order)
        .await
        .map_err(|e| match e {
            TijaraError::NotFound { .. } => forbidden(ctx),
            e => refusal(ctx, &e),
        })?;
    match doc.order.seller_order(&so) {
        Ok(part) if part.seller_id == seller => Ok((doc, so, seller)),
        _ => {
            tracing::warn!(target: "security", seller = %seller, order = %doc.order.id, part = %so, "portal: not this seller's part");
            Err(forbidden(ctx))
        }
    }
}

/// "Ready to ship": marks the part ready (if not yet) and creates the shipment with the carrier
/// the shopper chose, then shows the label.
async fn ship(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = doc.order.id.clone();
    let status = doc.order.seller_order(&so).map(|s| s.status()).ok();
    let engine = app.engine.clone();
    let (order, part) = (id.clone(), so.clone());
    // On its own task: a closed tab does not drop the carrier call half-way.
    let shipped = crate::detached(async move {
        if status == Some(FulfillmentStatus::Awaiting) {
            engine.fulfillment().mark_ready(&order, &part, None).await?;
        }
        engine
            .fulfillment()
            .ship_as(
                &Operator::Seller(seller),
                &order,
                &part,
                ShipRequest::new(),
                None,
            )
            .await
    })
    .await;
    if let Err(e) = shipped {
        return refusal(&ctx, &e);
    }
    Redirect::to(&format!("/seller/orders/{id}/{so}/label")).into_response()
}

async fn label(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
) -> Response {
    let (doc, so, _) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(s) = doc.shipments.iter().find(|s| s.seller_order_id == so) else {
        return forbidden(&ctx);
    };
    match app.engine.fulfillment().label(&doc.order.id, &s.id).await {
        Ok(l) => Html(tijara_render::label_html(&l)).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

#[derive(Deserialize)]
struct TrackingForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
}

/// Tracking by hand for carriers without an API: the carrier's number, and a step, applied by
/// the engine to this part's shipment with `by`'s rights.
pub(crate) async fn apply_tracking(
    app: &App,
    by: &Operator,
    doc: &OrderDoc,
    so: &SellerOrderId,
    number: &str,
    status: &str,
) -> Result<(), TijaraError> {
    let status: Option<TrackingStatus> = match status.trim() {
        "" => None,
        s => Some(
            serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
                TijaraError::InvalidField {
                    field: "status",
                    rule: format!("{s:?} is not a tracking step"),
                }
            })?,
        ),
    };
    let mut update = HandTracking::new().with_tracking_number(number);
    update.status = status;
    app.engine
        .fulfillment()
        .track_by_hand(by, &doc.order.id, so, update, None)
        .await?;
    Ok(())
}

async fn tracking(
    State(app): State<App>,
    ctx: Ctx,
    Path((order, so)): Path<(String, String)>,
    Form(f): Form<TrackingForm>,
) -> Response {
    let (doc, so, seller) = match my_part(&app, &ctx, order, so).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let by = Operator::Seller(seller);
    match apply_tracking(&app, &by, &doc, &so, &f.number, &f.status).await {
        Ok(()) => Redirect::to(&format!("/seller?saved={so}")).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

// ---- guide ---------------------------------------------------------------------------------

/// One illustrated step of the guide: a drawing and a sentence in Arabic and French.
fn step(n: u8, drawing: &str, ar: &str, fr: &str) -> Markup {
    html! {
        section.box.step {
            div.drawing { (PreEscaped(drawing)) }
            p lang="ar" dir="rtl" { strong { (n) ". " } (ar) }
            p lang="fr" dir="ltr" { strong { (n) ". " } (fr) }
        }
    }
}

const SVG_PRODUCT: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80" width="180" height="120" role="img" aria-label="produit"><rect x="10" y="10" width="60" height="60" rx="6" fill="#f3e6d3" stroke="#8a4b16" stroke-width="3"/><circle cx="40" cy="35" r="12" fill="#c98a4b"/><path d="M18 64l16-18 12 12 8-8 12 14z" fill="#8a4b16"/><circle cx="95" cy="40" r="16" fill="#8a4b16"/><path d="M95 31v18M86 40h18" stroke="#fff" stroke-width="4"/></svg>"##;
const SVG_PARCEL: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80" width="180" height="120" role="img" aria-label="colis"><path d="M15 25l35-12 35 12v40l-35 12-35-12z" fill="#e0b77a" stroke="#6b3d12" stroke-width="3"/><path d="M15 25l35 12 35-12M50 37v40" stroke="#6b3d12" stroke-width="3" fill="none"/><rect x="88" y="30" width="28" height="36" fill="#fff" stroke="#222" stroke-width="2"/><path d="M92 36v24M96 36v24M99 36v24M104 36v24M108 36v24M111 36v24" stroke="#222" stroke-width="2"/></svg>"##;
const SVG_TRUCK: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80" width="180" height="120" role="img" aria-label="suivi"><rect x="8" y="25" width="60" height="32" fill="#8a4b16"/><path d="M68 33h22l14 14v10H68z" fill="#c98a4b"/><circle cx="26" cy="60" r="8" fill="#222"/><circle cx="88" cy="60" r="8" fill="#222"/><path d="M10 15h20M40 15h20M70 15h20" stroke="#6b3d12" stroke-width="3" stroke-dasharray="4 4"/></svg>"##;
const SVG_MONEY: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80" width="180" height="120" role="img" aria-label="paiements"><rect x="10" y="18" width="56" height="36" rx="5" fill="#3c6e47"/><circle cx="38" cy="36" r="10" fill="#a7d3ae"/><rect x="70" y="26" width="44" height="30" rx="4" fill="#2b4a8a"/><rect x="70" y="32" width="44" height="6" fill="#111"/><rect x="76" y="44" width="18" height="5" fill="#fff"/></svg>"##;

async fn guide(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { "دليل الحرفي · Guide de l'artisan" }
        (nav(&ctx))
        (step(1, SVG_PRODUCT,
            "أضف منتجا: اضغط «منتجاتي» ثم «منتج جديد». اكتب الاسم بالعربية، والثمن بالدرهم، والوزن، وعدد القطع المتوفرة، ثم «احفظ».",
            "Ajouter un produit : « Mes produits » puis « Nouveau produit ». Écrivez le titre en arabe, le prix en dirhams, le poids et le nombre de pièces, puis « Enregistrer »."))
        (step(2, SVG_PARCEL,
            "عندما يصلك طلب: جهز الطرد، ثم اضغط «جاهز: أرسل». اطبع الملصق والصقه على الطرد. إذا كان الدفع عند الاستلام، يظهر المبلغ على الملصق.",
            "Quand une commande arrive : préparez le colis puis « Prêt : expédier ». Imprimez l'étiquette et collez-la sur le colis. En paiement à la livraison, le montant à encaisser est sur l'étiquette."))
        (step(3, SVG_TRUCK,
            "سلم الطرد لأمانة أو CTM واكتب رقم التتبع الذي يعطونك في خانة «رقم التتبع». يرى الزبون كل مرحلة حتى التسليم.",
            "Déposez le colis chez Amana ou CTM et tapez leur numéro de suivi dans « N° de suivi ». Le client voit chaque étape jusqu'à la livraison."))
        (step(4, SVG_MONEY,
            "«حساباتي»: المبيعات بالبطاقة تحتسب عند الأداء، والدفع عند الاستلام عندما يسلم الناقل المبلغ. تخصم عمولة السوق، ويظهر ما تم تحويله لك وما بقي.",
            "« Mes comptes » : les ventes par carte comptent dès le paiement, celles payées à la livraison quand le transporteur a remis l'argent. La commission est déduite ; vous voyez les virements reçus et ce qui reste."))
    };
    let mut r = layout(&ctx, w(lang, "guide"), body).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, max-age=3600"),
    );
    r
}

#[derive(Deserialize)]
struct BankForm {
    rib: String,
}

/// `POST /seller/bank`: the seller's RIB for payouts (not a member's).
async fn set_bank(State(app): State<App>, ctx: Ctx, Form(f): Form<BankForm>) -> Response {
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

/// The portal's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/seller", get(dashboard))
        .route("/seller/orders/{order}/{so}/ship", post(ship))
        .route("/seller/orders/{order}/{so}/label", get(label))
        .route("/seller/orders/{order}/{so}/tracking", post(tracking))
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
        .route("/seller/statement", get(statement))
        .route("/seller/bank", post(set_bank))
        .route("/seller/guide", get(guide))
}
