//! Words of the shop's other pages (artisans' shops, legal pages, error pages), as (French,
//! Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "home" => ("Accueil", "الرئيسية", "Home"),
        "crumbs" => ("Vous êtes ici", "أنت هنا", "You are here"),
        "artisans" => (
            "Artisans et coopératives",
            "الصناع والتعاونيات",
            "Artisans and cooperatives",
        ),
        "artisans_intro" => (
            "Chaque objet vient d'un atelier ou d'une coopérative de la région de Dakhla – Oued Ed-Dahab et du Sahara. Achetez-leur directement.",
            "كل منتج يأتي من ورشة أو تعاونية في جهة الداخلة وادي الذهب والصحراء. اشتر منهم مباشرة.",
            "Every item comes from a workshop or cooperative of Dakhla – Oued Ed-Dahab and the Sahara. Buy from them directly.",
        ),
        "members" => ("Les artisanes", "الصانعات", "The artisans"),
        "their_products" => ("Leurs créations", "منتجاتهم", "Their work"),
        "no_products_yet" => (
            "Pas encore de produit en vente. Revenez bientôt ou découvrez les autres ateliers.",
            "لا توجد منتجات معروضة بعد. عد قريبا أو اكتشف الورشات الأخرى.",
            "No product for sale yet. Come back soon or discover the other workshops.",
        ),
        "based_in" => ("Atelier à", "الورشة في", "Workshop in"),
        "footer_note" => (
            "Marché de l'artisanat de Dakhla – Oued Ed-Dahab. Prix en dirhams, toutes taxes comprises.",
            "سوق الصناعة التقليدية بالداخلة وادي الذهب. الأسعار بالدرهم، شاملة لكل الرسوم.",
            "Dakhla – Oued Ed-Dahab crafts market. Prices in dirhams, all taxes included.",
        ),
        "not_found_title" => ("Page introuvable", "الصفحة غير موجودة", "Page not found"),
        "not_found_text" => (
            "Cette page n'existe pas ou plus. Le produit a peut-être été vendu : cherchez-en un autre ou revenez à l'accueil.",
            "هذه الصفحة غير موجودة. ربما بيع المنتج: ابحث عن غيره أو عد إلى الصفحة الرئيسية.",
            "This page does not exist (any more). The product may have sold: search for another or go back home.",
        ),
        "product_gone" => (
            "Ce produit n'est plus en vente",
            "هذا المنتج لم يعد معروضا للبيع",
            "This product is no longer for sale",
        ),
        "error_title" => ("Un souci", "حدث خطأ", "Something went wrong"),
        "back_home" => (
            "Retour à l'accueil",
            "العودة إلى الرئيسية",
            "Back to the home page",
        ),
        "see_cart" => ("Voir mon panier", "عرض سلتي", "See my cart"),
        "artisan_gone" => (
            "Cet atelier n'est pas ou plus sur le marché.",
            "هذه الورشة غير موجودة في السوق.",
            "This workshop is not (or no longer) on the market.",
        ),
        _ => return None,
    })
}
