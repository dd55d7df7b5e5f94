//! How the shop answers a refusal or a fault: a sentence per engine refusal in the visitor's
//! language, the HTTP status it maps to, and the logging of server faults.

use super::*;

/// What a visitor reads when the engine refuses a step: a sentence in their language (the
/// engine's own message, in English, follows it in small print for support).
pub fn explain(lang: Lang, e: &TijaraError) -> &'static str {
    use tijara_core::cart::CartError as C;
    match e {
        TijaraError::OutOfStock { available: 0, .. } => pick(
            lang,
            "Ce produit est épuisé.",
            "نفد هذا المنتج.",
            "This product is sold out.",
        ),
        TijaraError::OutOfStock { .. } => pick(
            lang,
            "La quantité demandée n'est plus disponible : réduisez-la.",
            "الكمية المطلوبة لم تعد متوفرة: قلّلها.",
            "The quantity asked for is no longer available: lower it.",
        ),
        TijaraError::Cart(C::QuantityOutOfBounds { .. }) => pick(
            lang,
            "Cette quantité n'est pas possible pour un article.",
            "هذه الكمية غير ممكنة لمنتج واحد.",
            "That quantity is not possible for one item.",
        ),
        TijaraError::Cart(C::UnknownVariant(_) | C::Inactive(_)) => pick(
            lang,
            "Ce produit n'est plus en vente.",
            "هذا المنتج لم يعد معروضا للبيع.",
            "This product is no longer for sale.",
        ),
        TijaraError::Cart(C::BadCoupon(_)) => pick(
            lang,
            "Ce code promo n'est pas valable.",
            "رمز التخفيض هذا غير صالح.",
            "This coupon code is not valid.",
        ),
        TijaraError::Cart(_) => pick(
            lang,
            "Le panier ne peut pas être modifié ainsi.",
            "لا يمكن تعديل السلة بهذه الطريقة.",
            "The cart cannot be changed that way.",
        ),
        TijaraError::EmptyCart => pick(
            lang,
            "Votre panier est vide : ajoutez un produit avant de commander.",
            "سلتك فارغة: أضف منتجا قبل الطلب.",
            "Your cart is empty: add a product before ordering.",
        ),
        TijaraError::ShippingNotChosen { .. } => pick(
            lang,
            "Choisissez une livraison pour chaque vendeur avant de commander.",
            "اختر طريقة التوصيل لكل بائع قبل الطلب.",
            "Choose a delivery for each seller before ordering.",
        ),
        TijaraError::ShippingOutdated => pick(
            lang,
            "L'adresse de livraison a changé : choisissez à nouveau la livraison.",
            "تغير عنوان التوصيل: اختر طريقة التوصيل من جديد.",
            "The delivery address changed: choose the delivery again.",
        ),
        TijaraError::NothingToShip { .. } | TijaraError::ServiceUnavailable { .. } => pick(
            lang,
            "Cette livraison n'est pas proposée pour cette adresse : choisissez-en une autre.",
            "طريقة التوصيل هذه غير متاحة لهذا العنوان: اختر غيرها.",
            "This delivery is not offered for this address: choose another.",
        ),
        TijaraError::PaymentSwitch(_) => pick(
            lang,
            "Le paiement de cette commande ne peut plus changer (il est déjà en cours ou reçu) : ouvrez la commande pour voir où il en est.",
            "لم يعد بالإمكان تغيير طريقة أداء هذا الطلب (الأداء جار أو تم استلامه): افتح الطلب لترى حالته.",
            "This order's payment can no longer change (it is under way or received): open the order to see where it stands.",
        ),
        TijaraError::CodUnavailable { .. } => pick(
            lang,
            "Le transporteur de ce colis n'encaisse pas à la livraison : payez par carte ou par virement.",
            "ناقل هذا الطرد لا يحصّل المبلغ عند الاستلام: ادفع بالبطاقة أو بالتحويل.",
            "This parcel's carrier does not collect cash on delivery: pay by card or transfer.",
        ),
        TijaraError::CodTotalChanged { .. } => pick(
            lang,
            "Le paiement à la livraison change le total (frais d'encaissement du transporteur) : ouvrez la commande pour voir le nouveau total et le confirmer.",
            "الدفع عند الاستلام يغيّر المجموع (رسوم التحصيل لدى الناقل): افتح الطلب لترى المجموع الجديد وتؤكده.",
            "Cash on delivery changes the total (the carrier's collection fee): open the order to see the new total and confirm it.",
        ),
        TijaraError::TooManyAddresses { .. } => pick(
            lang,
            "Vous avez déjà le nombre maximum d'adresses enregistrées : supprimez-en une, puis ajoutez la nouvelle.",
            "لديك العدد الأقصى من العناوين المحفوظة: احذف واحدا ثم أضف الجديد.",
            "You already keep the most saved addresses allowed: delete one, then add the new one.",
        ),
        TijaraError::NoCarrier { .. } => pick(
            lang,
            "Aucun transporteur ne livre cette adresse : vérifiez la ville (choisissez-la dans la liste) et le pays, ou contactez-nous pour trouver une solution.",
            "لا توجد شركة توصيل تخدم هذا العنوان: تحقق من المدينة (اخترها من القائمة) ومن البلد، أو اتصل بنا لإيجاد حل.",
            "No carrier delivers to this address: check the city (pick it from the list) and the country, or contact us to find a way.",
        ),
        TijaraError::CartClosed { .. } => pick(
            lang,
            "Ce panier est déjà commandé : ajoutez vos produits à un nouveau panier.",
            "تم طلب هذه السلة من قبل: أضف منتجاتك إلى سلة جديدة.",
            "This cart was already ordered: add your products to a new cart.",
        ),
        TijaraError::CartNotYours { .. } => pick(
            lang,
            "Ce panier appartient à un autre compte.",
            "هذه السلة تخص حسابا آخر.",
            "This cart belongs to another account.",
        ),
        TijaraError::NotAwaitingPayment { .. } => pick(
            lang,
            "Cette commande n'attend plus de paiement : elle est déjà payée ou annulée.",
            "هذا الطلب لم يعد في انتظار الأداء: تم دفعه أو إلغاؤه.",
            "This order no longer awaits payment: it is already paid or cancelled.",
        ),
        TijaraError::NotPaidYet { .. } => pick(
            lang,
            "L'acheteur n'a pas encore payé : n'expédiez pas. La commande passera dans « À préparer » dès le paiement.",
            "لم يدفع المشتري بعد: لا ترسل الطرد. سينتقل الطلب إلى «للتحضير» فور الأداء.",
            "The buyer has not paid yet: do not ship. The order moves to \"To prepare\" once paid.",
        ),
        TijaraError::NotReadyToShip { .. } => pick(
            lang,
            "Cette commande n'est pas prête à expédier : attendez son paiement ou sa confirmation.",
            "هذا الطلب غير جاهز للشحن: انتظر أداءه أو تأكيده.",
            "This order is not ready to ship: wait for its payment or confirmation.",
        ),
        TijaraError::NotShipped { .. } | TijaraError::NoTrackingNumber { .. } => pick(
            lang,
            "Ce colis n'est pas encore expédié : expédiez-le d'abord.",
            "هذا الطرد لم يشحن بعد: اشحنه أولا.",
            "This parcel is not shipped yet: ship it first.",
        ),
        TijaraError::LabelInUse { .. } => pick(
            lang,
            "Ce colis est déjà en route : son étiquette ne peut plus être annulée.",
            "هذا الطرد في الطريق: لم يعد بالإمكان إلغاء ملصقه.",
            "This parcel is already on its way: its label can no longer be cancelled.",
        ),
        TijaraError::BadEmail { .. } => pick(
            lang,
            "Cette adresse e-mail n'est pas valable : vérifiez-la.",
            "عنوان البريد الإلكتروني هذا غير صالح: تحقق منه.",
            "This e-mail address is not valid: check it.",
        ),
        TijaraError::EmailTaken { .. } => pick(
            lang,
            "Un compte existe déjà avec cette adresse e-mail : connectez-vous.",
            "يوجد حساب بهذا البريد الإلكتروني: سجّل الدخول.",
            "An account already uses this e-mail address: log in.",
        ),
        TijaraError::TooManyPhotos { .. } => pick(
            lang,
            "Ce produit a déjà le maximum de photos : retirez-en une d'abord.",
            "لهذا المنتج الحد الأقصى من الصور: احذف واحدة أولا.",
            "This product already has the most photos: remove one first.",
        ),
        TijaraError::InvalidField { .. }
        | TijaraError::Id(_)
        | TijaraError::Money(_)
        | TijaraError::WrongCurrency { .. }
        | TijaraError::UnknownTaxCategory { .. }
        | TijaraError::NotAMember { .. }
        | TijaraError::BadIdempotencyKey
        | TijaraError::Validation(_) => pick(
            lang,
            "Certaines informations ne sont pas valables : vérifiez le formulaire.",
            "بعض المعلومات غير صالحة: تحقق من الاستمارة.",
            "Some of the information is not valid: check the form.",
        ),
        TijaraError::NotFound { .. } | TijaraError::PartNotFound { .. } => {
            pick(lang, "Introuvable.", "غير موجود.", "Not found.")
        }
        TijaraError::SellerNotApproved(_) => pick(
            lang,
            "Votre boutique n'est pas ouverte pour le moment (validation en attente, ou boutique fermée) : vous pourrez ajouter des photos une fois ouverte.",
            "متجرك غير مفتوح حاليا (في انتظار الموافقة، أو مغلق مؤقتا): يمكنك إضافة الصور بعد فتحه.",
            "Your shop is not open for now (waiting for approval, or closed): you can add photos once it is open.",
        ),
        TijaraError::TooManyUnpaidOrders { .. } => pick(
            lang,
            "Vous avez déjà plusieurs commandes en attente de paiement : payez-en une (ou attendez qu'elle soit livrée ou annulée) avant d'en passer une autre, ou réessayez demain.",
            "لديك عدة طلبات في انتظار الأداء: ادفع أحدها (أو انتظر تسليمه أو إلغاءه) قبل طلب جديد، أو أعد المحاولة غدا.",
            "You already have several orders awaiting payment: pay one (or wait until it is delivered or cancelled) before placing another, or try again tomorrow.",
        ),
        TijaraError::Order(tijara_core::order::OrderError::BadPhone) => pick(
            lang,
            "Ce numéro de téléphone n'est pas valable : 8 à 15 chiffres, par exemple 06 12 34 56 78 ou +212 612 345 678.",
            "رقم الهاتف هذا غير صالح: من 8 إلى 15 رقما، مثلا 06 12 34 56 78 أو ‎+212 612 345 678.",
            "This phone number is not valid: 8 to 15 digits, for example 06 12 34 56 78 or +212 612 345 678.",
        ),
        TijaraError::Order(tijara_core::order::OrderError::PostalCodeRequired { .. }) => pick(
            lang,
            "Ce pays utilise des codes postaux : indiquez celui de l'adresse (l'exemple sous le champ montre sa forme).",
            "هذا البلد يستعمل الرموز البريدية: اكتب رمز العنوان (المثال تحت الخانة يبين شكله).",
            "This country uses postal codes: give the address's code (the example under the field shows its form).",
        ),
        TijaraError::Order(tijara_core::order::OrderError::BadPostalCode { .. }) => pick(
            lang,
            "Ce code postal n'a pas la forme de ceux du pays choisi : vérifiez-le, ou vérifiez le pays (l'exemple sous le champ montre la forme attendue).",
            "هذا الرمز البريدي لا يطابق شكل رموز البلد المختار: تحقق منه أو من البلد (المثال تحت الخانة يبين الشكل المنتظر).",
            "This postal code does not have the form of the chosen country's codes: check it, or check the country (the example under the field shows the expected form).",
        ),
        TijaraError::Order(tijara_core::order::OrderError::StateRequired { .. }) => pick(
            lang,
            "Pour les États-Unis et le Canada, indiquez l'État ou la province en deux lettres (NY, CA, QC, ON…).",
            "بالنسبة للولايات المتحدة وكندا، اكتب الولاية أو المقاطعة بحرفين (NY، CA، QC، ON…).",
            "For the United States and Canada, give the state or province in two letters (NY, CA, QC, ON…).",
        ),
        TijaraError::Order(tijara_core::order::OrderError::BadState { .. }) => pick(
            lang,
            "Cet État ou cette province n'existe pas dans le pays choisi : écrivez son abréviation postale en deux lettres (NY, CA, QC, ON…).",
            "هذه الولاية أو المقاطعة غير موجودة في البلد المختار: اكتب اختصارها البريدي بحرفين (NY، CA، QC، ON…).",
            "This state or province is not one of the chosen country's: write its two-letter postal abbreviation (NY, CA, QC, ON…).",
        ),
        TijaraError::Customs(_) => pick(
            lang,
            "Un article de votre panier ne peut pas encore partir à l'étranger : son vendeur n'a pas indiqué ses données douanières. Retirez-le du panier, ou faites livrer au Maroc.",
            "أحد منتجات سلتك لا يمكن إرساله إلى الخارج بعد: لم يقدم بائعه بياناته الجمركية. احذفه من السلة أو اطلب التوصيل داخل المغرب.",
            "An item in your cart cannot be sent abroad yet: its seller has not given its customs data. Remove it from the cart, or have it delivered in Morocco.",
        ),
        TijaraError::CodNotAbroad { .. } => pick(
            lang,
            "Le paiement à la livraison n'existe pas pour une adresse à l'étranger : payez par carte ou par virement.",
            "الدفع عند الاستلام غير متاح لعنوان خارج المغرب: ادفع بالبطاقة أو بالتحويل البنكي.",
            "Cash on delivery is not offered for an address abroad: pay by card or bank transfer.",
        ),
        TijaraError::Order(
            tijara_core::order::OrderError::AddressTooLong { .. }
            | tijara_core::order::OrderError::AddressControl(_)
            | tijara_core::order::OrderError::BadCountry
            | tijara_core::order::OrderError::Address(_),
        ) => pick(
            lang,
            "L'adresse n'est pas valable : remplissez chaque champ, sans dépasser 100 caractères pour le nom et la ville et 200 pour la rue, avec un pays en deux lettres (MA).",
            "العنوان غير صالح: املأ كل خانة، دون تجاوز 100 حرف للاسم والمدينة و200 للشارع، مع رمز البلد بحرفين (MA).",
            "The address is not valid: fill in each field, at most 100 characters for the name and city and 200 for the street, with a two-letter country (MA).",
        ),
        TijaraError::CameBackRefundOpen { .. } => pick(
            lang,
            "Un colis payé de cette commande est revenu sans être livré : remboursez-le avec son bouton « Rembourser l'acheteur » plus haut (un remboursement ici le paierait deux fois).",
            "عاد طرد مدفوع من هذا الطلب دون تسليم: أرجع مبلغه بزر «رد المبلغ إلى المشتري» أعلاه (استرداد من هنا سيدفعه مرتين).",
            "A paid parcel of this order came back undelivered: refund it with its \"Refund the buyer\" button above (a refund here would pay it twice).",
        ),
        TijaraError::PartialRefundUnsupported { .. } => pick(
            lang,
            "La passerelle de paiement ne rembourse pas une partie d'un paiement : remboursez ce montant dans son espace marchand (rien n'est parti d'ici).",
            "لا تسترد بوابة الدفع جزءا من الأداء: أرجع هذا المبلغ من فضاء التاجر الخاص بها (لم يخرج أي مبلغ من هنا).",
            "The payment gateway cannot refund part of a payment: refund this amount in its merchant back office (nothing left from here).",
        ),
        TijaraError::Storage(StorageError::KeyTaken { .. }) => pick(
            lang,
            "Cela existe déjà (même adresse, même SKU ou même numéro) : choisissez-en un autre.",
            "هذا موجود من قبل (نفس العنوان أو الرمز أو الرقم): اختر غيره.",
            "That already exists (same address, SKU or number): choose another.",
        ),
        e if e.is_temporary() => pick(
            lang,
            "Le service est momentanément indisponible : réessayez dans un instant.",
            "الخدمة غير متاحة مؤقتا: أعد المحاولة بعد لحظة.",
            "The service is briefly unavailable: try again in a moment.",
        ),
        _ => pick(
            lang,
            "Cette opération n'est pas possible pour le moment.",
            "هذه العملية غير ممكنة الآن.",
            "This cannot be done right now.",
        ),
    }
}

