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
        // Track my order.
        "ac_track" => ("Suivre ma commande", "تتبع طلبي", "Track my order"),
        "ac_track_intro" => (
            "Vous avez perdu le lien de votre commande ? Donnez son numéro et l'e-mail ou le téléphone indiqués à la commande.",
            "فقدت رابط طلبك؟ أدخل رقم الطلب والبريد الإلكتروني أو الهاتف الذي استعملته عند الطلب.",
            "Lost your order's link? Give its number and the e-mail or phone you gave when ordering.",
        ),
        "ac_reference" => ("Numéro de commande", "رقم الطلب", "Order number"),
        "ac_reference_hint" => (
            "Il figure dans le message de confirmation et commence par",
            "تجده في رسالة التأكيد، ويبدأ بـ",
            "It is in the confirmation message and starts with",
        ),
        "ac_contact" => (
            "E-mail ou téléphone",
            "البريد الإلكتروني أو الهاتف",
            "E-mail or phone",
        ),
        "ac_find" => ("Retrouver ma commande", "ابحث عن طلبي", "Find my order"),
        "ac_track_missing" => (
            "Indiquez le numéro de commande et votre e-mail ou téléphone.",
            "أدخل رقم الطلب وبريدك الإلكتروني أو هاتفك.",
            "Give the order number and your e-mail or phone.",
        ),
        "ac_track_none" => (
            "Aucune commande ne correspond à ce numéro avec cet e-mail ou ce téléphone. Vérifiez les deux dans votre message de confirmation, puis réessayez.",
            "لا يوجد طلب بهذا الرقم مع هذا البريد أو الهاتف. تحقق منهما في رسالة التأكيد ثم أعد المحاولة.",
            "No order matches this number with this e-mail or phone. Check both in your confirmation message, then try again.",
        ),
        "ac_track_wait" => (
            "Trop d'essais depuis cette connexion. Réessayez à",
            "محاولات كثيرة من هذا الاتصال. أعد المحاولة على الساعة",
            "Too many tries from this connection. Try again at",
        ),
        "ac_track_guest" => (
            "Une commande passée sans compte ? Retrouvez-la avec son numéro",
            "طلب تم دون حساب؟ ابحث عنه برقمه",
            "An order placed without an account? Find it by its number",
        ),
        "ac_lost_link" => (
            "Lien perdu ? Retrouvez votre commande",
            "فقدت الرابط؟ ابحث عن طلبك",
            "Lost the link? Find your order",
        ),
        "ac_not_yours" => (
            "Cette commande est introuvable avec ce lien. Ouvrez-la depuis votre message de confirmation ou retrouvez-la avec son numéro.",
            "لم نجد هذا الطلب بهذا الرابط. افتحه من رسالة التأكيد أو ابحث عنه برقمه.",
            "This order cannot be found with this link. Open it from your confirmation message or find it by its number.",
        ),
        "ac_back_order" => (
            "Retour à la commande",
            "العودة إلى الطلب",
            "Back to the order",
        ),
        // Cancel.
        "ac_cancel" => (
            "Annuler cette commande",
            "إلغاء هذا الطلب",
            "Cancel this order",
        ),
        "ac_cancel_q" => ("Annuler la commande ?", "إلغاء الطلب؟", "Cancel the order?"),
        "ac_cancel_explain" => (
            "Rien ne vous sera envoyé et les articles seront remis en vente. Cela ne peut pas être défait.",
            "لن يُرسل إليك أي شيء وستعود السلع إلى البيع. لا يمكن التراجع عن ذلك.",
            "Nothing will be sent to you and the items go back on sale. This cannot be undone.",
        ),
        "ac_cancel_yes" => (
            "Oui, annuler la commande",
            "نعم، ألغِ الطلب",
            "Yes, cancel the order",
        ),
        "ac_cancel_no" => (
            "Non, garder ma commande",
            "لا، احتفظ بطلبي",
            "No, keep my order",
        ),
        "ac_cancelled" => (
            "Cette commande est annulée. Rien ne sera envoyé ni demandé à la livraison.",
            "هذا الطلب ملغى. لن يُرسل شيء ولن يُطلب منك أي مبلغ عند التسليم.",
            "This order is cancelled. Nothing will be sent or asked for at delivery.",
        ),
        "ac_cannot_cancel_shipped" => (
            "Un colis est déjà parti : la commande ne peut plus être annulée. Vous pouvez refuser le colis à la livraison, ou demander un retour une fois livré.",
            "خرج طرد بالفعل: لم يعد ممكنا إلغاء الطلب. يمكنك رفض الطرد عند التسليم، أو طلب إرجاعه بعد استلامه.",
            "A parcel has already left: the order can no longer be cancelled. You can refuse the parcel at the door, or ask for a return once it is delivered.",
        ),
        "ac_cannot_cancel_paid" => (
            "Cette commande est déjà payée : pour l'annuler, écrivez-nous en donnant son numéro, nous vous rembourserons.",
            "هذا الطلب مدفوع: لإلغائه راسلنا مع ذكر رقمه وسنعيد لك المبلغ.",
            "This order is already paid: to cancel it, write to us with its number and we will refund you.",
        ),
        "ac_cannot_cancel_closed" => (
            "Cette commande est terminée : elle ne peut plus être annulée.",
            "هذا الطلب مكتمل: لم يعد ممكنا إلغاؤه.",
            "This order is complete: it can no longer be cancelled.",
        ),
        // Returns.
        "ac_return" => (
            "Retourner des articles de ce colis",
            "إرجاع سلع من هذا الطرد",
            "Return items from this parcel",
        ),
        "ac_return_title" => ("Demande de retour", "طلب إرجاع", "Return request"),
        "ac_return_intro" => (
            "Vous avez 7 jours pleins après la livraison pour changer d'avis (loi 31-08), sans justification. Dernier jour :",
            "لديك 7 أيام كاملة بعد التسليم للتراجع دون تبرير (القانون رقم 31.08). آخر يوم:",
            "You have 7 full days after delivery to change your mind (law 31-08), no reason needed. Last day:",
        ),
        "ac_return_which" => (
            "Quels articles renvoyez-vous ?",
            "ما السلع التي تريد إرجاعها؟",
            "Which items are you sending back?",
        ),
        "ac_return_qty" => (
            "Quantité à retourner",
            "الكمية المراد إرجاعها",
            "Quantity to return",
        ),
        "ac_return_of" => ("sur", "من", "of"),
        "ac_reason" => ("Pourquoi ?", "لماذا؟", "Why?"),
        "ac_reason_changed_mind" => ("J'ai changé d'avis", "غيرت رأيي", "I changed my mind"),
        "ac_reason_damaged" => ("Article abîmé", "السلعة متضررة", "The item is damaged"),
        "ac_reason_not_as_described" => ("Pas comme décrit", "ليست كما وُصفت", "Not as described"),
        "ac_reason_wrong_item" => (
            "Mauvais article reçu",
            "استلمت سلعة خاطئة",
            "I received the wrong item",
        ),
        "ac_reason_other" => ("Autre raison", "سبب آخر", "Another reason"),
        "ac_reason_came_back" => (
            "Colis revenu sans être livré",
            "عاد الطرد دون أن يُسلَّم",
            "Parcel came back undelivered",
        ),
        "ac_details" => (
            "Dites-nous en plus (facultatif)",
            "أخبرنا أكثر (اختياري)",
            "Tell us more (optional)",
        ),
        "ac_how_return" => ("Comment ça se passe", "كيف يتم ذلك", "How it works"),
        "ac_how_1" => (
            "Le vendeur répond à votre demande (acceptée ou refusée) ; vous voyez la réponse sur la page de la commande.",
            "يرد البائع على طلبك (قبول أو رفض)؛ ترى الرد في صفحة الطلب.",
            "The seller answers your request (approved or refused); you see the answer on the order page.",
        ),
        "ac_how_2" => (
            "Une fois la demande acceptée, renvoyez les articles, dans l'état où vous les avez reçus, à l'artisan qui les a envoyés :",
            "بعد قبول الطلب، أعد السلع بالحالة التي استلمتها بها إلى الحرفي الذي أرسلها:",
            "Once approved, send the items back, as you received them, to the artisan who sent them:",
        ),
        "ac_how_3" => (
            "Les frais de renvoi sont à votre charge, sauf si l'article est abîmé, pas comme décrit ou n'est pas le bon.",
            "مصاريف الإرجاع على حسابك، إلا إذا كانت السلعة متضررة أو ليست كما وُصفت أو ليست السلعة الصحيحة.",
            "Sending them back is at your cost, unless the item is damaged, not as described or the wrong one.",
        ),
        "ac_how_4" => (
            "Vous êtes remboursé au plus tard 15 jours après la réception des articles.",
            "يُرد لك المبلغ في أجل أقصاه 15 يوما بعد استلام السلع.",
            "You are refunded at the latest 15 days after the items arrive back.",
        ),
        "ac_send_request" => (
            "Envoyer la demande de retour",
            "أرسل طلب الإرجاع",
            "Send the return request",
        ),
        "ac_pick_items" => (
            "Choisissez au moins un article à retourner (quantité 1 ou plus).",
            "اختر سلعة واحدة على الأقل للإرجاع (الكمية 1 أو أكثر).",
            "Choose at least one item to return (quantity 1 or more).",
        ),
        "ac_pick_reason" => (
            "Choisissez une raison dans la liste.",
            "اختر سببا من القائمة.",
            "Choose a reason from the list.",
        ),
        "ac_already_asked" => (
            "Vous avez déjà demandé le retour de ces articles le",
            "سبق أن طلبت إرجاع هذه السلع بتاريخ",
            "You already asked to return these items on",
        ),
        "ac_status_is" => ("Où en est-elle :", "حالته:", "Where it stands:"),
        "ac_too_many" => (
            "Vous demandez plus d'articles qu'il n'en reste à retourner. Nombre encore possible :",
            "طلبت عددا أكبر مما يمكن إرجاعه. العدد الممكن:",
            "You asked for more items than can still be returned. Still possible:",
        ),
        "ac_period_over" => (
            "Le délai de retour est terminé depuis le",
            "انتهت مهلة الإرجاع بتاريخ",
            "The return period ended on",
        ),
        "ac_period_help" => (
            "Pour un article défectueux, écrivez-nous avec le numéro de commande.",
            "إذا كانت السلعة معيبة، راسلنا مع رقم الطلب.",
            "For a faulty item, write to us with the order number.",
        ),
        "ac_not_delivered" => (
            "Ce colis n'est pas encore livré : le retour se demande après la livraison.",
            "هذا الطرد لم يُسلَّم بعد: يُطلب الإرجاع بعد التسليم.",
            "This parcel is not delivered yet: a return is asked after delivery.",
        ),
        "ac_nothing_left" => (
            "Tous les articles de ce colis font déjà l'objet d'une demande de retour.",
            "جميع سلع هذا الطرد موضوع طلب إرجاع بالفعل.",
            "Every item of this parcel is already in a return request.",
        ),
        "ac_reason_long" => (
            "Votre texte est trop long : 500 caractères au plus.",
            "النص طويل جدا: 500 حرف على الأكثر.",
            "Your text is too long: 500 characters at most.",
        ),
        "ac_reason_bad" => (
            "Votre texte contient des caractères invalides.",
            "يحتوي النص على رموز غير صالحة.",
            "Your text holds characters that cannot be used.",
        ),
        "ac_returns" => ("Vos retours", "طلبات الإرجاع", "Your returns"),
        "ac_asked_on" => ("demandé le", "طُلب بتاريخ", "asked on"),
        "ac_came_back_on" => ("revenu le", "عاد بتاريخ", "came back on"),
        "ac_items" => ("article(s)", "سلعة", "item(s)"),
        "ac_ret_requested" => (
            "En attente de la réponse du vendeur",
            "في انتظار رد البائع",
            "Waiting for the seller's answer",
        ),
        "ac_ret_approved" => (
            "Accepté : renvoyez les articles",
            "مقبول: أعد السلع",
            "Approved: send the items back",
        ),
        "ac_ret_rejected" => (
            "refusé par le vendeur",
            "مرفوض من البائع",
            "refused by the seller",
        ),
        "ac_ret_came_back" => (
            "Colis revenu au vendeur : remboursement à venir",
            "عاد الطرد إلى البائع: سيُرَدّ إليك المبلغ",
            "Parcel back with the seller: refund to come",
        ),
        "ac_ret_received" => (
            "Articles reçus : remboursement en cours",
            "تم استلام السلع: رد المبلغ جار",
            "Items received: refund on its way",
        ),
        "ac_ret_refunded" => ("Remboursé", "تم رد المبلغ", "Refunded"),
        // Account: orders and addresses.
        "ac_order_col" => ("Commande", "الطلب", "Order"),
        "ac_date" => ("Date", "التاريخ", "Date"),
        "ac_total" => ("Total", "المجموع", "Total"),
        "ac_status" => ("Statut", "الحالة", "Status"),
        "ac_see" => ("Voir", "عرض", "See"),
        "ac_addresses" => ("Mes adresses", "عناويني", "My addresses"),
        "ac_default" => ("par défaut", "الافتراضي", "default"),
        "ac_delete" => ("Supprimer", "حذف", "Delete"),
        "ac_add_address" => ("Ajouter une adresse", "إضافة عنوان", "Add an address"),
        "ac_name" => ("Nom complet", "الاسم الكامل", "Full name"),
        "ac_line1" => (
            "Adresse (n°, rue, quartier)",
            "العنوان (الرقم، الشارع، الحي)",
            "Address (number, street, district)",
        ),
        "ac_line2" => (
            "Complément (facultatif)",
            "تفاصيل إضافية (اختياري)",
            "More details (optional)",
        ),
        "ac_city" => ("Ville", "المدينة", "City"),
        "ac_postal" => (
            "Code postal (facultatif)",
            "الرمز البريدي (اختياري)",
            "Postal code (optional)",
        ),
        "ac_country" => (
            "Pays (code, par ex. MA)",
            "البلد (الرمز، مثلا MA)",
            "Country (code, e.g. MA)",
        ),
        "ac_phone" => ("Téléphone", "الهاتف", "Phone"),
        "ac_save" => ("Enregistrer l'adresse", "حفظ العنوان", "Save the address"),
        "ac_saved" => ("Adresse enregistrée.", "تم حفظ العنوان.", "Address saved."),
        "ac_deleted" => ("Adresse supprimée.", "تم حذف العنوان.", "Address deleted."),
        "ac_too_many_addr" => (
            "Vous avez déjà 5 adresses : supprimez-en une avant d'en ajouter une autre.",
            "لديك 5 عناوين بالفعل: احذف واحدا قبل إضافة آخر.",
            "You already have 5 addresses: delete one before adding another.",
        ),
        "ac_bad_address" => (
            "Cette adresse est incomplète ou invalide : vérifiez le nom, l'adresse, la ville et le téléphone (par ex. 06 12 34 56 78).",
            "هذا العنوان ناقص أو غير صالح: تحقق من الاسم والعنوان والمدينة والهاتف (مثلا \u{2066}06 12 34 56 78\u{2069}).",
            "This address is incomplete or not valid: check the name, address, city and phone (e.g. 06 12 34 56 78).",
        ),
        "ac_not_found_address" => (
            "Cette adresse n'existe plus. Revenez à votre compte pour voir vos adresses.",
            "هذا العنوان لم يعد موجودا. عد إلى حسابك لرؤية عناوينك.",
            "This address no longer exists. Go back to your account to see your addresses.",
        ),
        _ => return None,
    })
}
