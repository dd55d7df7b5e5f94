//! The portal's shop profile: the seller's phone and the address parcels leave from (the
//! label's sender), the story shown on product pages, and the WhatsApp contact shoppers see
//! (opt-in: shown only when the box is ticked).
//!
//! Authorization: the seller is the logged-in account's. A cooperative's member artisan reads
//! the profile but does not change it: it speaks for every member (403 on saving).

use super::*;
use tijara::usecases::catalog::SellerInput;
use tijara_core::catalog::{MAX_ADDRESS_CHARS, Problem, Seller, SellerContact};

/// Words of the profile page.
pub(super) fn fw(lang: Lang, key: &str) -> &'static str {
    let (fr, ar, en) = match key {
        "profile" => ("Ma boutique", "متجري", "My shop"),
        "intro" => (
            "Ces informations servent aux transporteurs et aux acheteurs. Gardez-les à jour.",
            "تستعمل هذه المعلومات من طرف الناقلين والمشترين. حافظ على تحديثها.",
            "Carriers and buyers use this. Keep it up to date.",
        ),
        "phone" => (
            "Téléphone (le transporteur vous appelle pour l'enlèvement)",
            "الهاتف (يتصل بك الناقل لاستلام الطرد)",
            "Phone (the carrier calls you for the pick-up)",
        ),
        "address" => (
            "Adresse d'envoi (imprimée comme expéditeur sur l'étiquette)",
            "عنوان الإرسال (يطبع كمرسل على الملصق)",
            "Sending address (printed as the sender on the label)",
        ),
        "address_help" => (
            "Rue, quartier, repère. La ville est celle de votre boutique :",
            "الشارع، الحي، معلم قريب. المدينة هي مدينة متجرك:",
            "Street, district, landmark. The city is your shop's:",
        ),
        "story_ar" => (
            "Votre histoire, en arabe (montrée sur vos produits)",
            "قصتك بالعربية (تظهر على منتجاتك)",
            "Your story, in Arabic (shown on your products)",
        ),
        "story_fr" => (
            "Votre histoire, en français",
            "قصتك بالفرنسية",
            "Your story, in French",
        ),
        "wa_show" => (
            "Montrer un bouton WhatsApp aux acheteurs",
            "أظهر زر واتساب للمشترين",
            "Show buyers a WhatsApp button",
        ),
        "wa_number" => (
            "Numéro WhatsApp (vide = le téléphone ci-dessus)",
            "رقم واتساب (فارغ = الهاتف أعلاه)",
            "WhatsApp number (empty = the phone above)",
        ),
        "wa_help" => (
            "Sans case cochée, aucun numéro n'est montré aux acheteurs.",
            "بدون وضع العلامة، لا يظهر أي رقم للمشترين.",
            "Unticked, no number is shown to buyers.",
        ),
        "saved" => ("Profil enregistré.", "تم حفظ الملف.", "Profile saved."),
        "member" => (
            "Le profil est celui de la coopérative : seul son compte peut le modifier.",
            "هذا ملف التعاونية: حسابها وحده يمكنه تعديله.",
            "This is the cooperative's profile: only its account can change it.",
        ),
        "err_phone" => (
            "Numéro de téléphone non compris : écrivez-le comme 06 12 34 56 78 ou +212 6 12 34 56 78.",
            "لم نفهم رقم الهاتف: اكتبه هكذا 06 12 34 56 78 أو ‎+212 6 12 34 56 78.",
            "Phone number not understood: write it as 06 12 34 56 78 or +212 6 12 34 56 78.",
        ),
        "err_wa" => (
            "Numéro WhatsApp non compris : écrivez-le comme 06 12 34 56 78, ou laissez vide pour utiliser le téléphone.",
            "لم نفهم رقم واتساب: اكتبه هكذا 06 12 34 56 78، أو اتركه فارغا لاستعمال الهاتف.",
            "WhatsApp number not understood: write it as 06 12 34 56 78, or leave it empty to use the phone.",
        ),
        "err_wa_none" => (
            "Pour montrer WhatsApp, écrivez un numéro (ici ou dans le téléphone).",
            "لإظهار واتساب، اكتب رقما (هنا أو في الهاتف).",
            "To show WhatsApp, write a number (here or as the phone).",
        ),
        "err_address" => (
            "Adresse trop longue (300 caractères au plus) ou avec un caractère invisible : raccourcissez-la.",
            "العنوان طويل جدا (300 حرف على الأكثر) أو فيه حرف غير مرئي: اختصره.",
            "Address too long (300 characters at most) or with an invisible character: shorten it.",
        ),
        "err_story" => (
            "Histoire trop longue : 2000 caractères au plus par langue.",
            "القصة طويلة جدا: 2000 حرف على الأكثر لكل لغة.",
            "Story too long: 2000 characters at most per language.",
        ),
        _ => ("", "", ""),
    };
    crate::web::pick(lang, fr, ar, en)
}

