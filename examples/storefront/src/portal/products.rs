//! The portal's product pages: a seller's products, the form to create and edit one (variants,
//! stock, a member artisan), deactivation, and photo upload and removal.

use super::*;

/// `GET /seller/products` (`?saved=1` after a new product, `?saved=no-photos` after one saved
/// without the photos its form carried, the shop still waiting for approval).
pub(super) async fn products(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = ctx.lang;
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = ProductFilter::default()
        .with_seller(seller)
        .with_include_inactive(true);
    let items = match app.engine.catalog().list_products(&filter, None, 100).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let notice = match q.get("saved").map(String::as_str) {
        Some("1") => Some(pw(lang, "saved_new")),
        Some("no-photos") => Some(pw(lang, "saved_no_photos")),
        _ => None,
    };
    let body = html! {
        h1 { (w(lang, "products")) }
        (nav(&ctx))
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        p { a.button.big href="/seller/products/new" { (w(lang, "new")) } }
        table {
            @for v in items.iter().filter(|v| member.is_none() || v.product.made_by == member) {
                @let p = &v.product;
                tr {
                    td { @match p.photos.iter().find(|ph| tijara_core::catalog::is_local_media_path(&ph.url)) {
                        Some(ph) => { img src=(crate::media::thumb_url(&ph.url)) alt="" width="64" height="64"; }
                        None => { img src=(placeholder_url(p)) alt="" width="64" height="64"; }
                    } }
                    td { (p.title.get(lang, Lang::AR).unwrap_or("")) @if !p.active { " " span.muted { "(" (w(lang, "inactive")) ")" } } }
                    td { @for var in &v.variants { bdi { (var.variant.price.format(lang)) } " · " (crate::web::availability_text(lang, &var.availability)) br; } }
                    td { a.button href={ "/seller/products/" (p.id) "/edit" } { (w(lang, "edit")) } }
                }
            }
        }
    };
    layout(&ctx, w(lang, "products"), body).into_response()
}

/// The list of products, in the page's language (`?lang=`): where a saved form goes back to,
/// so the artisan stays in her language even when the browser keeps no cookie.
fn products_url(ctx: &Ctx) -> String {
    format!("/seller/products?lang={}", ctx.lang)
}

/// The longest part of a new SKU taken from the product's slug, in characters.
const SKU_TITLE_CHARS: usize = 24;

/// A new product's first SKU: the first words of its slug (at most [`SKU_TITLE_CHARS`], cut on
/// a word) and the slug's random suffix, in capitals: `PANIER-EN-PALMIER-5D5C9F`, readable on
/// the artisan's orders, packing lists and labels (it was the seller's id and the suffix, some
/// 40 characters of code).
fn new_sku(slug: &str, suffix: &str) -> String {
    let suffix = suffix.to_ascii_uppercase();
    let lower = format!("-{}", suffix.to_ascii_lowercase());
    let title = slug.strip_suffix(&lower).unwrap_or(slug);
    let mut base = String::new();
    for word in title
        .split('-')
        .filter(|w| !w.is_empty() && **w != lower[1..])
    {
        let extra = word.len() + usize::from(!base.is_empty());
        if base.len() + extra > SKU_TITLE_CHARS {
            if base.is_empty() {
                base = word.chars().take(SKU_TITLE_CHARS).collect();
            }
            break;
        }
        if !base.is_empty() {
            base.push('-');
        }
        base.push_str(word);
    }
    if base.is_empty() {
        suffix
    } else {
        format!("{}-{suffix}", base.to_ascii_uppercase())
    }
}

/// The product form's fields, as typed (numbers too: an emptied field or one typed on an Arabic
/// keyboard is read by [`ProductForm::numbers`], never refused by the form's decoding).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(super) struct ProductForm {
    category: String,
    title_ar: String,
    #[serde(default)]
    title_fr: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    desc_ar: String,
    #[serde(default)]
    desc_fr: String,
    #[serde(default)]
    desc_en: String,
    price: String,
    stock: String,
    lead_days: String,
    weight: String,
    #[serde(default)]
    hs_code: String,
    #[serde(default)]
    customs_fr: String,
    #[serde(default)]
    customs_en: String,
    #[serde(default)]
    origin: String,
    net_weight: String,
    /// The units on the shelf when the edit form was shown: the stock is set only when the
    /// artisan changed the field, so a sale made while she edited is not undone.
    stock_shown: String,
}

/// The product form's number fields, read.
#[derive(Debug, Clone, Copy, Default)]
struct FormNumbers {
    stock: Option<u32>,
    lead_days: Option<u16>,
    weight: Option<u32>,
    net_weight: Option<u32>,
}

/// A whole number as typed: spaces around, Arabic-Indic or Eastern Arabic digits (`٣` is 3);
/// `Ok(None)` when empty, `Err(())` when not a whole number.
fn whole_number(text: &str) -> Result<Option<u32>, ()> {
    let t: String = text
        .trim()
        .chars()
        .map(tijara_core::digits::ascii_digit)
        .collect();
    if t.is_empty() {
        Ok(None)
    } else {
        t.parse().map(Some).map_err(|_| ())
    }
}

