//! Issue 16: a storefront starting on a database whose search rows an older version wrote
//! (titles only, no index version) rebuilds the index once by itself, logging one line with
//! the count; the next start has nothing to do. A test binary of its own: the log subscriber
//! is this thread's (see `ops_logs.rs`).

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use std::sync::{Arc, Mutex};
use tijara::ports::storage::{Changeset, DocKind, DocWrite, ListQuery, ProductIndex};
use tijara::usecases::catalog::SearchRequest;
use tijara_core::catalog::Product;
use tijara_core::search::{Fields, index_text};

/// The log lines written, in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn settings(data_dir: std::path::PathBuf) -> tijara_storefront::Settings {
    tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir,
        database_url: None,
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    }
}

async fn total(app: &tijara_storefront::App, q: &str) -> u64 {
    app.engine
        .catalog()
        .search(&SearchRequest::new(q))
        .await
        .unwrap()
        .total
}

/// Rewrites every product's search row as a version from before full-text search left it:
/// its titles only, no index version.
async fn as_written_by_an_older_version(app: &tijara_storefront::App) -> usize {
    let s = app.engine.storage();
    let docs = s
        .list(&ListQuery::new(DocKind::Product, 100))
        .await
        .unwrap();
    for d in &docs {
        let p: Product = serde_json::from_str(&d.body).unwrap();
        let titles: Vec<&str> = p.title.iter().map(|(_, t)| t).collect();
        let price = p.variants[0].price.to_minor().unwrap();
        let row = ProductIndex::new(p.seller_id.to_string(), p.category_id.to_string())
            .with_active(true)
            .with_prices(price, price)
            .with_search_fields(Fields {
                title: index_text(&titles.join(" ")),
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
        .unwrap();
    }
    docs.len()
}

#[tokio::test(flavor = "current_thread")]
async fn a_start_on_an_old_index_rebuilds_it_once_and_says_how_many() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("search-upgrade"));
    let app = tijara_storefront::build(&settings(dir.clone()))
        .await
        .unwrap();
    assert!(
        tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap()
    );
    let products = as_written_by_an_older_version(&app).await;
    assert!(products > 10);
    // As an older version left it: the descriptions are not indexed (the storage asked
    // directly: the engine would rebuild first).
    let handmade = tijara::ports::storage::SearchQuery {
        plan: tijara_core::search::plan("handmade", &Default::default()),
        match_all: true,
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        app.engine.storage().search(&handmade).await.unwrap().total,
        0
    );
    drop(app);

    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = tijara_storefront::build(&settings(dir.clone()))
        .await
        .unwrap();
    let log = lines.text();
    let rebuilt: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("search index rebuilt"))
        .collect();
    assert_eq!(rebuilt.len(), 1, "one line: {log}");
    assert!(
        rebuilt[0].contains(&format!("{products} product(s)")),
        "with the count: {}",
        rebuilt[0]
    );
    // Found by the words only a full index holds: the descriptions, the categories' names.
    assert_eq!(total(&app, "handmade").await, products as u64);
    assert!(total(&app, "textiles").await > 0);
    drop(app);

    // The next start has nothing to rebuild.
    let app = tijara_storefront::build(&settings(dir.clone()))
        .await
        .unwrap();
    assert_eq!(
        lines.text().matches("search index rebuilt").count(),
        1,
        "rebuilt once"
    );
    assert_eq!(app.engine.catalog().ensure_search_index().await.unwrap(), 0);
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
