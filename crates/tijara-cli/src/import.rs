//! `tijara import catalog.csv`: sellers, products, variants and stock from a UTF-8 CSV file.
//!
//! Columns (a header row names them; order is free; `title_en`, `description_fr`,
//! `tax_category`, `stock` and `lead_days` may be absent):
//!
//! `seller,seller_kind,seller_city,category,sku,slug,title_ar,title_fr,title_en,description_fr,price,tax_category,weight_grams,stock,lead_days`
//!
//! and, for products sold abroad, the customs columns (all optional):
//! `hs_code,customs_fr,customs_en,origin,net_weight_grams` — the HS tariff code (6 to 10
//! digits, `4202.21`), the customs description in French and English, the country of origin
//! (`MA` when empty) and the net weight (the shipping weight when empty). A row with an HS
//! code needs both descriptions; a row without one leaves the product's customs data as it is.
//!
//! - `seller` is matched by name; a seller not yet known is created (artisan, cooperative or
//!   gie, in `seller_city`).
//! - One row is one product with one variant. The SKU identifies it: importing the same file
//!   again updates the same products (no duplicates) and sets their stock to `stock`.
//! - `price` is the price with tax in dirhams, read as a person writes it (`349.00`, `349,00`,
//!   `1 250,50`, `1,250.50`, `1.250,50 DH`, Arabic-Indic digits: `Money::parse_typed`); a lone
//!   separator before three digits (`2.000`, `1,250`) is refused as ambiguous (thousands or
//!   decimals?) rather than guessed. `lead_days` > 0 makes the product made to order.
//!
//! Every row is checked first and every error is reported with its line; nothing is imported
//! when one row is wrong, unless the operator asks to skip the wrong rows.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use tijara::Tijara;
use tijara::usecases::catalog::{ProductInput, SellerInput, StockAdjustment, VariantInput};
use tijara_core::catalog::{SellerKind, SellerTaxStatus, StockPolicy};
use tijara_core::{CategoryId, Lang, LocalizedText, Money, SellerId, TaxCategoryId};

/// One row as written.
#[derive(Debug, Clone, Deserialize)]
struct RawRow {
    seller: String,
    seller_kind: String,
    seller_city: String,
    category: String,
    sku: String,
    slug: String,
    title_ar: String,
    title_fr: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description_fr: String,
    price: String,
    #[serde(default)]
    tax_category: String,
    weight_grams: String,
    #[serde(default)]
    stock: String,
    #[serde(default)]
    lead_days: String,
    #[serde(default)]
    hs_code: String,
    #[serde(default)]
    customs_fr: String,
    #[serde(default)]
    customs_en: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    net_weight_grams: String,
}

/// A checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Seller name.
    pub seller: String,
    /// Seller kind.
    pub seller_kind: SellerKind,
    /// Seller city.
    pub seller_city: String,
    /// Category.
    pub category: CategoryId,
    /// SKU.
    pub sku: String,
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: LocalizedText,
    /// Description.
    pub description: LocalizedText,
    /// Price with tax.
    pub price: Money,
    /// Tax category.
    pub tax_category: TaxCategoryId,
    /// Weight.
    pub weight_grams: u32,
    /// Units on hand.
    pub stock: u32,
    /// Days of work (0: in stock).
    pub lead_days: u16,
    /// Customs data, when the row gives an HS code.
    pub customs: Option<tijara_core::customs::CustomsInfo>,
}

/// A problem with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The file, read and checked on its own (before the database is asked).
#[derive(Debug, Default)]
pub struct Checked {
    /// Rows without errors.
    pub rows: Vec<Row>,
    /// Every error found.
    pub errors: Vec<RowError>,
}

fn kind(s: &str) -> Option<SellerKind> {
    match s.trim().to_lowercase().as_str() {
        "artisan" => Some(SellerKind::Artisan),
        "cooperative" | "coopérative" | "coop" => Some(SellerKind::Cooperative),
        "gie" => Some(SellerKind::Gie),
        _ => None,
    }
}

