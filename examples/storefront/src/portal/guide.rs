//! The portal's illustrated guide.

use super::*;

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

pub(super) async fn guide(ctx: Ctx) -> Response {
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

/// The guide's route.
pub(super) fn routes() -> Router<App> {
    Router::new().route("/seller/guide", get(guide))
}
