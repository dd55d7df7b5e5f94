//! Words of the shop window and the cart, as (French, Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "search" => ("Rechercher", "بحث", "Search"),
        "cart" => ("Panier", "السلة", "Cart"),
        "add" => ("Ajouter au panier", "أضف إلى السلة", "Add to cart"),
        "remove" => ("Retirer", "احذف", "Remove"),
        "checkout" => ("Commander", "إتمام الطلب", "Check out"),
        "empty" => (
            "Votre panier est vide.",
            "سلتك فارغة.",
            "Your cart is empty.",
        ),
        "in_stock" => ("En stock", "متوفر", "In stock"),
        "out" => ("Épuisé", "نفد", "Sold out"),
        "made" => ("Fait sur commande", "يصنع حسب الطلب", "Made to order"),
        "days" => ("jours", "أيام", "days"),
        "tva" => ("dont TVA", "منها الضريبة على القيمة المضافة", "incl. VAT"),
        "by" => ("par", "من", "by"),
        "total" => ("Total TTC", "المجموع", "Total incl. tax"),
        _ => return None,
    })
}
