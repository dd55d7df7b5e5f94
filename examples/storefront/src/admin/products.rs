//! The admin's products (`/admin/products`): every product of the marketplace, searched by
//! words and narrowed to one seller, showing which lack the customs data a parcel abroad needs
//! (HS code, customs descriptions in French and English, country of origin, net weight); and
//! the form that edits a product's customs data (`/admin/products/{id}/customs`) for a seller
//! who cannot. A wrong field is refused beside it, with what to write, and nothing is stored.

use super::*;
use tijara::usecases::catalog::ProductFilter;
use tijara_core::ProductId;
use tijara_core::customs::{CustomsError, CustomsInfo};

/// Products per page.
const PER_PAGE: u32 = 50;

/// Words of the products pages.
fn pw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => ("Produits", "المنتجات", "Products"),
        "search" => ("Chercher", "ابحث", "Search"),
        "words" => ("Mots du titre", "كلمات من الاسم", "Words of the title"),
        "seller" => ("Vendeur", "البائع", "Seller"),
        "all_sellers" => ("Tous les vendeurs", "كل البائعين", "All sellers"),
        "missing_only" => (
            "Sans données douanières",
            "بدون بيانات جمركية",
            "Without customs data",
        ),
        "all" => ("Tous", "الكل", "All"),
        "customs" => ("Douane", "الجمارك", "Customs"),
        "missing" => (
            "manquantes : pas d'envoi à l'étranger",
            "ناقصة: لا إرسال إلى الخارج",
            "missing: not sent abroad",
        ),
        "edit" => ("Données douanières", "البيانات الجمركية", "Customs data"),
        "inactive" => ("désactivé", "معطل", "inactive"),
        "list_note" => (
            "Un produit sans données douanières ne peut pas être envoyé hors du Maroc : l'acheteur à l'étranger ne peut pas le commander. Le filtre s'applique aux produits de chaque page.",
            "المنتج بدون بيانات جمركية لا يمكن إرساله خارج المغرب: لا يستطيع المشتري في الخارج طلبه. التصفية تطبق على منتجات كل صفحة.",
            "A product without customs data cannot be sent outside Morocco: a shopper abroad cannot order it. The filter applies to each page's products.",
        ),
        "form_title" => (
            "Données douanières du produit",
            "البيانات الجمركية للمنتج",
            "Customs data of the product",
        ),
        "form_help" => (
            "Elles figurent sur la déclaration CN23 de chaque colis envoyé à l'étranger et sont transmises au transporteur. Le vendeur peut aussi les remplir dans son espace.",
            "تظهر في تصريح CN23 لكل طرد يرسل إلى الخارج وترسل إلى الناقل. يمكن للبائع أيضا ملؤها في فضائه.",
            "They go on the CN23 declaration of every parcel sent abroad and to the carrier. The seller can fill them in from the seller's space too.",
        ),
        "hs_code" => (
            "Code SH (tarif douanier)",
            "رمز النظام المنسق (التعريفة الجمركية)",
            "HS code (customs tariff)",
        ),
        "hs_help" => (
            "6 à 10 chiffres, par exemple 4202.21 pour un sac en cuir, 7113.11 pour un bijou en argent.",
            "من 6 إلى 10 أرقام، مثلا 4202.21 لحقيبة جلدية، 7113.11 لحلي من الفضة.",
            "6 to 10 digits, e.g. 4202.21 for a leather bag, 7113.11 for silver jewellery.",
        ),
        "desc_fr" => (
            "Description en douane (français)",
            "الوصف الجمركي (بالفرنسية)",
            "Customs description (French)",
        ),
        "desc_en" => (
            "Description en douane (anglais)",
            "الوصف الجمركي (بالإنجليزية)",
            "Customs description (English)",
        ),
        "origin" => (
            "Pays d'origine (code à deux lettres)",
            "بلد المنشأ (رمز من حرفين)",
            "Country of origin (two-letter code)",
        ),
        "net_weight" => (
            "Poids net d'une pièce (grammes, sans emballage)",
            "الوزن الصافي للقطعة (غرام، بدون تغليف)",
            "Net weight of one piece (grams, without packing)",
        ),
        "save" => ("Enregistrer", "احفظ", "Save"),
        "remove" => (
            "Retirer les données douanières (le produit ne sera plus vendu à l'étranger)",
            "احذف البيانات الجمركية (لن يباع المنتج في الخارج)",
            "Remove the customs data (the product is no longer sold abroad)",
        ),
        "saved" => (
            "Données douanières enregistrées.",
            "تم حفظ البيانات الجمركية.",
            "Customs data saved.",
        ),
        "removed" => (
            "Données douanières retirées : le produit n'est plus vendu à l'étranger.",
            "تم حذف البيانات الجمركية: لم يعد المنتج يباع في الخارج.",
            "Customs data removed: the product is no longer sold abroad.",
        ),
        "back" => (
            "Revenir aux produits",
            "العودة إلى المنتجات",
            "Back to the products",
        ),
        "refused" => (
            "Rien n'est enregistré : corrigez le champ indiqué ci-dessous.",
            "لم يحفظ شيء: صحح الخانة المشار إليها أسفله.",
            "Nothing was saved: correct the field shown below.",
        ),
        "err_hs_code" => (
            "Code SH : écrivez 6 à 10 chiffres (les points et espaces sont permis), par exemple 4202.21.",
            "رمز النظام المنسق: اكتب من 6 إلى 10 أرقام (النقط والمسافات مسموحة)، مثلا 4202.21.",
            "HS code: write 6 to 10 digits (dots and spaces allowed), e.g. 4202.21.",
        ),
        "err_desc_fr" => (
            "Description en français : écrivez ce qu'est l'objet sur une ligne, 120 caractères au plus, par exemple « Sac en cuir de chèvre fait main ».",
            "الوصف بالفرنسية: اكتب ما هو الشيء في سطر واحد، 120 حرفا على الأكثر، مثلا «Sac en cuir de chèvre fait main».",
            "French description: say what the item is on one line, at most 120 characters, e.g. \"Sac en cuir de chèvre fait main\".",
        ),
        "err_desc_en" => (
            "Description en anglais : écrivez ce qu'est l'objet sur une ligne, 120 caractères au plus, par exemple « Handmade goat leather bag ».",
            "الوصف بالإنجليزية: اكتب ما هو الشيء في سطر واحد، 120 حرفا على الأكثر، مثلا «Handmade goat leather bag».",
            "English description: say what the item is on one line, at most 120 characters, e.g. \"Handmade goat leather bag\".",
        ),
        "err_origin" => (
            "Pays d'origine : écrivez le code du pays en deux lettres, MA pour le Maroc.",
            "بلد المنشأ: اكتب رمز البلد بحرفين، MA للمغرب.",
            "Country of origin: write the country's two-letter code, MA for Morocco.",
        ),
        "err_net_weight" => (
            "Poids net : écrivez un nombre entier de grammes plus grand que 0, par exemple 450.",
            "الوزن الصافي: اكتب عددا صحيحا من الغرامات أكبر من 0، مثلا 450.",
            "Net weight: write a whole number of grams above 0, e.g. 450.",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// `GET /admin/products`: `?q=` words of the title, `?seller=` one seller, `?missing=1` only
/// those without customs data, `?after=` the next page.
pub(super) async fn products(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let words = q.get("q").map(|s| s.trim()).unwrap_or("").to_owned();
    let seller = q
        .get("seller")
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| SellerId::new(s.trim()).ok());
    let missing_only = q.get("missing").is_some_and(|v| v == "1");
    let mut filter = ProductFilter::default().with_include_inactive(true);
    if let Some(s) = &seller {
        filter = filter.with_seller(s.clone());
    }
    if !words.is_empty() {
        filter = filter.with_text(words.clone());
    }
    let page = match app
        .engine
        .catalog()
        .list_products(&filter, q.get("after").map(String::as_str), PER_PAGE)
        .await
    {
        Ok(p) => p,
        Err(e) => return refusal(&ctx, &e),
    };
    let sellers = match app.engine.catalog().list_sellers(None, 100).await {
        Ok(p) => p.items,
        Err(e) => return refusal(&ctx, &e),
    };
    let seller_name = |id: &SellerId| {
        sellers
            .iter()
            .find(|s| &s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let shown: Vec<_> = page
        .items
        .iter()
        .filter(|v| !missing_only || v.product.customs.is_none())
        .collect();
    // The query of this list (its filters), to keep them on the chips and the next page.
    let mut keep = String::new();
    if !words.is_empty() {
        keep.push_str(&format!("&q={}", urlencode(&words)));
    }
    if let Some(s) = &seller {
        keep.push_str(&format!("&seller={s}"));
    }
    let body = html! {
        h1 { (pw(lang, "title")) }
        (nav(lang))
        p.muted { (pw(lang, "list_note")) }
        form.inline method="get" action="/admin/products" role="search" {
            label { (pw(lang, "words")) " " input type="search" name="q" value=(words) maxlength="100"; }
            " "
            label { (pw(lang, "seller")) " "
                select name="seller" {
                    option value="" { (pw(lang, "all_sellers")) }
                    @for s in &sellers {
                        option value=(s.id) selected[seller.as_ref() == Some(&s.id)] { (s.name) }
                    }
                }
            }
            @if missing_only { input type="hidden" name="missing" value="1"; }
            " " button type="submit" { (pw(lang, "search")) }
        }
        nav.chips aria-label=(w(lang, "filter")) {
            a.chip href={ "/admin/products?" (keep.trim_start_matches('&')) } aria-current=[(!missing_only).then_some("page")] { (pw(lang, "all")) }
            a.chip href={ "/admin/products?missing=1" (keep) } aria-current=[missing_only.then_some("page")] { (pw(lang, "missing_only")) }
        }
        @if shown.is_empty() { p { (w(lang, "none")) } }
        @else {
            div.table-wrap tabindex="0" {
                // One block per product on a phone (`table.stack`).
                table.stack {
                    thead { tr { th { (w(lang, "product")) } th { (pw(lang, "seller")) } th { (pw(lang, "customs")) } th {} } }
                    tbody {
                    @for v in &shown {
                        @let p = &v.product;
                        tr {
                            td {
                                (p.title.get(lang, Lang::AR).unwrap_or(p.slug.as_str()))
                                @if !p.active { " " span.muted { "(" (pw(lang, "inactive")) ")" } }
                                br; span.muted { @for var in &v.variants { bdi { (var.variant.sku) } " " } }
                            }
                            td { (seller_name(&p.seller_id)) }
                            td {
                                @match &p.customs {
                                    Some(c) => { "✔ " bdi dir="ltr" { (c.hs_code_display()) } " · " bdi dir="ltr" { (c.origin_country) } }
                                    None => { strong.error { "✘ " (pw(lang, "missing")) } }
                                }
                            }
                            td { a.button href={ "/admin/products/" (p.id) "/customs" } { (pw(lang, "edit")) } }
                        }
                    }
                    }
                }
            }
        }
        @if let Some(n) = &page.next {
            p { a.button href={ "/admin/products?after=" (n) (keep) @if missing_only { "&missing=1" } } { (w(lang, "next")) } }
        }
    };
    layout(&ctx, pw(lang, "title"), body).into_response()
}

/// `text` for a URL's query.
fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// The customs form's fields, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct CustomsForm {
    #[serde(default)]
    hs_code: String,
    #[serde(default)]
    description_fr: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    net_weight: String,
    /// `remove`: take the data off.
    #[serde(default)]
    action: String,
}

/// The form's field that a refusal is about, and the key of its sentence.
fn refused_field(e: &CustomsError) -> (&'static str, &'static str) {
    match e {
        CustomsError::HsCode(_) => ("hs_code", "err_hs_code"),
        CustomsError::EmptyDescription("en") | CustomsError::BadDescription("en") => {
            ("description_en", "err_desc_en")
        }
        CustomsError::EmptyDescription(_) | CustomsError::BadDescription(_) => {
            ("description_fr", "err_desc_fr")
        }
        CustomsError::Origin => ("origin", "err_origin"),
        _ => ("net_weight", "err_net_weight"),
    }
}

impl CustomsForm {
    /// The form of a product's stored data (origin `MA`, and the first variant's weight as
    /// the net weight, when it has none).
    fn of(p: &tijara_core::catalog::Product) -> CustomsForm {
        match &p.customs {
            Some(c) => CustomsForm {
                hs_code: c.hs_code_display(),
                description_fr: c.description_fr.clone(),
                description_en: c.description_en.clone(),
                origin: c.origin_country.clone(),
                net_weight: c.net_weight_grams.to_string(),
                action: String::new(),
            },
            None => CustomsForm {
                origin: "MA".into(),
                net_weight: p
                    .variants
                    .first()
                    .map(|v| v.weight_grams.to_string())
                    .unwrap_or_default(),
                ..CustomsForm::default()
            },
        }
    }

    /// The data typed, checked: [`CustomsError`] naming the first wrong field (a net weight
    /// that is no whole number is [`CustomsError::ZeroWeight`]).
    fn info(&self) -> Result<CustomsInfo, CustomsError> {
        let grams = self
            .net_weight
            .trim()
            .parse::<u32>()
            .map_err(|_| CustomsError::ZeroWeight)?;
        CustomsInfo {
            hs_code: self.hs_code.clone(),
            description_fr: self.description_fr.clone(),
            description_en: self.description_en.clone(),
            origin_country: self.origin.clone(),
            net_weight_grams: grams,
        }
        .normalized()
    }
}

/// Loads a product by the id in the path (404 for an unknown one).
async fn product_of(
    app: &App,
    ctx: &Ctx,
    id: String,
) -> Result<tijara::usecases::catalog::ProductView, Response> {
    let id = ProductId::new(id).map_err(|_| problem(ctx, StatusCode::NOT_FOUND, "404"))?;
    app.engine
        .catalog()
        .product(&id)
        .await
        .map_err(|e| refusal(ctx, &e))
}

/// The customs page: the product, its form (filled with `f`), and the refusal beside its field.
fn customs_page(
    ctx: &Ctx,
    v: &tijara::usecases::catalog::ProductView,
    seller: &str,
    f: &CustomsForm,
    refused: Option<&CustomsError>,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let p = &v.product;
    let (field, sentence) = refused.map(refused_field).unzip();
    let bad = |name: &str| (field == Some(name)).then_some("true");
    let note = |name: &str| -> Markup {
        html! {
            @if field == Some(name) {
                @if let Some(s) = sentence { span.error.field-error id={ "err-" (name) } { (pw(lang, s)) } }
            }
        }
    };
    let described = |name: &str, help: &'static str| -> String {
        if field == Some(name) {
            format!("{help} err-{name}")
        } else {
            help.to_owned()
        }
    };
    let title = p.title.get(lang, Lang::AR).unwrap_or(p.slug.as_str());
    let body = html! {
        h1 { (pw(lang, "form_title")) }
        (nav(lang))
        p { a href="/admin/products" { (pw(lang, "back")) } }
        section.box {
            h2 { (title) }
            p { (pw(lang, "seller")) (if lang == Lang::FR { "\u{a0}: " } else { ": " }) (seller) }
            p.muted { @for var in &v.variants { bdi dir="ltr" { (var.variant.sku) } " · " bdi { (var.variant.weight_grams) " g" } br; } }
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if refused.is_some() { p.error role="alert" { (pw(lang, "refused")) } }
        form method="post" action={ "/admin/products/" (p.id) "/customs" } {
            (ctx.csrf_field())
            p.muted id="customs-help" { (pw(lang, "form_help")) }
            label { (pw(lang, "hs_code"))
                input name="hs_code" dir="ltr" inputmode="decimal" maxlength="20" value=(f.hs_code) aria-invalid=[bad("hs_code")] aria-describedby=(described("hs_code", "hs-help"));
                small.muted id="hs-help" { (pw(lang, "hs_help")) }
                (note("hs_code"))
            }
            label { (pw(lang, "desc_fr"))
                input name="description_fr" lang="fr" dir="ltr" maxlength="120" value=(f.description_fr) aria-invalid=[bad("description_fr")] aria-describedby=[(field == Some("description_fr")).then_some("err-description_fr")];
                (note("description_fr"))
            }
            label { (pw(lang, "desc_en"))
                input name="description_en" lang="en" dir="ltr" maxlength="120" value=(f.description_en) aria-invalid=[bad("description_en")] aria-describedby=[(field == Some("description_en")).then_some("err-description_en")];
                (note("description_en"))
            }
            label { (pw(lang, "origin"))
                input name="origin" dir="ltr" maxlength="2" size="3" value=(f.origin) aria-invalid=[bad("origin")] aria-describedby=[(field == Some("origin")).then_some("err-origin")];
                (note("origin"))
            }
            label { (pw(lang, "net_weight"))
                input name="net_weight" inputmode="numeric" dir="ltr" maxlength="7" value=(f.net_weight) aria-invalid=[bad("net_weight")] aria-describedby=[(field == Some("net_weight")).then_some("err-net_weight")];
                (note("net_weight"))
            }
            button type="submit" name="action" value="save" { (pw(lang, "save")) }
            @if p.customs.is_some() {
                " " button.secondary type="submit" name="action" value="remove" { (pw(lang, "remove")) }
            }
        }
    };
    let mut response = layout(ctx, pw(lang, "form_title"), body).into_response();
    *response.status_mut() = status;
    response
}

/// The seller's name, for the form's heading.
async fn seller_label(app: &App, id: &SellerId) -> String {
    app.engine
        .catalog()
        .seller(id)
        .await
        .map_or_else(|_| id.to_string(), |s| s.name)
}

/// `GET /admin/products/{id}/customs` (`?done=saved|removed` after a change).
pub(super) async fn customs_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let v = match product_of(&app, &ctx, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let seller = seller_label(&app, &v.product.seller_id).await;
    let notice = match q.get("done").map(String::as_str) {
        Some("saved") => Some(pw(ctx.lang, "saved")),
        Some("removed") => Some(pw(ctx.lang, "removed")),
        _ => None,
    };
    customs_page(
        &ctx,
        &v,
        &seller,
        &CustomsForm::of(&v.product),
        None,
        notice,
        StatusCode::OK,
    )
}

/// `POST /admin/products/{id}/customs`: saves the customs data typed (`action=remove` takes
/// it off). A wrong field: 422, the form again with the refusal beside it, nothing stored.
pub(super) async fn save_customs(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CustomsForm>,
) -> Response {
    if let Some(r) = admin_only(&ctx) {
        return r;
    }
    let v = match product_of(&app, &ctx, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (customs, done) = if f.action == "remove" {
        (None, "removed")
    } else {
        match f.info() {
            Ok(info) => (Some(info), "saved"),
            Err(e) => {
                let seller = seller_label(&app, &v.product.seller_id).await;
                return customs_page(
                    &ctx,
                    &v,
                    &seller,
                    &f,
                    Some(&e),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
        }
    };
    let id = v.product.id.clone();
    match app
        .engine
        .catalog()
        .set_product_customs(&id, customs, None)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/products/{id}/customs?done={done}")).into_response(),
        Err(e) => refusal(&ctx, &e),
    }
}
