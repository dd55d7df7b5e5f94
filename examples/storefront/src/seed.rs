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

mod data;
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
                        .with(Lang::FR, s.story_fr)
                        .with(Lang::AR, s.story_ar),
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
