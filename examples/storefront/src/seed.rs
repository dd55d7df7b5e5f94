//! The demo marketplace, loaded on an empty database in demo mode only (its logins' passwords
//! are published; see [`crate::bootstrap::prepare`]): sellers of Dakhla – Oued Ed-Dahab and the
//! region, about forty products of the region's crafts, in Arabic, French and English. Names
//! are fictional; prices are estimates, not a survey.

use tijara::ports::storage::DocKind;
use tijara::usecases::accounts::{NewAccount, Role, hash_password};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::{IdempotencyKey, Tijara, TijaraError};
use tijara_core::catalog::{Member, Photo, SellerKind, SellerTaxStatus, StockPolicy};
use tijara_core::customs::CustomsInfo;
use tijara_core::*;

mod benchmark;
mod data;
pub use benchmark::{
    BENCHMARK_PRODUCTS_PER_SELLER, BENCHMARK_SELLERS, BENCHMARK_STOCK, SEARCH_BENCHMARK_PRODUCTS,
    seed_benchmark_if_empty, seed_search_benchmark_if_empty,
};
pub use data::CATEGORIES;
use data::SELLERS;

fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in tijara_core::catalog::search_key(text).chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_owned()
}

/// The idempotency key of one seeding step: a second seeder running at the same time (two
/// storefronts starting on one empty database) gets the first one's answer instead of
/// creating the thing twice or failing on it.
fn seed_key(step: String) -> Result<IdempotencyKey, TijaraError> {
    IdempotencyKey::new(format!("demo-seed:{step}"))
}

