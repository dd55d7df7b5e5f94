//! The schema: the SQL files of `tijara-store-sqlx`'s SQLite migrations, applied and recorded
//! exactly as sqlx records them (table `_sqlx_migrations`, SHA-384 checksum of each file), so
//! either adapter opens a database the other created or migrated.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha384};

/// One migration: version and description as sqlx derives them from the file name
/// (`<version>_<description>.sql`, underscores read as spaces), and the file's SQL.
struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

/// The same files sqlx embeds (`sqlx::migrate!("migrations/sqlite")` in `tijara-store-sqlx`),
/// in version order. A new migration is added there and listed here
/// (`tests/compat.rs` fails until it is).
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 20261128000001,
        description: "init",
        sql: include_str!("../../tijara-store-sqlx/migrations/sqlite/20261128000001_init.sql"),
    },
    Migration {
        version: 20261201153000,
        description: "idempotency claims",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261201153000_idempotency_claims.sql"
        ),
    },
    Migration {
        version: 20261202090001,
        description: "catalog version",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261202090001_catalog_version.sql"
        ),
    },
    Migration {
        version: 20261202090002,
        description: "search",
        sql: include_str!("../../tijara-store-sqlx/migrations/sqlite/20261202090002_search.sql"),
    },
    Migration {
        version: 20261202090005,
        description: "delivery state",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261202090005_delivery_state.sql"
        ),
    },
    Migration {
        version: 20261202090006,
        description: "search index version",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261202090006_search_index_version.sql"
        ),
    },
    Migration {
        version: 20261202090007,
        description: "stock availability version",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261202090007_stock_availability_version.sql"
        ),
    },
    Migration {
        version: 20261203010001,
        description: "catalog version triggers",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261203010001_catalog_version_triggers.sql"
        ),
    },
    Migration {
        version: 20261204140001,
        description: "docs rowid",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261204140001_docs_rowid.sql"
        ),
    },
    Migration {
        version: 20261204140002,
        description: "idempotency rowid",
        sql: include_str!(
            "../../tijara-store-sqlx/migrations/sqlite/20261204140002_idempotency_rowid.sql"
        ),
    },
    Migration {
        version: 20261205090001,
        description: "doc links",
        sql: include_str!("../../tijara-store-sqlx/migrations/sqlite/20261205090001_doc_links.sql"),
    },
];

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// A migration started earlier did not finish (sqlx's `success = false`).
    #[error("migration {0} was left unfinished; restore a backup of the database")]
    Dirty(i64),
    /// A migration was applied from a different file than this version's.
    #[error("migration {0} was applied from a different file than this version's")]
    Modified(i64),
    /// The database has a migration this version does not know (a newer version wrote it).
    #[error("migration {0} is unknown to this version: the database was migrated by a newer one")]
    Unknown(i64),
    /// SQLite refused a statement.
    #[error("migration {version}: {source}")]
    Sql {
        /// The migration being applied (0: the bookkeeping).
        version: i64,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

fn sql(version: i64) -> impl Fn(rusqlite::Error) -> MigrationError {
    move |source| MigrationError::Sql { version, source }
}

/// Applies the migrations the database lacks, each in its own transaction with its record.
/// A read-only database that is up to date opens without writing anything.
pub(crate) fn run(conn: &mut Connection) -> Result<(), MigrationError> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(sql(0))?;
    if !exists {
        // sqlx's own table definition, so sqlx finds it as it left it.
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);",
        )
        .map_err(sql(0))?;
    }
    let dirty: Option<i64> = conn
        .query_row(
            "SELECT version FROM _sqlx_migrations WHERE success = false ORDER BY version LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql(0))?;
    if let Some(v) = dirty {
        return Err(MigrationError::Dirty(v));
    }
    let applied: Vec<(i64, Vec<u8>)> = {
        let mut st = conn
            .prepare("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .map_err(sql(0))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql(0))?
            .collect::<Result<_, _>>()
            .map_err(sql(0))?
    };
    for (version, checksum) in &applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => return Err(MigrationError::Unknown(*version)),
            Some(m) if Sha384::digest(m.sql)[..] != checksum[..] => {
                return Err(MigrationError::Modified(*version));
            }
            Some(_) => {}
        }
    }
    for m in MIGRATIONS {
        if applied.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        let start = std::time::Instant::now();
        let tx = conn.transaction().map_err(sql(m.version))?;
        tx.execute_batch(m.sql).map_err(sql(m.version))?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, -1)",
            params![m.version, m.description, &Sha384::digest(m.sql)[..]],
        )
        .map_err(sql(m.version))?;
        tx.commit().map_err(sql(m.version))?;
        let nanos = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
        conn.execute(
            "UPDATE _sqlx_migrations SET execution_time = ?1 WHERE version = ?2",
            params![nanos, m.version],
        )
        .map_err(sql(m.version))?;
    }
    Ok(())
}