fn check_row(line: u64, r: RawRow) -> Result<Row, Vec<String>> {
    let mut problems = Vec::new();
    let seller = r.seller.trim().to_owned();
    if seller.is_empty() {
        problems.push("seller is empty".to_owned());
    }
    let seller_kind = kind(&r.seller_kind);
    if seller_kind.is_none() {
        problems.push(format!(
            "seller_kind {:?} is not artisan, cooperative or gie",
            r.seller_kind
        ));
    }
    let category = CategoryId::new(r.category.trim().to_owned())
        .map_err(|e| problems.push(format!("category: {e}")))
        .ok();
    let sku = r.sku.trim().to_owned();
    if sku.is_empty() {
        problems.push("sku is empty".to_owned());
    }
    let slug = r.slug.trim().to_owned();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push(format!(
            "slug {:?} is not lower-case letters, digits and '-'",
            r.slug
        ));
    }
    if r.title_ar.trim().is_empty() && r.title_fr.trim().is_empty() {
        problems.push("title_ar and title_fr are both empty".to_owned());
    }
    let price = Money::parse_typed(&r.price, tijara_core::Currency::MAD)
        .map_err(|e| {
            problems.push(match e {
                tijara_core::MoneyError::Parse(_) => format!(
                    "price {:?} is not an amount in dirhams: write it as 349.00, 349,00 or \
                     1 250,50 (a lone '.' or ',' before three digits, as in 2.000, could be \
                     thousands or decimals: write 2000 or 2,00)",
                    r.price
                ),
                e => format!("price {:?}: {e}", r.price),
            })
        })
        .ok();
    if price.is_some_and(|p| !p.is_positive()) {
        problems.push(format!("price {:?} is not positive", r.price));
    }
    let tax = if r.tax_category.trim().is_empty() {
        "standard"
    } else {
        r.tax_category.trim()
    };
    let tax_category = TaxCategoryId::new(tax.to_owned())
        .map_err(|e| problems.push(format!("tax_category: {e}")))
        .ok();
    let weight_grams = match r.weight_grams.trim().parse::<u32>() {
        Ok(0) | Err(_) => {
            problems.push(format!(
                "weight_grams {:?} is not a positive whole number",
                r.weight_grams
            ));
            0
        }
        Ok(w) => w,
    };
    let number = |field: &str, v: &str, problems: &mut Vec<String>| -> u32 {
        let v = v.trim();
        if v.is_empty() {
            return 0;
        }
        v.parse().unwrap_or_else(|_| {
            problems.push(format!("{field} {v:?} is not a whole number"));
            0
        })
    };
    let stock = number("stock", &r.stock, &mut problems);
    let lead = number("lead_days", &r.lead_days, &mut problems);
    let lead_days = u16::try_from(lead).unwrap_or_else(|_| {
        problems.push(format!("lead_days {lead} is more than a lifetime"));
        0
    });
    let customs_given = [
        &r.hs_code,
        &r.customs_fr,
        &r.customs_en,
        &r.origin,
        &r.net_weight_grams,
    ]
    .iter()
    .any(|v| !v.trim().is_empty());
    let customs = if customs_given {
        let net = match number("net_weight_grams", &r.net_weight_grams, &mut problems) {
            0 => weight_grams,
            n => n,
        };
        let origin = match r.origin.trim() {
            "" => "MA",
            o => o,
        };
        tijara_core::customs::CustomsInfo {
            hs_code: r.hs_code.clone(),
            description_fr: r.customs_fr.clone(),
            description_en: r.customs_en.clone(),
            origin_country: origin.to_owned(),
            net_weight_grams: net,
        }
        .normalized()
        .map_err(|e| problems.push(format!("customs: {e}")))
        .ok()
    } else {
        None
    };
    match (seller_kind, category, price, tax_category) {
        (Some(seller_kind), Some(category), Some(price), Some(tax_category))
            if problems.is_empty() =>
        {
            let mut title = LocalizedText::new();
            title.set(Lang::AR, r.title_ar.trim());
            title.set(Lang::FR, r.title_fr.trim());
            title.set(Lang::EN, r.title_en.trim());
            let mut description = LocalizedText::new();
            description.set(Lang::FR, r.description_fr.trim());
            Ok(Row {
                line,
                seller,
                seller_kind,
                seller_city: r.seller_city.trim().to_owned(),
                category,
                sku,
                slug,
                title,
                description,
                price,
                tax_category,
                weight_grams,
                stock,
                lead_days,
                customs,
            })
        }
        _ => Err(problems),
    }
}

/// Reads and checks a catalog file: every row, every problem.
pub fn read_catalog(input: impl Read) -> Checked {
    let mut out = Checked::default();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_reader(input);
    let mut skus: HashMap<String, u64> = HashMap::new();
    let mut slugs: HashMap<String, u64> = HashMap::new();
    for (i, record) in reader.deserialize::<RawRow>().enumerate() {
        let line = i as u64 + 2;
        let raw = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowError {
                    line: e.position().map_or(line, |p| p.line()),
                    message: match e.kind() {
                        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                        _ => e.to_string(),
                    },
                });
                continue;
            }
        };
        match check_row(line, raw) {
            Ok(row) => {
                if let Some(first) = skus.insert(row.sku.clone(), line) {
                    out.errors.push(RowError {
                        line,
                        message: format!("sku {} already on line {first}", row.sku),
                    });
                    continue;
                }
                if let Some(first) = slugs.insert(row.slug.clone(), line) {
                    out.errors.push(RowError {
                        line,
                        message: format!("slug {} already on line {first}", row.slug),
                    });
                    continue;
                }
                out.rows.push(row);
            }
            Err(problems) => out.errors.extend(
                problems
                    .into_iter()
                    .map(|message| RowError { line, message }),
            ),
        }
    }
    out
}

