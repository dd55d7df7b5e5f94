//! Human order numbers: given at placing (`DAK-2026-…`), found again by number, and unique
//! even when two processes place orders on one database at once and draw the same number.

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tijara::ports::runtime::IdGenerator;
use tijara::ports::storage::Storage;
use tijara::{EngineConfig, Tijara, TijaraError};
use tijara_core::catalog::SellerKind;
use tijara_core::order::{Order, OrderNumber};
use tijara_core::*;
use tijara_testkit::stubs::*;

/// Ids of one "process": unique per process (`ord_a…`, `ord_b…`), or for a test that needs
/// to know its order's id, `fixed` for every order.
struct ProcessIds {
    process: &'static str,
    n: AtomicU64,
    fixed: Option<&'static str>,
}

impl ProcessIds {
    fn new(process: &'static str) -> Arc<Self> {
        Arc::new(ProcessIds {
            process,
            n: AtomicU64::new(0),
            fixed: None,
        })
    }
}

impl IdGenerator for ProcessIds {
    fn next_id(&self, prefix: &str) -> String {
        if let (Some(f), "ord") = (self.fixed, prefix) {
            return f.to_owned();
        }
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}_{}{n:08}", self.process)
    }
}

/// The number placing draws for order `id` at draw `draw` (as documented on the engine).
fn drawn(id: &str, draw: u32, width: u32) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{id}#{draw}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    let serial = u64::from_le_bytes(b) % 10u64.pow(width);
    format!("DAK-2026-{serial:0w$}", w = width as usize)
}

fn engine_ids(storage: Arc<dyn Storage>, ids: Arc<ProcessIds>) -> Tijara {
    Tijara::builder()
        .region(Region::dakhla())
        .storage(storage)
        .payment(Arc::new(StubGateway::card()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .payment(Arc::new(StubGateway::bank_transfer()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .clock(Arc::new(FixedClock::at(t0())))
        .ids(ids)
        .sleeper(Arc::new(TokioSleeper))
        .config(
            EngineConfig::default()
                .with_max_unpaid_per_email(0)
                .with_max_unpaid_per_client(0),
        )
        .build()
        .expect("engine")
}

/// A seller with one product of 1 000 units.
async fn shelf(e: &Tijara) -> (SellerId, VariantId) {
    let seller = e
        .catalog()
        .create_seller(
            seller_input("Coopérative Oudaya", SellerKind::Cooperative),
            None,
        )
        .await
        .expect("seller")
        .id;
    e.catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                CategoryId::new("leather").expect("id"),
                "leather",
                LocalizedText::single(Lang::FR, "Cuir"),
            ),
            None,
        )
        .await
        .expect("category");
    let p = e
        .catalog()
        .create_product(
            product_input(
                &seller,
                "srama",
                "Coussin srama",
                "وسادة",
                vec![variant("SRAMA-1", "250.00", 1000)],
            ),
            None,
        )
        .await
        .expect("product");
    (seller, p.variants[0].id.clone())
}

async fn place(e: &Tijara, seller: &SellerId, v: &VariantId, gateway: &str) -> Order {
    e.checkout()
        .place_order(request(vec![(v.clone(), 1)], &[seller], gateway), None)
        .await
        .expect("placed")
        .order
}

#[tokio::test]
async fn an_order_gets_a_number_of_its_region_and_year_found_again_by_it() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = place(e, &c.a, &c.cushion, "cod").await;
    let number = order.number.clone().expect("a number");
    let text = number.as_str();
    assert!(text.starts_with("DAK-2026-"), "{text}");
    assert_eq!(text.len(), "DAK-2026-".len() + 6, "{text}");
    assert_eq!(order.reference(), text);
    // Stored with the order, and the order is found by it, typed as a person types it.
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.number.as_ref(), Some(&number));
    let typed = OrderNumber::parse(&format!(" {} ", text.to_lowercase())).expect("parse");
    let found = e.orders().order_by_number(&typed).await.expect("found");
    assert_eq!(found.order.id, order.id);
    // An unknown number is not found.
    let unknown = OrderNumber::new("DAK", 2026, 1, 6).expect("number");
    if unknown != number {
        assert!(matches!(
            e.orders().order_by_number(&unknown).await,
            Err(TijaraError::NotFound { .. })
        ));
    }
    // Every save keeps the number's key: after a payment the order is still found by it.
    let card = place(e, &c.a, &c.cushion, "card").await;
    let card_number = card.number.clone().expect("number");
    e.checkout()
        .start_payment(&card.id, None)
        .await
        .expect("second attempt");
    assert_eq!(
        e.orders()
            .order_by_number(&card_number)
            .await
            .expect("found")
            .order
            .id,
        card.id
    );
    assert_ne!(card_number, number);
}