/// The migrations the database records, compared with [`MIGRATIONS`] (read on every call:
/// another process may migrate the database while this one runs).
pub(crate) fn status(conn: &Connection) -> rusqlite::Result<tijara::ports::storage::SchemaStatus> {
    let known = MIGRATIONS.iter().map(|m| m.version).collect();
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(tijara::ports::storage::SchemaStatus::new(known, Vec::new()));
    }
    let mut st = conn.prepare_cached(
        "SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (mut applied, mut unfinished, mut modified) = (Vec::new(), Vec::new(), Vec::new());
    for (version, success, checksum) in rows {
        if !success {
            unfinished.push(version);
            continue;
        }
        applied.push(version);
        if let Some(m) = MIGRATIONS.iter().find(|m| m.version == version)
            && Sha384::digest(m.sql)[..] != checksum[..]
        {
            modified.push(version);
        }
    }
    Ok(tijara::ports::storage::SchemaStatus::new(known, applied)
        .with_unfinished(unfinished)
        .with_modified(modified))
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, run};
    use rusqlite::{Connection, params};

    /// A database as the version before `docs_rowid` (and `idempotency_rowid`) left it: every earlier migration applied
    /// and recorded as `run` records them.
    fn before_docs_rowid() -> Connection {
        before("docs rowid")
    }

    /// A database with every migration before the one named `description` applied and recorded.
    fn before(description: &str) -> Connection {
        let last = MIGRATIONS
            .iter()
            .position(|m| m.description == description)
            .expect("the migration is listed");
        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
        )
        .expect("bookkeeping");
        for m in &MIGRATIONS[..last] {
            let tx = old.transaction().expect("tx");
            tx.execute_batch(m.sql).expect("older migration");
            tx.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (?1, ?2, TRUE, ?3, -1)",
                params![
                    m.version,
                    m.description,
                    &<sha2::Sha384 as sha2::Digest>::digest(m.sql)[..]
                ],
            )
            .expect("record");
            tx.commit().expect("commit");
        }
        old
    }

    fn docs(conn: &Connection) -> Vec<(String, String, i64, String)> {
        let mut st = conn
            .prepare("SELECT kind, id, version, body FROM docs ORDER BY kind, id")
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn answers(conn: &Connection) -> Vec<(String, String, String, String, i64)> {
        let mut st = conn
            .prepare("SELECT scope, key, fingerprint, response, created_at FROM idempotency ORDER BY scope, key")
            .expect("prepare");
        st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    }

    fn catalog_version(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT version FROM catalog_version WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .expect("catalog version")
    }

    #[test]
    fn documents_and_answers_move_to_rowid_tables_unchanged_and_the_catalog_triggers_still_count() {
        let mut conn = before_docs_rowid();
        let order = format!(r#"{{"lines":"{}"}}"#, "بضاعة ".repeat(800));
        assert!(order.len() > 4096, "an order larger than a page");
        conn.execute_batch(&format!(
            "INSERT INTO docs VALUES ('product', 'p1', 3, '{{\"title\":\"زربية\"}}'); \
             INSERT INTO docs VALUES ('cart', 'c1', 7, '{{}}'); \
             INSERT INTO docs VALUES ('order', 'o1', 2, '{order}'); \
             INSERT INTO idempotency VALUES ('api:orders', 'k1', 'f1', '{order}', 17); \
             INSERT INTO idempotency VALUES ('done:notification', '42:0:a@b|', '', '', 18);"
        ))
        .expect("documents of the older version");
        let before = docs(&conn);
        let answers_before = answers(&conn);
        let version = catalog_version(&conn);

        run(&mut conn).expect("the docs rowid migration applies");

        assert_eq!(docs(&conn), before, "every document, version and body kept");
        assert_eq!(answers(&conn), answers_before, "every stored answer kept");
        for name in ["docs", "idempotency"] {
            let table: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .expect("table");
            assert!(
                !table.to_ascii_uppercase().contains("WITHOUT ROWID"),
                "{name} is a rowid table: {table}"
            );
        }
        let by_age: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN DELETE FROM idempotency WHERE created_at < 18",
                [],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(
            by_age.contains("idempotency_by_age"),
            "the purge's index: {by_age}"
        );
        assert_eq!(catalog_version(&conn), version, "moving counts no change");
        conn.execute(
            "UPDATE docs SET version = 4, body = '{}' WHERE kind = 'product' AND id = 'p1'",
            [],
        )
        .expect("product edit");
        assert_eq!(catalog_version(&conn), version + 1, "a product edit counts");
        conn.execute(
            "UPDATE docs SET version = 3 WHERE kind = 'order' AND id = 'o1'",
            [],
        )
        .expect("order edit");
        conn.execute("DELETE FROM docs WHERE kind = 'cart'", [])
            .expect("cart deleted");
        assert_eq!(
            catalog_version(&conn),
            version + 1,
            "orders and carts do not"
        );
        conn.execute("DELETE FROM docs WHERE kind = 'product'", [])
            .expect("product deleted");
        conn.execute(
            "INSERT INTO docs (kind, id, version, links_keys, links_owners, body) \
             VALUES ('seller', 's1', 1, '[]', '[]', '{}')",
            [],
        )
        .expect("seller");
        assert_eq!(catalog_version(&conn), version + 3);
        let again = conn.execute(
            "INSERT INTO docs (kind, id, version, links_keys, links_owners, body) \
             VALUES ('seller', 's1', 1, '[]', '[]', '{}') ON CONFLICT DO NOTHING",
            [],
        );
        assert_eq!(again.expect("insert"), 0, "(kind, id) is still unique");
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT body FROM docs WHERE kind = 'order' AND id = 'o1'",
                [],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(
            plan.contains("INDEX"),
            "a document is found by its key: {plan}"
        );
    }

    /// The rows of `doc_keys` or `doc_owners` (`table`) as `(kind, value, id)`, sorted.
    fn links(conn: &Connection, table: &str, column: &str) -> Vec<(String, String, String)> {
        let mut st = conn
            .prepare(&format!(
                "SELECT kind, {column}, id FROM {table} ORDER BY kind, {column}, id"
            ))
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn documents_list_their_keys_and_owners_and_the_indexes_by_document_go() {
        let mut conn = before("doc links");
        let order = format!(r#"{{"lines":"{}"}}"#, "بضاعة ".repeat(800));
        conn.execute_batch(&format!(
            "INSERT INTO docs VALUES ('product', 'p1', 3, '{{\"title\":\"زربية\"}}'); \
             INSERT INTO docs VALUES ('cart', 'c1', 7, '{{}}'); \
             INSERT INTO docs VALUES ('order', 'o1', 2, '{order}'); \
             INSERT INTO doc_keys VALUES ('product', 'slug:zarbiya', 'p1'); \
             INSERT INTO doc_keys VALUES ('order', 'tracking:amana:X\"1', 'o1'); \
             INSERT INTO doc_keys VALUES ('order', 'order-number:DAK-1', 'o1'); \
             INSERT INTO doc_owners VALUES ('order', 'seller:s2', 'o1'); \
             INSERT INTO doc_owners VALUES ('order', 'customer:c''9', 'o1'); \
             INSERT INTO doc_owners VALUES ('product', 'seller:s2', 'p1');"
        ))
        .expect("documents of the older version");
        let before = docs(&conn);
        let (keys, owners) = (
            links(&conn, "doc_keys", "key"),
            links(&conn, "doc_owners", "owner"),
        );
        let version = catalog_version(&conn);

        run(&mut conn).expect("the doc links migration applies");

        assert_eq!(docs(&conn), before, "every document, version and body kept");
        assert_eq!(links(&conn, "doc_keys", "key"), keys, "keys kept");
        assert_eq!(links(&conn, "doc_owners", "owner"), owners, "owners kept");
        let lists = |kind: &str, id: &str| -> (String, String) {
            conn.query_row(
                "SELECT links_keys, links_owners FROM docs WHERE kind = ?1 AND id = ?2",
                [kind, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("lists")
        };
        assert_eq!(
            lists("order", "o1"),
            (
                r#"["order-number:DAK-1","tracking:amana:X\"1"]"#.to_owned(),
                r#"["customer:c'9","seller:s2"]"#.to_owned()
            ),
            "each document lists its own keys and owners, sorted, as JSON"
        );
        assert_eq!(
            lists("product", "p1"),
            (
                r#"["slug:zarbiya"]"#.to_owned(),
                r#"["seller:s2"]"#.to_owned()
            )
        );
        assert_eq!(lists("cart", "c1"), ("[]".to_owned(), "[]".to_owned()));
        for gone in ["doc_keys_by_doc", "doc_owners_by_doc"] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [gone],
                    |r| r.get(0),
                )
                .expect("count");
            assert_eq!(n, 0, "{gone} is dropped");
        }
        assert!(
            conn.execute(
                "INSERT INTO docs (kind, id, version, body) VALUES ('cart', 'c2', 1, '{}')",
                [],
            )
            .is_err(),
            "an older version's insert, which writes no lists, fails instead of writing wrong ones"
        );
        assert_eq!(catalog_version(&conn), version, "moving counts no change");
        conn.execute(
            "UPDATE docs SET version = 4 WHERE kind = 'product' AND id = 'p1'",
            [],
        )
        .expect("product edit");
        assert_eq!(
            catalog_version(&conn),
            version + 1,
            "the catalog triggers are back"
        );
    }

    #[test]
    fn versions_are_in_order() {
        assert!(
            super::MIGRATIONS
                .windows(2)
                .all(|w| w[0].version < w[1].version)
        );
    }
}
