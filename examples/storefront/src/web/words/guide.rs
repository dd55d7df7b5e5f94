//! Words of the artisan's guide (`/seller/guide`), as (French, Arabic, English). Each step of
//! `portal::guide::STEPS` has a heading (`_h`), what to do (`_p`) and what its picture shows
//! (`_alt`); the buttons are named as the portal names them.

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        "guide_title" => ("Guide de l'artisan", "دليل الحرفي", "The artisan's guide"),
        "guide_intro" => (
            "Vendre en ligne, pas à pas. Chaque étape montre l'écran de votre téléphone ; le bouton à toucher est entouré en orange.",
            "البيع عبر الإنترنت خطوة بخطوة. كل مرحلة تعرض شاشة هاتفك؛ الزر الذي تضغط عليه محاط باللون البرتقالي.",
            "Selling online, step by step. Each step shows your phone's screen; the button to press is ringed in orange.",
        ),
        "guide_print" => ("Imprimer ce guide", "اطبع هذا الدليل", "Print this guide"),
        "guide_back" => (
            "← Retour au guide",
            "← العودة إلى الدليل",
            "← Back to the guide",
        ),
        "guide_how_to_print" => (
            "Pour l'imprimer : menu du navigateur → Imprimer (sur téléphone : Partager → Imprimer). Une étape par bloc, format A4.",
            "للطباعة: قائمة المتصفح ← طباعة (في الهاتف: مشاركة ← طباعة). كل مرحلة في إطار، بحجم A4.",
            "To print it: the browser's menu → Print (on a phone: Share → Print). One step per block, A4 paper.",
        ),
        // 1. A new product.
        "guide_01-new-product_h" => ("Ajouter un produit", "أضف منتجا", "Add a product"),
        "guide_01-new-product_p" => (
            "Ouvrez « Mes produits », puis touchez « Nouveau produit ».",
            "افتح «منتجاتي»، ثم اضغط «منتج جديد».",
            "Open \"My products\", then press \"New product\".",
        ),
        "guide_01-new-product_alt" => (
            "La page « Mes produits » : le bouton « Nouveau produit » est entouré, sous le menu.",
            "صفحة «منتجاتي»: زر «منتج جديد» محاط، تحت القائمة.",
            "The \"My products\" page: the \"New product\" button is ringed, below the menu.",
        ),
        "guide_02-product-form_h" => ("Le nom et le prix", "الاسم والثمن", "Its name and price"),
        "guide_02-product-form_p" => (
            "Écrivez le nom (en arabe, ou dans votre langue), puis le prix en dirhams, le nombre de pièces prêtes et le poids du colis.",
            "اكتب الاسم (بالعربية أو بلغتك)، ثم الثمن بالدرهم، وعدد القطع الجاهزة، ووزن الطرد.",
            "Write its name (in Arabic, or in your language), then the price in dirhams, the pieces ready and the parcel's weight.",
        ),
        "guide_02-product-form_alt" => (
            "Le formulaire du nouveau produit : le champ « Titre en arabe » est entouré.",
            "استمارة المنتج الجديد: خانة «الاسم بالعربية» محاطة.",
            "The new product's form: the \"Title in Arabic\" field is ringed.",
        ),
        "guide_03-product-photo_h" => ("Ajouter des photos", "أضف الصور", "Add photos"),
        "guide_03-product-photo_p" => (
            "Touchez le champ « Photos » et choisissez jusqu'à 4 photos de votre téléphone, à la lumière du jour. Puis touchez « Enregistrer » en bas.",
            "اضغط على خانة «الصور» واختر حتى 4 صور من هاتفك، في ضوء النهار. ثم اضغط «احفظ» في الأسفل.",
            "Press the \"Photos\" field and pick up to 4 photos from your phone, taken in daylight. Then press \"Save\" at the bottom.",
        ),
        "guide_03-product-photo_alt" => (
            "Le bas du formulaire : le champ des photos est entouré, le bouton « Enregistrer » est dessous.",
            "أسفل الاستمارة: خانة الصور محاطة، وزر «احفظ» تحتها.",
            "The bottom of the form: the photos field is ringed, the \"Save\" button below it.",
        ),
        // Orders.
        "guide_04-orders-tabs_h" => (
            "Les commandes à préparer",
            "الطلبات التي يجب تحضيرها",
            "Orders to prepare",
        ),
        "guide_04-orders-tabs_p" => (
            "Sur « Commandes », l'onglet « À préparer » montre les commandes payées ou à payer à la livraison : vous pouvez les emballer.",
            "في «الطلبات»، تبويب «للتحضير» يعرض الطلبات المدفوعة أو التي تدفع عند الاستلام: يمكنك تغليفها.",
            "On \"Orders\", the \"To prepare\" tab shows the orders paid or paid on delivery: you can pack them.",
        ),
        "guide_04-orders-tabs_alt" => (
            "La page des commandes : l'onglet « À préparer » est entouré, avec le nombre de commandes.",
            "صفحة الطلبات: تبويب «للتحضير» محاط، مع عدد الطلبات.",
            "The orders page: the \"To prepare\" tab is ringed, with its number of orders.",
        ),
        "guide_05-waiting-payment_h" => (
            "En attente de paiement : n'expédiez pas encore",
            "في انتظار الأداء: لا ترسل بعد",
            "Waiting for payment: do not ship yet",
        ),
        "guide_05-waiting-payment_p" => (
            "L'acheteur a choisi la carte mais n'a pas encore payé. N'envoyez rien : la commande passe seule dans « À préparer » dès qu'il paie.",
            "اختار المشتري البطاقة لكنه لم يدفع بعد. لا ترسل شيئا: ينتقل الطلب وحده إلى «للتحضير» فور الأداء.",
            "The buyer chose to pay by card but has not paid yet. Send nothing: the order moves to \"To prepare\" by itself once paid.",
        ),
        "guide_05-waiting-payment_alt" => (
            "L'onglet « En attente de paiement » : l'avertissement « n'expédiez pas » est entouré ; la commande n'a pas de bouton d'envoi.",
            "تبويب «في انتظار الأداء»: التنبيه «لا ترسل الطرد» محاط؛ ولا يوجد زر إرسال للطلب.",
            "The \"Waiting for payment\" tab: the \"do not ship\" warning is ringed; the order has no ship button.",
        ),
        // Shipping.
        "guide_06-ready_h" => ("Le colis est prêt", "الطرد جاهز", "The parcel is ready"),
        "guide_06-ready_p" => (
            "Emballez bien l'objet. Puis, sur la page de la commande, touchez « Prêt : expédier ».",
            "غلّف المنتج جيدا. ثم في صفحة الطلب، اضغط «جاهز: أرسل».",
            "Pack the item well. Then, on the order's page, press \"Ready: ship\".",
        ),
        "guide_06-ready_alt" => (
            "La page d'une commande payée : le bouton « Prêt : expédier » est entouré.",
            "صفحة طلب مدفوع: زر «جاهز: أرسل» محاط.",
            "A paid order's page: the \"Ready: ship\" button is ringed.",
        ),
        "guide_07-label_h" => ("L'étiquette", "الملصق", "The label"),
        "guide_07-label_p" => (
            "L'étiquette est faite. Touchez « Imprimer l'étiquette » pour l'ouvrir.",
            "تم إنشاء الملصق. اضغط «اطبع الملصق» لفتحه.",
            "The label is made. Press \"Print the label\" to open it.",
        ),
        "guide_07-label_alt" => (
            "La page de la commande après « Prêt » : le bouton « Imprimer l'étiquette » est entouré.",
            "صفحة الطلب بعد «جاهز»: زر «اطبع الملصق» محاط.",
            "The order's page after \"Ready\": the \"Print the label\" button is ringed.",
        ),
        "guide_08-with-printer_h" => (
            "Avec une imprimante",
            "إذا كانت لديك طابعة",
            "With a printer",
        ),
        "guide_08-with-printer_p" => (
            "Imprimez la page (menu du navigateur → Imprimer) et collez l'étiquette sur le colis. La référence du marché (entourée) n'est pas le numéro de suivi : celui-ci est sur le reçu que le transporteur vous remet.",
            "اطبع الصفحة (قائمة المتصفح ← طباعة) وألصق الملصق على الطرد. مرجع السوق (المحاط) ليس رقم التتبع: رقم التتبع في الوصل الذي يسلمك الناقل.",
            "Print the page (the browser's menu → Print) and stick the label on the parcel. The marketplace's reference (ringed) is not the tracking number: that is on the receipt the carrier gives you.",
        ),
        "guide_08-with-printer_alt" => (
            "L'étiquette : le transporteur et la référence du marché, entourée.",
            "الملصق: الناقل ومرجع السوق محاطا.",
            "The label: the carrier and the marketplace's reference, ringed.",
        ),
        "guide_09-without-printer_h" => ("Sans imprimante", "بدون طابعة", "Without a printer"),
        "guide_09-without-printer_p" => (
            "Écrivez au feutre, en gros, sur le colis : le numéro de commande (entouré ici), le nom, la ville et le téléphone de l'acheteur, et le montant à encaisser s'il paie à la livraison.",
            "اكتب بقلم عريض وبخط كبير على الطرد: رقم الطلب (المحاط هنا)، واسم المشتري ومدينته وهاتفه، والمبلغ الذي يحصل إذا كان الدفع عند الاستلام.",
            "Write on the parcel with a marker, in large letters: the order number (ringed here), the buyer's name, city and phone, and the amount to collect if they pay on delivery.",
        ),
        "guide_09-without-printer_alt" => (
            "Le haut de l'étiquette : ce qu'il faut écrire à la main, et le numéro de commande entouré.",
            "أعلى الملصق: ما يجب كتابته باليد، ورقم الطلب محاط.",
            "The top of the label: what to write by hand, and the ringed order number.",
        ),
        "guide_10-tracking_h" => ("Le numéro de suivi", "رقم التتبع", "The tracking number"),
        "guide_10-tracking_p" => (
            "Déposez le colis chez Amana ou CTM : leur reçu porte le numéro de suivi. Tapez-le, choisissez l'étape « pris en charge », puis « Enregistrer » : l'acheteur suit son colis.",
            "سلم الطرد لأمانة أو CTM: رقم التتبع مكتوب في وصلهم. اكتبه، واختر المرحلة «تم الاستلام من البائع»، ثم «احفظ»: يتابع المشتري طرده.",
            "Hand the parcel to Amana or CTM: their receipt carries the tracking number. Type it, choose the step \"picked up\", then \"Save\": the buyer follows the parcel.",
        ),
        "guide_10-tracking_alt" => (
            "Le suivi du colis sur la page de la commande : le champ du numéro de suivi est entouré.",
            "تتبع الطرد في صفحة الطلب: خانة رقم التتبع محاطة.",
            "Tracking on the order's page: the tracking number field is ringed.",
        ),
        // Money.
        "guide_11-statement_h" => ("Vos comptes", "حساباتك", "Your statement"),
        "guide_11-statement_p" => (
            "« Mes comptes » : vos ventes, la commission du marché, ce que le marché vous doit, les virements reçus sur votre compte et ce qui reste à recevoir.",
            "«حساباتي»: مبيعاتك، وعمولة السوق، والمبلغ المستحق لك، والتحويلات التي وصلت إلى حسابك، وما بقي.",
            "\"My statement\": your sales, the marketplace's commission, what you are owed, the transfers received on your account and what is still to come.",
        ),
        "guide_11-statement_alt" => (
            "La page « Mes comptes » : le tableau des montants du mois est entouré.",
            "صفحة «حساباتي»: جدول مبالغ الشهر محاط.",
            "The \"My statement\" page: the month's figures are ringed.",
        ),
        "guide_12-card-or-cash_h" => (
            "Carte ou paiement à la livraison : qui a l'argent ?",
            "البطاقة أو الدفع عند الاستلام: من يحمل المال؟",
            "Card or cash on delivery: who holds the money?",
        ),
        "guide_12-card-or-cash_p" => (
            "Carte : l'acheteur a payé le marché ; votre part vous est virée quand le colis est livré. À la livraison : le transporteur (Amana, CTM) encaisse et garde l'argent jusqu'à le remettre au marché ; votre part est virée ensuite.",
            "البطاقة: دفع المشتري للسوق؛ وتحول لك حصتك عند تسليم الطرد. عند الاستلام: يحصل الناقل (أمانة، CTM) المال ويحتفظ به حتى يسلمه للسوق؛ ثم تحول لك حصتك.",
            "Card: the buyer has paid the marketplace; your share is transferred to you once the parcel is delivered. On delivery: the carrier (Amana, CTM) collects and holds the money until it hands it to the marketplace; your share is transferred after that.",
        ),
        "guide_12-card-or-cash_alt" => (
            "Le tableau « Ce qui reste dû, et pourquoi » est entouré : prêt à être viré, en attente de livraison, pas encore remis par le transporteur.",
            "جدول «ما بقي مستحقا، ولماذا» محاط: جاهز للتحويل، في انتظار التسليم، لم يسلمه الناقل بعد.",
            "The \"What is still owed, and why\" table is ringed: ready to transfer, waiting for delivery, not yet handed over by the carrier.",
        ),
        // Returns.
        "guide_13-return-decide_h" => (
            "Un acheteur demande un retour",
            "مشتر يطلب الإرجاع",
            "A buyer asks for a return",
        ),
        "guide_13-return-decide_p" => (
            "Sur « Retours », lisez le motif et ses mots. S'il a raison, touchez « Accepter le retour ». Sinon, écrivez pourquoi et touchez « Refuser » : il lira votre texte.",
            "في «المرتجعات»، اقرأ السبب وكلماته. إذا كان محقا، اضغط «اقبل الإرجاع». وإلا، اكتب السبب واضغط «ارفض»: سيقرأ ما كتبته.",
            "On \"Returns\", read the reason and their words. If they are right, press \"Accept the return\". If not, write why and press \"Refuse\": they will read it.",
        ),
        "guide_13-return-decide_alt" => (
            "Une demande de retour : article, motif, et le bouton « Accepter le retour » entouré, au-dessus du champ pour refuser.",
            "طلب إرجاع: المنتج، والسبب، وزر «اقبل الإرجاع» محاط، فوق خانة الرفض.",
            "A return request: the item, the reason, and the ringed \"Accept the return\" button, above the box to refuse.",
        ),
        "guide_14-return-received_h" => ("Le colis revient", "عودة الطرد", "The parcel comes back"),
        "guide_14-return-received_p" => (
            "Quand vous recevez le colis, vérifiez les articles : « Oui » s'ils peuvent être vendus à nouveau (ils sont remis en vente), « Non » s'ils sont abîmés ou usés (ils restent hors vente). Puis touchez « J'ai reçu les articles ».",
            "عندما يصلك الطرد، تحقق من المنتجات: «نعم» إذا كان يمكن بيعها من جديد (تعود للبيع)، «لا» إذا كانت تالفة أو مستعملة (تبقى خارج البيع). ثم اضغط «استلمت المنتجات».",
            "When the parcel reaches you, check the items: \"Yes\" if they can be sold again (they go back on sale), \"No\" if they are damaged or worn (they stay off sale). Then press \"I received the items\".",
        ),
        "guide_14-return-received_alt" => (
            "Un retour accepté : le bouton « J'ai reçu les articles » est entouré.",
            "إرجاع مقبول: زر «استلمت المنتجات» محاط.",
            "An accepted return: the \"I received the items\" button is ringed.",
        ),
        "guide_15-return-refund_h" => (
            "Rembourser l'acheteur",
            "أرجع المبلغ للمشتري",
            "Refund the buyer",
        ),
        "guide_15-return-refund_p" => (
            "Vérifiez le montant (au plus la valeur des articles), puis touchez « Rembourser ». Il est retiré de ce que le marché vous doit ; le marché envoie l'argent à l'acheteur (sur sa carte, ou par virement).",
            "تحقق من المبلغ (على الأكثر قيمة المنتجات)، ثم اضغط «أرجع المبلغ». يخصم مما يدين لك به السوق؛ والسوق هو من يرسل المال إلى المشتري (إلى بطاقته أو بتحويل).",
            "Check the amount (at most the items' value), then press \"Refund\". It is taken from what the marketplace owes you; the marketplace sends the money to the buyer (to their card, or by transfer).",
        ),
        "guide_15-return-refund_alt" => (
            "Un retour reçu : le montant à rembourser et le bouton « Rembourser » entouré.",
            "إرجاع مستلم: المبلغ الذي يرجع وزر «أرجع المبلغ» محاط.",
            "A received return: the amount to refund and the ringed \"Refund\" button.",
        ),
        _ => return None,
    })
}
