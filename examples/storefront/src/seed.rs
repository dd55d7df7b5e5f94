//! The demo marketplace, loaded on an empty database in demo mode only (its logins' passwords
//! are published; see [`crate::bootstrap::prepare`]): sellers of Dakhla – Oued Ed-Dahab and the
//! region, about forty products of the region's crafts, in Arabic, French and English. Names
//! are fictional; prices are estimates, not a survey.

use tijara::ports::storage::DocKind;
use tijara::usecases::accounts::{NewAccount, Role, hash_password};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::{IdempotencyKey, Tijara, TijaraError};
use tijara_core::catalog::{Member, Photo, SellerKind, SellerTaxStatus, StockPolicy};
use tijara_core::*;

/// (id, fr, ar, en).
pub const CATEGORIES: [(&str, &str, &str, &str); 6] = [
    ("leather", "Cuir", "الجلد", "Leather"),
    (
        "textiles",
        "Textiles et melhfa",
        "الأثواب والملحفة",
        "Textiles and melhfa",
    ),
    (
        "jewellery",
        "Bijoux en argent",
        "الحلي الفضية",
        "Silver jewellery",
    ),
    (
        "tents",
        "Tentes et tapis",
        "الخيام والزرابي",
        "Tents and rugs",
    ),
    ("pottery", "Poterie", "الفخار", "Pottery"),
    ("wood", "Bois sculpté", "الخشب المنقوش", "Carved wood"),
];

struct SellerSeed {
    name: &'static str,
    kind: SellerKind,
    city: &'static str,
    exempt: bool,
    story_fr: &'static str,
    story_ar: &'static str,
    products: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        u32,
    )],
}

