//! Words of accounts, logins and the seller sign-up, as (French, Arabic, English).

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "login" => ("Connexion", "تسجيل الدخول", "Log in"),
        "logout" => ("Déconnexion", "تسجيل الخروج", "Log out"),
        "register" => ("Créer un compte", "إنشاء حساب", "Create an account"),
        "account" => ("Mon compte", "حسابي", "My account"),
        "password" => ("Mot de passe", "كلمة السر", "Password"),
        "portal" => ("Espace artisan", "فضاء الحرفي", "Artisan portal"),
        "admin" => ("Administration", "الإدارة", "Admin"),
        "sell" => ("Vendre sur le marché", "بع منتجاتك", "Sell with us"),
        "bad_login" => (
            "E-mail ou mot de passe incorrect.",
            "البريد الإلكتروني أو كلمة السر غير صحيحة.",
            "Wrong e-mail or password.",
        ),
        "locked" => (
            "Trop d'essais. Réessayez après",
            "محاولات كثيرة. حاول مرة أخرى بعد",
            "Too many attempts. Try again after",
        ),
        "orders" => ("Mes commandes", "طلباتي", "My orders"),
        "none" => ("Rien pour l'instant.", "لا شيء حاليا.", "Nothing yet."),
        "shop_name" => (
            "Nom de l'atelier ou de la coopérative",
            "اسم الورشة أو التعاونية",
            "Workshop or cooperative name",
        ),
        "kind" => ("Type", "النوع", "Kind"),
        "artisan" => ("Artisan", "حرفي", "Artisan"),
        "cooperative" => ("Coopérative", "تعاونية", "Cooperative"),
        "taken" => (
            "ce compte existe déjà",
            "هذا الحساب موجود",
            "this account already exists",
        ),
        _ => return None,
    })
}
