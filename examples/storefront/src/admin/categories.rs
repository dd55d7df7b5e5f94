//! The admin's categories (`/admin/categories`): every category of the marketplace, a form that
//! adds one (its code, its names in Arabic, French and English), and a page per category
//! (`/admin/categories/{code}`) that renames it. The shop's chips, the product pages, the
//! sellers' product form and the search follow at once: a renamed category's products are
//! found by its new names. A wrong field is refused beside it (422), with what to write, and
//! nothing is stored.
//!
//! The forms place no category inside another: the shop lists a category's own products only
//! (its chip would not show those of a category inside it), so a parent chosen here would
//! promise what the shop does not do. A parent set through the engine
//! ([`tijara::usecases::catalog::CategoryUpdate::with_parent`], for a frontend of its own,
//! which reads it in `GET /api/v1/categories`) is shown in the list and kept by a rename.

use super::*;
use tijara::TijaraError;
use tijara::ports::storage::StorageError;
use tijara::usecases::catalog::{CategoryInput, CategoryUpdate};
use tijara_core::catalog::Category;
use tijara_core::{CategoryId, LocalizedText};

/// The longest code, in characters.
const MAX_CODE: usize = 40;
/// The longest name, in characters.
const MAX_NAME: usize = 80;

/// Words of the categories pages.
fn cw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "title" => ("Catégories", "الأصناف", "Categories"),
        "note" => (
            "Les catégories rangent les produits de la boutique : elles sont les boutons en haut de l'accueil, le chemin de chaque produit et un choix du formulaire des vendeurs. Un nom changé se voit partout à l'instant, et la recherche trouve les produits par leurs nouveaux noms.",
            "الأصناف ترتب منتجات المتجر: هي الأزرار أعلى الصفحة الرئيسية، ومسار كل منتج، واختيار في استمارة البائعين. الاسم المغير يظهر في كل مكان فورا، والبحث يجد المنتجات بأسمائها الجديدة.",
            "Categories sort the shop's products: they are the buttons at the top of the home page, each product's trail and a choice in the sellers' product form. A changed name shows everywhere at once, and search finds the products by their new names.",
        ),
        "code" => ("Code", "الرمز", "Code"),
        "code_help" => (
            "Dans l'adresse de la catégorie : lettres minuscules sans accent, chiffres et tirets, par exemple paniers ou tapis-laine. Il ne change plus ensuite.",
            "في عنوان الصنف: حروف لاتينية صغيرة وأرقام وشرطات، مثلا paniers أو tapis-laine. لا يتغير بعد ذلك.",
            "In the category's address: lower-case letters without accents, digits and dashes, e.g. baskets or wool-rugs. It cannot change later.",
        ),
        "name_ar" => ("Nom en arabe", "الاسم بالعربية", "Name in Arabic"),
        "name_fr" => ("Nom en français", "الاسم بالفرنسية", "Name in French"),
        "name_en" => ("Nom en anglais", "الاسم بالإنجليزية", "Name in English"),
        "names_help" => (
            "Au moins un nom ; un nom laissé vide est remplacé par celui d'une autre langue.",
            "اسم واحد على الأقل؛ الاسم الفارغ يعوض باسم من لغة أخرى.",
            "At least one name; a name left empty is replaced by another language's.",
        ),
        "new" => ("Nouvelle catégorie", "صنف جديد", "New category"),
        "add" => ("Ajouter la catégorie", "أضف الصنف", "Add the category"),
        "save" => ("Enregistrer", "احفظ", "Save"),
        "edit" => ("Modifier", "عدّل", "Edit"),
        "in_shop" => ("Voir dans la boutique", "شاهد في المتجر", "See in the shop"),
        "slug" => ("adresse", "العنوان", "address"),
        "inside" => ("dans", "داخل", "inside"),
        "edit_title" => ("Modifier la catégorie", "تعديل الصنف", "Edit the category"),
        "back" => (
            "Revenir aux catégories",
            "العودة إلى الأصناف",
            "Back to the categories",
        ),
        "created" => (
            "Catégorie ajoutée : elle est dans la boutique et dans le formulaire des vendeurs.",
            "تمت إضافة الصنف: هو الآن في المتجر وفي استمارة البائعين.",
            "Category added: it is in the shop and in the sellers' form.",
        ),
        "saved" => ("Catégorie enregistrée.", "تم حفظ الصنف.", "Category saved."),
        "unknown" => (
            "Cette catégorie n'existe pas : choisissez-en une dans la liste des catégories de l'administration.",
            "هذا الصنف غير موجود: اختر واحدا من قائمة الأصناف في الإدارة.",
            "This category does not exist: choose one from the administration's list of categories.",
        ),
        "none" => (
            "Aucune catégorie encore : ajoutez la première ci-dessous.",
            "لا توجد أصناف بعد: أضف الأول أسفله.",
            "No category yet: add the first one below.",
        ),
        "refused" => (
            "Rien n'est enregistré : corrigez le champ indiqué ci-dessous.",
            "لم يحفظ شيء: صحح الخانة المشار إليها أسفله.",
            "Nothing was saved: correct the field shown below.",
        ),
        "err_code" => (
            "Code : écrivez 1 à 40 lettres minuscules sans accent, chiffres ou tirets (pas de tiret au début ni à la fin), par exemple paniers.",
            "الرمز: اكتب من 1 إلى 40 حرفا لاتينيا صغيرا أو رقما أو شرطة (بلا شرطة في البداية أو النهاية)، مثلا paniers.",
            "Code: write 1 to 40 lower-case letters without accents, digits or dashes (no dash first or last), e.g. baskets.",
        ),
        "err_code_taken" => (
            "Code : une catégorie a déjà ce code (ou cette adresse, montrée dans la liste). Choisissez-en un autre, ou modifiez celle-là depuis la liste.",
            "الرمز: يوجد صنف بهذا الرمز (أو بهذا العنوان، المبين في القائمة). اختر غيره، أو عدّل ذلك الصنف من القائمة.",
            "Code: a category already has this code (or this address, shown in the list). Choose another, or edit that one from the list.",
        ),
        "err_names" => (
            "Nom : écrivez le nom de la catégorie dans au moins une langue.",
            "الاسم: اكتب اسم الصنف بلغة واحدة على الأقل.",
            "Name: write the category's name in at least one language.",
        ),
        "err_name" => (
            "Nom : 80 caractères au plus, sur une ligne, sans caractère de contrôle ni de direction invisible (collé d'un autre texte, par exemple) : retapez le nom.",
            "الاسم: 80 حرفا على الأكثر، في سطر واحد، بدون رموز تحكم أو اتجاه غير مرئية (ملصقة من نص آخر مثلا): أعيدوا كتابة الاسم.",
            "Name: at most 80 characters, on one line, without invisible control or direction characters (pasted from another text, say): type the name again.",
        ),
        _ => ("", "", ""),
    };
    pick(lang, fr, ar, en)
}