/// Words of the product pages (new ones; the portal's table has the older ones).
pub(super) fn pw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "saved_new" => (
            "Produit enregistré. Il est dans la boutique s'il est actif et que votre boutique est validée.",
            "تم حفظ المنتج. يظهر في المتجر إذا كان نشطا وكان متجرك مقبولا.",
            "Product saved. It is in the shop when it is active and your shop is approved.",
        ),
        "photos_after_approval" => (
            "Votre boutique n'est pas ouverte pour le moment (validation du marché en attente, ou boutique fermée) : vous pouvez déjà enregistrer vos produits, mais leurs photos ne seront gardées qu'une fois la boutique ouverte (ajoutez-les alors avec « Modifier »).",
            "متجرك غير مفتوح حاليا (في انتظار موافقة السوق، أو مغلق مؤقتا): يمكنك حفظ منتجاتك من الآن، لكن صورها لن تحفظ إلا بعد فتح المتجر (أضفها حينها عبر «تعديل»).",
            "Your shop is not open for now (waiting for the marketplace's approval, or closed): you can already save your products, but their photos are kept only once the shop is open (add them then with \"Edit\").",
        ),
        "saved_no_photos" => (
            "Produit enregistré, sans ses photos : votre boutique n'est pas encore ouverte. Une fois ouverte, ajoutez-les avec « Modifier ».",
            "تم حفظ المنتج بدون صوره: متجرك غير مفتوح بعد. بعد فتحه، أضفها عبر «تعديل».",
            "Product saved, without its photos: your shop is not open yet. Once it is, add them with \"Edit\".",
        ),
        "stock_label" => (
            "Pièces prêtes à partir",
            "القطع الجاهزة للإرسال",
            "Pieces ready to ship",
        ),
        "commission_help" => (
            "Le prix que paie l'acheteur, TVA comprise. Quand la pièce se vend, le marché en garde {rate} (sa commission) ; le reste est pour vous.",
            "الثمن الذي يدفعه المشتري، شاملا الضريبة. عند بيع القطعة يأخذ السوق {rate} منه (عمولته)؛ والباقي لكم.",
            "The price the buyer pays, tax included. When the piece sells, the marketplace keeps {rate} of it (its commission); the rest is yours.",
        ),
        "stock_help" => (
            "Combien de pièces déjà faites vous avez. À 0 (et sans fabrication sur commande), l'acheteur voit « épuisé » et ne peut pas commander.",
            "كم قطعة جاهزة عندك. عند 0 (وبدون صنع حسب الطلب)، يرى المشتري «نفد» ولا يمكنه الطلب.",
            "How many finished pieces you have. At 0 (and not made to order), the buyer sees \"sold out\" and cannot order.",
        ),
        "lead_label" => (
            "Fabriqué sur commande : jours de travail",
            "يصنع حسب الطلب: أيام العمل",
            "Made to order: days of work",
        ),
        "lead_help" => (
            "0 = vous envoyez une pièce déjà faite (le stock ci-dessus compte). 1 ou plus = vous fabriquez après chaque commande : l'acheteur voit « fabriqué sur commande, prêt en N jours » et peut commander même sans pièce prête.",
            "0 = ترسل قطعة جاهزة (يحتسب المخزون أعلاه). 1 أو أكثر = تصنع بعد كل طلب: يرى المشتري «يصنع حسب الطلب، جاهز خلال N أيام» ويمكنه الطلب حتى بدون قطعة جاهزة.",
            "0 = you send a finished piece (the stock above counts). 1 or more = you make it after each order: the buyer sees \"made to order, ready in N days\" and can order even with no piece ready.",
        ),
        "weight_help" => (
            "Le poids emballé décide du prix de la livraison. Exemples : un bracelet ≈ 50 g, un coussin ≈ 800 g, un tapis ≈ 5 kg (5000 g).",
            "الوزن مع التغليف يحدد ثمن التوصيل. أمثلة: سوار ≈ 50 غ، وسادة ≈ 800 غ، زربية ≈ 5 كغ (5000 غ).",
            "The packed weight sets the delivery price. Examples: a bracelet ≈ 50 g, a cushion ≈ 800 g, a rug ≈ 5 kg (5000 g).",
        ),
        "title_help" => (
            "Un titre au moins, dans la langue que vous voulez ; l'adresse de la page est faite à partir de lui.",
            "اسم واحد على الأقل، باللغة التي تريد؛ يصنع منه عنوان الصفحة.",
            "At least one title, in any language; the page's address is made from it.",
        ),
        "photo_new" => (
            "Photos (jusqu'à 4, vous pourrez en ajouter plus tard)",
            "الصور (حتى 4، يمكنك إضافة المزيد لاحقا)",
            "Photos (up to 4; you can add more later)",
        ),
        "photo_none" => (
            "Sans photo, le produit montre un dessin en attendant : une vraie photo vend mieux.",
            "بدون صورة، يظهر المنتج برسم مؤقت: الصورة الحقيقية تبيع أفضل.",
            "Without a photo the product shows a drawing meanwhile: a real photo sells better.",
        ),
        "err_title" => (
            "Écrivez le titre du produit (en arabe, en français ou en anglais).",
            "اكتب اسم المنتج (بالعربية أو الفرنسية أو الإنجليزية).",
            "Write the product's title (in Arabic, French or English).",
        ),
        "err_price" => (
            "Prix non compris : écrivez un nombre comme 250 ou 250,50 (en dirhams).",
            "لم نفهم الثمن: اكتب رقما مثل 250 أو 250,50 (بالدرهم).",
            "Price not understood: write a number such as 250 or 250.50 (in dirhams).",
        ),
        "err_weight" => (
            "Écrivez le poids en grammes (au moins 1) : un bracelet ≈ 50, un coussin ≈ 800.",
            "اكتب الوزن بالغرام (1 على الأقل): سوار ≈ 50، وسادة ≈ 800.",
            "Write the weight in grams (at least 1): a bracelet ≈ 50, a cushion ≈ 800.",
        ),
        "err_number" => (
            "Le stock et les jours de travail sont des nombres entiers (0 ou plus).",
            "المخزون وأيام العمل أرقام صحيحة (0 أو أكثر).",
            "Stock and days of work are whole numbers (0 or more).",
        ),
        "err_category" => (
            "Choisissez une catégorie dans la liste.",
            "اختر صنفا من القائمة.",
            "Choose a category from the list.",
        ),
        "err_photo_format" => (
            "Cette photo n'est pas une image JPEG, PNG ou WebP : prenez-la avec l'appareil photo du téléphone et réessayez. Rien n'a été enregistré.",
            "هذه الصورة ليست JPEG أو PNG أو WebP: التقطها بكاميرا الهاتف وأعد المحاولة. لم يحفظ أي شيء.",
            "This photo is not a JPEG, PNG or WebP image: take it with the phone's camera and try again. Nothing was saved.",
        ),
        "err_photo_size" => (
            "Photo trop lourde : 5 Mo au plus. Choisissez une taille plus petite dans l'appareil photo. Rien n'a été enregistré : ce que vous avez écrit est gardé ci-dessous, choisissez les photos à nouveau.",
            "الصورة كبيرة جدا: 5 ميغا على الأكثر. اختر حجما أصغر في الكاميرا. لم يحفظ أي شيء: ما كتبته محفوظ أدناه، اختر الصور من جديد.",
            "Photo too large: 5 MB at most. Choose a smaller size in the camera. Nothing was saved: what you wrote is kept below; choose the photos again.",
        ),
        "err_photo_pixels" => (
            "Photo trop grande : 6000 pixels de côté au plus. Rien n'a été enregistré.",
            "الصورة كبيرة جدا: 6000 بكسل للضلع على الأكثر. لم يحفظ أي شيء.",
            "Photo too big: 6000 pixels a side at most. Nothing was saved.",
        ),
        "err_photo_broken" => (
            "Cette photo est abîmée et ne peut pas être lue : reprenez-la. Rien n'a été enregistré.",
            "هذه الصورة تالفة ولا يمكن قراءتها: التقطها من جديد. لم يحفظ أي شيء.",
            "This photo is damaged and cannot be read: take it again. Nothing was saved.",
        ),
        "err_photo_store" => (
            "La photo n'a pas pu être enregistrée : réessayez dans un instant. Rien n'a été enregistré.",
            "تعذر حفظ الصورة: أعد المحاولة بعد لحظة. لم يحفظ أي شيء.",
            "The photo could not be stored: try again in a moment. Nothing was saved.",
        ),
        "err_photo_count" => (
            "4 photos au plus dans ce formulaire : choisissez-en 4 à nouveau (ce que vous avez écrit est gardé ci-dessous), puis ajoutez les autres depuis « Modifier ».",
            "4 صور على الأكثر في هذه الاستمارة: اختر 4 من جديد (ما كتبته محفوظ أدناه)، ثم أضف الباقي من «عدّل».",
            "4 photos at most in this form: choose 4 again (what you wrote is kept below), then add the others from \"Edit\".",
        ),
        "err_form" => (
            "Le formulaire n'a pas pu être lu (un texte trop long ?) : vérifiez ce qui est écrit ci-dessous, choisissez les photos à nouveau et réessayez.",
            "تعذرت قراءة الاستمارة (نص طويل جدا؟): راجع ما هو مكتوب أدناه، واختر الصور من جديد وحاول مرة أخرى.",
            "The form could not be read (a text too long?): check what is written below, choose the photos again and try again.",
        ),
        "customs_title" => (
            "Vente à l'étranger : données de douane",
            "البيع إلى الخارج: البيانات الجمركية",
            "Selling abroad: customs data",
        ),
        "customs_help" => (
            "Sans elles, le produit ne part pas hors du Maroc. Le code SH (nomenclature douanière, 6 à 10 chiffres, ex. 4202.21 pour un sac en cuir) figure sur la déclaration CN23 avec la description et le poids net.",
            "بدونها لا يرسل المنتج خارج المغرب. رمز النظام المنسق (6 إلى 10 أرقام، مثلا 4202.21 لحقيبة جلدية) يظهر في التصريح CN23 مع الوصف والوزن الصافي.",
            "Without them, the product is not sent outside Morocco. The HS code (customs tariff, 6 to 10 digits, e.g. 4202.21 for a leather bag) goes on the CN23 declaration with the description and net weight.",
        ),
        "hs_code" => (
            "Code SH (tarif douanier)",
            "رمز النظام المنسق",
            "HS tariff code",
        ),
        "customs_fr" => (
            "Description pour la douane (français)",
            "الوصف للجمارك (بالفرنسية)",
            "Customs description (French)",
        ),
        "customs_en" => (
            "Description pour la douane (anglais)",
            "الوصف للجمارك (بالإنجليزية)",
            "Customs description (English)",
        ),
        "origin" => (
            "Pays d'origine (2 lettres)",
            "بلد المنشأ (حرفان)",
            "Country of origin (2 letters)",
        ),
        "net_weight" => (
            "Poids net, sans emballage (g)",
            "الوزن الصافي بدون تغليف (غ)",
            "Net weight, without packing (g)",
        ),
        "err_customs" => (
            "Données de douane incomplètes : le code SH a 6 à 10 chiffres (ex. 4202.21), les deux descriptions sont remplies (une ligne, 120 caractères au plus), le pays d'origine a deux lettres (MA). Laissez tout vide pour ne pas vendre à l'étranger.",
            "البيانات الجمركية ناقصة: رمز النظام المنسق من 6 إلى 10 أرقام (مثلا 4202.21)، والوصفان مملوءان (سطر واحد، 120 حرفا على الأكثر)، وبلد المنشأ بحرفين (MA). اترك كل شيء فارغا لعدم البيع إلى الخارج.",
            "Customs data incomplete: the HS code has 6 to 10 digits (e.g. 4202.21), both descriptions are filled (one line, at most 120 characters), the country of origin has two letters (MA). Leave everything empty not to sell abroad.",
        ),
        "err_net_weight" => (
            "Le poids net s'écrit en grammes, en chiffres (ex. 450) ; laissez-le vide pour reprendre le poids d'envoi.",
            "يكتب الوزن الصافي بالغرام وبالأرقام (مثلا 450)؛ اتركه فارغا ليؤخذ وزن الإرسال.",
            "Write the net weight in grams, in digits (e.g. 450); leave it empty to use the shipping weight.",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The most photos sent with a new product's form.
pub(super) const NEW_PHOTOS: usize = 4;

/// The status and sentence for a refused photo: too large is 413, the rest 422.
pub(super) fn photo_refusal(e: &crate::media::PhotoError) -> (StatusCode, &'static str) {
    use crate::media::PhotoError;
    match e {
        PhotoError::Size => (StatusCode::PAYLOAD_TOO_LARGE, "err_photo_size"),
        PhotoError::Format => (StatusCode::UNPROCESSABLE_ENTITY, "err_photo_format"),
        PhotoError::Dimensions => (StatusCode::UNPROCESSABLE_ENTITY, "err_photo_pixels"),
        PhotoError::Unreadable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "err_photo_broken"),
        PhotoError::Storage(_) => (StatusCode::SERVICE_UNAVAILABLE, "err_photo_store"),
    }
}

