//! The `tijara` command, run as a process on a SQLite file: exit codes, messages, import with
//! every error reported and nothing imported, idempotent re-import, exports, payouts, invoices.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use std::path::PathBuf;
use std::process::Command;
use tijara::usecases::catalog::CategoryInput;
use tijara_core::{CategoryId, Lang, LocalizedText};

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn tijara(args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_tijara"))
        .args(args)
        .env_remove("TIJARA_DATABASE_URL")
        .env_remove("TIJARA_REGION")
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tijara-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HEADER: &str = "seller,seller_kind,seller_city,category,sku,slug,title_ar,title_fr,title_en,description_fr,price,tax_category,weight_grams,stock,lead_days\n";

#[test]
fn checks_of_region_and_rate_card_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for f in [
        "regions/dakhla-oued-ed-dahab.toml",
        "regions/laayoune-sakia-el-hamra.toml",
    ] {
        let r = tijara(&["region", "check", root.join(f).to_str().unwrap()]);
        assert_eq!(r.code, 0, "{f}: {}", r.err);
        assert!(r.out.contains("is valid"), "{}", r.out);
    }
    let dir = temp("check");
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(root.join("regions/dakhla-oued-ed-dahab.toml")).unwrap();
    std::fs::write(
        &bad,
        text.replace("percent = \"14\"", "percent = \"quatorze\""),
    )
    .unwrap();
    let r = tijara(&["region", "check", bad.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{}", r.err);
    // The error names the line of the bad value (counted here, so comments may move it).
    let line = 1 + text
        .lines()
        .position(|l| l.contains("percent = \"14\""))
        .expect("the 14 % rate");
    assert!(
        r.err.contains(&format!("line {line},")) && r.err.contains("tax_rates[1].percent"),
        "{}",
        r.err
    );
    let r = tijara(&[
        "region",
        "check",
        dir.join("missing.toml").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    let card = dir.join("card.toml");
    std::fs::write(&card, tijara_carrier_table::AMANA_SAMPLE).unwrap();
    let r = tijara(&["ratecard", "check", card.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    std::fs::write(&card, "carrier = 3").unwrap();
    let r = tijara(&["ratecard", "check", card.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert_eq!(tijara(&["frobnicate"]).code, 2, "clap's usage error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_export_payouts_and_invoices() {
    let dir = temp("flow");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let r = tijara(&["migrate", "--database-url", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    let engine = tijara_cli::engine(&url, None).await.unwrap();
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("leather").unwrap(),
                "leather",
                LocalizedText::single(Lang::FR, "Cuir"),
            ),
            None,
        )
        .await
        .unwrap();

    // A file with errors on two lines: all reported, nothing imported.
    let csv = dir.join("catalog.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
Atelier Lahcen,artisan,Dakhla,leather,LAH-1,sac-cuir,حقيبة جلدية,Sac en cuir,Leather bag,Cuir de chèvre,\"349,00\",standard,800,5,0\n\
Atelier Lahcen,artisan,Dakhla,pottery,LAH-2,tajine,طاجين,Tajine,,,120,standard,1500,3,0\n\
Coopérative Nisae,cooperative,Dakhla,leather,NIS-1,pouf,بوف,Pouf,,,-1,standard,2000,2,0\n"
        ),
    )
    .unwrap();
    let r = tijara(&["import", csv.to_str().unwrap(), "--database-url", &url]);
    assert_eq!(r.code, 3, "{} {}", r.out, r.err);
    assert!(
        r.err.contains("line 3") && r.err.contains("pottery"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("line 4") && r.err.contains("price"),
        "{}",
        r.err
    );
    assert!(r.err.contains("nothing imported"), "{}", r.err);
    assert!(
        engine
            .catalog()
            .product_by_sku("LAH-1")
            .await
            .unwrap()
            .is_none()
    );

    // --skip-invalid imports the good row; a fixed file then imports the rest, and a second
    // run of the same file changes nothing but the stock it sets.
    let r = tijara(&[
        "import",
        csv.to_str().unwrap(),
        "--database-url",
        &url,
        "--skip-invalid",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("1 product(s) created"), "{}", r.out);
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
Atelier Lahcen,artisan,Dakhla,leather,LAH-1,sac-cuir,حقيبة جلدية,Sac en cuir,Leather bag,Cuir de chèvre,\"349,00\",standard,800,7,0\n\
Coopérative Nisae,cooperative,Dakhla,leather,NIS-1,pouf,بوف,Pouf en cuir,,,\"1200.00\",standard,2000,2,0\n"
        ),
    )
    .unwrap();
    for round in 0..2 {
        let r = tijara(&["import", csv.to_str().unwrap(), "--database-url", &url]);
        assert_eq!(r.code, 0, "{}", r.err);
        if round == 0 {
            assert!(
                r.out
                    .contains("1 seller(s) created, 1 product(s) created, 1 updated"),
                "{}",
                r.out
            );
        } else {
            assert!(
                r.out
                    .contains("0 seller(s) created, 0 product(s) created, 2 updated"),
                "{}",
                r.out
            );
        }
    }
    let bag = engine
        .catalog()
        .product_by_sku("LAH-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bag.title.get(Lang::AR, Lang::FR), Some("حقيبة جلدية"));
    let row = engine
        .catalog()
        .stock_row(&bag.variants[0].id)
        .await
        .unwrap();
    assert_eq!(row.on_hand, 7, "stock set from the file");
    assert_eq!(
        engine
            .catalog()
            .list_sellers(None, 10)
            .await
            .unwrap()
            .items
            .len(),
        2
    );

    // An order, then the exports.
    let placed = engine
        .checkout()
        .place_order(
            tijara::usecases::checkout::PlaceOrderRequest::new(
                tijara::usecases::checkout::CheckoutCart::Inline {
                    lines: vec![(bag.variants[0].id.clone(), 2)],
                    coupons: vec![],
                    customer: None,
                    shipping: [(
                        bag.seller_id.clone(),
                        tijara::usecases::checkout::ShippingSelection::new("amana", "standard"),
                    )]
                    .into_iter()
                    .collect(),
                },
                "client@example.ma",
                tijara_core::order::Address {
                    name: "Client".into(),
                    line1: "Rue 1".into(),
                    line2: None,
                    city: "Dakhla".into(),
                    postal_code: None,
                    state: None,
                    country: "MA".into(),
                    phone: "0600000000".into(),
                },
                "cod",
                Lang::FR,
            ),
            None,
        )
        .await
        .unwrap();
    let order = placed.order.id.to_string();
    // `migrate` saves orders again with the keys the engine gives them now.
    let r = tijara(&["migrate", "--database-url", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains("1 order(s) re-saved with their keys, 0 not"),
        "{}",
        r.out
    );
    let today = engine.region().local_date(engine.now());
    let tomorrow = today.succ_opt().unwrap();
    let r = tijara(&[
        "export",
        "orders",
        "--database-url",
        &url,
        "--from",
        &today.to_string(),
        "--to",
        &tomorrow.to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 2, "header and one seller order: {}", r.out);
    assert!(lines[0].starts_with("order_id,placed_at,email"));
    assert!(
        lines[1].contains(&order) && lines[1].contains("698.00"),
        "{}",
        lines[1]
    );
    let r = tijara(&[
        "export",
        "orders",
        "--database-url",
        &url,
        "--from",
        &today.to_string(),
        "--to",
        &tomorrow.to_string(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    let r = tijara(&[
        "export",
        "orders",
        "--database-url",
        &url,
        "--from",
        "yesterday",
        "--to",
        "2026-12-01",
    ]);
    assert_eq!(r.code, 3);
    assert!(r.err.contains("not a date"), "{}", r.err);

    // Payouts: nothing is owed for a COD order not yet delivered and remitted.
    let period = today.format("%Y-%m").to_string();
    let r = tijara(&[
        "payouts",
        "batch",
        "--database-url",
        &url,
        "--period",
        &period,
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out.lines().count(), 1, "only the header: {}", r.out);
    assert!(
        r.out
            .starts_with("seller_id,seller_name,owed,paid,to_pay,reference,rib,note"),
        "{}",
        r.out
    );
    let r = tijara(&[
        "payouts",
        "statement",
        "--database-url",
        &url,
        "--seller",
        bag.seller_id.as_str(),
        "--period",
        &period,
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    // Nothing received yet: the total row is zero (sales, commission, share).
    assert!(r.out.contains("total,"), "{}", r.out);
    assert!(r.out.contains(",0.00,0.00,0.00,"), "{}", r.out);
    let r = tijara(&[
        "payouts",
        "statement",
        "--database-url",
        &url,
        "--seller",
        "slr_nobody",
        "--period",
        &period,
    ]);
    assert_eq!(r.code, 4, "{}", r.err);

    // Invoices, French and Arabic; the same number both times.
    let out = dir.join("invoices");
    for lang in ["fr", "ar"] {
        let r = tijara(&[
            "invoice",
            &order,
            "--database-url",
            &url,
            "--lang",
            lang,
            "--out-dir",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        let path = r.out.trim().to_owned();
        assert!(path.contains("F-000001"), "{path}");
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(html.contains(if lang == "ar" {
            "فاتورة"
        } else {
            "Facture"
        }));
    }
    let r = tijara(&["invoice", "ord_missing", "--database-url", &url]);
    assert_eq!(r.code, 4, "{}", r.err);
    let r = tijara(&[
        "migrate",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(r.code, 1, "an unreachable database: {}", r.err);
}

#[tokio::test]
async fn search_reindex_rebuilds_every_product() {
    let dir = temp("search");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let r = tijara(&["migrate", "--database-url", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    let engine = tijara_cli::engine(&url, None).await.unwrap();
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("leather").unwrap(),
                "leather",
                LocalizedText::single(Lang::FR, "Maroquinerie"),
            ),
            None,
        )
        .await
        .unwrap();
    let csv = dir.join("catalog.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
Atelier Lahcen,artisan,Dakhla,leather,LAH-1,sac-cuir,حقيبة جلدية,Sac en cuir,Leather bag,Cuir de chèvre,\"349,00\",standard,800,5,0\n"
        ),
    )
    .unwrap();
    let r = tijara(&["import", csv.to_str().unwrap(), "--database-url", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    let search = |q: &'static str| {
        let engine = engine.clone();
        async move {
            engine
                .catalog()
                .search(&tijara::usecases::catalog::SearchRequest::new(q))
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(
        search("maroquinerie").await,
        1,
        "the category's name is indexed"
    );
    let r = tijara(&["search", "reindex", "--database-url", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains("search index rebuilt: 1 product(s)"),
        "{}",
        r.out
    );
    assert_eq!(search("sac cuir").await, 1);
    assert_eq!(search("dakhla").await, 1, "the seller's city is indexed");
    let r = tijara(&["search", "reindex"]);
    assert_eq!(r.code, 2, "no database: a bad command line ({})", r.err);
}