/// Checks the rows against the marketplace: the categories and tax categories exist.
pub async fn check_against(
    engine: &Tijara,
    rows: &[Row],
) -> Result<Vec<RowError>, tijara::TijaraError> {
    let categories: HashSet<CategoryId> = engine
        .catalog()
        .categories()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let today = engine.region().local_date(engine.now());
    let mut errors = Vec::new();
    for r in rows {
        if !categories.contains(&r.category) {
            errors.push(RowError {
                line: r.line,
                message: format!("category {} does not exist", r.category),
            });
        }
        if engine
            .region()
            .tax_rules
            .rate_for(&r.tax_category, today)
            .is_err()
        {
            errors.push(RowError {
                line: r.line,
                message: format!("tax category {} has no rate in this region", r.tax_category),
            });
        }
    }
    Ok(errors)
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Sellers created.
    pub sellers_created: usize,
    /// Products created.
    pub products_created: usize,
    /// Products updated (their SKU existed).
    pub products_updated: usize,
    /// Rows refused by the engine while importing (line and reason).
    pub failed: Vec<RowError>,
}

fn input_for(
    row: &Row,
    seller: &SellerId,
    existing: Option<&tijara_core::catalog::Product>,
) -> ProductInput {
    let mut input = ProductInput::new(
        seller.clone(),
        row.category.clone(),
        existing.map_or_else(|| row.slug.clone(), |p| p.slug.clone()),
        row.title.clone(),
        vec![
            VariantInput::new(
                row.sku.clone(),
                row.price,
                row.tax_category.clone(),
                row.weight_grams,
            )
            .with_stock_policy(if row.lead_days > 0 {
                StockPolicy::MadeToOrder {
                    lead_days: row.lead_days,
                }
            } else {
                StockPolicy::Tracked
            })
            .with_initial_stock(row.stock),
        ],
    )
    .with_description(row.description.clone())
    .with_materials(existing.map(|p| p.materials.clone()).unwrap_or_default())
    .with_photos(existing.map(|p| p.photos.clone()).unwrap_or_default());
    input.made_by = existing.and_then(|p| p.made_by.clone());
    // No customs columns: the stored customs data stays.
    input.customs = row.customs.clone();
    input
}