/// The form of a category, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct CategoryForm {
    /// The code (the category's id and slug); only on creation.
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_ar: String,
    #[serde(default)]
    name_fr: String,
    #[serde(default)]
    name_en: String,
}

/// A refused field: the form field and the key of its sentence.
type Refused = (&'static str, &'static str);

impl CategoryForm {
    /// The form of a stored category.
    fn of(c: &Category) -> CategoryForm {
        let name = |l| c.name.exact(l).unwrap_or_default().to_owned();
        CategoryForm {
            code: c.id.to_string(),
            name_ar: name(Lang::AR),
            name_fr: name(Lang::FR),
            name_en: name(Lang::EN),
        }
    }

    /// The names typed over `base` (names in other languages kept), checked.
    fn names(&self, base: &LocalizedText) -> Result<LocalizedText, Refused> {
        let mut names = base.clone();
        for (field, lang, typed) in [
            ("name_ar", Lang::AR, &self.name_ar),
            ("name_fr", Lang::FR, &self.name_fr),
            ("name_en", Lang::EN, &self.name_en),
        ] {
            let typed = typed.trim();
            if typed.chars().count() > MAX_NAME || typed.chars().any(unfit) {
                return Err((field, "err_name"));
            }
            names.set(lang, typed);
        }
        if names.is_empty() {
            return Err(("name_ar", "err_names"));
        }
        Ok(names)
    }
}