/// "The marketplace keeps 10 % of this price when the piece sells (Bijoux: 15 %)": the seller's
/// commission rate and the categories whose rate differs, named in `lang`.
fn commission_help(
    lang: Lang,
    seller: &tijara_core::catalog::Seller,
    cats: &[tijara_core::catalog::Category],
) -> String {
    let percent = |r: tijara_core::Rate| format!("{} %", r.as_percent().normalize());
    let others: Vec<String> = seller
        .category_commissions
        .iter()
        .filter(|(_, r)| **r != seller.commission_rate)
        .map(|(id, r)| {
            let name = cats
                .iter()
                .find(|c| &c.id == id)
                .and_then(|c| c.name.get(lang, Lang::AR))
                .unwrap_or(id.as_str());
            let colon = if lang == Lang::FR { " : " } else { ": " };
            format!("{name}{colon}{}", percent(*r))
        })
        .collect();
    let mut text = pw(lang, "commission_help").replace("{rate}", &percent(seller.commission_rate));
    if !others.is_empty() {
        text.push_str(&format!(" ({})", others.join(", ")));
    }
    text
}

/// The drawn illustration a product shows until it has a photo (the shop's own drawings).
pub(super) fn placeholder_url(p: &Product) -> String {
    format!("/images/{}.svg", p.slug)
}