/// The longest story, per language, in characters.
const MAX_STORY_CHARS: usize = 2000;

/// The profile form's fields.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ProfileForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    story_ar: String,
    #[serde(default)]
    story_fr: String,
    /// The opt-in box: present when ticked.
    #[serde(default)]
    whatsapp_on: Option<String>,
    #[serde(default)]
    whatsapp: String,
}

impl ProfileForm {
    /// The seller's details with this form applied, or the key of the sentence that says what
    /// to correct.
    fn apply(&self, seller: &Seller) -> Result<SellerInput, &'static str> {
        let phone = match self.phone.trim() {
            "" => None,
            p => Some(tijara_core::order::normalize_phone(p, "MA").map_err(|_| "err_phone")?),
        };
        let address = self.address.trim().replace("\r\n", "\n");
        if address.chars().count() > MAX_ADDRESS_CHARS
            || address.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err("err_address");
        }
        let (story_ar, story_fr) = (self.story_ar.trim(), self.story_fr.trim());
        if story_ar.chars().count() > MAX_STORY_CHARS || story_fr.chars().count() > MAX_STORY_CHARS
        {
            return Err("err_story");
        }
        let whatsapp = if self.whatsapp_on.is_some() {
            match self.whatsapp.trim() {
                "" => Some(phone.clone().ok_or("err_wa_none")?),
                w => Some(tijara_core::order::normalize_phone(w, "MA").map_err(|_| "err_wa")?),
            }
        } else {
            None
        };
        let mut input = SellerInput::from(seller.clone());
        input.contact = SellerContact::new(phone, (!address.is_empty()).then_some(address));
        input.story.set(Lang::AR, story_ar);
        input.story.set(Lang::FR, story_fr);
        input.whatsapp = whatsapp;
        Ok(input)
    }
}

