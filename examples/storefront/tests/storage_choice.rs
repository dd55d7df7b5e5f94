//! The database URL chooses the SQLite adapter: rusqlite by default, sqlx with `sqlx+sqlite://`;
//! both open the same file (shared migrations), and an unknown scheme is refused by name.

use tijara::ports::storage::{DocKind, ListQuery};
use tijara_storefront::connect_storage;

#[tokio::test]
async fn both_sqlite_adapters_open_the_same_file_and_others_are_refused() {
    let dir = std::env::temp_dir().join(format!("tijara-storage-choice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("shop.db");
    let _ = std::fs::remove_file(&file);

    let rusqlite = connect_storage(&format!("sqlite://{}", file.display()))
        .await
        .expect("rusqlite opens a new file and migrates it");
    let listed = rusqlite
        .list(&ListQuery::new(DocKind::Product, 10))
        .await
        .expect("an empty catalogue");
    assert!(listed.is_empty());
    drop(rusqlite);

    let sqlx = connect_storage(&format!("sqlx+sqlite://{}", file.display()))
        .await
        .expect("sqlx opens the file rusqlite migrated");
    assert!(
        sqlx.list(&ListQuery::new(DocKind::Product, 10))
            .await
            .expect("the same empty catalogue")
            .is_empty()
    );
    drop(sqlx);

    let Err(err) = connect_storage("mysql://user:secret@host/db").await else {
        panic!("MySQL is not a Tijara storage")
    };
    let said = err.to_string();
    assert!(said.contains("mysql://user:***@host/db"), "{said}");
    assert!(!said.contains("secret"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