pub(super) async fn product_form(
    app: &App,
    ctx: &Ctx,
    action: &str,
    p: Option<&Product>,
    stock: u32,
    error: Option<&str>,
) -> Result<Markup, Response> {
    product_form_typed(app, ctx, action, p, stock, error, None).await
}

/// [`product_form`], showing what was `typed` (a refused new product) instead of the stored
/// values.
pub(super) async fn product_form_typed(
    app: &App,
    ctx: &Ctx,
    action: &str,
    p: Option<&Product>,
    stock: u32,
    error: Option<&str>,
    typed: Option<&ProductForm>,
) -> Result<Markup, Response> {
    let lang = ctx.lang;
    let cats = app
        .engine
        .catalog()
        .categories()
        .await
        .map_err(|e| refusal(ctx, &e))?;
    let v = p.and_then(|p| p.variants.first());
    let text =
        |t: Option<&LocalizedText>, l: Lang| t.and_then(|t| t.exact(l)).unwrap_or("").to_owned();
    // A typed number is shown again in digits a number input shows (`٣` as 3); one that could
    // not be read, as typed.
    let number = |stored: String, pick: fn(&ProductForm) -> &String| match typed {
        Some(f) => match whole_number(pick(f)) {
            Ok(Some(n)) => n.to_string(),
            Ok(None) => String::new(),
            Err(()) => pick(f).clone(),
        },
        None => stored,
    };
    let lead = number(
        match v.map(|v| &v.stock_policy) {
            Some(StockPolicy::MadeToOrder { lead_days }) => lead_days.to_string(),
            _ => "0".to_owned(),
        },
        |f| &f.lead_days,
    );
    // The shelf as read for this form (kept as it was shown when the form comes back).
    let shelf = typed.map_or_else(|| stock.to_string(), |f| f.stock_shown.clone());
    let stock = number(stock.to_string(), |f| &f.stock);
    let field = |stored: String, pick: fn(&ProductForm) -> &String| match typed {
        Some(f) => pick(f).clone(),
        None => stored,
    };
    let title = |l: Lang| text(p.map(|p| &p.title), l);
    let desc = |l: Lang| text(p.map(|p| &p.description), l);
    let title_ar = field(title(Lang::AR), |f| &f.title_ar);
    let title_fr = field(title(Lang::FR), |f| &f.title_fr);
    let title_en = field(title(Lang::EN), |f| &f.title_en);
    let desc_ar = field(desc(Lang::AR), |f| &f.desc_ar);
    let desc_fr = field(desc(Lang::FR), |f| &f.desc_fr);
    let desc_en = field(desc(Lang::EN), |f| &f.desc_en);
    let price = field(
        v.map(|v| v.price.amount().to_string()).unwrap_or_default(),
        |f| &f.price,
    );
    let weight = number(v.map_or(500, |v| v.weight_grams).to_string(), |f| &f.weight);
    // The category typed, else the stored one (one option selected).
    let category = typed
        .map(|f| f.category.as_str())
        .or(p.map(|p| p.category_id.as_str()));
    let stored = p.and_then(|p| p.customs.as_ref());
    let hs_code = field(
        stored.map(|c| c.hs_code_display()).unwrap_or_default(),
        |f| &f.hs_code,
    );
    let customs_fr = field(
        stored.map(|c| c.description_fr.clone()).unwrap_or_default(),
        |f| &f.customs_fr,
    );
    let customs_en = field(
        stored.map(|c| c.description_en.clone()).unwrap_or_default(),
        |f| &f.customs_en,
    );
    let origin = field(
        stored.map_or_else(|| "MA".to_owned(), |c| c.origin_country.clone()),
        |f| &f.origin,
    );
    let net_weight = number(
        stored
            .map(|c| c.net_weight_grams.to_string())
            .unwrap_or_default(),
        |f| &f.net_weight,
    );
    // What the marketplace keeps of the price (the seller's rate, and its categories' own),
    // said beside the price; the form reads without it.
    let commission = match crate::portal::seller_of(ctx) {
        Ok((seller, _)) => app
            .engine
            .catalog()
            .seller(&seller)
            .await
            .ok()
            .map(|s| commission_help(lang, &s, &cats)),
        Err(_) => None,
    };
    // No category yet (a new marketplace): a form that could not be saved would lose what the
    // artisan typed and the photos chosen, so the page says what to wait for instead.
    if cats.is_empty() {
        return Ok(html! { p.notice role="status" { (w(lang, "no_categories")) } });
    }
    Ok(html! {
        @if let Some(e) = error { p.error role="alert" { (e) } }
        // A new product's photos come with its form (multipart: the CSRF token travels in the
        // query, as the photo upload's does).
        form method="post" action=(if p.is_none() { format!("{action}?csrf={}&lang={}", ctx.csrf, ctx.lang) } else { format!("{action}?lang={}", ctx.lang) }) enctype=[p.is_none().then_some("multipart/form-data")] {
            (ctx.csrf_field())
            p.muted { (pw(lang, "title_help")) }
            label { (w(lang, "category")) select name="category" {
                @for c in &cats { option value=(c.id) selected[category == Some(c.id.as_str())] { (c.name.get(lang, Lang::AR).unwrap_or("")) } }
            } }
            label { (w(lang, "title_ar")) input name="title_ar" dir="rtl" lang="ar" value=(title_ar); }
            label { (w(lang, "title_fr")) input name="title_fr" lang="fr" value=(title_fr); }
            label { (w(lang, "title_en")) input name="title_en" lang="en" value=(title_en); }
            label { (w(lang, "desc_ar")) textarea name="desc_ar" dir="rtl" lang="ar" rows="3" { (desc_ar) } }
            label { (w(lang, "desc_fr")) textarea name="desc_fr" lang="fr" rows="3" { (desc_fr) } }
            label { (w(lang, "desc_en")) textarea name="desc_en" lang="en" dir="ltr" rows="3" { (desc_en) } }
            label { (w(lang, "price")) input name="price" inputmode="decimal" required value=(price) aria-describedby=[commission.as_ref().map(|_| "price-help")]; }
            @if let Some(c) = &commission { p.muted id="price-help" { (c) } }
            label { (pw(lang, "stock_label")) input name="stock" type="number" min="0" max="100000" value=(stock) aria-describedby="stock-help"; }
            @if p.is_some() { input type="hidden" name="stock_shown" value=(shelf); }
            p.muted id="stock-help" { (pw(lang, "stock_help")) }
            label { (pw(lang, "lead_label")) input name="lead_days" type="number" min="0" max="365" value=(lead) aria-describedby="lead-help"; }
            p.muted id="lead-help" { (pw(lang, "lead_help")) }
            label { (w(lang, "weight")) input name="weight" type="number" min="1" required value=(weight) aria-describedby="weight-help"; }
            p.muted id="weight-help" { (pw(lang, "weight_help")) }
            fieldset {
                legend { (pw(lang, "customs_title")) }
                p.muted id="customs-help" { (pw(lang, "customs_help")) }
                label { (pw(lang, "hs_code")) input name="hs_code" dir="ltr" inputmode="decimal" maxlength="20" value=(hs_code) aria-describedby="customs-help"; }
                label { (pw(lang, "customs_fr")) input name="customs_fr" lang="fr" maxlength="120" value=(customs_fr); }
                label { (pw(lang, "customs_en")) input name="customs_en" lang="en" maxlength="120" value=(customs_en); }
                label { (pw(lang, "origin")) input name="origin" dir="ltr" maxlength="2" value=(origin); }
                label { (pw(lang, "net_weight")) input name="net_weight" type="number" min="1" value=(net_weight); }
            }
            @if p.is_none() {
                label { (pw(lang, "photo_new")) input type="file" name="photo" accept="image/jpeg,image/png,image/webp" multiple; }
                p.muted { (w(lang, "photo_rules")) " " (pw(lang, "photo_none")) }
            }
            button.big type="submit" { (w(lang, "save")) }
        }
    })
}

