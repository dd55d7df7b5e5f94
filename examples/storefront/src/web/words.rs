//! The interface's words in Arabic, French and English, and what the shop learnt of its region's
//! other languages (which words they read, their direction).

use super::*;

/// Words of the interface in each language.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => (
            "Artisanat de Dakhla",
            "صناعة الداخلة التقليدية",
            "Crafts of Dakhla",
        ),
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
        "csrf" => (
            "Ce formulaire a expiré. Rechargez la page et recommencez.",
            "انتهت صلاحية هذه الاستمارة. أعد تحميل الصفحة وحاول مرة أخرى.",
            "This form has expired. Reload the page and try again.",
        ),
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
        "seller_order" => ("Colis de", "طرد من", "Parcel from"),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// The text for `lang` among a French, an Arabic and an English one; for another language of
/// the region, that of its first fallback the interface has words in ([`ui_lang`]).
pub fn pick<'a>(lang: Lang, fr: &'a str, ar: &'a str, en: &'a str) -> &'a str {
    match ui_lang(lang) {
        Lang::AR => ar,
        Lang::EN => en,
        _ => fr,
    }
}

/// The languages the interface has words in.
const UI_LANGS: [Lang; 3] = [Lang::AR, Lang::FR, Lang::EN];

/// What the shop learnt of its region's other languages: per language, the language of the
/// interface's words (its first fallback among [`UI_LANGS`]) and its direction. Filled once
/// the region is known ([`learn_languages`]); the words are `&'static` and looked up by a bare
/// `Lang`, so this lives beside them rather than in each page's context.
#[derive(Debug, Clone, Copy)]
struct UiLang {
    lang: Lang,
    words: Lang,
    dir: &'static str,
}

static REGION_LANGS: std::sync::RwLock<Vec<UiLang>> = std::sync::RwLock::new(Vec::new());

/// Learns the region's languages: each one the interface has no words in reads the words of
/// its first fallback that has them (the region's order: Tamazight → Arabic → French), and
/// pages in it carry the region's direction for it.
pub fn learn_languages(region: &tijara_core::Region) {
    let learnt: Vec<UiLang> = region
        .languages
        .iter()
        .filter(|l| !UI_LANGS.contains(l))
        .map(|l| UiLang {
            lang: *l,
            words: region.best_of(*l, &UI_LANGS).unwrap_or(Lang::FR),
            dir: region.dir(*l),
        })
        .collect();
    if let Ok(mut known) = REGION_LANGS.write() {
        for l in learnt {
            known.retain(|k| k.lang != l.lang);
            known.push(l);
        }
    }
}

fn learnt(lang: Lang) -> Option<UiLang> {
    REGION_LANGS
        .read()
        .ok()
        .and_then(|k| k.iter().find(|k| k.lang == lang).copied())
}

/// The language the interface's words are shown in for a page in `lang`: `lang` itself for
/// Arabic, French and English; for another language, its first fallback among those (see
/// [`learn_languages`]), else French.
pub fn ui_lang(lang: Lang) -> Lang {
    if UI_LANGS.contains(&lang) {
        return lang;
    }
    learnt(lang).map_or(Lang::FR, |k| k.words)
}

/// The `dir` attribute of a page in `lang` (the region's direction for it, else its script's).
pub fn page_dir(lang: Lang) -> &'static str {
    learnt(lang).map_or_else(|| lang.dir(), |k| k.dir)
}

/// The region's languages beyond Arabic, French and English (for the language switcher).
pub(super) fn other_langs() -> Vec<Lang> {
    REGION_LANGS
        .read()
        .map(|k| k.iter().map(|k| k.lang).collect())
        .unwrap_or_default()
}