/// A character a name may not hold: a control character, or a bidirectional embedding,
/// override or isolate (U+202A–U+202E, U+2066–U+2069), which would reorder the text around
/// the name wherever it is shown (the marks U+200E and U+200F are allowed).
fn unfit(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A category id in a URL (path segment or query value): percent-encoded, since ids made
/// through the engine may hold `/`, `&`, `#` or `?`.
fn enc(id: &CategoryId) -> String {
    form_urlencoded::byte_serialize(id.as_str().as_bytes()).collect()
}

/// A new category's code, checked: 1 to [`MAX_CODE`] of `a-z` (capitals taken in lower case),
/// `0-9` and `-`, no dash first or last (it goes into the shop's addresses as written).
fn code(typed: &str) -> Result<CategoryId, Refused> {
    // Capitals are taken as the lower-case letters the code is written in (`Vannerie`).
    let typed = typed.trim().to_ascii_lowercase();
    let typed = typed.as_str();
    let ok = !typed.is_empty()
        && typed.len() <= MAX_CODE
        && typed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !typed.starts_with('-')
        && !typed.ends_with('-');
    if !ok {
        return Err(("code", "err_code"));
    }
    CategoryId::new(typed).map_err(|_| ("code", "err_code"))
}

/// The field an engine refusal is about, when the form can say it. Only the form of a new
/// category has a code: on the edit form a conflict (the category changed meanwhile, retried
/// in vain) is the error page's "try again".
fn refused_by_engine(e: &TijaraError, creating: bool) -> Option<Refused> {
    match e {
        TijaraError::Conflict { .. } | TijaraError::Storage(StorageError::KeyTaken { .. })
            if creating =>
        {
            Some(("code", "err_code_taken"))
        }
        TijaraError::InvalidField {
            field: "category.name",
            ..
        } => Some(("name_ar", "err_names")),
        _ => None,
    }
}

/// The categories in the tree's order (each after its parent, siblings in the stored order:
/// by code), with their depth. A category whose parent is missing shows as a main one, and
/// one in a stored loop (the engine never writes one) once, so the admin still sees it.
fn tree(cats: &[Category]) -> Vec<(&Category, usize)> {
    let known = |id: &CategoryId| cats.iter().any(|c| &c.id == id);
    let mut seen = vec![false; cats.len()];
    let mut out = Vec::with_capacity(cats.len());
    // The main categories first, then whatever a loop kept out of reach.
    let roots = cats
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent.as_ref().is_none_or(|p| !known(p)))
        .map(|(i, _)| i)
        .chain(0..cats.len());
    for root in roots {
        if seen[root] {
            continue;
        }
        let mut stack = vec![(root, 0)];
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            out.push((&cats[i], depth));
            let children = cats
                .iter()
                .enumerate()
                .filter(|(k, c)| !seen[*k] && c.parent.as_ref() == Some(&cats[i].id));
            stack.extend(
                children
                    .map(|(k, _)| (k, depth + 1))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev(),
            );
        }
    }
    out
}

/// "Name in <l>" in the page's language `lang` (with `l`'s code for a language the storefront
/// has no words for).
fn lang_label(lang: Lang, l: Lang) -> String {
    match l {
        Lang::AR => cw(lang, "name_ar").into(),
        Lang::FR => cw(lang, "name_fr").into(),
        Lang::EN => cw(lang, "name_en").into(),
        other => format!("{} ({})", w(lang, "name"), other.code()),
    }
}

/// A category's name for the admin's language.
fn name_of(lang: Lang, c: &Category) -> &str {
    c.name.get(lang, Lang::AR).unwrap_or(c.id.as_str())
}

/// The form's fields: the code (on creation only, not when `editing`) and the names, with the
/// refusal beside its field.
fn fields(ctx: &Ctx, f: &CategoryForm, refused: Option<Refused>, editing: bool) -> Markup {
    let lang = ctx.lang;
    let (field, sentence) = refused.unzip();
    let bad = |name: &str| (field == Some(name)).then_some("true");
    let described = |name: &str, help: &str| -> String {
        match (field == Some(name), help.is_empty()) {
            (true, true) => format!("err-{name}"),
            (true, false) => format!("{help} err-{name}"),
            (false, _) => help.to_owned(),
        }
    };
    let note = |name: &str| -> Markup {
        html! {
            @if field == Some(name) {
                @if let Some(s) = sentence { span.error.field-error id={ "err-" (name) } { (cw(lang, s)) } }
            }
        }
    };
    html! {
        (ctx.csrf_field())
        @if !editing {
            label { (cw(lang, "code"))
                input name="code" dir="ltr" required maxlength=(MAX_CODE) autocapitalize="none" spellcheck="false" value=(f.code) aria-invalid=[bad("code")] aria-describedby=(described("code", "code-help"));
                small.muted id="code-help" { (cw(lang, "code_help")) }
                (note("code"))
            }
        }
        p.muted id="names-help" { (cw(lang, "names_help")) }
        label { (cw(lang, "name_ar"))
            input name="name_ar" dir="rtl" lang="ar" maxlength=(MAX_NAME) value=(f.name_ar) aria-invalid=[bad("name_ar")] aria-describedby=(described("name_ar", "names-help"));
            (note("name_ar"))
        }
        label { (cw(lang, "name_fr"))
            input name="name_fr" dir="ltr" lang="fr" maxlength=(MAX_NAME) value=(f.name_fr) aria-invalid=[bad("name_fr")] aria-describedby=(described("name_fr", "names-help"));
            (note("name_fr"))
        }
        label { (cw(lang, "name_en"))
            input name="name_en" dir="ltr" lang="en" maxlength=(MAX_NAME) value=(f.name_en) aria-invalid=[bad("name_en")] aria-describedby=(described("name_en", "names-help"));
            (note("name_en"))
        }
    }
}