pub(super) async fn new_product_page(State(app): State<App>, ctx: Ctx) -> Response {
    let seller = match seller_of(&ctx) {
        Ok((seller, _)) => seller,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let form = match product_form(&app, &ctx, "/seller/products", None, 1, None).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    // A shop still waiting for approval is told before choosing photos that they wait too.
    let waiting = matches!(app.engine.catalog().seller(&seller).await, Ok(s) if !s.active);
    layout(
        &ctx,
        w(lang, "new"),
        html! {
            h1 { (w(lang, "new")) } (nav(&ctx))
            @if waiting { p.notice role="status" { (pw(lang, "photos_after_approval")) } }
            (form)
        },
    )
    .into_response()
}

impl ProductForm {
    /// The number fields read, or the sentence's key saying which is not a whole number.
    fn numbers(&self) -> Result<FormNumbers, &'static str> {
        let stock = whole_number(&self.stock).map_err(|()| "err_number")?;
        let lead_days = whole_number(&self.lead_days)
            .and_then(|n| n.map(u16::try_from).transpose().map_err(|_| ()))
            .map_err(|()| "err_number")?;
        let weight = whole_number(&self.weight).map_err(|()| "err_weight")?;
        let net_weight = whole_number(&self.net_weight).map_err(|()| "err_net_weight")?;
        Ok(FormNumbers {
            stock,
            lead_days,
            weight,
            net_weight,
        })
    }

    fn input(
        &self,
        seller: &SellerId,
        member: Option<MemberId>,
        existing: Option<&Product>,
        suffix: &str,
    ) -> Result<ProductInput, &'static str> {
        let (title_ar, title_fr, title_en) = (
            self.title_ar.trim(),
            self.title_fr.trim(),
            self.title_en.trim(),
        );
        if title_ar.is_empty() && title_fr.is_empty() && title_en.is_empty() {
            return Err("err_title");
        }
        let price = Money::parse_typed(&self.price, tijara_core::Currency::MAD)
            .ok()
            .filter(|m| m.is_positive())
            .ok_or("err_price")?;
        let numbers = self.numbers()?;
        let weight = numbers.weight.filter(|w| *w > 0).ok_or("err_weight")?;
        let category = CategoryId::new(self.category.clone()).map_err(|_| "err_category")?;
        let mut title = LocalizedText::default();
        title.set(Lang::AR, title_ar);
        title.set(Lang::FR, title_fr);
        title.set(Lang::EN, title_en);
        let mut description = existing.map(|p| p.description.clone()).unwrap_or_default();
        description.set(Lang::AR, self.desc_ar.trim());
        description.set(Lang::FR, self.desc_fr.trim());
        description.set(Lang::EN, self.desc_en.trim());
        let lead = numbers.lead_days.unwrap_or(0);
        let policy = if lead > 0 {
            StockPolicy::MadeToOrder { lead_days: lead }
        } else {
            StockPolicy::Tracked
        };
        let first = existing.and_then(|p| p.variants.first());
        // An Arabic-only title gets a readable Latin slug (the core's transliteration).
        let slug = existing.map(|p| p.slug.clone()).unwrap_or_else(|| {
            tijara_core::catalog::slug_from_title(
                tijara_core::catalog::slug_title(&title),
                &suffix.to_ascii_lowercase(),
            )
        });
        let mut variant = VariantInput::new(
            first
                .map(|v| v.sku.to_string())
                .unwrap_or_else(|| new_sku(&slug, suffix)),
            price,
            match first {
                Some(v) => v.tax_category.clone(),
                None => TaxCategoryId::new("standard").map_err(|_| "err_form")?,
            },
            weight,
        )
        .with_options(first.map(|v| v.options.clone()).unwrap_or_default())
        .with_stock_policy(policy)
        .with_initial_stock(numbers.stock.unwrap_or(0));
        variant.dimensions = first.and_then(|v| v.dimensions);
        let mut variants = vec![variant];
        // Other variants are kept as they are.
        if let Some(p) = existing {
            variants.extend(input_of(p).variants.into_iter().skip(1));
        }
        let mut input = ProductInput::new(seller.clone(), category, slug, title, variants)
            .with_description(description)
            .with_materials(existing.map(|p| p.materials.clone()).unwrap_or_default())
            .with_photos(existing.map(|p| p.photos.clone()).unwrap_or_default());
        input.made_by = existing.map(|p| p.made_by.clone()).unwrap_or(member);
        input.customs = self.customs(weight, numbers.net_weight)?;
        Ok(input)
    }

    /// The customs data typed: `None` when the HS code and both descriptions are empty (the
    /// stored data, if any, stays); the net weight defaults to the shipping weight.
    fn customs(
        &self,
        weight: u32,
        net_weight: Option<u32>,
    ) -> Result<Option<tijara_core::customs::CustomsInfo>, &'static str> {
        if [&self.hs_code, &self.customs_fr, &self.customs_en]
            .iter()
            .all(|v| v.trim().is_empty())
        {
            return Ok(None);
        }
        let origin = match self.origin.trim() {
            "" => "MA",
            o => o,
        };
        tijara_core::customs::CustomsInfo {
            hs_code: self.hs_code.clone(),
            description_fr: self.customs_fr.clone(),
            description_en: self.customs_en.clone(),
            origin_country: origin.to_owned(),
            net_weight_grams: net_weight.filter(|n| *n > 0).unwrap_or(weight),
        }
        .normalized()
        .map(Some)
        .map_err(|_| "err_customs")
    }
}