/// Loads the demo marketplace when the database has no seller yet. Returns true if it did.
///
/// Safe when several storefronts start at once on one empty database: every step carries an
/// idempotency key (the same seller, product or category is created once, and the others get
/// its answer), and an account or category that another seeder already created counts as
/// done.
pub async fn seed_if_empty(engine: &Tijara) -> Result<bool, TijaraError> {
    if !engine
        .catalog()
        .list_sellers(None, 1)
        .await?
        .items
        .is_empty()
    {
        return Ok(false);
    }
    for (id, fr, ar, en) in CATEGORIES {
        let created = engine
            .catalog()
            .create_category(
                CategoryInput::new(
                    CategoryId::new(id)?,
                    id,
                    LocalizedText::new()
                        .with(Lang::FR, fr)
                        .with(Lang::AR, ar)
                        .with(Lang::EN, en),
                ),
                Some(&seed_key(format!("category:{id}"))?),
            )
            .await;
        match created {
            Ok(_) => {}
            // Created by another seeder (or an earlier, interrupted run).
            Err(TijaraError::Conflict {
                kind: DocKind::Category,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    let mut sellers = Vec::new();
    for (n, s) in SELLERS.iter().enumerate() {
        let members = if s.kind.has_members() {
            vec![Member {
                id: MemberId::new(format!("m{n}-1"))?,
                name: "Salka Mint Brahim".into(),
                active: true,
            }]
        } else {
            vec![]
        };
        let mut input = SellerInput::new(
            s.name,
            s.kind,
            s.city,
            if s.exempt {
                SellerTaxStatus::Exempt {
                    reason: "TVA non applicable — auto-entrepreneur (loi 114-13)".into(),
                }
            } else {
                SellerTaxStatus::VatRegistered
            },
        )
        .with_members(members.clone())
        .with_story(
            LocalizedText::new()
                .with(Lang::FR, s.story_fr)
                .with(Lang::AR, s.story_ar),
        );
        // Two demo sellers opted in to a WhatsApp contact.
        if let Some(w) = s.whatsapp {
            input = input.with_whatsapp(w);
        }
        let seller = engine
            .catalog()
            .create_seller(input, Some(&seed_key(format!("seller:{n}"))?))
            .await?;
        for (i, (cat, fr, ar, en, price, stock)) in s.products.iter().enumerate() {
            let slug = slug(en);
            let made_to_order = *stock == 0;
            engine
                .catalog()
                .create_product(
                    {
                        let mut input = ProductInput::new(
                            seller.id.clone(),
                            CategoryId::new(*cat)?,
                            slug.clone(),
                            LocalizedText::new()
                                .with(Lang::FR, *fr)
                                .with(Lang::AR, *ar)
                                .with(Lang::EN, *en),
                            vec![
                                VariantInput::new(
                                    format!(
                                        "DAK-{n}{i}-{}",
                                        slug.to_uppercase().chars().take(6).collect::<String>()
                                    ),
                                    Money::mad(price)?,
                                    TaxCategoryId::new(if *cat == "tents" && en.contains("rug") {
                                        "artisanal-carpet"
                                    } else {
                                        "standard"
                                    })?,
                                    300 + 250 * (i as u32 + 1),
                                )
                                .with_stock_policy(if made_to_order {
                                    StockPolicy::MadeToOrder { lead_days: 21 }
                                } else {
                                    StockPolicy::Tracked
                                })
                                .with_initial_stock(*stock),
                            ],
                        )
                        .with_description(
                            LocalizedText::new()
                                .with(Lang::FR, format!("{fr}, fait main à {}.", s.city))
                                .with(Lang::AR, format!("{ar}، مصنوع يدويا."))
                                .with(Lang::EN, format!("{en}, handmade in {}.", s.city)),
                        )
                        .with_photos(vec![Photo {
                            url: format!("/images/{slug}.svg"),
                            alt: LocalizedText::single(Lang::FR, *fr),
                        }]);
                        // The member artisan made the cooperative's first product.
                        input.made_by = members.first().filter(|_| i == 0).map(|m| m.id.clone());
                        // Customs data, so the demo sells abroad (HS codes by craft).
                        input.customs = demo_customs(cat, en, 250 + 250 * (i as u32 + 1));
                        input
                    },
                    Some(&seed_key(format!("product:{n}:{i}"))?),
                )
                .await?;
        }
        sellers.push((seller.id, members.first().map(|m| m.id.clone())));
    }
    for (role, email, password) in demo_accounts() {
        let role = match role.as_str() {
            "admin" => Role::Admin,
            "shopper" => Role::Customer,
            other => {
                // "seller N" or "member N" (N counts from 1 in SELLERS' order).
                let (what, n) = other.split_once(' ').unwrap_or((other, "1"));
                let n: usize = n.parse().unwrap_or(1);
                let Some((seller_id, member)) = sellers.get(n.saturating_sub(1)).cloned() else {
                    continue;
                };
                Role::Seller {
                    seller_id,
                    member: if what == "member" { member } else { None },
                }
            }
        };
        if engine.accounts().account_by_email(&email).await?.is_some() {
            continue;
        }
        let created = engine
            .accounts()
            .create_account(
                NewAccount::new(
                    email.clone(),
                    email.split('@').next().unwrap_or(&email),
                    hash_password(password)?,
                    role,
                    Lang::AR,
                ),
                None,
            )
            .await;
        if let Err(e) = created {
            // Another seeder created it meanwhile (its e-mail address is taken): done.
            if engine.accounts().account_by_email(&email).await?.is_none() {
                return Err(e);
            }
        }
    }
    Ok(true)
}

/// The demo marketplace's logins (role, e-mail, password), printed when the storefront starts:
/// an admin, a shopper, one login per seller (`seller1@…` is the first of the demo sellers)
/// and the member artisan of the first cooperative.
pub fn demo_accounts() -> Vec<(String, String, &'static str)> {
    let mut out = vec![
        (
            "admin".to_owned(),
            "admin@tijara.example".to_owned(),
            "admin-demo-2026",
        ),
        (
            "shopper".to_owned(),
            "shopper@tijara.example".to_owned(),
            "shopper-demo-2026",
        ),
        (
            "member 1".to_owned(),
            "member1@tijara.example".to_owned(),
            "artisan-demo-2026",
        ),
    ];
    for n in 1..=SELLERS.len() {
        out.push((
            format!("seller {n}"),
            format!("seller{n}@tijara.example"),
            "artisan-demo-2026",
        ));
    }
    out
}

/// The drawings of the demo products, one per craft (hand-written SVG in a 300 × 300 box; the
/// object keeps within the middle 4:3 band so a 4:3 crop shows it whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drawing {
    Tent,
    Rug,
    Cushion,
    Bag,
    Book,
    Sandals,
    Belt,
    Bracelet,
    Ring,
    Necklace,
    Earrings,
    Khamsa,
    Fabric,
    Jar,
    Tajine,
    Bowl,
    Tray,
    Chest,
    Spoons,
    Stool,
}

/// The drawing for a product of `category` named `en` (in English): by its words first, else
/// by its craft.
fn drawing_for(category: &str, en: &str) -> Drawing {
    let en = en.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| en.contains(w));
    if has(&["khaima", "tent"]) {
        Drawing::Tent
    } else if has(&["rug", "mat", "hanging", "blanket"]) {
        Drawing::Rug
    } else if has(&["cushion"]) {
        Drawing::Cushion
    } else if has(&["quran", "cover"]) {
        Drawing::Book
    } else if has(&["sandal"]) {
        Drawing::Sandals
    } else if has(&["belt"]) {
        Drawing::Belt
    } else if has(&["bracelet", "anklet"]) {
        Drawing::Bracelet
    } else if has(&["ring"]) && !has(&["earring"]) {
        Drawing::Ring
    } else if has(&["earring"]) {
        Drawing::Earrings
    } else if has(&["khamsa"]) {
        Drawing::Khamsa
    } else if has(&["necklace", "pendant", "bridal"]) {
        Drawing::Necklace
    } else if has(&["melhfa", "derâa", "shesh", "scarf"]) {
        Drawing::Fabric
    } else if has(&["bag", "pouch", "mezoued"]) {
        Drawing::Bag
    } else if has(&["tajine"]) {
        Drawing::Tajine
    } else if has(&["bowl", "dish"]) {
        Drawing::Bowl
    } else if has(&["jar", "burner"]) {
        Drawing::Jar
    } else if has(&["tray"]) {
        Drawing::Tray
    } else if has(&["chest", "box"]) {
        Drawing::Chest
    } else if has(&["spoon"]) {
        Drawing::Spoons
    } else if has(&["stool"]) {
        Drawing::Stool
    } else {
        match category {
            "leather" => Drawing::Bag,
            "tents" => Drawing::Tent,
            "jewellery" => Drawing::Bracelet,
            "textiles" => Drawing::Fabric,
            "pottery" => Drawing::Jar,
            _ => Drawing::Chest,
        }
    }
}

/// The shapes of `d`, in `main` (the object's colour where it has a choice).
fn shapes(d: Drawing, main: &str) -> String {
    const SILVER: &str = "#9aa7b4";
    const SHINE: &str = "#dfe5eb";
    const CREAM: &str = "#f3d9a4";
    const INDIGO: &str = "#1b4168";
    match d {
        Drawing::Tent => format!(
            r##"<path d="M20 222Q150 196 280 222V262H20Z" fill="#e2c28f"/><path d="M48 218 96 130Q150 96 204 130L252 218Z" fill="{main}"/><path d="M96 130 150 108 204 130" fill="none" stroke="#5e2415" stroke-width="6"/><path d="M64 190H236" stroke="{CREAM}" stroke-width="7"/><path d="M150 218 132 150H168Z" fill="#2a1a12"/><path d="M150 112V74" stroke="#5e2415" stroke-width="6" stroke-linecap="round"/>"##
        ),
        Drawing::Rug => {
            let fringe: String = (0..13)
                .map(|i| format!("M{x} 226v16", x = 66 + i * 14))
                .collect();
            format!(
                r##"<rect x="60" y="62" width="180" height="164" rx="4" fill="{main}"/><rect x="74" y="76" width="152" height="136" fill="none" stroke="{CREAM}" stroke-width="6"/><path d="M150 92 206 144 150 196 94 144Z" fill="{INDIGO}"/><path d="M150 116 178 144 150 172 122 144Z" fill="{CREAM}"/><path d="{fringe}" stroke="#d9b98a" stroke-width="4"/>"##
            )
        }
        Drawing::Cushion => format!(
            r##"<path d="M68 84Q150 64 232 84Q252 150 232 216Q150 236 68 216Q48 150 68 84Z" fill="{main}"/><path d="M150 102 198 150 150 198 102 150Z" fill="none" stroke="{CREAM}" stroke-width="7"/><circle cx="150" cy="150" r="11" fill="{INDIGO}"/><g fill="{INDIGO}"><circle cx="70" cy="86" r="9"/><circle cx="230" cy="86" r="9"/><circle cx="70" cy="214" r="9"/><circle cx="230" cy="214" r="9"/></g>"##
        ),
        Drawing::Bag => format!(
            r##"<path d="M100 112Q150 36 200 112" fill="none" stroke="#5e3a1e" stroke-width="9"/><rect x="72" y="106" width="156" height="126" rx="16" fill="{main}"/><path d="M72 122Q72 106 88 106H212Q228 106 228 122V164Q150 192 72 164Z" fill="#6e3a1c"/><path d="M104 136 127 150 150 136 173 150 196 136" fill="none" stroke="{CREAM}" stroke-width="5"/><circle cx="150" cy="176" r="8" fill="{CREAM}"/>"##
        ),
        Drawing::Book => format!(
            r##"<rect x="84" y="66" width="132" height="170" rx="9" fill="{main}"/><rect x="99" y="81" width="102" height="140" rx="4" fill="none" stroke="{CREAM}" stroke-width="4"/><path d="M150 112 182 151 150 190 118 151Z" fill="{CREAM}"/><circle cx="150" cy="151" r="9" fill="{main}"/>"##
        ),
        Drawing::Sandals => format!(
            r##"<g fill="{main}"><path d="M96 66Q126 66 128 108L124 226Q110 246 96 226Q82 158 84 108Q84 66 96 66Z"/><path d="M204 66Q174 66 172 108L176 226Q190 246 204 226Q218 158 216 108Q216 66 204 66Z"/></g><g fill="none" stroke="#5e2415" stroke-width="11" stroke-linecap="round"><path d="M86 122Q106 104 126 122"/><path d="M174 122Q194 104 214 122"/><path d="M88 168H124M176 168H212"/></g>"##
        ),
        Drawing::Belt => format!(
            r##"<path d="M30 176Q150 106 270 176" fill="none" stroke="{main}" stroke-width="32"/><rect x="124" y="112" width="52" height="46" rx="9" fill="none" stroke="{SILVER}" stroke-width="9"/><g fill="{SHINE}"><circle cx="72" cy="158" r="6"/><circle cx="100" cy="144" r="6"/><circle cx="200" cy="144" r="6"/><circle cx="228" cy="158" r="6"/></g>"##
        ),
        Drawing::Bracelet => format!(
            r##"<ellipse cx="150" cy="152" rx="92" ry="56" fill="none" stroke="{SILVER}" stroke-width="24"/><ellipse cx="150" cy="146" rx="92" ry="54" fill="none" stroke="{SHINE}" stroke-width="6"/><g fill="{main}"><circle cx="150" cy="96" r="9"/><circle cx="106" cy="104" r="7"/><circle cx="194" cy="104" r="7"/><circle cx="70" cy="126" r="6"/><circle cx="230" cy="126" r="6"/></g>"##
        ),
        Drawing::Ring => format!(
            r##"<circle cx="150" cy="170" r="52" fill="none" stroke="{SILVER}" stroke-width="16"/><circle cx="150" cy="166" r="52" fill="none" stroke="{SHINE}" stroke-width="4"/><path d="M150 78 178 112 150 132 122 112Z" fill="{main}" stroke="{SILVER}" stroke-width="5"/>"##
        ),
        Drawing::Necklace => format!(
            r##"<path d="M66 64Q150 214 234 64" fill="none" stroke="{SILVER}" stroke-width="5"/><g fill="{main}"><circle cx="86" cy="100" r="8"/><circle cx="106" cy="128" r="8"/><circle cx="128" cy="148" r="8"/><circle cx="172" cy="148" r="8"/><circle cx="194" cy="128" r="8"/><circle cx="214" cy="100" r="8"/></g><path d="M150 156 176 194 150 240 124 194Z" fill="{SHINE}" stroke="#6d7a88" stroke-width="4"/><circle cx="150" cy="196" r="8" fill="{main}"/>"##
        ),
        Drawing::Earrings => format!(
            r##"<g fill="none" stroke="{SILVER}" stroke-width="8"><circle cx="104" cy="112" r="34"/><circle cx="196" cy="112" r="34"/></g><g fill="{SHINE}" stroke="#6d7a88" stroke-width="3"><path d="M104 146 120 184 104 226 88 184Z"/><path d="M196 146 212 184 196 226 180 184Z"/></g><g fill="{main}"><circle cx="104" cy="186" r="6"/><circle cx="196" cy="186" r="6"/></g>"##
        ),
        Drawing::Khamsa => format!(
            r##"<path d="M112 232Q98 200 104 162V102Q104 88 116 88T128 102V146L131 80Q131 66 143 66T155 80V142L160 76Q161 63 172 63T184 77L181 144 188 102Q190 89 201 90T211 104L204 166Q201 212 182 232Z" fill="{SHINE}" stroke="#6d7a88" stroke-width="4"/><circle cx="155" cy="186" r="15" fill="{main}"/><circle cx="155" cy="186" r="6" fill="{SHINE}"/>"##
        ),
        Drawing::Fabric => format!(
            r##"<path d="M58 66Q150 50 242 66L254 232Q202 214 150 238Q98 214 46 232Z" fill="{main}"/><g fill="none" stroke="#000" stroke-opacity=".16" stroke-width="7"><path d="M98 66Q86 150 102 224"/><path d="M150 60Q140 150 152 232"/><path d="M200 66Q212 150 198 224"/></g><g fill="{CREAM}"><circle cx="76" cy="214" r="5"/><circle cx="124" cy="220" r="5"/><circle cx="176" cy="220" r="5"/><circle cx="224" cy="214" r="5"/></g>"##
        ),
        Drawing::Jar => format!(
            r##"<path d="M124 64H176L170 92Q228 118 218 180Q208 236 150 240Q92 236 82 180Q72 118 130 92Z" fill="{main}"/><g fill="none" stroke="#6e3a1c" stroke-width="9" stroke-linecap="round"><path d="M128 100Q92 102 98 142"/><path d="M172 100Q208 102 202 142"/></g><path d="M90 168 110 180 130 168 150 180 170 168 190 180 210 168" fill="none" stroke="{CREAM}" stroke-width="6"/><path d="M122 64H178" stroke="#6e3a1c" stroke-width="8" stroke-linecap="round"/>"##
        ),
        Drawing::Tajine => format!(
            r##"<ellipse cx="150" cy="214" rx="108" ry="24" fill="#6e3a1c"/><path d="M66 210Q150 52 234 210Z" fill="{main}"/><circle cx="150" cy="92" r="11" fill="#6e3a1c"/><path d="M98 182Q150 166 202 182" fill="none" stroke="{CREAM}" stroke-width="6"/><g fill="{CREAM}"><circle cx="130" cy="140" r="5"/><circle cx="150" cy="132" r="5"/><circle cx="170" cy="140" r="5"/></g>"##
        ),
        Drawing::Bowl => format!(
            r##"<path d="M56 126H244Q238 214 150 220Q62 214 56 126Z" fill="{main}"/><ellipse cx="150" cy="126" rx="94" ry="19" fill="#2f5f92"/><path d="M78 158 96 170 114 158 132 170 150 158 168 170 186 158 204 170 222 158" fill="none" stroke="{CREAM}" stroke-width="5"/><rect x="122" y="216" width="56" height="14" rx="5" fill="#14304d"/>"##
        ),
        Drawing::Tray => format!(
            r##"<ellipse cx="150" cy="196" rx="112" ry="36" fill="{SILVER}"/><ellipse cx="150" cy="190" rx="96" ry="28" fill="{SHINE}"/><path d="M128 112Q108 168 134 184H170Q196 168 176 112Z" fill="#6d7a88"/><path d="M134 112 152 84 170 112Z" fill="#6d7a88"/><path d="M184 150 214 124" stroke="#6d7a88" stroke-width="8" stroke-linecap="round"/><g fill="{main}"><rect x="76" y="160" width="20" height="28" rx="3"/><rect x="206" y="162" width="20" height="28" rx="3"/></g>"##
        ),
        Drawing::Chest => format!(
            r##"<rect x="58" y="122" width="184" height="110" rx="7" fill="{main}"/><path d="M58 132Q150 64 242 132Z" fill="#a65a2b"/><path d="M100 104V232M200 104V232" stroke="{SILVER}" stroke-width="9"/><rect x="137" y="138" width="26" height="32" rx="4" fill="{SHINE}"/><g fill="{SHINE}"><circle cx="80" cy="210" r="5"/><circle cx="220" cy="210" r="5"/><circle cx="150" cy="210" r="5"/></g>"##
        ),
        Drawing::Spoons => format!(
            r##"<g fill="{main}"><ellipse cx="118" cy="98" rx="24" ry="34"/><rect x="112" y="124" width="12" height="122" rx="6"/></g><g fill="#6e3a1c"><ellipse cx="184" cy="98" rx="24" ry="34"/><rect x="178" y="124" width="12" height="122" rx="6"/></g><g fill="{CREAM}"><circle cx="118" cy="210" r="4"/><circle cx="184" cy="210" r="4"/></g>"##
        ),
        Drawing::Stool => format!(
            r##"<g stroke="#6e3a1c" stroke-width="13" stroke-linecap="round"><path d="M92 146 80 232M208 146 220 232M130 146 126 220M170 146 174 220"/></g><rect x="66" y="116" width="168" height="30" rx="9" fill="{main}"/><path d="M82 131H218" stroke="{CREAM}" stroke-width="4" stroke-dasharray="9 7"/>"##
        ),
    }
}

/// The customs data of a demo product, from its category (HS codes of the crafts: leather
/// articles 4205, silver jewellery 7113.11, wool rugs 5701.10, wall hangings 5805, tents 6306.29, garments
/// 6211.49, pottery 6912, carved wood 4420.90).
fn demo_customs(category: &str, en: &str, net_weight_grams: u32) -> Option<CustomsInfo> {
    let (hs, fr, english) = match category {
        "leather" => (
            "4205.00",
            "Article en cuir fait main",
            "Handmade leather article",
        ),
        "jewellery" => (
            "7113.11",
            "Bijou en argent fait main",
            "Handmade silver jewellery",
        ),
        "tents" if en.contains("rug") => {
            ("5701.10", "Tapis en laine fait main", "Handmade wool rug")
        }
        // A wall hanging is a tapestry (HS 5805), not a tent.
        "tents" if en.contains("hanging") => (
            "5805.00",
            "Tenture murale tissée à la main",
            "Hand-woven wall hanging",
        ),
        "tents" => ("6306.29", "Tente en laine faite main", "Handmade wool tent"),
        "textiles" => (
            "6211.49",
            "Vêtement traditionnel fait main",
            "Handmade traditional garment",
        ),
        "pottery" => ("6912.00", "Poterie artisanale", "Handmade pottery"),
        "wood" => ("4420.90", "Objet en bois sculpté", "Carved wood article"),
        _ => return None,
    };
    Some(CustomsInfo {
        hs_code: hs.into(),
        description_fr: fr.into(),
        description_en: english.into(),
        origin_country: "MA".into(),
        net_weight_grams,
    })
}

/// A drawn image for a demo product: the drawing of its craft (a tent, a bag, a bracelet, a
/// jar, a melhfa…) on its category's ground. An unknown `slug` gets its category's default
/// drawing of a chest.
pub fn product_svg(slug: &str) -> String {
    let found = SELLERS
        .iter()
        .flat_map(|s| s.products.iter())
        .find(|(_, _, _, en, _, _)| self::slug(en) == slug);
    let (category, en) = found.map_or(("wood", slug), |(c, _, _, en, _, _)| (*c, *en));
    let drawing = drawing_for(category, en);
    let ground = match category {
        "leather" => "#f3e3cf",
        "tents" => "#f6ead6",
        "jewellery" => "#e4edf6",
        "textiles" => "#e8eef7",
        "pottery" => "#f8e6df",
        _ => "#efe4d0",
    };
    let lower = en.to_lowercase();
    let main = if lower.contains("indigo") {
        "#1b4168"
    } else if lower.contains("saffron") {
        "#d9982b"
    } else {
        match category {
            "leather" => "#9a5a2c",
            "tents" => "#8c3520",
            "jewellery" => "#a8442a",
            "textiles" => "#a8442a",
            "pottery" => "#b5652f",
            _ => "#8c4a22",
        }
    };
    let label: String = en
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 300" role="img" aria-label="{label}"><rect width="300" height="300" fill="{ground}"/><ellipse cx="150" cy="250" rx="104" ry="10" fill="#000" fill-opacity=".07"/>{}</svg>"##,
        shapes(drawing, main)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_products_customs_data_names_what_it_is() {
        let c = |cat, en| demo_customs(cat, en, 100).map(|c| (c.hs_code, c.description_en));
        assert_eq!(
            c("tents", "Wall hanging"),
            Some(("5805.00".into(), "Hand-woven wall hanging".into()))
        );
        assert_eq!(c("tents", "Wool rug").map(|c| c.0), Some("5701.10".into()));
        assert_eq!(
            c("tents", "Family khaima").map(|c| c.0),
            Some("6306.29".into())
        );
    }

    #[test]
    fn every_demo_product_has_a_drawing_of_its_craft() {
        let mut seen = std::collections::BTreeSet::new();
        for s in &SELLERS {
            for (cat, _, _, en, _, _) in s.products {
                let svg = product_svg(&slug(en));
                assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{en}");
                assert!(!svg.contains("<text"), "no initials: {en}");
                seen.insert(format!("{:?}", drawing_for(cat, en)));
            }
        }
        // Tents, rugs, bags, bracelets, jars, melhfas, sandals… not one picture for all.
        assert!(seen.len() >= 15, "{seen:?}");
        assert_eq!(drawing_for("tents", "Family khaima"), Drawing::Tent);
        assert_eq!(drawing_for("leather", "Tassoufra bag"), Drawing::Bag);
        assert_eq!(
            drawing_for("jewellery", "Dmlij bracelet"),
            Drawing::Bracelet
        );
        assert_eq!(drawing_for("jewellery", "Earrings"), Drawing::Earrings);
        assert_eq!(drawing_for("textiles", "Indigo melhfa"), Drawing::Fabric);
        assert_eq!(drawing_for("pottery", "Water jar"), Drawing::Jar);
    }

    #[test]
    fn an_unknown_slug_still_gets_a_picture() {
        let svg = product_svg("not-a-product");
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }
}
