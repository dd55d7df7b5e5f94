//! The PostgreSQL store runs the whole storage conformance suite, each check in a schema of its
//! own. Needs `TIJARA_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! without it the checks are skipped with a notice (CI sets it and fails if the server is down).
//! The suite runs twice: as configured by default (an order placed written as one statement),
//! and with every changeset applied statement by statement in a transaction, except a lone
//! document (a cart's creation or change, which writes nothing else): it is one statement in
//! both.

use std::sync::Arc;
use tijara::ports::storage::Storage;

async fn fresh() -> Option<Arc<dyn Storage>> {
    store(true).await
}

async fn store(one_statement: bool) -> Option<Arc<dyn Storage>> {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return None;
    };
    let schema = format!(
        "t_{}",
        tijara_testkit::storage::unique("pg").replace('-', "_")
    );
    Some(Arc::new(
        tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("connect to PostgreSQL")
            .with_one_statement_changesets(one_statement),
    ))
}

tijara_testkit::storage_conformance!(fresh());

mod statement_by_statement {
    async fn fresh() -> Option<std::sync::Arc<dyn tijara::ports::storage::Storage>> {
        super::store(false).await
    }

    tijara_testkit::storage_conformance!(fresh());
}