/// What the new product's multipart form holds: its fields and its photos (bytes).
#[derive(Default)]
struct NewProductBody {
    form: ProductForm,
    photos: Vec<Vec<u8>>,
}

/// A refused new product's multipart form: its status, its sentence, and what was read of the
/// form (shown again, so nothing typed is lost).
type NewProductRefusal = (StatusCode, &'static str, Option<Box<ProductForm>>);

/// Reads the new product's multipart form; a photo above the size limit, too many photos, a
/// body too large or unreadable is refused with its status, sentence and the fields read.
async fn read_new_product(
    multipart: axum::extract::Multipart,
) -> Result<NewProductBody, NewProductRefusal> {
    match crate::media::read_photo_form(multipart, NEW_PHOTOS).await {
        Ok(read) => Ok(new_product_body(read)),
        Err((e, partial)) => Err((
            e.status(),
            match e {
                crate::media::PhotoFormError::TooLarge => "err_photo_size",
                crate::media::PhotoFormError::TooMany => "err_photo_count",
                crate::media::PhotoFormError::Unreadable => "err_form",
            },
            Some(Box::new(new_product_body(partial).form)),
        )),
    }
}

/// The new product's fields and photos from a read multipart form.
fn new_product_body(read: crate::media::PhotoForm) -> NewProductBody {
    let mut out = NewProductBody {
        photos: read.photos,
        ..NewProductBody::default()
    };
    for (name, text) in read.fields {
        let f = &mut out.form;
        match name.as_str() {
            "category" => f.category = text,
            "title_ar" => f.title_ar = text,
            "title_fr" => f.title_fr = text,
            "title_en" => f.title_en = text,
            "desc_ar" => f.desc_ar = text,
            "desc_fr" => f.desc_fr = text,
            "desc_en" => f.desc_en = text,
            "price" => f.price = text,
            "stock" => f.stock = text,
            "lead_days" => f.lead_days = text,
            "weight" => f.weight = text,
            "hs_code" => f.hs_code = text,
            "customs_fr" => f.customs_fr = text,
            "customs_en" => f.customs_en = text,
            "origin" => f.origin = text,
            "net_weight" => f.net_weight = text,
            _ => {}
        }
    }
    out
}

/// The new product's form again, with what was typed and why it was refused.
async fn new_product_refused(
    app: &App,
    ctx: &Ctx,
    status: StatusCode,
    typed: Option<&ProductForm>,
    message: &str,
) -> Response {
    let lang = ctx.lang;
    match product_form_typed(app, ctx, "/seller/products", None, 0, Some(message), typed).await {
        Ok(form) => (
            status,
            layout(
                ctx,
                w(lang, "new"),
                html! { h1 { (w(lang, "new")) } (nav(ctx)) (form) },
            ),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// `POST /seller/products` (multipart: the fields and up to [`NEW_PHOTOS`] photos). Nothing
/// is written unless everything is right: the fields are checked, then every photo, and only
/// then are the photos stored and the product created with them.
///
/// A form without photos posted URL-encoded (an older page, a script) is read too.
pub(super) async fn create_product(
    State(app): State<App>,
    ctx: Ctx,
    req: axum::extract::Request,
) -> Response {
    use axum::extract::FromRequest;
    let lang = ctx.lang;
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let read = if multipart {
        match axum::extract::Multipart::from_request(req, &app).await {
            Ok(m) => read_new_product(m).await,
            Err(_) => Err((StatusCode::BAD_REQUEST, "err_form", None)),
        }
    } else {
        // A form without photos is read under the shop's usual limit (the route's large one
        // is for photos); its fields are all text, read as typed (numbers are read later).
        match axum::body::to_bytes(req.into_body(), crate::MAX_BODY_BYTES).await {
            Err(_) => Err((StatusCode::PAYLOAD_TOO_LARGE, "err_form", None)),
            Ok(bytes) => match serde_urlencoded::from_bytes::<ProductForm>(&bytes) {
                Ok(form) => Ok(NewProductBody {
                    form,
                    ..NewProductBody::default()
                }),
                Err(_) => Err((StatusCode::UNPROCESSABLE_ENTITY, "err_form", None)),
            },
        }
    };
    let body = match read {
        Ok(b) => b,
        Err((status, key, typed)) => {
            return new_product_refused(&app, &ctx, status, typed.as_deref(), pw(lang, key)).await;
        }
    };
    let typed = Some(&body.form);
    let suffix = crate::auth::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>();
    let mut input = match body.form.input(&seller, member, None, &suffix) {
        Ok(i) => i,
        Err(key) => {
            let msg = pw(lang, key);
            return new_product_refused(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, typed, msg)
                .await;
        }
    };
    // Only an approved seller's photos are decoded and stored. A shop still waiting keeps its
    // product, saved without them (`/sell` promises she can prepare her products meanwhile):
    // the list then says to add them once the shop is approved.
    let approved = if body.photos.is_empty() {
        true
    } else {
        match app.engine.catalog().seller(&seller).await {
            Ok(s) => s.active,
            Err(e) => return refusal(&ctx, &e),
        }
    };
    let photos_later = !approved;
    if approved && !body.photos.is_empty() {
        // Every photo checked before any is stored, so a bad second photo leaves no trace.
        for bytes in &body.photos {
            let checked = tokio::task::spawn_blocking({
                let bytes = bytes.clone();
                move || crate::media::process(&bytes).map(|_| ())
            })
            .await;
            let refused = match checked {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(photo_refusal(&e)),
                Err(_) => Some((StatusCode::SERVICE_UNAVAILABLE, "err_photo_store")),
            };
            if let Some((status, key)) = refused {
                return new_product_refused(&app, &ctx, status, typed, pw(lang, key)).await;
            }
        }
        let mut photos = Vec::new();
        for bytes in body.photos {
            match crate::media::store(&app, bytes).await {
                Ok(url) => photos.push(tijara_core::catalog::Photo {
                    url,
                    alt: input.title.clone(),
                }),
                Err(e) => {
                    let (status, key) = photo_refusal(&e);
                    return new_product_refused(&app, &ctx, status, typed, pw(lang, key)).await;
                }
            }
        }
        input = input.with_photos(photos);
    }
    match app.engine.catalog().create_product(input, None).await {
        Ok(_) => {
            let saved = if photos_later { "no-photos" } else { "1" };
            Redirect::to(&format!("{}&saved={saved}", products_url(&ctx))).into_response()
        }
        Err(e) => {
            let msg = format!("{} ({e})", crate::web::explain(lang, &e));
            new_product_refused(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, typed, &msg).await
        }
    }
}

/// Loads a product the logged-in seller (or member) may edit.
pub(super) async fn my_product(
    app: &App,
    ctx: &Ctx,
    id: String,
) -> Result<(Product, u32), Response> {
    let (seller, member) = seller_of(ctx)?;
    let id = ProductId::new(id).map_err(|_| forbidden(ctx))?;
    let v = app
        .engine
        .catalog()
        .product(&id)
        .await
        .map_err(|e| match e {
            TijaraError::NotFound { .. } => forbidden(ctx),
            e => refusal(ctx, &e),
        })?;
    if v.product.seller_id != seller || (member.is_some() && v.product.made_by != member) {
        return Err(forbidden(ctx));
    }
    let stock = match v.variants.first() {
        // A failed read is not "0 in stock": saving the form would set it.
        Some(var) => match crate::web::found(app.engine.catalog().stock_row(&var.variant.id).await)
        {
            Ok(r) => r.map_or(0, |r| r.on_hand),
            Err(e) => return Err(refusal(ctx, &e)),
        },
        None => 0,
    };
    Ok((v.product, stock))
}

pub(super) async fn edit_product_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let lang = ctx.lang;
    let (p, stock) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = format!("/seller/products/{}/edit", p.id);
    let form = match product_form(&app, &ctx, &action, Some(&p), stock, None).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let body = html! {
        h1 { (p.title.get(lang, Lang::AR).unwrap_or("")) }
        (nav(&ctx))
        (form)
        h2 { (w(lang, "photos")) }
        div.grid {
            @for (i, ph) in p.photos.iter().enumerate() {
                div.card {
                    @if tijara_core::catalog::is_local_media_path(&ph.url) { img src=(crate::media::thumb_url(&ph.url)) alt="" width="150" height="150"; }
                    form method="post" action={ "/seller/products/" (p.id) "/photos/" (i) "/delete?lang=" (lang) } {
                        (ctx.csrf_field())
                        button type="submit" { (w(lang, "remove_photo")) }
                    }
                }
            }
        }
        // Multipart bodies are not read by the CSRF guard: the token travels in the query.
        form method="post" enctype="multipart/form-data" action={ "/seller/products/" (p.id) "/photos?csrf=" (ctx.csrf) "&lang=" (lang) } {
            label { (w(lang, "add_photo")) input type="file" name="photo" accept="image/jpeg,image/png,image/webp" required; }
            p.muted { (w(lang, "photo_rules")) }
            button.big type="submit" { (w(lang, "upload")) }
        }
        form method="post" action={ "/seller/products/" (p.id) "/active?lang=" (lang) } {
            (ctx.csrf_field())
            input type="hidden" name="active" value=(if p.active { "false" } else { "true" });
            button.big type="submit" { (if p.active { w(lang, "off") } else { w(lang, "on") }) }
        }
    };
    layout(&ctx, w(lang, "edit"), body).into_response()
}

pub(super) async fn update_product(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ProductForm>,
) -> Response {
    let lang = ctx.lang;
    let (p, stock) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (seller, member) = match seller_of(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match f.input(&seller, member, Some(&p), "") {
        Ok(input) => app
            .engine
            .catalog()
            .update_product(&p.id, input, None)
            .await
            .map_err(|e| format!("{} ({e})", crate::web::explain(lang, &e))),
        Err(key) => Err(pw(lang, key).to_owned()),
    };
    // The stock field sets the units on the shelf of a tracked variant (one that was made to
    // order and is now in stock too: its shelf starts at what was typed), when the artisan
    // changed it from what the form showed (a sale made meanwhile is not undone by saving an
    // unchanged field); `input` has read the numbers when it succeeded.
    let numbers = f.numbers().unwrap_or_default();
    let shown = whole_number(&f.stock_shown).ok().flatten().unwrap_or(stock);
    let result = match (result, numbers.stock, p.variants.first()) {
        (Ok(_), Some(units), Some(v)) if units != shown && numbers.lead_days.unwrap_or(0) == 0 => {
            app.engine
                .catalog()
                .adjust_stock(&v.id, StockAdjustment::Set { units }, None)
                .await
                .map(|_| ())
                .map_err(|e| format!("{} ({e})", crate::web::explain(lang, &e)))
        }
        (r, _, _) => r.map(|_| ()),
    };
    match result {
        Ok(()) => Redirect::to(&products_url(&ctx)).into_response(),
        Err(e) => {
            let action = format!("/seller/products/{}/edit", p.id);
            // What was typed is shown again, not the stored product.
            let typed = Some(&f);
            let form =
                match product_form_typed(&app, &ctx, &action, Some(&p), stock, Some(&e), typed)
                    .await
                {
                    Ok(f) => f,
                    Err(r) => return r,
                };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(&ctx, w(lang, "edit"), form),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ActiveForm {
    active: bool,
}

pub(super) async fn set_active(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match app
        .engine
        .catalog()
        .set_product_active(&p.id, f.active, None)
        .await
    {
        Ok(_) => Redirect::to(&products_url(&ctx)).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// A product as it stands, as the input that would recreate it.
pub(super) fn input_of(p: &Product) -> ProductInput {
    let variants = p
        .variants
        .iter()
        .map(|v| {
            let mut variant = VariantInput::new(
                v.sku.to_string(),
                v.price,
                v.tax_category.clone(),
                v.weight_grams,
            )
            .with_options(v.options.clone())
            .with_shippable(v.shippable)
            .with_stock_policy(v.stock_policy);
            variant.dimensions = v.dimensions;
            variant
        })
        .collect();
    let mut input = ProductInput::new(
        p.seller_id.clone(),
        p.category_id.clone(),
        p.slug.clone(),
        p.title.clone(),
        variants,
    )
    .with_description(p.description.clone())
    .with_materials(p.materials.clone())
    .with_photos(p.photos.clone());
    input.made_by = p.made_by.clone();
    input.customs = p.customs.clone();
    input
}

/// `POST /seller/products/{id}/photos` (multipart, field `photo`).
pub(super) async fn upload_photo(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Only an approved seller's photos are decoded and stored.
    match app.engine.catalog().seller(&p.seller_id).await {
        Ok(seller) if seller.active => {}
        Ok(seller) => {
            return refusal(&ctx, &tijara::TijaraError::SellerNotApproved(seller.id));
        }
        Err(e) => return refusal(&ctx, &e),
    }
    if p.photos.len() >= tijara::usecases::catalog::MAX_PHOTOS {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "8 photos at most");
    }
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => match field.bytes().await {
                Ok(b) => {
                    bytes = Some(b.to_vec());
                    break;
                }
                Err(e) => return problem(&ctx, e.status(), &e.body_text()),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return problem(&ctx, e.status(), &e.body_text()),
        }
    }
    let Some(bytes) = bytes else {
        return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "no photo");
    };
    let url = match crate::media::store(&app, bytes).await {
        Ok(u) => u,
        Err(e) => return problem(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    // Added to the product as stored, so photos sent at the same time are all kept (or the
    // refused ones are told why).
    let photo = tijara_core::catalog::Photo {
        url,
        alt: p.title.clone(),
    };
    match app.engine.catalog().add_product_photo(&p.id, photo).await {
        Ok(_) => Redirect::to(&format!("/seller/products/{}/edit?lang={}", p.id, ctx.lang))
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// `POST /seller/products/{id}/photos/{index}/delete`.
pub(super) async fn delete_photo(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, index)): Path<(String, usize)>,
) -> Response {
    let (p, _) = match my_product(&app, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(photo) = p.photos.get(index) else {
        return forbidden(&ctx);
    };
    match app
        .engine
        .catalog()
        .remove_product_photo(&p.id, &photo.url)
        .await
    {
        Ok(_) => Redirect::to(&format!("/seller/products/{}/edit?lang={}", p.id, ctx.lang))
            .into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}

/// The largest new-product form read (64 MiB): photos a phone takes at full size (8–12 MB
/// each) still reach the form, which refuses them beside what was typed instead of a bare 413.
/// Memory stays bounded: a photo is kept only up to [`crate::media::MAX_UPLOAD_BYTES`], the
/// rest drained. A larger body is refused before it is read.
const NEW_PRODUCT_MAX_BODY: usize = 64 * 1024 * 1024;

/// The product routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route(
            "/seller/products",
            get(products)
                .post(create_product)
                .layer(axum::extract::DefaultBodyLimit::max(NEW_PRODUCT_MAX_BODY)),
        )
        .route("/seller/products/new", get(new_product_page))
        .route(
            "/seller/products/{id}/edit",
            get(edit_product_page).post(update_product),
        )
        .route("/seller/products/{id}/active", post(set_active))
        .route(
            "/seller/products/{id}/photos",
            post(upload_photo).layer(axum::extract::DefaultBodyLimit::max(
                crate::media::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/seller/products/{id}/photos/{index}/delete",
            post(delete_photo),
        )
        .route("/media/{file}", get(crate::media::serve))
}

#[cfg(test)]
mod sku_tests {
    use super::*;

    #[test]
    fn a_new_sku_reads_as_the_product_and_keeps_its_suffix() {
        assert_eq!(
            new_sku("panier-en-palmier-tresse-5d5c9f", "5d5C9f"),
            "PANIER-EN-PALMIER-TRESSE-5D5C9F"
        );
        // Cut on a word at 24 characters.
        assert_eq!(
            new_sku("panier-rond-en-palmier-tresse-5d5c9f", "5d5c9f"),
            "PANIER-ROND-EN-PALMIER-5D5C9F"
        );
        assert_eq!(new_sku("zrby-swfy-k3x9aa", "k3x9aa"), "ZRBY-SWFY-K3X9AA");
        // A title with nothing to transliterate: the suffix alone.
        assert_eq!(new_sku("k3x9aa", "k3x9aa"), "K3X9AA");
        // One long word is cut.
        assert_eq!(
            new_sku(&format!("{}-ab12cd", "x".repeat(40)), "ab12cd"),
            format!("{}-AB12CD", "X".repeat(SKU_TITLE_CHARS))
        );
        for s in [
            new_sku("panier-en-palmier-tresse-5d5c9f", "5d5c9f"),
            new_sku(&format!("{}-ab12cd", "x".repeat(60)), "ab12cd"),
        ] {
            assert!(tijara_core::catalog::Sku::new(s.clone()).is_ok(), "{s}");
        }
    }
}