// (category, fr, ar, en, price, stock — 0 for made to order)
const SELLERS: [SellerSeed; 8] = [
    SellerSeed {
        name: "Coopérative Nisae Oued Eddahab",
        kind: SellerKind::Cooperative,
        city: "Dakhla",
        exempt: false,
        story_fr: "Vingt femmes de Dakhla qui travaillent le cuir de chèvre comme leurs grands-mères.",
        story_ar: "عشرون امرأة من الداخلة يشتغلن جلد الماعز كما علمتهن جداتهن.",
        products: &[
            (
                "leather",
                "Coussin srama brodé",
                "وسادة سراما مطرزة",
                "Embroidered srama cushion",
                "349.00",
                12,
            ),
            (
                "leather",
                "Sac tassoufra",
                "حقيبة تاسوفرا",
                "Tassoufra bag",
                "890.00",
                5,
            ),
            (
                "leather",
                "Sac à thé kountiya",
                "كونتية الشاي",
                "Kountiya tea bag",
                "260.00",
                9,
            ),
            (
                "leather",
                "Mezoued de voyage",
                "مزود السفر",
                "Travel mezoued",
                "420.00",
                7,
            ),
            (
                "leather",
                "Sandales en cuir",
                "نعال جلدية",
                "Leather sandals",
                "310.00",
                15,
            ),
        ],
    },
    SellerSeed {
        name: "GIE Khayma Sahara",
        kind: SellerKind::Gie,
        city: "Dakhla",
        exempt: false,
        story_fr: "Un groupement de tisserands qui montent encore des khaïmas en poil de chameau.",
        story_ar: "مجموعة من النساجين ما زالوا ينصبون الخيام من وبر الإبل.",
        products: &[
            (
                "tents",
                "Khaïma familiale",
                "خيمة عائلية",
                "Family khaima",
                "18500.00",
                0,
            ),
            (
                "tents",
                "Tapis en laine de chameau",
                "زربية من وبر الإبل",
                "Camel wool rug",
                "2400.00",
                3,
            ),
            (
                "tents",
                "Khaïma miniature",
                "خيمة صغيرة",
                "Miniature khaima",
                "450.00",
                10,
            ),
            (
                "tents",
                "Natte de palmier",
                "حصير من سعف النخيل",
                "Palm mat",
                "380.00",
                8,
            ),
            (
                "tents",
                "Coussin de sol",
                "وسادة أرضية",
                "Floor cushion",
                "520.00",
                6,
            ),
        ],
    },
    SellerSeed {
        name: "Brahim Ould Sidi, bijoutier",
        kind: SellerKind::Artisan,
        city: "Dakhla",
        exempt: true,
        story_fr: "Bijoutier depuis trente ans, il grave l'argent au poinçon dans son atelier du port.",
        story_ar: "صائغ منذ ثلاثين سنة، ينقش الفضة في ورشته قرب الميناء.",
        products: &[
            (
                "jewellery",
                "Bracelet dmlij",
                "دملج",
                "Dmlij bracelet",
                "780.00",
                6,
            ),
            (
                "jewellery",
                "Collier tazra",
                "قلادة تازرا",
                "Tazra necklace",
                "1450.00",
                3,
            ),
            (
                "jewellery",
                "Bague en argent",
                "خاتم فضي",
                "Silver ring",
                "290.00",
                14,
            ),
            (
                "jewellery",
                "Boucles d'oreilles",
                "أقراط",
                "Earrings",
                "340.00",
                11,
            ),
            (
                "jewellery",
                "Khamsa gravée",
                "خميسة منقوشة",
                "Engraved khamsa",
                "260.00",
                20,
            ),
        ],
    },
    SellerSeed {
        name: "Coopérative Melhfa Dakhla",
        kind: SellerKind::Cooperative,
        city: "Dakhla",
        exempt: false,
        story_fr: "Des teinturières qui nouent et teignent la melhfa à la main, couleur par couleur.",
        story_ar: "صباغات يعقدن الملحفة ويصبغنها باليد لونا بعد لون.",
        products: &[
            (
                "textiles",
                "Melhfa indigo",
                "ملحفة نيلية",
                "Indigo melhfa",
                "420.00",
                10,
            ),
            (
                "textiles",
                "Melhfa safran",
                "ملحفة زعفرانية",
                "Saffron melhfa",
                "390.00",
                8,
            ),
            (
                "textiles",
                "Derâa brodée",
                "دراعة مطرزة",
                "Embroidered derâa",
                "950.00",
                4,
            ),
            (
                "textiles",
                "Chèche en coton",
                "لثام قطني",
                "Cotton shesh",
                "180.00",
                25,
            ),
            (
                "textiles",
                "Écharpe teinte",
                "وشاح مصبوغ",
                "Dyed scarf",
                "220.00",
                16,
            ),
        ],
    },
    SellerSeed {
        name: "Atelier de poterie de Boujdour",
        kind: SellerKind::Artisan,
        city: "Boujdour",
        exempt: false,
        story_fr: "Une potière qui façonne l'argile de l'oued et la cuit au feu de bois.",
        story_ar: "خزافة تشكل طين الوادي وتطهوه على نار الحطب.",
        products: &[
            (
                "pottery",
                "Jarre à eau",
                "جرة ماء",
                "Water jar",
                "260.00",
                7,
            ),
            (
                "pottery",
                "Tajine décoré",
                "طاجين مزخرف",
                "Decorated tajine",
                "190.00",
                12,
            ),
            (
                "pottery",
                "Brûle-encens",
                "مبخرة",
                "Incense burner",
                "120.00",
                18,
            ),
            (
                "pottery",
                "Plat à couscous",
                "صحن الكسكس",
                "Couscous dish",
                "240.00",
                9,
            ),
            (
                "pottery",
                "Bol peint",
                "زلافة مرسومة",
                "Painted bowl",
                "85.00",
                30,
            ),
        ],
    },
    SellerSeed {
        name: "Menuiserie d'art de Laâyoune",
        kind: SellerKind::Artisan,
        city: "Laâyoune",
        exempt: false,
        story_fr: "Un menuisier qui sculpte les plateaux à thé et les coffres sahariens.",
        story_ar: "نجار ينقش صواني الشاي والصناديق الصحراوية.",
        products: &[
            (
                "wood",
                "Plateau à thé",
                "صينية الشاي",
                "Tea tray",
                "340.00",
                8,
            ),
            (
                "wood",
                "Coffre sahraoui",
                "صندوق صحراوي",
                "Sahrawi chest",
                "1800.00",
                0,
            ),
            (
                "wood",
                "Boîte à bijoux",
                "علبة حلي",
                "Jewellery box",
                "260.00",
                10,
            ),
            (
                "wood",
                "Cuillères sculptées",
                "ملاعق منقوشة",
                "Carved spoons",
                "95.00",
                22,
            ),
            (
                "wood",
                "Tabouret bas",
                "كرسي منخفض",
                "Low stool",
                "480.00",
                5,
            ),
        ],
    },
    SellerSeed {
        name: "Coopérative Tiwizi Argoub",
        kind: SellerKind::Cooperative,
        city: "Dakhla",
        exempt: false,
        story_fr: "Des artisanes d'El Argoub qui brodent le cuir et tissent la laine.",
        story_ar: "صانعات من العركوب يطرزن الجلد وينسجن الصوف.",
        products: &[
            (
                "leather",
                "Porte-coran en cuir",
                "غلاف مصحف جلدي",
                "Leather Quran cover",
                "380.00",
                6,
            ),
            (
                "textiles",
                "Couverture en laine",
                "غطاء صوفي",
                "Wool blanket",
                "650.00",
                5,
            ),
            (
                "leather",
                "Pochette brodée",
                "محفظة مطرزة",
                "Embroidered pouch",
                "150.00",
                20,
            ),
            (
                "tents",
                "Tenture murale",
                "معلقة حائطية",
                "Wall hanging",
                "720.00",
                4,
            ),
            (
                "textiles",
                "Sac en tissu",
                "حقيبة قماش",
                "Cloth bag",
                "140.00",
                18,
            ),
        ],
    },
    SellerSeed {
        name: "Mahjouba, argent et cuir",
        kind: SellerKind::Artisan,
        city: "Es-Semara",
        exempt: true,
        story_fr: "Mahjouba marie l'argent et le cuir dans des parures de fête.",
        story_ar: "محجوبة تجمع الفضة والجلد في حلي الأعراس.",
        products: &[
            (
                "jewellery",
                "Parure de mariée",
                "حلي العروس",
                "Bridal set",
                "2500.00",
                2,
            ),
            (
                "jewellery",
                "Bracelet cuir et argent",
                "سوار جلد وفضة",
                "Leather and silver bracelet",
                "310.00",
                12,
            ),
            (
                "leather",
                "Ceinture ornée",
                "حزام مزين",
                "Ornate belt",
                "450.00",
                7,
            ),
            (
                "jewellery",
                "Pendentif croix du Sud",
                "قلادة صليب الجنوب",
                "Southern cross pendant",
                "390.00",
                9,
            ),
            ("jewellery", "Chevillères", "خلاخل", "Anklets", "560.00", 5),
        ],
    },
];

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
                        .with(Lang::Fr, fr)
                        .with(Lang::Ar, ar)
                        .with(Lang::En, en),
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
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(
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
                        .with(Lang::Fr, s.story_fr)
                        .with(Lang::Ar, s.story_ar),
                ),
                Some(&seed_key(format!("seller:{n}"))?),
            )
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
                                .with(Lang::Fr, *fr)
                                .with(Lang::Ar, *ar)
                                .with(Lang::En, *en),
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
                                .with(Lang::Fr, format!("{fr}, fait main à {}.", s.city))
                                .with(Lang::Ar, format!("{ar}، مصنوع يدويا."))
                                .with(Lang::En, format!("{en}, handmade in {}.", s.city)),
                        )
                        .with_photos(vec![Photo {
                            url: format!("/images/{slug}.svg"),
                            alt: LocalizedText::single(Lang::Fr, *fr),
                        }]);
                        // The member artisan made the cooperative's first product.
                        input.made_by = members.first().filter(|_| i == 0).map(|m| m.id.clone());
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
                    Lang::Ar,
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

/// A drawn image for a product: the category's colour, a motif, the initials.
pub fn product_svg(slug: &str) -> String {
    let hash = slug
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let hues = [28, 200, 45, 15, 350, 120];
    let hue = hues[(hash % 6) as usize];
    let initials: String = slug
        .split('-')
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 300" role="img" aria-label="{slug}">
<rect width="300" height="300" fill="hsl({hue},45%,78%)"/><circle cx="150" cy="130" r="80" fill="hsl({hue},50%,55%)"/>
<path d="M70 230 L150 170 L230 230 Z" fill="hsl({hue},40%,35%)"/>
<text x="150" y="280" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#222">{initials}</text></svg>"##
    )
}