/// The list page: the tree, a notice, and the form of a new category (filled with `f`).
fn list_page(
    ctx: &Ctx,
    cats: &[Category],
    f: &CategoryForm,
    refused: Option<Refused>,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { (cw(lang, "title")) }
        (nav(lang))
        p.muted { (cw(lang, "note")) }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if cats.is_empty() { p { (cw(lang, "none")) } }
        @else {
            // A list rather than a table: it reads on a phone without scrolling sideways.
            ul.cat-list {
                @for (c, depth) in tree(cats) {
                    li.cat-row data-depth=(depth.min(3)) {
                        // The arrow points from the parent, on the reading side.
                        @for _ in 0..depth { span aria-hidden="true" { (if lang.is_rtl() { "↲ " } else { "↳ " }) } }
                        a href={ "/admin/categories/" (enc(&c.id)) } { strong { bdi { (name_of(lang, c)) } } }
                        " " bdi.muted dir="ltr" { code { (c.id) } }
                        // A category made through the engine may have an address of its own.
                        @if c.slug != c.id.as_str() { " " span.small { (cw(lang, "slug")) " " bdi dir="ltr" { code { (c.slug) } } } }
                        // Inside another (made through the engine): said, not only drawn.
                        @if let Some(p) = c.parent.as_ref().and_then(|p| cats.iter().find(|k| &k.id == p)) {
                            " " span.small { (cw(lang, "inside")) " " bdi { (name_of(lang, p)) } }
                        }
                        br;
                        // Each name on its line, labelled in the page's language (so the label
                        // reads in the page's direction), the name isolated in its own.
                        @for (l, n) in c.name.iter() {
                            span.small { (lang_label(lang, l)) (if lang == Lang::FR { "\u{a0}: " } else { ": " })
                                bdi lang=(l.code()) { (n) }
                            }
                            br;
                        }
                        a.small href={ "/?category=" (enc(&c.id)) } { (cw(lang, "in_shop")) }
                    }
                }
            }
        }
        section.box id="new" {
            h2 { (cw(lang, "new")) }
            @if refused.is_some() { p.error role="alert" { (cw(lang, "refused")) } }
            // Back to this form after a refusal, below the list.
            form method="post" action="/admin/categories#new" {
                (fields(ctx, f, refused, false))
                button type="submit" { (cw(lang, "add")) }
            }
        }
    };
    let mut response = layout(ctx, cw(lang, "title"), body).into_response();
    *response.status_mut() = status;
    response
}

/// The edit page of `c`: its form (filled with `f`), with the refusal beside its field.
fn edit_page(
    ctx: &Ctx,
    c: &Category,
    f: &CategoryForm,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { (cw(lang, "edit_title")) }
        (nav(lang))
        p { a href="/admin/categories" { (cw(lang, "back")) } }
        section.box {
            h2 { bdi { (name_of(lang, c)) } }
            p { (cw(lang, "code")) (if lang == Lang::FR { "\u{a0}: " } else { ": " }) bdi dir="ltr" { code { (c.id) } }
                " · " a href={ "/?category=" (enc(&c.id)) } { (cw(lang, "in_shop")) } }
        }
        @if refused.is_some() { p.error role="alert" { (cw(lang, "refused")) } }
        form method="post" action={ "/admin/categories/" (enc(&c.id)) } {
            (fields(ctx, f, refused, true))
            button type="submit" { (cw(lang, "save")) }
        }
    };
    let mut response = layout(ctx, cw(lang, "edit_title"), body).into_response();
    *response.status_mut() = status;
    response
}