fn page(ctx: &Ctx, seller: &Seller, can_edit: bool, note: Option<(&str, bool)>) -> Markup {
    let lang = ctx.lang;
    let story = |l: Lang| seller.story.exact(l).unwrap_or("").to_owned();
    html! {
        h1 { (fw(lang, "profile")) " — " (seller.name) }
        (nav(ctx))
        @if let Some((text, ok)) = note {
            @if ok { p.ok role="status" { "✔ " (text) } } @else { p.error role="alert" { (text) } }
        }
        @if !can_edit { p.muted { (fw(lang, "member")) } }
        p.muted { (fw(lang, "intro")) }
        form method="post" action="/seller/profile" {
            (ctx.csrf_field())
            fieldset disabled[!can_edit] {
                label { (fw(lang, "phone")) input name="phone" type="tel" inputmode="tel" autocomplete="tel" dir="ltr" value=(seller.contact.phone.clone().unwrap_or_default()); }
                label { (fw(lang, "address")) textarea name="address" rows="3" maxlength=(MAX_ADDRESS_CHARS) aria-describedby="address-help" { (seller.contact.address.clone().unwrap_or_default()) } }
                p.muted id="address-help" { (fw(lang, "address_help")) " " bdi { (seller.home_city) } }
                label { (fw(lang, "story_ar")) textarea name="story_ar" dir="rtl" lang="ar" rows="4" maxlength=(MAX_STORY_CHARS) { (story(Lang::AR)) } }
                label { (fw(lang, "story_fr")) textarea name="story_fr" lang="fr" rows="4" maxlength=(MAX_STORY_CHARS) { (story(Lang::FR)) } }
                label.check { input type="checkbox" name="whatsapp_on" value="1" checked[seller.whatsapp.is_some()]; " " (fw(lang, "wa_show")) }
                label { (fw(lang, "wa_number")) input name="whatsapp" type="tel" inputmode="tel" dir="ltr" value=(seller.whatsapp.clone().unwrap_or_default()) aria-describedby="wa-help"; }
                p.muted id="wa-help" { (fw(lang, "wa_help")) }
                @if can_edit { button.big type="submit" { (w(lang, "save")) } }
            }
        }
    }
}

async fn load(app: &App, ctx: &Ctx) -> Result<(Seller, bool), Response> {
    let (seller_id, member) = seller_of(ctx)?;
    let seller = match app.engine.catalog().seller(&seller_id).await {
        Ok(s) => s,
        Err(TijaraError::NotFound { .. }) => return Err(forbidden(ctx)),
        Err(e) => return Err(refusal(ctx, &e)),
    };
    Ok((seller, member.is_none()))
}

#[derive(Deserialize)]
pub(super) struct ProfileQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /seller/profile`.
pub(super) async fn profile_page(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ProfileQuery>,
) -> Response {
    let (seller, can_edit) = match load(&app, &ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let note = q.saved.map(|_| (fw(ctx.lang, "saved"), true));
    layout(
        &ctx,
        fw(ctx.lang, "profile"),
        page(&ctx, &seller, can_edit, note),
    )
    .into_response()
}

/// `POST /seller/profile`.
pub(super) async fn save_profile(
    State(app): State<App>,
    ctx: Ctx,
    Form(f): Form<ProfileForm>,
) -> Response {
    let lang = ctx.lang;
    let (seller, can_edit) = match load(&app, &ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !can_edit {
        return (
            StatusCode::FORBIDDEN,
            layout(
                &ctx,
                fw(lang, "profile"),
                page(&ctx, &seller, false, Some((fw(lang, "member"), false))),
            ),
        )
            .into_response();
    }
    let refused = |key: &'static str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                &ctx,
                fw(lang, "profile"),
                page(&ctx, &seller, true, Some((fw(lang, key), false))),
            ),
        )
            .into_response()
    };
    let input = match f.apply(&seller) {
        Ok(i) => i,
        Err(key) => return refused(key),
    };
    match app
        .engine
        .catalog()
        .update_seller(&seller.id, input, None)
        .await
    {
        Ok(_) => Redirect::to("/seller/profile?saved=1").into_response(),
        Err(TijaraError::Validation(v))
            if v.problems()
                .iter()
                .any(|p| matches!(p, Problem::BadPhone { .. })) =>
        {
            refused("err_phone")
        }
        Err(TijaraError::Validation(v))
            if v.problems()
                .iter()
                .any(|p| matches!(p, Problem::BadWhatsApp { .. })) =>
        {
            refused("err_wa")
        }
        Err(TijaraError::Validation(v))
            if v.problems()
                .iter()
                .any(|p| matches!(p, Problem::BadAddress { .. })) =>
        {
            refused("err_address")
        }
        Err(e) => refusal(&ctx, &e),
    }
}

/// The profile routes of the portal.
pub(super) fn routes() -> Router<App> {
    Router::new().route("/seller/profile", get(profile_page).post(save_profile))
}