/// The page for an engine refusal: the status it calls for, the sentence of [`explain`] and the
/// engine's detail.
pub fn refusal(ctx: &Ctx, e: &TijaraError) -> Response {
    let status = match e {
        TijaraError::NotFound { .. } | TijaraError::PartNotFound { .. } => StatusCode::NOT_FOUND,
        TijaraError::CartClosed { .. }
        | TijaraError::ShippingOutdated
        | TijaraError::NotAwaitingPayment { .. }
        | TijaraError::NotBankTransfer { .. }
        | TijaraError::NotReadyToShip { .. }
        | TijaraError::NotPaidYet { .. }
        | TijaraError::NotShipped { .. }
        | TijaraError::NoTrackingNumber { .. }
        | TijaraError::LabelInUse { .. }
        | TijaraError::EmailTaken { .. }
        | TijaraError::PaymentSwitch(_)
        | TijaraError::CodUnavailable { .. }
        | TijaraError::CodTotalChanged { .. } => StatusCode::CONFLICT,
        TijaraError::CartNotYours { .. } => StatusCode::FORBIDDEN,
        TijaraError::TrackingNumberTaken { .. } | TijaraError::CameBackRefundOpen { .. } => {
            StatusCode::CONFLICT
        }
        TijaraError::NotAllowed { .. } => StatusCode::FORBIDDEN,
        TijaraError::LoginThrottled { .. } | TijaraError::Busy { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        TijaraError::BadCredentials => StatusCode::UNAUTHORIZED,
        TijaraError::SellerNotApproved(_) => StatusCode::FORBIDDEN,
        TijaraError::TooManyUnpaidOrders { .. } => StatusCode::TOO_MANY_REQUESTS,
        e if e.is_temporary() => StatusCode::SERVICE_UNAVAILABLE,
        TijaraError::Storage(StorageError::KeyTaken { .. }) => StatusCode::CONFLICT,
        e if is_server_fault(e) => {
            log_server_fault(e);
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // A storage fault's detail is for the operator's log, not for visitors.
    let detail = !is_server_fault(e) && !e.is_temporary();
    error_page(
        ctx,
        status,
        html! {
            p.error { (explain(ctx.lang, e)) }
            @if detail { p.small dir="ltr" { (e.to_string()) } }
        },
    )
}

/// Whether `e` is the server's fault (500): the storage backend failed, a stored document or
/// the catalog cannot be read, or the engine met a fault with no cause the caller could act
/// on ([`TijaraError::Invalid`]). A taken key (409), an unknown variant or reservation (422)
/// and temporary faults (503) are not.
pub fn is_server_fault(e: &TijaraError) -> bool {
    match e {
        TijaraError::Corrupt { .. }
        | TijaraError::Catalog(_)
        | TijaraError::Invalid(_)
        | TijaraError::Unencodable { .. } => true,
        TijaraError::Storage(s) => {
            !s.is_temporary()
                && !matches!(
                    s,
                    StorageError::KeyTaken { .. }
                        | StorageError::UnknownVariant(_)
                        | StorageError::UnknownReservation(_)
                        | StorageError::OutOfStock { .. }
                        | StorageError::IdempotencyMismatch { .. }
                )
        }
        _ => false,
    }
}

/// Logs a server fault the storage adapter does not log itself (an unreadable document); the
/// backend's failures are logged where they happen (target `storage`).
pub fn log_server_fault(e: &TijaraError) {
    match e {
        TijaraError::Corrupt { .. } | TijaraError::Catalog(_) => {
            tracing::error!(target: "storage", error = %e, "a stored document is unreadable");
        }
        TijaraError::Invalid(_) | TijaraError::Unencodable { .. } => {
            tracing::error!(error = %e, "the engine failed")
        }
        _ => {}
    }
}

/// An error page with a way back.
pub fn problem(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    error_page(ctx, status, html! { p.error { (message) } })
}

/// [`problem`] with a link to the page that puts it right (`label`, at `href`), before the
/// usual ways back.
pub fn problem_with_link(
    ctx: &Ctx,
    status: StatusCode,
    message: &str,
    href: &str,
    label: &str,
) -> Response {
    error_page(
        ctx,
        status,
        html! { p.error { (message) } p { a href=(href) { (label) } } },
    )
}

/// The frame of every error page: what went wrong, then the next steps (home, the cart). A
/// 503 says when to come back (`Retry-After`) and is never cached.
pub(super) fn error_page(ctx: &Ctx, status: StatusCode, what: Markup) -> Response {
    let title = if status == StatusCode::NOT_FOUND {
        t(ctx.lang, "not_found_title")
    } else {
        t(ctx.lang, "error_title")
    };
    error_page_titled(ctx, status, title, what)
}

/// [`error_page`] with its own heading.
pub(super) fn error_page_titled(
    ctx: &Ctx,
    status: StatusCode,
    title: &str,
    what: Markup,
) -> Response {
    let lang = ctx.lang;
    let mut response = (
        status,
        layout(
            ctx,
            title,
            html! {
                section.err-page {
                    p.code aria-hidden="true" { (status.as_u16()) }
                    h1 { (title) }
                    (what)
                    div.actions {
                        a.button.primary href="/" { (t(lang, "back_home")) }
                        a.button.ghost href="/cart" { (t(lang, "see_cart")) }
                    }
                }
            },
        ),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        let headers = response.headers_mut();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The answer to an address the shop does not have: the designed 404 page (a bare 404 under
/// `/api/`, whose clients read JSON, not pages).
pub(super) async fn not_found(ctx: Ctx, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    error_page(
        &ctx,
        StatusCode::NOT_FOUND,
        html! { p { (t(ctx.lang, "not_found_text")) } },
    )
}

/// Seconds a client waits before retrying after a 503 (`Retry-After`).
pub const RETRY_AFTER_SECS: &str = "5";
