//! Words of checkout (address, delivery, payment), as (French, Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "address" => ("Adresse de livraison", "عنوان التسليم", "Delivery address"),
        "name" => ("Nom complet", "الاسم الكامل", "Full name"),
        "line1" => ("Adresse", "العنوان", "Address"),
        "city" => ("Ville", "المدينة", "City"),
        "country" => ("Pays (code)", "البلد (رمز)", "Country (code)"),
        "phone" => ("Téléphone", "الهاتف", "Phone"),
        "email" => ("E-mail", "البريد الإلكتروني", "E-mail"),
        "continue" => ("Continuer", "متابعة", "Continue"),
        "shipping" => ("Livraison", "التوصيل", "Shipping"),
        "pay" => ("Paiement", "الأداء", "Payment"),
        "card" => ("Carte bancaire (CMI)", "بطاقة بنكية", "Card (CMI)"),
        "cod" => (
            "Paiement à la livraison",
            "الدفع عند الاستلام",
            "Cash on delivery",
        ),
        "transfer" => ("Virement bancaire", "تحويل بنكي", "Bank transfer"),
        "place" => ("Valider la commande", "تأكيد الطلب", "Place the order"),
        _ => return None,
    })
}
