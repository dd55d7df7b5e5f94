//! Words of the legal pages (legal notice, terms of sale, withdrawal, privacy), the footer's
//! links to them, the consent line of forms and the search engines' descriptions, as (French,
//! Arabic, English). `{days}`, `{hours}`, `{email}` are filled in by the page.

/// The words of `key`, if this part has it.
pub(super) fn get(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match key {
        // ---- links and titles ----
        "legal_footer" => (
            "Informations légales",
            "معلومات قانونية",
            "Legal information",
        ),
        "legal_notice" => ("Mentions légales", "البيانات القانونية", "Legal notice"),
        "legal_terms" => (
            "Conditions générales de vente",
            "الشروط العامة للبيع",
            "Terms of sale",
        ),
        "legal_withdrawal" => ("Droit de rétractation", "حق التراجع", "Right of withdrawal"),
        "legal_privacy" => ("Données personnelles", "المعطيات الشخصية", "Personal data"),
        "legal_consent_pre" => (
            "En validant, vous acceptez les ",
            "بتأكيد الطلب، فإنك توافق على ",
            "By confirming, you accept the ",
        ),
        "legal_consent_mid" => (
            " et notre notice sur les ",
            " وعلى إشعار ",
            " and our notice on ",
        ),
        "legal_consent_post" => (".", ".", "."),
        "legal_demo" => (
            "Valeurs de démonstration : l'exploitant de la boutique doit les remplacer par les siennes avant d'ouvrir.",
            "قيم للعرض التجريبي: على مسير المتجر أن يعوضها ببياناته قبل فتح المتجر.",
            "Demonstration values: the shop's operator must replace them with its own before opening.",
        ),
        "legal_write_to" => (
            "Une question ? Écrivez-nous :",
            "لديك سؤال؟ راسلنا:",
            "A question? Write to us:",
        ),
        "legal_all_pages" => (
            "Toutes les informations légales",
            "كل المعلومات القانونية",
            "All legal information",
        ),
        // ---- legal notice ----
        "legal_marketplace" => (
            "Cette boutique est une place de marché : l'exploitant de la boutique encaisse les paiements et vend pour le compte des artisans, coopératives et GIE de la région, qui fabriquent et expédient les articles.",
            "هذا المتجر سوق إلكترونية: مسير المتجر يتسلم المدفوعات ويبيع لحساب الحرفيين والتعاونيات والمجموعات ذات النفع الاقتصادي بالجهة، وهم من يصنعون المنتجات ويرسلونها.",
            "This shop is a marketplace: the shop's operator takes the payments and sells on behalf of the region's artisans, cooperatives and economic interest groups, who make and ship the goods.",
        ),
        "legal_operator" => ("L'exploitant", "المسير", "The operator"),
        "legal_name" => ("Raison sociale", "الاسم التجاري", "Company name"),
        "legal_address" => ("Adresse", "العنوان", "Address"),
        "legal_ice" => (
            "ICE (identifiant commun de l'entreprise)",
            "التعريف الموحد للمقاولة (ICE)",
            "ICE (common company identifier)",
        ),
        "legal_rc" => (
            "Registre de commerce",
            "السجل التجاري",
            "Trade register (RC)",
        ),
        "legal_if" => (
            "Identifiant fiscal",
            "التعريف الضريبي",
            "Tax identifier (IF)",
        ),
        "legal_email" => ("E-mail", "البريد الإلكتروني", "E-mail"),
        "legal_phone" => ("Téléphone", "الهاتف", "Phone"),
        "legal_cndp" => (
            "Déclaration CNDP",
            "التصريح لدى اللجنة الوطنية (CNDP)",
            "CNDP declaration",
        ),
        "legal_sellers" => (
            "Les artisans qui vendent ici",
            "الحرفيون الذين يبيعون هنا",
            "The artisans who sell here",
        ),
        "legal_no_ids" => (
            "Identifiants légaux non publiés : demandez-les à l'exploitant.",
            "المعرفات القانونية غير منشورة: اطلبها من المسير.",
            "Legal identifiers not published: ask the operator.",
        ),
        "legal_kind_artisan" => ("Artisan", "حرفي", "Artisan"),
        "legal_kind_cooperative" => ("Coopérative", "تعاونية", "Cooperative"),
        "legal_kind_gie" => ("GIE", "مجموعة ذات نفع اقتصادي", "Economic interest group"),
        // ---- terms of sale ----
        "legal_terms_law" => (
            "Ces conditions appliquent la loi n° 31-08 édictant des mesures de protection du consommateur.",
            "تطبق هذه الشروط القانون رقم 31-08 القاضي بتحديد تدابير لحماية المستهلك.",
            "These terms apply law no. 31-08 on consumer protection measures.",
        ),
        "legal_prices" => ("Prix", "الأثمنة", "Prices"),
        "legal_prices_text" => (
            "Les prix sont en dirhams marocains (MAD), toutes taxes comprises (TTC, TVA incluse). Un montant en euros ou en dollars affiché à côté est indicatif : vous payez en dirhams.",
            "الأثمنة بالدرهم المغربي، مع احتساب جميع الرسوم (تشمل الضريبة على القيمة المضافة). المبلغ المعروض بالأورو أو الدولار بجانبها للإشارة فقط: الأداء يتم بالدرهم.",
            "Prices are in Moroccan dirhams (MAD), all taxes included (VAT included). An amount in euros or dollars shown beside them is indicative: you pay in dirhams.",
        ),
        "legal_delivery_costs" => ("Frais de livraison", "مصاريف التوصيل", "Delivery costs"),
        "legal_delivery_costs_text" => (
            "Le prix de chaque mode de livraison (Amana, CTM…) s'affiche quand vous le choisissez, avant le paiement, et le total à payer est affiché avant que vous confirmiez la commande.",
            "يظهر ثمن كل طريقة توصيل (أمانة، CTM…) عند اختيارها قبل الأداء، ويظهر المبلغ الإجمالي قبل أن تؤكد الطلب.",
            "The price of each delivery option (Amana, CTM…) is shown when you choose it, before payment, and the total to pay is shown before you confirm the order.",
        ),
        "legal_payment" => ("Paiement", "الأداء", "Payment"),
        "legal_payment_card" => (
            "Carte bancaire : sur la page sécurisée du CMI (3-D Secure de votre banque). Nous ne voyons jamais le numéro de votre carte.",
            "البطاقة البنكية: على الصفحة المؤمنة لمركز النقديات (CMI) مع التحقق 3-D Secure من بنكك. لا نطلع أبدا على رقم بطاقتك.",
            "Bank card: on CMI's secure page (your bank's 3-D Secure). We never see your card number.",
        ),
        "legal_payment_cod" => (
            "Paiement à la livraison : en espèces au livreur, quand vous recevez le colis.",
            "الأداء عند الاستلام: نقدا لموزع الطرد عند استلامه.",
            "Cash on delivery: in cash to the courier when you receive the parcel.",
        ),
        "legal_payment_transfer" => (
            "Virement bancaire : la commande vous est réservée {hours} heures en attendant le virement, puis annulée.",
            "التحويل البنكي: يحتفظ لك بالطلب {hours} ساعة في انتظار التحويل، ثم يلغى.",
            "Bank transfer: the order is held for you {hours} hours while the transfer arrives, then cancelled.",
        ),
        "legal_delivery" => ("Livraison", "التوصيل", "Delivery"),
        "legal_delivery_text" => (
            "Chaque artisan expédie depuis sa ville. Votre commande est exécutée au plus tard dans les 30 jours, sauf délai convenu : une pièce faite sur commande indique son délai sur sa page. Si un article n'est plus disponible, nous vous prévenons et vous remboursons au plus tard dans les 15 jours.",
            "يرسل كل حرفي من مدينته. ينفذ طلبك في أجل أقصاه 30 يوما ما لم يتفق على أجل آخر: القطعة المصنوعة حسب الطلب تذكر أجلها في صفحتها. إذا لم يعد منتج متوفرا، نخبرك ونرد لك المبلغ في أجل أقصاه 15 يوما.",
            "Each artisan ships from their town. Your order is carried out within 30 days at the latest unless another time was agreed: a piece made to order shows its time on its page. If an item is no longer available, we tell you and refund you within 15 days at the latest.",
        ),
        "legal_confirmation" => (
            "Chaque commande est confirmée sur sa page, avec sa facture, et par e-mail ou SMS.",
            "يؤكد كل طلب في صفحته مع فاتورته، وعبر البريد الإلكتروني أو رسالة قصيرة.",
            "Each order is confirmed on its page, with its invoice, and by e-mail or text message.",
        ),
        "legal_withdrawal_short" => (
            "Vous pouvez renoncer à un achat pendant {days} jours après l'avoir reçu, sans donner de raison.",
            "يمكنك التراجع عن الشراء خلال {days} أيام بعد استلامه، دون ذكر السبب.",
            "You may withdraw from a purchase for {days} days after receiving it, without giving a reason.",
        ),
        // ---- withdrawal ----
        "legal_withdrawal_text" => (
            "Conformément à la loi n° 31-08 sur la protection du consommateur, vous pouvez renoncer à votre achat pendant {days} jours francs à compter de la réception de l'article, sans donner de raison et sans pénalité.",
            "طبقا للقانون رقم 31-08 المتعلق بحماية المستهلك، يمكنك التراجع عن شرائك خلال {days} أيام كاملة ابتداء من تاريخ استلام المنتج، دون ذكر السبب ودون أي غرامة.",
            "Under law no. 31-08 on consumer protection, you may withdraw from your purchase within {days} full days of receiving the item, without giving a reason and without penalty.",
        ),
        "legal_return_costs" => (
            "Seuls les frais de retour du colis restent à votre charge.",
            "تبقى مصاريف إرجاع الطرد وحدها على حسابك.",
            "Only the cost of sending the parcel back is yours to pay.",
        ),
        "legal_refund" => (
            "Nous vous remboursons sans délai, et au plus tard dans les 15 jours qui suivent votre rétractation, par le moyen de paiement utilisé : sur votre carte, ou par virement au compte que vous nous donnez si vous avez payé à la livraison ou par virement.",
            "نرد لك المبلغ دون تأخير، وفي أجل أقصاه 15 يوما بعد تراجعك، بنفس وسيلة الأداء: في بطاقتك، أو بتحويل إلى الحساب الذي تعطينا إذا دفعت عند الاستلام أو بتحويل.",
            "We refund you without delay, and within 15 days of your withdrawal at the latest, by the means of payment you used: to your card, or by transfer to the account you give us if you paid on delivery or by transfer.",
        ),
        "legal_exception" => (
            "Exception : une pièce faite selon vos indications ou personnalisée ne peut pas être rendue par rétractation (sauf défaut).",
            "استثناء: القطعة المصنوعة حسب مواصفاتك أو المخصصة لك لا يمكن إرجاعها بحق التراجع (إلا في حالة عيب).",
            "Exception: a piece made to your specifications or personalised cannot be returned by withdrawal (unless it is faulty).",
        ),
        "legal_how" => ("Comment faire", "كيف تفعل", "How to do it"),
        "legal_how_text" => (
            "Ouvrez votre commande (avec le lien reçu par e-mail ou SMS, ou depuis « Mon compte ») et demandez le retour de l'article, ou écrivez-nous en donnant le numéro de la commande.",
            "افتح طلبك (بالرابط الذي وصلك عبر البريد الإلكتروني أو الرسالة القصيرة، أو من «حسابي») واطلب إرجاع المنتج، أو راسلنا مع ذكر رقم الطلب.",
            "Open your order (with the link you received by e-mail or text message, or from “My account”) and ask to return the item, or write to us with the order number.",
        ),
        "legal_my_orders" => ("Mes commandes", "طلباتي", "My orders"),
        // ---- privacy ----
        "legal_controller" => (
            "Responsable du traitement",
            "المسؤول عن المعالجة",
            "Data controller",
        ),
        "legal_privacy_law" => (
            "Vos données sont traitées conformément à la loi n° 09-08 relative à la protection des personnes physiques à l'égard du traitement des données à caractère personnel. Ce traitement a été déclaré à la CNDP (Commission nationale de contrôle de la protection des données à caractère personnel).",
            "تعالج معطياتك طبقا للقانون رقم 09-08 المتعلق بحماية الأشخاص الذاتيين تجاه معالجة المعطيات ذات الطابع الشخصي. وقد صرح بهذه المعالجة لدى اللجنة الوطنية لمراقبة حماية المعطيات ذات الطابع الشخصي (CNDP).",
            "Your data is processed under law no. 09-08 on the protection of individuals with regard to the processing of personal data. This processing was declared to the CNDP (the national commission for the control of personal data protection).",
        ),
        "legal_data_what" => ("Ce que nous recueillons", "ما نجمعه", "What we collect"),
        "legal_data_what_text" => (
            "Votre nom, votre téléphone, votre adresse de livraison, votre e-mail et le contenu de vos commandes. Jamais le numéro de votre carte bancaire.",
            "اسمك، هاتفك، عنوان التوصيل، بريدك الإلكتروني ومحتوى طلباتك. ولا نجمع أبدا رقم بطاقتك البنكية.",
            "Your name, phone number, delivery address, e-mail and what you order. Never your card number.",
        ),
        "legal_data_why" => ("Pourquoi", "لماذا", "Why"),
        "legal_data_why_text" => (
            "Pour préparer, livrer et facturer vos commandes, vous tenir informé de leur avancement et répondre à vos demandes. Jamais pour de la publicité sans votre accord.",
            "لتحضير طلباتك وتوصيلها وفوترتها، وإخبارك بتقدمها، والرد على طلباتك. ولا نستعملها أبدا للإشهار دون موافقتك.",
            "To prepare, deliver and invoice your orders, keep you informed of their progress and answer your requests. Never for advertising without your consent.",
        ),
        "legal_data_who" => ("Qui les voit", "من يطلع عليها", "Who sees it"),
        "legal_data_who_text" => (
            "L'artisan qui prépare votre commande, le transporteur qui la livre et, pour un paiement par carte, le CMI et votre banque.",
            "الحرفي الذي يحضر طلبك، والناقل الذي يوصله، وفي حالة الأداء بالبطاقة، مركز النقديات (CMI) وبنكك.",
            "The artisan who prepares your order, the carrier who delivers it and, for a card payment, CMI and your bank.",
        ),
        "legal_data_keep" => ("Combien de temps", "مدة الاحتفاظ", "How long"),
        "legal_data_keep_text" => (
            "Les commandes et factures sont gardées le temps que la loi impose pour les pièces comptables ; votre compte, jusqu'à ce que vous demandiez sa suppression.",
            "تحفظ الطلبات والفواتير المدة التي يفرضها القانون للوثائق المحاسبية؛ ويحفظ حسابك إلى أن تطلب حذفه.",
            "Orders and invoices are kept as long as the law requires for accounting records; your account, until you ask for it to be deleted.",
        ),
        "legal_cookies" => ("Cookies", "ملفات تعريف الارتباط (الكوكيز)", "Cookies"),
        "legal_cookies_text" => (
            "La boutique n'utilise que les cookies nécessaires : langue, panier, connexion et protection des formulaires. Aucun cookie de publicité ni de mesure d'audience.",
            "لا يستعمل المتجر إلا الكوكيز الضرورية: اللغة، السلة، تسجيل الدخول وحماية الاستمارات. لا كوكيز للإشهار ولا لقياس عدد الزوار.",
            "The shop only uses the cookies it needs: language, cart, login and form protection. No advertising or audience-measurement cookies.",
        ),
        "legal_rights" => ("Vos droits", "حقوقك", "Your rights"),
        "legal_rights_text" => (
            "Vous pouvez accéder à vos données, les faire rectifier et vous opposer à leur traitement pour un motif légitime (loi n° 09-08, articles 7, 8 et 9). Écrivez-nous ; vous pouvez aussi saisir la CNDP (www.cndp.ma).",
            "يمكنك الاطلاع على معطياتك وتصحيحها والتعرض على معالجتها لسبب مشروع (القانون رقم 09-08، المواد 7 و8 و9). راسلنا؛ ويمكنك أيضا اللجوء إلى اللجنة الوطنية (www.cndp.ma).",
            "You may access your data, have it corrected and object to its processing on legitimate grounds (law no. 09-08, articles 7, 8 and 9). Write to us; you may also complain to the CNDP (www.cndp.ma).",
        ),
        // ---- search engines ----
        "seo_home_desc" => (
            "Cuir, melhfa, bijoux en argent et autres pièces faites main par les artisans et coopératives de Dakhla. Prix en dirhams TTC, livraison dans tout le Maroc, paiement à la livraison ou par carte.",
            "جلد وملاحف وحلي فضية وقطع أخرى مصنوعة يدويا من طرف حرفيي وتعاونيات الداخلة. الأثمنة بالدرهم شاملة للضريبة، توصيل لكل المغرب، الأداء عند الاستلام أو بالبطاقة.",
            "Leather, melhfa, silver jewellery and more, handmade by the artisans and cooperatives of Dakhla. Prices in dirhams including VAT, delivery across Morocco, cash on delivery or card.",
        ),
        "seo_legal_desc" => (
            "Qui vend, à quelles conditions, comment renoncer à un achat et ce que deviennent vos données.",
            "من يبيع، وبأي شروط، وكيف تتراجع عن الشراء، وما مصير معطياتك.",
            "Who sells, on what terms, how to withdraw from a purchase and what happens to your data.",
        ),
        _ => return None,
    })
}
