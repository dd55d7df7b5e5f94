//! Search upkeep on every backend (issue 16): a renamed category's products are found by the
//! new name and no longer by the old one as soon as the rename returns; a database upgraded
//! from an older version (search rows of an older index version, categories never indexed)
//! is reindexed once by itself, at start or at the first search.
//!
//! Backends: memory, rusqlite and sqlx SQLite (a file each), PostgreSQL when
//! `TIJARA_TEST_POSTGRES_URL` is set (a schema of its own).

#![allow(clippy::panic)] // a test fails by panicking

mod common;

use common::*;
use std::sync::Arc;
use tijara::TijaraError;
use tijara::ports::storage::{
    Changeset, DocKind, DocWrite, ListQuery, ProductIndex, SearchQuery, Storage,
};
use tijara::usecases::catalog::{CategoryInput, CategoryUpdate, SearchRequest};
use tijara_core::catalog::Product;
use tijara_core::search::{Fields, INDEX_VERSION, Synonyms, index_text, plan};
use tijara_core::{CategoryId, Lang, LocalizedText};

/// A store under test, and a way to run SQL on its database (as a migration would).
enum Backend {
    Memory(Arc<tijara_store_memory::MemoryStore>),
    Rusqlite(
        Arc<tijara_store_sqlite::SqliteStore>,
        tijara_store_sqlx::SqliteStore,
    ),
    Sqlx(Arc<tijara_store_sqlx::SqliteStore>),
    Postgres(Arc<tijara_store_sqlx::PostgresStore>),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Memory(_) => "memory",
            Backend::Rusqlite(..) => "rusqlite",
            Backend::Sqlx(_) => "sqlx SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }

    fn storage(&self) -> Arc<dyn Storage> {
        match self {
            Backend::Memory(s) => s.clone(),
            Backend::Rusqlite(s, _) => s.clone(),
            Backend::Sqlx(s) => s.clone(),
            Backend::Postgres(s) => s.clone(),
        }
    }

    /// Runs statements on the database (nothing on the memory store, which has none).
    async fn sql(&self, statements: &[&str]) {
        for st in statements {
            match self {
                Backend::Memory(_) => {}
                Backend::Rusqlite(_, s) => {
                    sqlx::query(sqlx::AssertSqlSafe(st.to_string()))
                        .execute(s.pool())
                        .await
                        .expect("sql");
                }
                Backend::Sqlx(s) => {
                    sqlx::query(sqlx::AssertSqlSafe(st.to_string()))
                        .execute(s.pool())
                        .await
                        .expect("sql");
                }
                Backend::Postgres(s) => {
                    sqlx::query(sqlx::AssertSqlSafe(st.to_string()))
                        .execute(s.pool())
                        .await
                        .expect("sql");
                }
            }
        }
    }
}

async fn backends(label: &str) -> Vec<Backend> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let file = |what: &str| {
        let path = dir.join(format!(
            "search-upkeep-{label}-{what}-{}.db",
            tijara_testkit::storage::unique("db")
        ));
        format!("sqlite://{}", path.display())
    };
    let mut out = vec![Backend::Memory(Arc::new(
        tijara_store_memory::MemoryStore::new(),
    ))];
    let url = file("rusqlite");
    let rusqlite = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("rusqlite");
    let raw = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("the same file through sqlx");
    out.push(Backend::Rusqlite(Arc::new(rusqlite), raw));
    out.push(Backend::Sqlx(Arc::new(
        tijara_store_sqlx::SqliteStore::connect(&file("sqlx"))
            .await
            .expect("sqlx"),
    )));
    match std::env::var("TIJARA_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = format!(
                "t_{}",
                tijara_testkit::storage::unique("upkeep").replace('-', "_")
            );
            out.push(Backend::Postgres(Arc::new(
                tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
                    .await
                    .expect("PostgreSQL"),
            )));
        }
        Err(_) => eprintln!("TIJARA_TEST_POSTGRES_URL is not set: PostgreSQL skipped"),
    }
    out
}

