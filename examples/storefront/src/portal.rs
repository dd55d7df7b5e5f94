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
use maud::{Markup, html};
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

pub mod guide;
mod orders;
mod products;
mod profile;
mod returns;
mod statement;
pub(crate) use orders::apply_tracking;
pub(crate) use returns::member_sees;
pub(crate) use statement::month_bounds;

/// What a shop waiting for approval is told on its portal: thanks, what happens next, and
/// what it can do meanwhile.
fn pending_box(lang: Lang) -> Markup {
    html! {
        section.box.pending role="status" {
            h2 { (w(lang, "pending")) }
            p { (w(lang, "pending_text")) }
            ul {
                li { a href="/seller/products/new" { (w(lang, "pending_products")) } }
                li { a href="/seller/profile" { (w(lang, "pending_profile")) } }
                li { a href="/seller/guide" { (w(lang, "pending_guide")) } }
            }
        }
    }
}

/// Words of the portal.
fn w(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "orders" => ("Commandes", "الطلبات", "Orders"),
        "products" => ("Mes produits", "منتجاتي", "My products"),
        "statement" => ("Mes comptes", "حساباتي", "My statement"),
        "guide" => ("Guide", "الدليل", "Guide"),
        "pending" => (
            "Merci : nous avons bien reçu votre demande",
            "شكرًا، توصلنا بطلبك",
            "Thank you: we received your application",
        ),
        "suspended" => (
            "Votre boutique est fermée pour le moment : ses produits ne peuvent pas être achetés. Écrivez au marché pour savoir pourquoi et la rouvrir.",
            "متجرك مغلق حاليا: لا يمكن شراء منتجاته. راسل السوق لمعرفة السبب وإعادة فتحه.",
            "Your shop is closed for now: its products cannot be bought. Write to the marketplace to learn why and reopen it.",
        ),
        "pending_text" => (
            "L'équipe du marché vérifie votre boutique et vous prévient par e-mail et SMS dès qu'elle est approuvée. D'ici là, vos produits ne peuvent pas encore être achetés. Vous pouvez déjà :",
            "يتحقق فريق السوق من متجرك ويخبرك عبر البريد الإلكتروني والرسائل القصيرة فور الموافقة عليه. وإلى حين ذلك، لا يمكن شراء منتجاتك بعد. يمكنك من الآن:",
            "The marketplace's team checks your shop and tells you by e-mail and SMS as soon as it is approved. Until then, your products cannot be bought yet. You can already:",
        ),
        "pending_products" => (
            "ajouter vos produits (ils seront en vente dès l'approbation)",
            "إضافة منتجاتك (ستعرض للبيع فور الموافقة)",
            "add your products (they go on sale once approved)",
        ),
        "pending_profile" => (
            "compléter votre boutique : l'adresse d'où partent vos colis, pour leurs étiquettes",
            "إكمال معلومات متجرك: العنوان الذي تنطلق منه طرودك، لملصقاتها",
            "complete your shop: the street address your parcels leave from, for their labels",
        ),
        "pending_guide" => (
            "lire le guide : vendre, expédier, être payé",
            "قراءة الدليل: البيع، الإرسال، تلقي المستحقات",
            "read the guide: selling, shipping, getting paid",
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
        "no_categories" => (
            "Le marché n'a encore aucune catégorie : vous pourrez mettre un produit en vente dès que son administration les aura ajoutées. Écrivez-lui si cela tarde.",
            "لا يوجد في السوق أي صنف بعد: يمكنك عرض منتج للبيع بمجرد أن تضيف إدارته الأصناف. راسلها إذا تأخر ذلك.",
            "The marketplace has no category yet: you can put a product on sale as soon as its administration has added them. Write to it if that takes long.",
        ),
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
        "desc_en" => (
            "Description en anglais (pour les acheteurs de l'étranger)",
            "الوصف بالإنجليزية (للمشترين من الخارج)",
            "Description in English (for buyers abroad)",
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
    // The part of the portal this page belongs to is marked (`aria-current`): the six buttons
    // looked the same wherever she was.
    let here = crate::web::current_here();
    let path = here.split(['?', '#']).next().unwrap_or("");
    let part = [
        "/seller/products",
        "/seller/statement",
        "/seller/returns",
        "/seller/profile",
        "/seller/guide",
    ]
    .into_iter()
    .find(|p| {
        path == *p || path.starts_with(&format!("{p}/")) || path.starts_with(&format!("{p}."))
    })
    .unwrap_or("/seller");
    let at = |href: &str| (href == part).then_some("page");
    html! {
        nav.portal {
            a.button.big href="/seller" aria-current=[at("/seller")] { (w(lang, "orders")) } " "
            a.button.big href="/seller/products" aria-current=[at("/seller/products")] { (w(lang, "products")) } " "
            a.button.big href="/seller/statement" aria-current=[at("/seller/statement")] { (w(lang, "statement")) } " "
            a.button.big href="/seller/returns" aria-current=[at("/seller/returns")] { (returns::rw(lang, "returns")) } " "
            a.button.big href="/seller/profile" aria-current=[at("/seller/profile")] { (profile::fw(lang, "profile")) } " "
            a.button.big href="/seller/guide" aria-current=[at("/seller/guide")] { (w(lang, "guide")) }
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

/// The portal's routes: each part (orders, products, statement, guide) has its own.
pub fn routes() -> Router<App> {
    Router::new()
        .merge(orders::routes())
        .merge(products::routes())
        .merge(statement::routes())
        .merge(returns::routes())
        .merge(profile::routes())
        .merge(guide::routes())
}