/// Imports checked rows; `progress` is called after each row with (done, total).
pub async fn apply(
    engine: &Tijara,
    rows: &[Row],
    mut progress: impl FnMut(usize, usize),
) -> Result<Report, tijara::TijaraError> {
    let mut report = Report::default();
    let mut sellers: HashMap<String, SellerId> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = engine.catalog().list_sellers(after.as_deref(), 100).await?;
        for s in &page.items {
            sellers
                .entry(s.name.clone())
                .or_insert_with(|| s.id.clone());
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let seller = match sellers.get(&row.seller) {
            Some(id) => id.clone(),
            None => {
                let s = engine
                    .catalog()
                    .create_seller(
                        SellerInput::new(
                            row.seller.clone(),
                            row.seller_kind,
                            row.seller_city.clone(),
                            SellerTaxStatus::Exempt {
                                reason: "auto-entrepreneur".into(),
                            },
                        )
                        .with_story(LocalizedText::new()),
                        None,
                    )
                    .await?;
                report.sellers_created += 1;
                sellers.insert(row.seller.clone(), s.id.clone());
                s.id
            }
        };
        let outcome = match engine.catalog().product_by_sku(&row.sku).await? {
            None => engine
                .catalog()
                .create_product(input_for(row, &seller, None), None)
                .await
                .map(|_| {
                    report.products_created += 1;
                }),
            Some(existing) => {
                let updated = engine
                    .catalog()
                    .update_product(&existing.id, input_for(row, &seller, Some(&existing)), None)
                    .await;
                match (
                    updated,
                    existing.variants.iter().find(|v| v.sku.as_str() == row.sku),
                ) {
                    (Ok(_), Some(v)) if row.lead_days == 0 => engine
                        .catalog()
                        .adjust_stock(&v.id, StockAdjustment::Set { units: row.stock }, None)
                        .await
                        .map(|_| {
                            report.products_updated += 1;
                        }),
                    (Ok(_), _) => {
                        report.products_updated += 1;
                        Ok(())
                    }
                    (Err(e), _) => Err(e),
                }
            }
        };
        if let Err(e) = outcome {
            if e.is_temporary() {
                return Err(e);
            }
            report.failed.push(RowError {
                line: row.line,
                message: e.to_string(),
            });
        }
        progress(i + 1, rows.len());
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "seller,seller_kind,seller_city,category,sku,slug,title_ar,title_fr,title_en,description_fr,price,tax_category,weight_grams,stock,lead_days\n";

    #[test]
    fn every_error_is_reported_with_its_line() {
        let file = format!(
            "{HEADER}\
Atelier Lahcen,artisan,Dakhla,leather,LAH-1,sac-cuir,حقيبة,Sac en cuir,Leather bag,,\"349,00\",standard,800,5,0\n\
Atelier Lahcen,potter,Dakhla,leather,LAH-2,sac-2,حقيبة,Sac,,,-5,standard,0,x,0\n\
Atelier Lahcen,artisan,Dakhla,leather,LAH-1,Bad Slug,حقيبة,Sac,,,10,standard,100,1,0\n"
        );
        let checked = read_catalog(file.as_bytes());
        assert_eq!(checked.rows.len(), 1);
        assert_eq!(checked.rows[0].price, Money::mad("349.00").unwrap());
        let lines: Vec<u64> = checked.errors.iter().map(|e| e.line).collect();
        assert!(
            lines.iter().all(|l| *l == 3 || *l == 4),
            "{:?}",
            checked.errors
        );
        let text: Vec<String> = checked.errors.iter().map(ToString::to_string).collect();
        for needle in ["seller_kind", "price", "weight_grams", "stock", "slug"] {
            assert!(
                text.iter().any(|t| t.contains(needle)),
                "{needle}: {text:?}"
            );
        }
        assert!(text.iter().all(|t| t.starts_with("line ")));
    }

    /// Prices as a spreadsheet in French or Arabic writes them are read; a lone separator
    /// before three digits is refused with what to write, not read as 2 dirhams.
    #[test]
    fn prices_are_read_as_people_write_them() {
        let row = |price: &str| {
            format!(
                "{HEADER}Atelier Lahcen,artisan,Dakhla,leather,LAH-1,sac,حقيبة,Sac,,,\"{price}\",standard,800,5,0\n"
            )
        };
        for (typed, read) in [
            ("1 250,50", "1250.50"),
            ("1.250,50 DH", "1250.50"),
            ("١٢٠", "120.00"),
            ("349.00", "349.00"),
        ] {
            let checked = read_catalog(row(typed).as_bytes());
            assert!(checked.errors.is_empty(), "{typed}: {:?}", checked.errors);
            assert_eq!(checked.rows[0].price.amount().to_string(), read, "{typed}");
        }
        let checked = read_catalog(row("2.000").as_bytes());
        assert!(checked.rows.is_empty());
        let text = checked.errors[0].to_string();
        assert!(text.contains("could be thousands or decimals"), "{text}");
    }

    #[test]
    fn customs_columns_are_read_and_checked() {
        let header = "seller,seller_kind,seller_city,category,sku,slug,title_ar,title_fr,price,weight_grams,hs_code,customs_fr,customs_en,origin,net_weight_grams\n";
        let text = format!(
            "{header}Oudaya,cooperative,Dakhla,leather,BAG-1,sac,حقيبة,Sac,890.00,800,4202.21,Sac en cuir,Leather bag,,\n\
             Oudaya,cooperative,Dakhla,leather,BAG-2,sac-2,حقيبة,Sac,890.00,800,42,Sac,Bag,MA,700\n\
             Oudaya,cooperative,Dakhla,leather,BAG-3,sac-3,حقيبة,Sac,890.00,800,,,,,\n"
        );
        let checked = read_catalog(text.as_bytes());
        assert_eq!(checked.rows.len(), 2, "{:?}", checked.errors);
        let c = checked.rows[0].customs.as_ref().expect("customs");
        assert_eq!(
            (
                c.hs_code.as_str(),
                c.origin_country.as_str(),
                c.net_weight_grams
            ),
            ("420221", "MA", 800)
        );
        assert_eq!(checked.rows[1].customs, None, "no customs columns filled");
        assert_eq!(checked.errors.len(), 1);
        assert_eq!(checked.errors[0].line, 3);
        assert!(
            checked.errors[0].message.contains("HS"),
            "{}",
            checked.errors[0]
        );
    }

    #[test]
    fn duplicate_skus_and_missing_columns_are_errors() {
        let file = format!(
            "{HEADER}\
A,artisan,Dakhla,leather,X-1,a,ا,A,,,10,,100,1,\n\
A,artisan,Dakhla,leather,X-1,b,ب,B,,,10,,100,1,\n"
        );
        let checked = read_catalog(file.as_bytes());
        assert_eq!(checked.rows.len(), 1);
        assert_eq!(checked.errors[0].line, 3);
        assert!(checked.errors[0].message.contains("already on line 2"));
        let checked = read_catalog("seller,sku\nA,X\n".as_bytes());
        assert_eq!(checked.errors.len(), 1);
        assert!(
            checked.errors[0].message.contains("missing field"),
            "{:?}",
            checked.errors
        );
    }
}