/// The French titles of what a search for `q` finds, in order.
async fn titles(m: &Market, q: &str) -> Vec<String> {
    m.engine
        .catalog()
        .search(&SearchRequest::new(q))
        .await
        .expect("search")
        .items
        .into_iter()
        .map(|v| {
            v.product
                .title
                .get(Lang::FR, Lang::FR)
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

fn names(fr: &str, en: &str) -> LocalizedText {
    LocalizedText::new().with(Lang::FR, fr).with(Lang::EN, en)
}

/// A category `rugs` ("Zerbiya tissée" / "Floorweave") holding one product, "Tapis du désert".
async fn rugs(m: &Market, c: &Catalog) -> CategoryId {
    let rugs = CategoryId::new("rugs").expect("id");
    m.engine
        .catalog()
        .create_category(
            CategoryInput::new(rugs.clone(), "rugs", names("Zerbiya tissée", "Floorweave")),
            None,
        )
        .await
        .expect("category");
    let mut rug = product_input(
        &c.a,
        "tapis-desert",
        "Tapis du désert",
        "زربية",
        vec![variant("RUG-1", "1200.00", 1)],
    );
    rug.category_id = rugs.clone();
    m.engine
        .catalog()
        .create_product(rug, None)
        .await
        .expect("rug");
    rugs
}

async fn renaming_on(b: &Backend) {
    let m = market_on(b.storage());
    let c = catalog(&m).await;
    let rugs = rugs(&m, &c).await;
    let rug = vec!["Tapis du désert".to_owned()];
    assert_eq!(
        titles(&m, "zerbiya").await,
        rug,
        "{}: by its category",
        b.name()
    );
    let renamed = m
        .engine
        .catalog()
        .update_category(
            &rugs,
            CategoryUpdate::new().with_name(names("Hanbel", "Kilim")),
            None,
        )
        .await
        .expect("rename");
    assert_eq!(renamed.name.get(Lang::EN, Lang::FR), Some("Kilim"));
    for old in ["zerbiya", "floorweave"] {
        assert!(
            titles(&m, old).await.is_empty(),
            "{}: {old} is gone with the rename",
            b.name()
        );
    }
    for new in ["hanbel", "kilim", "kilimm"] {
        assert_eq!(titles(&m, new).await, rug, "{}: {new}", b.name());
    }
    // Moved under another category: still found by its own names.
    let leather = CategoryId::new("leather").expect("id");
    let moved = m
        .engine
        .catalog()
        .update_category(
            &rugs,
            CategoryUpdate::new().with_parent(leather.clone()),
            None,
        )
        .await
        .expect("move");
    assert_eq!(moved.parent, Some(leather.clone()));
    assert_eq!(
        titles(&m, "kilim").await,
        rug,
        "{}: after the move",
        b.name()
    );

    // Refused, and nothing written.
    let before = m.engine.catalog().categories().await.expect("categories");
    let fine = CategoryId::new("fine-rugs").expect("id");
    m.engine
        .catalog()
        .create_category(
            CategoryInput::new(fine.clone(), "fine-rugs", names("Tapis fins", "Fine rugs"))
                .with_parent(rugs.clone()),
            None,
        )
        .await
        .expect("subcategory");
    for (update, field) in [
        (
            CategoryUpdate::new().with_parent(rugs.clone()),
            "category.parent",
        ),
        (
            CategoryUpdate::new().with_parent(fine.clone()),
            "category.parent",
        ),
        (
            CategoryUpdate::new().with_name(LocalizedText::new()),
            "category.name",
        ),
        (CategoryUpdate::new().with_slug(" "), "category.slug"),
    ] {
        match m
            .engine
            .catalog()
            .update_category(&rugs, update, None)
            .await
        {
            Err(TijaraError::InvalidField { field: f, rule }) => {
                assert_eq!(f, field, "{}: {rule}", b.name());
                assert!(!rule.is_empty());
            }
            other => panic!("{}: {field} must be refused, got {other:?}", b.name()),
        }
    }
    let nowhere = CategoryUpdate::new().with_parent(CategoryId::new("nowhere").expect("id"));
    assert!(matches!(
        m.engine
            .catalog()
            .update_category(&rugs, nowhere, None)
            .await,
        Err(TijaraError::NotFound {
            kind: DocKind::Category,
            ..
        })
    ));
    assert!(
        m.engine
            .catalog()
            .update_category(&rugs, CategoryUpdate::new().with_slug("leather"), None)
            .await
            .is_err(),
        "{}: a slug another category holds",
        b.name()
    );
    let unknown = CategoryId::new("unknown").expect("id");
    assert!(matches!(
        m.engine
            .catalog()
            .update_category(&unknown, CategoryUpdate::new().with_slug("x"), None)
            .await,
        Err(TijaraError::NotFound {
            kind: DocKind::Category,
            ..
        })
    ));
    let after = m.engine.catalog().categories().await.expect("categories");
    let same = |list: &[tijara_core::catalog::Category], id: &CategoryId| {
        list.iter().find(|x| &x.id == id).cloned()
    };
    assert_eq!(
        same(&before, &rugs),
        same(&after, &rugs),
        "{}: unchanged",
        b.name()
    );
    assert_eq!(titles(&m, "kilim").await, rug);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_category_is_found_by_its_new_name_at_once_on_every_backend() {
    for b in backends("rename").await {
        renaming_on(&b).await;
    }
}

/// Rewrites every product's search row as a version from before full-text search left it:
/// titles only, index version 0; and, on SQL backends, the database as the migration leaves
/// it (no category indexed, no category text).
async fn downgrade(b: &Backend) {
    let s = b.storage();
    let docs = s
        .list(&ListQuery::new(DocKind::Product, 100))
        .await
        .expect("list");
    for d in docs {
        let p: Product = serde_json::from_str(&d.body).expect("product");
        let title: Vec<&str> = p.title.iter().map(|(_, t)| t).collect();
        let prices: Vec<i64> = p
            .variants
            .iter()
            .filter_map(|v| v.price.to_minor())
            .collect();
        let row = ProductIndex::new(p.seller_id.to_string(), p.category_id.to_string())
            .with_active(true)
            .with_prices(
                prices.iter().copied().min().unwrap_or(0),
                prices.iter().copied().max().unwrap_or(0),
            )
            .with_search_fields(Fields {
                title: index_text(&title.join(" ")),
                ..Fields::default()
            })
            .with_index_version(0);
        let mut keys = vec![format!("slug:{}", p.slug)];
        keys.extend(p.variants.iter().map(|v| format!("sku:{}", v.sku)));
        s.commit(Changeset {
            docs: vec![DocWrite {
                kind: DocKind::Product,
                id: d.id.clone(),
                expected_version: Some(d.version),
                body: d.body.clone(),
                keys,
                owners: vec![format!("seller:{}", p.seller_id)],
                product: Some(row),
                links_unchanged: false,
            }],
            ..Changeset::default()
        })
        .await
        .expect("old row");
    }
    b.sql(&[
        "DELETE FROM search_categories",
        "UPDATE products SET category_text = ''",
    ])
    .await;
}

/// What the storage finds for `q`, without an engine (which would heal the index first).
async fn stored_hits(s: &Arc<dyn Storage>, q: &str) -> u64 {
    s.search(&SearchQuery {
        plan: plan(q, &Synonyms::default()),
        match_all: true,
        limit: 10,
        ..SearchQuery::default()
    })
    .await
    .expect("search")
    .total
}

async fn upgrade_on(b: &Backend) {
    let s = b.storage();
    let m = market_on(s.clone());
    catalog(&m).await;
    assert_eq!(
        m.engine
            .catalog()
            .ensure_search_index()
            .await
            .expect("ensure"),
        0,
        "{}: a database written by this version is up to date",
        b.name()
    );
    downgrade(b).await;
    let sql = !matches!(b, Backend::Memory(_));
    let outdated = s
        .search_index_outdated(INDEX_VERSION)
        .await
        .expect("outdated");
    assert_eq!(
        outdated,
        if sql { 3 + 2 } else { 3 },
        "{}: three products and, on SQL, two categories",
        b.name()
    );
    // As upgraded: found by title only.
    assert_eq!(stored_hits(&s, "bracelet").await, 1, "{}: titles", b.name());
    assert_eq!(
        stored_hits(&s, "oudaya").await,
        0,
        "{}: no seller yet",
        b.name()
    );
    if sql {
        assert_eq!(
            stored_hits(&s, "bijoux").await,
            0,
            "{}: no category yet",
            b.name()
        );
    }

    // The storefront's start: one rebuild, the products counted.
    let started = market_on(s.clone());
    assert_eq!(
        started
            .engine
            .catalog()
            .ensure_search_index()
            .await
            .expect("heal"),
        3,
        "{}: every product reindexed",
        b.name()
    );
    assert_eq!(
        s.search_index_outdated(INDEX_VERSION)
            .await
            .expect("outdated"),
        0
    );
    assert_eq!(
        titles(&started, "oudaya").await.len(),
        2,
        "{}: by the seller's name",
        b.name()
    );
    assert_eq!(
        titles(&started, "bijoux").await,
        ["Bracelet en argent"],
        "{}: by the category's name",
        b.name()
    );
    // Once: the next start has nothing to do.
    let again = market_on(s.clone());
    assert_eq!(
        again
            .engine
            .catalog()
            .ensure_search_index()
            .await
            .expect("again"),
        0
    );

    // An engine nobody told to check: its first search heals the index.
    downgrade(b).await;
    let lazy = market_on(s.clone());
    assert_eq!(
        titles(&lazy, "oudaya").await.len(),
        2,
        "{}: the first search rebuilt the index",
        b.name()
    );
    assert_eq!(
        s.search_index_outdated(INDEX_VERSION)
            .await
            .expect("outdated"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_database_is_reindexed_once_by_itself_on_every_backend() {
    for b in backends("upgrade").await {
        upgrade_on(&b).await;
    }
}

#[tokio::test]
async fn did_you_mean_prefers_the_pages_language_and_comes_with_results() {
    let m = market();
    let c = catalog(&m).await;
    rugs(&m, &c).await;
    let search = |q: &'static str, lang: Lang| {
        let e = m.engine.clone();
        async move {
            e.catalog()
                .search(&SearchRequest::new(q).with_lang(lang))
                .await
                .expect("search")
        }
    };
    // "bracelet" typed right: no suggestion.
    assert_eq!(search("bracelet", Lang::FR).await.did_you_mean, None);
    // One letter off: found, and the word the results hold is suggested.
    let found = search("braclet", Lang::FR).await;
    assert_eq!(
        (found.total, found.did_you_mean.as_deref()),
        (1, Some("bracelet"))
    );
    // Nothing near: nothing found, nothing suggested.
    let none = search("xylophone", Lang::EN).await;
    assert_eq!((none.total, none.did_you_mean), (0, None));
    // An English word on a French page: suggested all the same when nothing French is near.
    let en = search("florweave", Lang::FR).await;
    assert_eq!(en.did_you_mean.as_deref(), Some("floorweave"), "{en:?}");
}
