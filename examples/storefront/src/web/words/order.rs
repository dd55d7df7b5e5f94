//! Words of the order page and payment returns, as (French, Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "order" => ("Commande", "الطلب", "Order"),
        "order_link" => (
            "Ce lien ne permet pas d'ouvrir la commande. Utilisez le lien de la page ou de l'e-mail de confirmation, ou connectez-vous à votre compte.",
            "هذا الرابط لا يفتح الطلب. استعمل رابط صفحة أو رسالة التأكيد، أو سجّل الدخول إلى حسابك.",
            "This link does not open the order. Use the link from the confirmation page or e-mail, or log in to your account.",
        ),
        "keep_link" => (
            "Gardez l'adresse de cette page : elle seule ouvre votre commande sans compte. Ne la partagez pas.",
            "احتفظ بعنوان هذه الصفحة: هو وحده يفتح طلبك دون حساب. لا تشاركه.",
            "Keep this page's address: it alone opens your order without an account. Do not share it.",
        ),
        "payment_received" => (
            "Le résultat de votre paiement est bien reçu. Votre commande s'ouvre avec le lien de la page ou de l'e-mail de confirmation, ou depuis votre compte si vous êtes connecté.",
            "تم استلام نتيجة الأداء. يُفتح طلبك برابط صفحة أو رسالة التأكيد، أو من حسابك إذا كنت مسجلا.",
            "Your payment result was received. Open your order with the link from the confirmation page or e-mail, or from your account if you are logged in.",
        ),
        "bad_return" => (
            "Cette réponse de paiement est mal formée.",
            "رد الأداء هذا غير سليم.",
            "This payment response is malformed.",
        ),
        "thanks" => (
            "Merci ! Votre commande est enregistrée.",
            "شكرا! تم تسجيل طلبك.",
            "Thank you! Your order is placed.",
        ),
        "tracking" => ("Suivi", "التتبع", "Tracking"),
        "status" => ("État", "الحالة", "Status"),
        "abroad" => ("indicatif", "تقريبي", "indicative"),
        "withdraw" => (
            "Demander un retour (rétractation)",
            "طلب إرجاع (التراجع)",
            "Ask for a return (withdrawal)",
        ),
        "withdraw_done" => (
            "Demande de retour enregistrée.",
            "تم تسجيل طلب الإرجاع.",
            "Return request recorded.",
        ),
        "seller_order" => ("Colis de", "طرد من", "Parcel from"),
        _ => return None,
    })
}