#[tokio::test]
async fn an_order_placed_before_numbers_reads_back_and_shows_a_short_reference() {
    let m = market();
    let c = catalog(&m).await;
    let order = place(&m.engine, &c.a, &c.cushion, "transfer").await;
    let doc = m.engine.orders().order(&order.id).await.expect("order");
    // With its number, the stored form reads back byte for byte.
    let json = serde_json::to_string_pretty(&doc).expect("encode");
    assert!(json.contains("\"number\": \"DAK-2026-"));
    let again: tijara::docs::OrderDoc = serde_json::from_str(&json).expect("decode");
    assert_eq!(serde_json::to_string_pretty(&again).expect("encode"), json);
    // Without one (an older order): no field written, and a short form of the id to show.
    let mut old = doc.clone();
    old.order.number = None;
    let json = serde_json::to_string(&old).expect("encode");
    assert!(!json.contains("\"number\""));
    let back: tijara::docs::OrderDoc = serde_json::from_str(&json).expect("decode");
    assert_eq!(back.order.number, None);
    let short = back.order.reference();
    assert_eq!(short.chars().count(), 8);
    assert!(order.id.as_str().to_uppercase().ends_with(&short));
}

/// Two "processes" on one database place orders at once: each number is given once, and every
/// order is found by its own, from either process.
async fn numbers_stay_unique(a: Arc<dyn Storage>, b: Arc<dyn Storage>) {
    let ea = engine_ids(a, ProcessIds::new("a"));
    let eb = engine_ids(b, ProcessIds::new("b"));
    let (seller, v) = shelf(&ea).await;
    let per_process = 8;
    let run = |e: Tijara, seller: SellerId, v: VariantId| async move {
        let mut out = Vec::new();
        for i in 0..per_process {
            let gateway = ["cod", "card", "transfer"][i % 3];
            out.push(place(&e, &seller, &v, gateway).await);
        }
        out
    };
    let (ta, tb) = (
        tokio::spawn(run(ea.clone(), seller.clone(), v.clone())),
        tokio::spawn(run(eb.clone(), seller.clone(), v.clone())),
    );
    let mut orders = ta.await.expect("process a");
    orders.extend(tb.await.expect("process b"));
    let mut numbers: Vec<OrderNumber> = orders
        .iter()
        .map(|o| o.number.clone().expect("number"))
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), orders.len(), "a number was given twice");
    for o in &orders {
        let n = o.number.as_ref().expect("number");
        for e in [&ea, &eb] {
            let found = e.orders().order_by_number(n).await.expect("found");
            assert_eq!(found.order.id, o.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_stay_unique_when_two_processes_place_at_once_on_memory() {
    let store: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    numbers_stay_unique(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_stay_unique_when_two_processes_place_at_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!(
        "tijara-numbers-{}-{}",
        std::process::id(),
        t0().timestamp()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("numbers.db").display());
    let _ = std::fs::remove_file(dir.join("numbers.db"));
    let a = tijara_store_sqlx::connect(&url).await.expect("process a");
    let b = tijara_store_sqlx::connect(&url).await.expect("process b");
    numbers_stay_unique(a, b).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_stay_unique_when_two_processes_place_at_once_on_postgres() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return;
    };
    let schema = format!("t_numbers_{}", std::process::id());
    let a = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("process a");
    let b = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("process b");
    numbers_stay_unique(Arc::new(a), Arc::new(b)).await;
}

#[tokio::test]
async fn a_number_already_taken_is_drawn_again() {
    let store: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let ids = Arc::new(ProcessIds {
        process: "a",
        n: AtomicU64::new(0),
        fixed: Some("ord_fixed"),
    });
    let e = engine_ids(store.clone(), ids);
    let (seller, v) = shelf(&e).await;
    // Another order (of another process) holds the first number this order would draw.
    let first = drawn("ord_fixed", 0, 6);
    store
        .commit(tijara::ports::storage::Changeset {
            docs: vec![tijara::ports::storage::DocWrite {
                kind: tijara::ports::storage::DocKind::Order,
                id: "ord_other".into(),
                expected_version: None,
                body: "{}".into(),
                keys: vec![format!("order-number:{first}")],
                owners: vec![],
                product: None,
                links_unchanged: false,
            }],
            ..Default::default()
        })
        .await
        .expect("blocker");
    let order = place(&e, &seller, &v, "cod").await;
    let number = order.number.expect("number");
    assert_ne!(number.as_str(), first);
    assert_eq!(number.as_str(), drawn("ord_fixed", 1, 6));
    assert_eq!(
        e.orders()
            .order_by_number(&number)
            .await
            .expect("found")
            .order
            .id,
        order.id
    );
}