/// For an admin, every category; anyone else gets [`admin_only`]'s answer, and a failed read
/// the page of the engine's refusal.
async fn all(app: &App, ctx: &Ctx) -> Result<Vec<Category>, Response> {
    if let Some(r) = admin_only(ctx) {
        return Err(r);
    }
    app.engine
        .catalog()
        .categories()
        .await
        .map_err(|e| refusal(ctx, &e))
}

/// `GET /admin/categories` (`?done=created|saved` after a change).
pub(super) async fn categories(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let cats = match all(&app, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match q.get("done").map(String::as_str) {
        Some("created") => Some(cw(ctx.lang, "created")),
        Some("saved") => Some(cw(ctx.lang, "saved")),
        _ => None,
    };
    list_page(
        &ctx,
        &cats,
        &CategoryForm::default(),
        None,
        notice,
        StatusCode::OK,
    )
}

/// `POST /admin/categories`: adds the category typed. A wrong field: 422, the list again with
/// the form filled and the refusal beside the field, nothing stored.
pub(super) async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<CategoryForm>,
) -> Response {
    let cats = match all(&app, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = code(&f.code).and_then(|id| {
        if cats.iter().any(|c| c.id == id || c.slug == id.as_str()) {
            return Err(("code", "err_code_taken"));
        }
        let names = f.names(&LocalizedText::new())?;
        Ok(CategoryInput::new(id.clone(), id.as_str(), names))
    });
    let refused = match input {
        Ok(input) => match app.engine.catalog().create_category(input, None).await {
            Ok(_) => return Redirect::to("/admin/categories?done=created").into_response(),
            Err(e) => match refused_by_engine(&e, true) {
                Some(r) => r,
                None => return refusal(&ctx, &e),
            },
        },
        Err(r) => r,
    };
    list_page(
        &ctx,
        &cats,
        &f,
        Some(refused),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// The category named in the path among `cats` (404 for an unknown one).
fn find<'a>(ctx: &Ctx, cats: &'a [Category], id: &str) -> Result<&'a Category, Response> {
    cats.iter().find(|c| c.id.as_str() == id).ok_or_else(|| {
        crate::web::problem_with_link(
            ctx,
            StatusCode::NOT_FOUND,
            cw(ctx.lang, "unknown"),
            "/admin/categories",
            cw(ctx.lang, "back"),
        )
    })
}

/// `GET /admin/categories/{code}`: the category's form.
pub(super) async fn edit(State(app): State<App>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let cats = match all(&app, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&ctx, &cats, &id) {
        Ok(c) => edit_page(&ctx, c, &CategoryForm::of(c), None, StatusCode::OK),
        Err(r) => r,
    }
}

/// `POST /admin/categories/{code}`: renames the category (names in other languages than
/// Arabic, French and English are kept, and so is its parent). A wrong field: 422, the form
/// again with the refusal beside it, nothing stored.
pub(super) async fn save(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CategoryForm>,
) -> Response {
    let cats = match all(&app, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let c = match find(&ctx, &cats, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // The names only: a parent set through the engine stays.
    let update = f
        .names(&c.name)
        .map(|names| CategoryUpdate::new().with_name(names));
    let refused = match update {
        Ok(update) => match app
            .engine
            .catalog()
            .update_category(&c.id, update, None)
            .await
        {
            Ok(_) => return Redirect::to("/admin/categories?done=saved").into_response(),
            Err(e) => match refused_by_engine(&e, false) {
                Some(r) => r,
                None => return refusal(&ctx, &e),
            },
        },
        Err(r) => r,
    };
    let f = CategoryForm {
        code: c.id.to_string(),
        ..f
    };
    edit_page(&ctx, c, &f, Some(refused), StatusCode::UNPROCESSABLE_ENTITY)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cat(id: &str, parent: Option<&str>) -> Category {
        Category {
            id: CategoryId::new(id).unwrap(),
            slug: id.into(),
            name: LocalizedText::single(Lang::FR, id),
            parent: parent.map(|p| CategoryId::new(p).unwrap()),
        }
    }

    #[test]
    fn a_code_is_lower_case_letters_digits_and_inner_dashes() {
        for good in [
            "paniers",
            "tapis-laine",
            "a",
            "cat-2",
            &"x".repeat(MAX_CODE),
        ] {
            assert_eq!(code(good).unwrap().as_str(), good);
        }
        assert_eq!(code("  bois ").unwrap().as_str(), "bois");
        assert_eq!(code("Vannerie").unwrap().as_str(), "vannerie");
        for bad in [
            "",
            "  ",
            "tapis laine",
            "-bois",
            "bois-",
            "bijoux&argent",
            "poterie#1",
            "été",
            "a/b",
            &"x".repeat(MAX_CODE + 1),
        ] {
            assert_eq!(code(bad).unwrap_err(), ("code", "err_code"), "{bad:?}");
        }
    }

    #[test]
    fn names_need_one_language_keep_the_others_and_refuse_long_or_multiline_text() {
        let base = LocalizedText::new()
            .with(Lang::FR, "Ancien")
            .with(Lang::ES, "Cestas");
        let f = CategoryForm {
            name_ar: " سلال ".into(),
            name_fr: "Paniers".into(),
            ..CategoryForm::default()
        };
        let names = f.names(&base).unwrap();
        assert_eq!(names.exact(Lang::AR), Some("سلال"));
        assert_eq!(names.exact(Lang::FR), Some("Paniers"));
        assert_eq!(
            names.exact(Lang::EN),
            None,
            "an empty field removes the name"
        );
        assert_eq!(names.exact(Lang::ES), Some("Cestas"), "kept");
        let empty = CategoryForm::default();
        assert_eq!(
            empty.names(&LocalizedText::new()).unwrap_err(),
            ("name_ar", "err_names")
        );
        let long = CategoryForm {
            name_en: "x".repeat(MAX_NAME + 1),
            ..f.clone()
        };
        assert_eq!(long.names(&base).unwrap_err(), ("name_en", "err_name"));
        let two_lines = CategoryForm {
            name_fr: "Paniers\nen palme".into(),
            ..f
        };
        assert_eq!(two_lines.names(&base).unwrap_err(), ("name_fr", "err_name"));
    }

    #[test]
    fn the_tree_puts_each_category_after_its_parent_and_shows_orphans_and_loops_once() {
        let cats = vec![
            cat("wood", None),
            cat("boxes", Some("wood")),
            cat("leather", None),
            cat("bags", Some("leather")),
            cat("small-bags", Some("bags")),
            cat("lost", Some("gone")),
            cat("loop-a", Some("loop-b")),
            cat("loop-b", Some("loop-a")),
        ];
        let order: Vec<(&str, usize)> = tree(&cats)
            .into_iter()
            .map(|(c, d)| (c.id.as_str(), d))
            .collect();
        assert_eq!(
            order,
            vec![
                ("wood", 0),
                ("boxes", 1),
                ("leather", 0),
                ("bags", 1),
                ("small-bags", 2),
                ("lost", 0),
                ("loop-a", 0),
                ("loop-b", 1),
            ]
        );
    }

    #[test]
    fn names_refuse_bidi_overrides_and_isolates_but_take_the_marks() {
        for bad in ["\u{202e}مرحبا", "Cuir\u{2066}", "a\u{202a}b", "x\u{2069}"] {
            let f = CategoryForm {
                name_fr: bad.into(),
                ..CategoryForm::default()
            };
            assert_eq!(
                f.names(&LocalizedText::new()).unwrap_err(),
                ("name_fr", "err_name"),
                "{bad:?}"
            );
        }
        let f = CategoryForm {
            name_ar: "الجلد \u{200f}(Cuir)".into(),
            ..CategoryForm::default()
        };
        assert!(f.names(&LocalizedText::new()).is_ok());
    }

    #[test]
    fn only_a_new_category_s_form_blames_its_code_for_a_conflict() {
        let taken = TijaraError::Storage(StorageError::KeyTaken {
            kind: tijara::ports::storage::DocKind::Category,
            key: "slug:paniers".into(),
        });
        assert_eq!(
            refused_by_engine(&taken, true),
            Some(("code", "err_code_taken"))
        );
        assert_eq!(refused_by_engine(&taken, false), None);
        let no_name = TijaraError::InvalidField {
            field: "category.name",
            rule: "must not be empty".into(),
        };
        assert_eq!(
            refused_by_engine(&no_name, false),
            Some(("name_ar", "err_names"))
        );
        let other = TijaraError::InvalidField {
            field: "category.slug",
            rule: "too long".into(),
        };
        assert_eq!(refused_by_engine(&other, true), None);
    }

    #[test]
    fn ids_are_percent_encoded_in_addresses() {
        assert_eq!(enc(&CategoryId::new("tapis-laine").unwrap()), "tapis-laine");
        assert_eq!(enc(&CategoryId::new("a&b/c?#").unwrap()), "a%26b%2Fc%3F%23");
    }
}
