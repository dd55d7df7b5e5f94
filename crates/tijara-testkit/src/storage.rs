//! The storage conformance suite: one public async function per rule of the
//! [`Storage`] contract. Each panics (with a message naming the
//! rule) when the adapter breaks it. Run them all with [`crate::storage_conformance!`].
//!
//! Every check uses fresh, unique ids, so checks may share a database; give each run its own
//! database or schema anyway when you can.

// A conformance check reports a broken rule by panicking, like an assertion in a test.
#![allow(clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::future::join_all;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tijara::ports::storage::*;
use tijara_core::{OrderId, ProductId, ReservationId, VariantId};

mod concurrent;
mod delivery;
mod fulltext;
mod idempotency;
mod links;
mod search;
mod status;
mod stock;
pub use concurrent::*;
pub use delivery::*;
pub use fulltext::*;
pub use idempotency::*;
pub use links::*;
pub use search::*;
pub use status::*;
pub use stock::*;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique id with a prefix (unique within the process; the time part keeps runs apart).
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = Utc::now().timestamp_micros();
    format!("{prefix}-{t:x}-{n:06}")
}

/// A SQLite database file for one test, in the system's temporary folder and named by
/// [`unique`]; the file and its `-wal` and `-shm` companions are removed when this is dropped
/// (a test that panics leaves nothing behind either).
#[derive(Debug)]
pub struct TempDb(std::path::PathBuf);

impl TempDb {
    /// A new path whose name starts with `tijara-` and `tag`; nothing is created yet.
    pub fn new(tag: &str) -> TempDb {
        TempDb(std::env::temp_dir().join(format!("{}.db", unique(&format!("tijara-{tag}")))))
    }

    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// The database's URL for the SQLite adapters (`sqlite://PATH`).
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

fn vid(s: &str) -> VariantId {
    VariantId::new(s).unwrap_or_else(|e| panic!("bad test id {s}: {e}"))
}

/// A document write with no keys or owners.
pub fn doc(kind: DocKind, id: &str, expected: Option<u64>, body: &str) -> DocWrite {
    DocWrite {
        kind,
        id: id.to_owned(),
        expected_version: expected,
        body: body.to_owned(),
        keys: vec![],
        owners: vec![],
        product: None,
        links_unchanged: false,
    }
}

fn one(w: DocWrite) -> Changeset {
    Changeset {
        docs: vec![w],
        now: Some(t0()),
        ..Changeset::default()
    }
}

fn stock(ops: Vec<StockOp>) -> Changeset {
    Changeset {
        stock: ops,
        now: Some(t0()),
        ..Changeset::default()
    }
}

async fn commit<S: Storage + ?Sized>(s: &S, cs: Changeset) -> Result<CommitOutcome, StorageError> {
    s.commit(cs).await
}

/// The ids of the first ten documents of `kind` listed under `owner`.
async fn owned_ids<S: Storage + ?Sized>(s: &S, kind: DocKind, owner: &str) -> Vec<String> {
    s.list(&ListQuery::new(kind, 10).owner(owner.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("list by owner: {e}"))
        .into_iter()
        .map(|d| d.id)
        .collect()
}

async fn ok<S: Storage + ?Sized>(s: &S, cs: Changeset, what: &str) {
    match commit(s, cs).await {
        Ok(CommitOutcome::Committed) => {}
        other => panic!("{what}: expected Committed, got {other:?}"),
    }
}

/// The id of the document of `kind` holding `key`, if any.
async fn holder<S: Storage + ?Sized>(s: &S, kind: DocKind, key: &str) -> Option<String> {
    s.find_by_key(kind, key)
        .await
        .unwrap_or_else(|e| panic!("find_by_key: {e}"))
        .map(|d| d.id)
}

/// Asserts that no document `kind` `id` is stored: `what` names the refusal that left it out.
async fn absent<S: Storage + ?Sized>(s: &S, kind: DocKind, id: &str, what: &str) {
    let got = s
        .get(kind, id)
        .await
        .unwrap_or_else(|e| panic!("get ({what}): {e}"));
    assert!(got.is_none(), "{what}: expected no document, found {got:?}");
}

async fn define<S: Storage + ?Sized>(s: &S, variant: &VariantId, tracked: bool, on_hand: u32) {
    ok(
        s,
        stock(vec![StockOp::Define {
            variant: variant.clone(),
            product: ProductId::new(format!("p-{variant}")).unwrap_or_else(|e| panic!("{e}")),
            tracked,
            on_hand,
        }]),
        "define a stock counter",
    )
    .await;
}

async fn level<S: Storage + ?Sized>(s: &S, variant: &VariantId) -> StockRow {
    s.stock_levels(std::slice::from_ref(variant))
        .await
        .unwrap_or_else(|e| panic!("stock_levels: {e}"))
        .pop()
        .unwrap_or_else(|| panic!("no stock row for {variant}"))
}

/// Documents: version 1 on creation and +1 per write; stale or duplicate writes are conflicts;
/// bodies come back byte for byte (exact decimals, Arabic text).
pub async fn documents_are_versioned_and_exact<S: Storage + ?Sized>(s: &S) {
    let id = unique("doc");
    let body = r#"{"price":{"amount":"1234567890123.45","currency":"MAD"},"title":"وسادة جلدية — Coussin « srama »"}"#;
    ok(s, one(doc(DocKind::Seller, &id, None, body)), "create").await;
    let got = s
        .get(DocKind::Seller, &id)
        .await
        .unwrap_or_else(|e| panic!("get: {e}"));
    let got = got.unwrap_or_else(|| panic!("created document not found"));
    assert_eq!(
        (got.version, got.body.as_str()),
        (1, body),
        "version 1 and exact body after creation"
    );
    assert!(
        matches!(
            commit(s, one(doc(DocKind::Seller, &id, None, "{}"))).await,
            Err(StorageError::Conflict { .. })
        ),
        "creating an existing document must be a Conflict"
    );
    ok(
        s,
        one(doc(DocKind::Seller, &id, Some(1), r#"{"v":2}"#)),
        "update at version 1",
    )
    .await;
    assert!(
        matches!(
            commit(s, one(doc(DocKind::Seller, &id, Some(1), "{}"))).await,
            Err(StorageError::Conflict { .. })
        ),
        "a write with a stale version must be a Conflict"
    );
    assert!(
        matches!(
            commit(
                s,
                one(doc(DocKind::Seller, &unique("missing"), Some(1), "{}"))
            )
            .await,
            Err(StorageError::Conflict { .. })
        ),
        "updating a missing document must be a Conflict"
    );
    let got = s
        .get(DocKind::Seller, &id)
        .await
        .unwrap_or_else(|e| panic!("get: {e}"));
    assert_eq!(
        got.map(|d| (d.version, d.body)),
        Some((2, r#"{"v":2}"#.to_owned()))
    );
    assert_eq!(
        s.get(DocKind::Product, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "kinds are separate"
    );
    let many = s
        .get_many(DocKind::Seller, &[id.clone(), unique("absent")])
        .await
        .unwrap_or_else(|e| panic!("get_many: {e}"));
    assert_eq!(many.len(), 1, "get_many skips missing ids");
}

/// Keys are unique per kind, replaced on each write, and a taken key fails the whole changeset.
pub async fn keys_are_unique_and_replaced<S: Storage + ?Sized>(s: &S) {
    let (a, b, c) = (unique("ka"), unique("kb"), unique("kc"));
    let key = unique("slug");
    let mut w = doc(DocKind::Product, &a, None, "{}");
    w.keys = vec![key.clone()];
    ok(s, one(w), "create with a key").await;
    let found = s
        .find_by_key(DocKind::Product, &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        found.map(|d| d.id),
        Some(a.clone()),
        "find_by_key finds the holder"
    );
    assert_eq!(
        s.find_by_key(DocKind::Seller, &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "keys are per kind"
    );
    let mut taken = doc(DocKind::Product, &b, None, "{}");
    taken.keys = vec![key.clone()];
    let cs = Changeset {
        docs: vec![doc(DocKind::Product, &c, None, "{}"), taken],
        now: Some(t0()),
        ..Changeset::default()
    };
    assert!(
        matches!(commit(s, cs).await, Err(StorageError::KeyTaken { .. })),
        "a key held by another document must be KeyTaken"
    );
    assert_eq!(
        s.get(DocKind::Product, &c)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "a failed changeset writes nothing"
    );
    // A new document with keys and owners under an id that is taken: Conflict (not KeyTaken,
    // even when a key is held by another document), and none of its keys or owners written.
    let (free_key, owner) = (unique("slug"), unique("owner"));
    let mut again = doc(DocKind::Product, &a, None, "{}");
    again.keys = vec![free_key.clone(), key.clone()];
    again.owners = vec![owner.clone()];
    assert!(
        matches!(
            commit(s, one(again)).await,
            Err(StorageError::Conflict { .. })
        ),
        "a new document under a taken id must be Conflict, whatever its keys"
    );
    assert_eq!(
        s.find_by_key(DocKind::Product, &free_key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "a refused document's keys are not written"
    );
    assert!(
        owned_ids(s, DocKind::Product, &owner).await.is_empty(),
        "a refused document's owners are not written"
    );
    // A new document naming one key twice (and an owner twice) holds it once.
    let (d, twice) = (unique("kd"), unique("slug"));
    let mut w = doc(DocKind::Product, &d, None, "{}");
    w.keys = vec![twice.clone(), twice.clone()];
    w.owners = vec![owner.clone(), owner.clone()];
    ok(s, one(w), "create with a key named twice").await;
    assert_eq!(
        s.find_by_key(DocKind::Product, &twice)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.id),
        Some(d.clone())
    );
    assert_eq!(
        owned_ids(s, DocKind::Product, &owner).await,
        vec![d.clone()],
        "an owner named twice lists the document once"
    );
    let new_key = unique("slug");
    let mut w = doc(DocKind::Product, &a, Some(1), "{}");
    w.keys = vec![new_key.clone()];
    ok(s, one(w), "replace the key").await;
    assert_eq!(
        s.find_by_key(DocKind::Product, &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "old key freed"
    );
    let mut w = doc(DocKind::Product, &b, None, "{}");
    w.keys = vec![key.clone()];
    ok(s, one(w), "the freed key can be taken").await;
}

/// A rewrite leaves a document with exactly the keys and owners it names: those it keeps stay,
/// those it drops go (another document can take a dropped key), new ones come. A rewrite at a
/// stale version changes none of them, and a deleted document leaves none behind.
pub async fn rewrites_keep_exactly_their_keys_and_owners<S: Storage + ?Sized>(s: &S) {
    let id = unique("links");
    // Quotes, backslashes and Arabic in some, as tracking numbers and e-mails can have.
    let odd = |prefix: &str, tail: &str| format!("{}{tail}", unique(prefix));
    let (k1, k2, k3) = (
        odd("lk1", r#":\"'"#),
        odd("lk2", r#":تتبع "2""#),
        unique("lk3"),
    );
    let (o1, o2, o3) = (odd("lo1", r"\"), odd("lo2", ":'é"), odd("lo3", r#":""#));
    let listed = |owner: String| async move { owned_ids(s, DocKind::Order, &owner).await };
    let mut w = doc(DocKind::Order, &id, None, "{}");
    w.keys = vec![k1.clone(), k2.clone()];
    w.owners = vec![o1.clone(), o2.clone()];
    ok(s, one(w), "create with two keys and two owners").await;
    let mut w = doc(DocKind::Order, &id, Some(1), r#"{"v":2}"#);
    w.keys = vec![k3.clone(), k2.clone()];
    w.owners = vec![o3.clone(), o2.clone(), o3.clone()];
    ok(s, one(w), "keep one of each, drop one, add one").await;
    assert_eq!(
        holder(s, DocKind::Order, &k1).await,
        None,
        "the dropped key is freed"
    );
    assert_eq!(
        holder(s, DocKind::Order, &k2).await,
        Some(id.clone()),
        "the kept key stays"
    );
    assert_eq!(
        holder(s, DocKind::Order, &k3).await,
        Some(id.clone()),
        "the new key is held"
    );
    assert!(
        listed(o1.clone()).await.is_empty(),
        "the dropped owner no longer lists it"
    );
    assert_eq!(
        listed(o2.clone()).await,
        vec![id.clone()],
        "the kept owner lists it once"
    );
    assert_eq!(
        listed(o3.clone()).await,
        vec![id.clone()],
        "the new owner lists it once"
    );
    let stale = doc(DocKind::Order, &id, Some(1), r#"{"v":"stale"}"#);
    assert!(
        matches!(
            commit(s, one(stale)).await,
            Err(StorageError::Conflict { .. })
        ),
        "a rewrite at a stale version is a conflict"
    );
    assert_eq!(
        holder(s, DocKind::Order, &k2).await,
        Some(id.clone()),
        "a stale rewrite frees no key"
    );
    assert_eq!(
        holder(s, DocKind::Order, &k3).await,
        Some(id.clone()),
        "a stale rewrite frees no key"
    );
    assert_eq!(
        listed(o2.clone()).await,
        vec![id.clone()],
        "a stale rewrite drops no owner"
    );
    let other = unique("links-other");
    let mut w = doc(DocKind::Order, &other, None, "{}");
    w.keys = vec![k1.clone()];
    ok(s, one(w), "another document takes the dropped key").await;
    assert!(
        !s.delete_doc(DocKind::Order, &id, 1)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "a delete at a stale version deletes nothing"
    );
    assert_eq!(
        holder(s, DocKind::Order, &k3).await,
        Some(id.clone()),
        "nor frees a key"
    );
    assert!(
        s.delete_doc(DocKind::Order, &id, 2)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "deleted at its version"
    );
    for key in [k2, k3] {
        assert_eq!(
            holder(s, DocKind::Order, &key).await,
            None,
            "a deleted document's keys are freed"
        );
    }
    for owner in [o2, o3] {
        assert!(
            listed(owner).await.is_empty(),
            "a deleted document is listed by no owner"
        );
    }
    assert_eq!(
        holder(s, DocKind::Order, &k1).await,
        Some(other),
        "the other document's key is untouched"
    );
}

/// A document is deleted only at the version given, with its keys and owners: a changed or
/// missing one is left alone (`false`).
pub async fn documents_are_deleted_at_their_version<S: Storage + ?Sized>(s: &S) {
    let id = unique("del");
    let key = unique("del-key");
    let owner = unique("del-owner");
    let mut w = doc(DocKind::Throttle, &id, None, "{}");
    w.keys = vec![key.clone()];
    w.owners = vec![owner.clone()];
    ok(s, one(w), "create").await;
    ok(
        s,
        one(doc(DocKind::Throttle, &id, Some(1), "{\"n\":1}")),
        "update",
    )
    .await;
    let stale = s
        .delete_doc(DocKind::Throttle, &id, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!stale, "a changed document is not deleted");
    assert!(
        s.get(DocKind::Throttle, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some(),
        "still there"
    );
    let deleted = s
        .delete_doc(DocKind::Throttle, &id, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(deleted, "deleted at its version");
    assert_eq!(
        s.get(DocKind::Throttle, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "gone"
    );
    assert_eq!(
        s.find_by_key(DocKind::Throttle, &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "its key is free"
    );
    assert!(
        owned_ids(s, DocKind::Throttle, &owner).await.is_empty(),
        "its owner lists nothing"
    );
    assert!(
        !s.delete_doc(DocKind::Throttle, &id, 2)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "deleting a missing document is no error"
    );
    // Created again from scratch.
    ok(
        s,
        one(doc(DocKind::Throttle, &id, None, "{}")),
        "created again",
    )
    .await;
}

/// Listing is by id, strictly after the cursor, optionally by owner; pages never repeat or skip.
pub async fn listing_is_stable_and_by_owner<S: Storage + ?Sized>(s: &S) {
    let owner = unique("owner");
    let prefix = unique("list");
    let mut ids = Vec::new();
    for i in 0..25 {
        let id = format!("{prefix}-{i:03}");
        let mut w = doc(DocKind::Order, &id, None, "{}");
        if i % 2 == 0 {
            w.owners = vec![owner.clone(), unique("other")];
        }
        ok(s, one(w), "create").await;
        ids.push(id);
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s
            .list(
                &ListQuery::new(DocKind::Order, 5)
                    .owner(owner.clone())
                    .after(after.as_deref()),
            )
            .await
            .unwrap_or_else(|e| panic!("list: {e}"));
        assert!(page.len() <= 5, "a page holds at most `limit` documents");
        if page.is_empty() {
            break;
        }
        after = page.last().map(|d| d.id.clone());
        seen.extend(page.into_iter().map(|d| d.id));
    }
    let expected: Vec<String> = ids.iter().step_by(2).cloned().collect();
    assert_eq!(seen, expected, "owner listing, in id order, each once");
    let first = s
        .list(&ListQuery::new(DocKind::Order, 3).after(Some(&format!("{prefix}-009"))))
        .await
        .unwrap_or_else(|e| panic!("list: {e}"));
    let first: Vec<String> = first.into_iter().map(|d| d.id).collect();
    assert_eq!(first, ids[10..13].to_vec(), "strictly after the cursor");
}

/// [`Storage::count_by_owner`] counts the documents of a kind listing each owner, as their
/// latest write gives them: one count per owner asked, in order (0 for an unknown owner, an
/// owner asked twice counted in both places), other kinds apart, a replaced owner no longer
/// counted, a deleted document neither; and the same counts as paging through
/// [`Storage::list`] (the port's default).
pub async fn owners_are_counted<S: Storage + ?Sized>(s: &S) {
    let (a, b, none) = (unique("count-a"), unique("count-b"), unique("count-none"));
    let prefix = unique("count");
    let mut versions = Vec::new();
    for i in 0..12 {
        let id = format!("{prefix}-{i:03}");
        let mut w = doc(DocKind::Order, &id, None, "{}");
        w.owners = match i % 3 {
            0 => vec![a.clone(), b.clone()],
            1 => vec![a.clone()],
            _ => vec![unique("other")],
        };
        ok(s, one(w), "create").await;
        versions.push((id, 1u64));
    }
    // Another kind with the same owner is not counted with the orders.
    let mut cart = doc(DocKind::Cart, &unique("count-cart"), None, "{}");
    cart.owners = vec![a.clone()];
    ok(s, one(cart), "create a cart").await;
    let count = |owners: Vec<String>| async move {
        s.count_by_owner(DocKind::Order, &owners)
            .await
            .unwrap_or_else(|e| panic!("count_by_owner: {e}"))
    };
    assert_eq!(
        count(vec![a.clone(), b.clone(), none.clone(), a.clone()]).await,
        vec![8, 4, 0, 8],
        "one count per owner asked, in order"
    );
    assert_eq!(count(vec![]).await, Vec::<u64>::new(), "nothing asked");
    assert_eq!(
        s.count_by_owner(DocKind::Cart, std::slice::from_ref(&a))
            .await
            .unwrap_or_else(|e| panic!("count_by_owner: {e}")),
        vec![1],
        "per kind"
    );
    // Document 0 moves from (a, b) to b only; document 1 is deleted.
    let (id0, v0) = versions[0].clone();
    let mut w = doc(DocKind::Order, &id0, Some(v0), "{}");
    w.owners = vec![b.clone()];
    ok(s, one(w), "replace owners").await;
    let (id1, v1) = versions[1].clone();
    assert!(
        s.delete_doc(DocKind::Order, &id1, v1)
            .await
            .unwrap_or_else(|e| panic!("delete: {e}")),
        "deleted"
    );
    let counted = count(vec![a.clone(), b.clone()]).await;
    assert_eq!(counted, vec![6, 4], "the latest write's owners only");
    let composed = compose_count_by_owner(s, DocKind::Order, &[a.clone(), b.clone()])
        .await
        .unwrap_or_else(|e| panic!("compose_count_by_owner: {e}"));
    assert_eq!(counted, composed, "the same counts as paging through list");
}

/// [`Storage::list_by_owners`] answers, for each owner asked and in order, what
/// [`Storage::list`] answers for that owner's first page: at most `limit` documents by id, none
/// for an unknown owner, an owner asked twice answered twice, other kinds apart, the latest
/// write's owners only.
pub async fn owners_are_listed_together<S: Storage + ?Sized>(s: &S) {
    let (a, b, none) = (unique("lists-a"), unique("lists-b"), unique("lists-none"));
    let prefix = unique("lists");
    for i in 0..7 {
        let id = format!("{prefix}-{i:03}");
        let mut w = doc(DocKind::Account, &id, None, "{}");
        w.owners = match i % 3 {
            0 => vec![a.clone(), b.clone()],
            1 => vec![a.clone()],
            _ => vec![unique("other")],
        };
        ok(s, one(w), "create").await;
    }
    // Document 0 moves from (a, b) to b only.
    let mut w = doc(DocKind::Account, &format!("{prefix}-000"), Some(1), "{}");
    w.owners = vec![b.clone()];
    ok(s, one(w), "replace owners").await;
    // Another kind with the same owner is listed apart.
    let mut cart = doc(DocKind::Cart, &unique("lists-cart"), None, "{}");
    cart.owners = vec![a.clone()];
    ok(s, one(cart), "create a cart").await;
    let ids = |docs: &[StoredDoc]| docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    // As `list` answers each owner, and as the port's default composes it.
    let as_listed = |asked: Vec<String>, limit: u32| async move {
        let together = s
            .list_by_owners(DocKind::Account, &asked, limit)
            .await
            .unwrap_or_else(|e| panic!("list_by_owners: {e}"));
        assert_eq!(together.len(), asked.len(), "one list per owner asked");
        for (owner, got) in asked.iter().zip(&together) {
            let alone = s
                .list(&ListQuery::new(DocKind::Account, limit).owner(owner.clone()))
                .await
                .unwrap_or_else(|e| panic!("list: {e}"));
            assert_eq!(ids(got), ids(&alone), "as list answers it (limit {limit})");
        }
        let composed = compose_list_by_owners(s, DocKind::Account, &asked, limit)
            .await
            .unwrap_or_else(|e| panic!("compose_list_by_owners: {e}"));
        assert_eq!(
            together.iter().map(|l| ids(l)).collect::<Vec<_>>(),
            composed.iter().map(|l| ids(l)).collect::<Vec<_>>(),
            "as the default composes it (limit {limit})"
        );
        together
    };
    for limit in [0, 1, 3, 100, u32::MAX] {
        let together = as_listed(vec![a.clone(), none.clone(), b.clone(), a.clone()], limit).await;
        // Another kind's document listing `a` is not among them.
        let expected_a = [1, 3, 4, 6]
            .iter()
            .map(|i| format!("{prefix}-{i:03}"))
            .take(limit.max(1) as usize)
            .collect::<Vec<_>>();
        assert_eq!(ids(&together[0]), expected_a, "a's, by id (limit {limit})");
        assert_eq!(ids(&together[3]), expected_a, "a asked twice");
        assert!(together[1].is_empty(), "an unknown owner");
    }
    // More owners than one statement takes (the SQL adapters ask 300 at a time).
    let mut many: Vec<String> = (0..340).map(|i| format!("{none}-{i}")).collect();
    many.insert(170, b.clone());
    many.push(a.clone());
    let together = as_listed(many, 2).await;
    assert_eq!(together[170].len(), 2, "b's among many");
    assert_eq!(together[341].len(), 2, "a's, last of many");
    assert!(
        s.list_by_owners(DocKind::Account, &[], 10)
            .await
            .unwrap_or_else(|e| panic!("list_by_owners: {e}"))
            .is_empty(),
        "nothing asked"
    );
}

/// A changeset marked [`Durability::Deferred`] (a cart's change) answers as a flushed one: created,
/// read back at once, refused for an id taken or a stale version with nothing written, held to the
/// catalog's version and to its stock checks where the storage honours them (an update, or a new
/// cart with its first item), with keys and owners (which the PostgreSQL adapter writes in a
/// transaction, flushed); what a storage may defer is only when its change reaches the disk.
pub async fn deferred_commits_answer_as_flushed_ones<S: Storage + ?Sized>(s: &S) {
    let deferred = |w: DocWrite| Changeset {
        durability: Durability::Deferred,
        ..one(w)
    };
    let cart = unique("cart-deferred");
    let stored = |what: &'static str| {
        let cart = cart.clone();
        async move {
            let d = s
                .get(DocKind::Cart, &cart)
                .await
                .unwrap_or_else(|e| panic!("get ({what}): {e}"))
                .unwrap_or_else(|| panic!("{what}: the cart is stored"));
            (d.version, d.body)
        }
    };
    let conflict = |what: &'static str, r: Result<CommitOutcome, StorageError>| match r {
        Err(StorageError::Conflict {
            kind: DocKind::Cart,
            id,
        }) => assert_eq!(id, cart, "{what}: the conflict names the cart"),
        other => panic!("{what}: expected a Conflict on the cart, got {other:?}"),
    };
    ok(
        s,
        deferred(doc(DocKind::Cart, &cart, None, r#"{"n":1}"#)),
        "a cart created, deferred",
    )
    .await;
    assert_eq!(stored("created").await, (1, r#"{"n":1}"#.to_owned()));
    conflict(
        "a second cart of the same id, deferred",
        commit(s, deferred(doc(DocKind::Cart, &cart, None, r#"{"n":9}"#))).await,
    );
    ok(
        s,
        deferred(doc(DocKind::Cart, &cart, Some(1), r#"{"n":2}"#)),
        "the cart updated, deferred",
    )
    .await;
    assert_eq!(stored("updated").await, (2, r#"{"n":2}"#.to_owned()));
    conflict(
        "a stale update, deferred",
        commit(
            s,
            deferred(doc(DocKind::Cart, &cart, Some(1), r#"{"n":9}"#)),
        )
        .await,
    );
    assert_eq!(
        stored("after a stale update").await,
        (2, r#"{"n":2}"#.to_owned()),
        "a refused deferred commit writes nothing"
    );
    let mut version = 2;
    if s.commits_at_catalog_version() {
        let v = s
            .catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version: {e}"))
            .unwrap_or_else(|| panic!("a storage that commits at a catalog version keeps one"));
        let mut held = deferred(doc(DocKind::Cart, &cart, Some(version), r#"{"n":3}"#));
        held.catalog_at = Some(v + 1_000);
        match commit(s, held.clone()).await {
            Err(StorageError::CatalogChanged { expected, found }) => {
                assert_eq!((expected, found), (v + 1_000, v), "the versions named");
            }
            other => panic!("a deferred commit at another catalog version: got {other:?}"),
        }
        held.catalog_at = Some(v);
        ok(s, held, "a deferred commit at the catalog's version").await;
        version += 1;
        if s.checks_stock_at_commit() {
            let variant = vid(&unique("v-deferred"));
            define(s, &variant, true, 1).await;
            let checked = |units: u32, body: &str| {
                let mut cs = deferred(doc(DocKind::Cart, &cart, Some(version), body));
                cs.catalog_at = Some(v);
                cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), units)];
                cs
            };
            match commit(s, checked(2, r#"{"n":9}"#)).await {
                Err(StorageError::OutOfStock {
                    requested: 2,
                    available: 1,
                    ..
                }) => {}
                other => {
                    panic!("a deferred add past the stock: expected OutOfStock, got {other:?}")
                }
            }
            ok(
                s,
                checked(1, r#"{"n":4}"#),
                "a deferred add within the stock",
            )
            .await;
            version += 1;
            // A cart made with its first item, deferred: a new document held to the catalog's
            // version and to its stock check.
            let first = unique("cart-deferred-first");
            let created = |catalog_at: u64, units: u32| {
                let mut cs = deferred(doc(DocKind::Cart, &first, None, r#"{"first":1}"#));
                cs.catalog_at = Some(catalog_at);
                cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), units)];
                cs
            };
            match commit(s, created(v, 2)).await {
                Err(StorageError::OutOfStock {
                    requested: 2,
                    available: 1,
                    ..
                }) => {}
                other => {
                    panic!("a deferred new cart past the stock: expected OutOfStock, got {other:?}")
                }
            }
            match commit(s, created(v + 1_000, 1)).await {
                Err(StorageError::CatalogChanged { expected, found }) => {
                    assert_eq!(
                        (expected, found),
                        (v + 1_000, v),
                        "a new cart: the versions"
                    );
                }
                other => panic!(
                    "a deferred new cart at another catalog version: expected CatalogChanged, \
                     got {other:?}"
                ),
            }
            absent(
                s,
                DocKind::Cart,
                &first,
                "a refused deferred new cart is not written",
            )
            .await;
            ok(s, created(v, 1), "a deferred new cart within the stock").await;
            match commit(s, created(v, 1)).await {
                Err(StorageError::Conflict { id, .. }) => {
                    assert_eq!(id, first, "a deferred new cart: the id taken");
                }
                other => panic!("a deferred new cart whose id is taken: got {other:?}"),
            }
        }
    }
    assert_eq!(
        stored("at the end").await.0,
        version,
        "every deferred commit that answered is read back"
    );
    let (owned, owner, key) = (unique("cart-owned"), unique("customer"), unique("key"));
    let mut w = doc(DocKind::Cart, &owned, None, "{}");
    w.keys = vec![key.clone()];
    w.owners = vec![owner.clone()];
    ok(
        s,
        deferred(w),
        "a customer's cart with a key and an owner, deferred",
    )
    .await;
    assert_eq!(
        owned_ids(s, DocKind::Cart, &owner).await,
        vec![owned.clone()]
    );
    let by_key = s
        .find_by_key(DocKind::Cart, &key)
        .await
        .unwrap_or_else(|e| panic!("get_by_key: {e}"))
        .map(|d| d.id);
    assert_eq!(by_key, Some(owned), "the deferred cart's key is written");
}

/// The shapes of a cart's lone update that a storage honours, for checks that write each.
struct LoneCartUpdates {
    /// The catalog's version, when the storage commits at one.
    catalog: Option<u64>,
    /// A tracked variant of 3 units, for the stock checks.
    variant: VariantId,
    /// Each shape: what it is, the catalog version it holds to, and whether it checks
    /// `variant`'s stock (at least 1 unit). Alone; at the catalog's version where the storage
    /// commits at one; with a stock check too where it checks stock at commit.
    shapes: Vec<(&'static str, Option<u64>, bool)>,
}

/// [`LoneCartUpdates`] of `s`, its variant named from `tag`.
async fn lone_cart_updates<S: Storage + ?Sized>(s: &S, tag: &str) -> LoneCartUpdates {
    let catalog = if s.commits_at_catalog_version() {
        s.catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version: {e}"))
    } else {
        None
    };
    let variant = vid(&unique(tag));
    define(s, &variant, true, 3).await;
    let mut shapes = vec![("a lone update", None, false)];
    if catalog.is_some() {
        shapes.push(("a lone update at the catalog's version", catalog, false));
        if s.checks_stock_at_commit() {
            shapes.push(("a lone update with a stock check", catalog, true));
        }
    }
    LoneCartUpdates {
        catalog,
        variant,
        shapes,
    }
}

/// Commits held to an incarnation ([`Changeset::incarnation`]). A storage whose
/// [`Storage::incarnation`] is `None` ignores the field: a held changeset commits. One with an
/// incarnation commits a changeset held to it, and refuses one held to another with
/// [`StorageError::Restarted`] naming both, writing nothing, whatever its shape: a cart's lone
/// update (deferred or flushed, held to the catalog's version and to a stock check where the
/// storage honours them), a new document alone or held to the catalog's version (and to a
/// stock check), an order placed (the order, the cart closed, a sale and events), and a larger
/// changeset (an update with a key); the refusal leaves its incarnation as it was.
pub async fn commits_hold_to_their_incarnation<S: Storage + ?Sized>(s: &S) {
    let cart = unique("cart-held");
    ok(
        s,
        one(doc(DocKind::Cart, &cart, None, r#"{"n":1}"#)),
        "a cart",
    )
    .await;
    let Some(now) = s.incarnation() else {
        let mut held = one(doc(DocKind::Cart, &cart, Some(1), r#"{"n":2}"#));
        held.incarnation = Some(7);
        ok(s, held, "a storage without incarnations ignores the field").await;
        return;
    };
    let other = now.wrapping_add(1);
    let version = |what: &'static str| {
        let cart = cart.clone();
        async move {
            s.get(DocKind::Cart, &cart)
                .await
                .unwrap_or_else(|e| panic!("get ({what}): {e}"))
                .unwrap_or_else(|| panic!("{what}: the cart is stored"))
                .version
        }
    };
    let refused = |what: &str, r: Result<CommitOutcome, StorageError>| match r {
        Err(StorageError::Restarted { expected, found }) => {
            assert_eq!(
                (expected, found),
                (other, now),
                "{what}: the incarnations named"
            );
        }
        other => panic!("{what}: expected Restarted, got {other:?}"),
    };
    let mut v = 1;
    // A cart's lone updates, in each shape the storage honours.
    let LoneCartUpdates {
        catalog,
        variant,
        shapes,
    } = lone_cart_updates(s, "v-held").await;
    for (what, catalog_at, checked) in shapes {
        for durability in [Durability::Deferred, Durability::Flushed] {
            let held = |incarnation: u64| {
                let mut cs = one(doc(DocKind::Cart, &cart, Some(v), r#"{"n":"held"}"#));
                cs.durability = durability;
                cs.catalog_at = catalog_at;
                if checked {
                    cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), 1)];
                }
                cs.incarnation = Some(incarnation);
                cs
            };
            refused(what, commit(s, held(other)).await);
            assert_eq!(version(what).await, v, "{what}: refused, nothing written");
            assert_eq!(s.incarnation(), Some(now), "{what}: the incarnation stays");
            ok(s, held(now), what).await;
            v += 1;
        }
    }
    // A new document alone, held (the engine holds none, but the field binds every shape).
    let fresh = unique("cart-held-new");
    let new_held = |incarnation: u64| {
        let mut cs = one(doc(DocKind::Cart, &fresh, None, "{}"));
        cs.durability = Durability::Deferred;
        cs.incarnation = Some(incarnation);
        cs
    };
    refused("a new document", commit(s, new_held(other)).await);
    absent(
        s,
        DocKind::Cart,
        &fresh,
        "a new document refused is not written",
    )
    .await;
    ok(s, new_held(now), "a new document at the incarnation").await;
    // A new document held to the catalog's version too, with and without a stock check (a
    // cart made with its first item), deferred or flushed, where the storage honours them.
    if let Some(at) = catalog {
        let mut shapes = vec![("a new document at the catalog's version", false)];
        if s.checks_stock_at_commit() {
            shapes.push(("a new document with a stock check", true));
        }
        for (what, checked) in shapes {
            for durability in [Durability::Deferred, Durability::Flushed] {
                let id = unique("cart-held-first");
                let held = |incarnation: u64| {
                    let mut cs = one(doc(DocKind::Cart, &id, None, "{}"));
                    cs.durability = durability;
                    cs.catalog_at = Some(at);
                    if checked {
                        cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), 1)];
                    }
                    cs.incarnation = Some(incarnation);
                    cs
                };
                refused(what, commit(s, held(other)).await);
                absent(
                    s,
                    DocKind::Cart,
                    &id,
                    &format!("{what}: refused, not written"),
                )
                .await;
                ok(s, held(now), what).await;
            }
        }
    }
    // An order placed with its cart closed, a sale and events.
    let order = unique("order-held");
    let placed = |incarnation: u64| Changeset {
        docs: vec![
            doc(DocKind::Order, &order, None, "{}"),
            doc(DocKind::Cart, &cart, Some(v), r#"{"ordered":true}"#),
        ],
        stock: vec![StockOp::Sell {
            variant: variant.clone(),
            quantity: 2,
        }],
        events: vec![NewEvent::new(order.clone(), "order.placed", "{}")],
        incarnation: Some(incarnation),
        ..one(doc(DocKind::Order, &order, None, "{}"))
    };
    refused("an order placed", commit(s, placed(other)).await);
    assert_eq!(
        version("an order refused").await,
        v,
        "the cart is as it was"
    );
    assert_eq!(
        level(s, &variant).await.available(),
        3,
        "nothing sold for a refused order"
    );
    assert!(
        s.get(DocKind::Order, &order)
            .await
            .unwrap_or_else(|e| panic!("get order: {e}"))
            .is_none(),
        "no order written"
    );
    ok(s, placed(now), "an order placed at the incarnation").await;
    v += 1;
    assert_eq!(level(s, &variant).await.available(), 1, "the sale is made");
    // A larger changeset: an update that writes a key.
    let key = unique("key-held");
    let keyed = |incarnation: u64| {
        let mut w = doc(DocKind::Cart, &cart, Some(v), r#"{"keyed":true}"#);
        w.keys = vec![key.clone()];
        let mut cs = one(w);
        cs.incarnation = Some(incarnation);
        cs
    };
    refused("an update with a key", commit(s, keyed(other)).await);
    assert_eq!(version("a keyed update refused").await, v);
    assert!(
        s.find_by_key(DocKind::Cart, &key)
            .await
            .unwrap_or_else(|e| panic!("find_by_key: {e}"))
            .is_none(),
        "no key written"
    );
    ok(s, keyed(now), "an update with a key at the incarnation").await;
    assert_eq!(version("at the end").await, v + 1);
    assert_eq!(s.incarnation(), Some(now));
}

/// Commits held to owners' counts ([`Changeset::owned_fewer_than`], adapters whose
/// [`Storage::counts_owners_at_commit`] is true; others are not checked): an order placed
/// commits while each owner named lists fewer documents of the kind than its limit (the
/// changeset's own owners not counted); otherwise nothing is written and the commit answers
/// [`StorageError::OwnerAtLimit`] naming the first owner at or past its limit, in the order
/// named (whichever it is), with its limit, whether the changeset is one document or a larger one (an event, an
/// idempotency record and a sale); a limit of 0 never holds; other kinds and rows an update
/// removed are not counted; a stored idempotency record answers its replay first.
pub async fn commits_hold_to_their_owner_counts<S: Storage + ?Sized>(s: &S) {
    if !s.counts_owners_at_commit() {
        return;
    }
    let (email, client) = (unique("unpaid-email"), unique("unpaid-client"));
    let prefix = unique("held");
    // Order `i`, listed under both owners, held below `limits` (e-mail's, client's).
    let order = |i: u32, limits: (u32, u32)| {
        let mut w = doc(DocKind::Order, &format!("{prefix}-{i}"), None, "{}");
        w.owners = vec![email.clone(), client.clone(), unique("seller")];
        let mut cs = one(w);
        cs.owned_fewer_than = vec![
            OwnedFewerThan::new(DocKind::Order, email.clone(), limits.0),
            OwnedFewerThan::new(DocKind::Order, client.clone(), limits.1),
        ];
        cs
    };
    let at_limit =
        |what: &str, r: Result<CommitOutcome, StorageError>, owner: &str, at: u32| match r {
            Err(StorageError::OwnerAtLimit {
                kind,
                owner: o,
                limit,
            }) => assert_eq!(
                (kind, o.as_str(), limit),
                (DocKind::Order, owner, at),
                "{what}: the owner at its limit, and the limit"
            ),
            other => panic!("{what}: expected OwnerAtLimit, got {other:?}"),
        };
    let stored = |i: u32| {
        let id = format!("{prefix}-{i}");
        async move {
            s.get(DocKind::Order, &id)
                .await
                .unwrap_or_else(|e| panic!("get: {e}"))
                .is_some()
        }
    };
    at_limit("a limit of 0", commit(s, order(0, (0, 5))).await, &email, 0);
    assert!(!stored(0).await, "a refused order is not written");
    ok(
        s,
        order(1, (1, 1)),
        "the first order, below 1 (its own rows not counted)",
    )
    .await;
    at_limit(
        "a second order below 1",
        commit(s, order(2, (1, 5))).await,
        &email,
        1,
    );
    assert!(!stored(2).await, "a refused order is not written");
    assert_eq!(
        owned_ids(s, DocKind::Order, &email).await.len(),
        1,
        "nothing listed for the refused order"
    );
    ok(s, order(2, (2, 2)), "a second order below 2").await;
    // Both owners at 2 now: the first named is the refusal.
    let mut both = order(3, (2, 2));
    both.owned_fewer_than.reverse();
    at_limit(
        "both owners at their limit",
        commit(s, both).await,
        &client,
        2,
    );
    at_limit(
        "the e-mail alone at its limit",
        commit(s, order(3, (2, 3))).await,
        &email,
        2,
    );
    at_limit(
        "the second owner named alone at its limit",
        commit(s, order(3, (10, 2))).await,
        &client,
        2,
    );
    at_limit(
        "an owner past its limit",
        commit(s, order(3, (1, 10))).await,
        &email,
        1,
    );
    // A larger changeset (an event, a record, a sale) writes nothing when refused.
    let v = vid(&unique("v-held"));
    define(s, &v, true, 5).await;
    let larger = |limit: u32| {
        let mut cs = order(3, (limit, 10));
        cs.events = vec![NewEvent::new(format!("{prefix}-3"), "order.placed", "{}")];
        cs.stock = vec![StockOp::Sell {
            variant: v.clone(),
            quantity: 2,
        }];
        cs.idempotency = Some(IdempotencyRecord::new(
            "place",
            format!("{prefix}-key"),
            "f",
            r#"{"placed":3}"#,
            t0(),
        ));
        cs
    };
    at_limit("a larger changeset", commit(s, larger(2)).await, &email, 2);
    assert!(!stored(3).await, "a refused order is not written");
    assert_eq!(level(s, &v).await.on_hand, 5, "nor its sale");
    ok(
        s,
        larger(3),
        "the larger changeset below 3 (not a replay: no record kept)",
    )
    .await;
    assert_eq!(level(s, &v).await.on_hand, 3, "sold once");
    match commit(s, larger(0)).await {
        Ok(CommitOutcome::Replayed(r)) => {
            assert_eq!(
                r.response, r#"{"placed":3}"#,
                "a stored record answers first"
            );
        }
        other => panic!("a replay held to a limit of 0 must be Replayed, got {other:?}"),
    }
    // Another kind listing the owner is not counted; nor an order whose update dropped it
    // (an order paid).
    let mut cart = doc(DocKind::Cart, &unique("held-cart"), None, "{}");
    cart.owners = vec![email.clone()];
    ok(s, one(cart), "a cart listing the e-mail").await;
    ok(
        s,
        order(4, (4, 10)),
        "a fourth order below 4 (the cart not counted)",
    )
    .await;
    at_limit("at 4", commit(s, order(5, (4, 10))).await, &email, 4);
    let mut paid = doc(DocKind::Order, &format!("{prefix}-1"), Some(1), "{}");
    paid.owners = vec![unique("seller")];
    ok(
        s,
        one(paid),
        "the first order paid (its e-mail row removed)",
    )
    .await;
    ok(s, order(5, (4, 10)), "below 4 again").await;
}

/// A failing stock operation rolls back the documents, events and idempotency record of its
/// changeset.
pub async fn changesets_are_atomic<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("atomic"));
    define(s, &v, true, 1).await;
    let order = unique("order");
    let key = unique("key");
    let before = s
        .pending_events(10_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .len();
    let cs = Changeset {
        docs: vec![doc(DocKind::Order, &order, None, "{}")],
        stock: vec![StockOp::Sell {
            variant: v.clone(),
            quantity: 2,
        }],
        events: vec![NewEvent::new(order.clone(), "order.placed", "{}")],
        idempotency: Some(IdempotencyRecord::new("test", key.clone(), "f", "{}", t0())),
        now: Some(t0()),
        ..Changeset::default()
    };
    match commit(s, cs).await {
        Err(StorageError::OutOfStock {
            requested: 2,
            available: 1,
            ..
        }) => {}
        other => panic!("selling 2 of 1 must be OutOfStock {{2, 1}}, got {other:?}"),
    }
    assert_eq!(
        s.get(DocKind::Order, &order)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "no document"
    );
    assert_eq!(
        s.idempotency("test", &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "no idempotency record"
    );
    let after = s
        .pending_events(10_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .len();
    assert_eq!(after, before, "no event");
    assert_eq!(level(s, &v).await.on_hand, 1, "stock untouched");
}

/// What [`a_placed_order_is_written_whole_or_not_at_all`] checks after a refused commit: no
/// order, its key free, no owner row, no event, the cart at version 1, the stock at 3.
async fn not_placed<S: Storage + ?Sized>(
    s: &S,
    what: &str,
    [order, cart, number, guest]: [&String; 4],
    tracked: &VariantId,
) {
    let got = s.get(DocKind::Order, order).await;
    assert_eq!(
        got.unwrap_or_else(|e| panic!("{e}")),
        None,
        "{what}: no order"
    );
    let got = s.get(DocKind::Cart, cart).await;
    assert_eq!(
        got.unwrap_or_else(|e| panic!("{e}")).map(|d| d.version),
        Some(1),
        "{what}: the cart as it was"
    );
    assert_eq!(
        level(s, tracked).await.on_hand,
        3,
        "{what}: stock untouched"
    );
    let holder = s
        .find_by_key(DocKind::Order, number)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(holder, None, "{what}: the order's key is free");
    assert_eq!(
        owned_ids(s, DocKind::Order, guest).await,
        Vec::<String>::new(),
        "{what}: no owner row"
    );
    let events = s
        .pending_events(10_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !events.iter().any(|e| &e.aggregate == order),
        "{what}: no event"
    );
}

/// A checkout's changeset (a new order with its keys and owners, the cart's rewrite, sales of
/// a tracked and an untracked variant, two events) is written whole or not at all: a stale
/// cart, a short variant, a key held by another document or an order id taken each fail with
/// their own error and leave the order, the cart, the stock, the keys and the outbox as they
/// were; then it commits, and again it is refused (PostgreSQL writes such a changeset as one
/// statement and falls back to a transaction to name the cause).
pub async fn a_placed_order_is_written_whole_or_not_at_all<S: Storage + ?Sized>(s: &S) {
    let (tracked, untracked) = (vid(&unique("pt")), vid(&unique("pu")));
    define(s, &tracked, true, 3).await;
    define(s, &untracked, false, 0).await;
    let cart = unique("cart");
    ok(
        s,
        one(doc(DocKind::Cart, &cart, None, r#"{"lines":2}"#)),
        "the cart",
    )
    .await;
    let (order, number, held) = (unique("ord"), unique("no"), unique("held"));
    let (guest, seller) = (unique("guest"), unique("seller"));
    let mut holder = doc(DocKind::Order, &unique("other"), None, "{}");
    holder.keys = vec![held.clone()];
    ok(s, one(holder), "another order holding a key").await;
    let placed = |cart_version: u64, quantity: u32, keys: Vec<String>, id: &str| {
        let mut o = doc(
            DocKind::Order,
            id,
            None,
            r#"{"order":"placed","note":"l'artisan «تجارة»"}"#,
        );
        o.keys = keys;
        o.owners = vec![guest.clone(), seller.clone(), seller.clone()];
        Changeset {
            docs: vec![
                o,
                doc(
                    DocKind::Cart,
                    &cart,
                    Some(cart_version),
                    r#"{"lines":2,"ordered":true}"#,
                ),
            ],
            stock: vec![
                StockOp::Sell {
                    variant: tracked.clone(),
                    quantity,
                },
                StockOp::Sell {
                    variant: untracked.clone(),
                    quantity: 5,
                },
            ],
            events: vec![
                NewEvent::new(id.to_owned(), "order.placed", "{}"),
                NewEvent::new(id.to_owned(), "order.confirmed", "{}"),
            ],
            idempotency: None,
            now: Some(t0()),
            catalog_at: None,
            stock_at_least: Vec::new(),
            owned_fewer_than: Vec::new(),
            durability: Durability::Flushed,
            // Held to the store's own incarnation (none on most): no refusal for it.
            incarnation: s.incarnation(),
        }
    };
    match commit(s, placed(2, 1, vec![number.clone()], &order)).await {
        Err(StorageError::Conflict {
            kind: DocKind::Cart,
            id,
        }) => assert_eq!(id, cart),
        other => panic!("a stale cart must be a Conflict on the cart, got {other:?}"),
    }
    not_placed(s, "stale cart", [&order, &cart, &number, &guest], &tracked).await;
    match commit(s, placed(1, 4, vec![number.clone()], &order)).await {
        Err(StorageError::OutOfStock {
            variant,
            requested: 4,
            available: 3,
        }) => assert_eq!(variant, tracked),
        other => panic!("selling 4 of 3 must be OutOfStock {{4, 3}}, got {other:?}"),
    }
    not_placed(
        s,
        "short variant",
        [&order, &cart, &number, &guest],
        &tracked,
    )
    .await;
    match commit(s, placed(1, 1, vec![number.clone(), held.clone()], &order)).await {
        Err(StorageError::KeyTaken {
            kind: DocKind::Order,
            key,
        }) => assert_eq!(key, held),
        other => panic!("a key held by another order must be KeyTaken, got {other:?}"),
    }
    not_placed(s, "key taken", [&order, &cart, &number, &guest], &tracked).await;
    ok(
        s,
        placed(1, 2, vec![number.clone()], &order),
        "the order placed",
    )
    .await;
    let stored = s
        .get(DocKind::Order, &order)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the order is stored"));
    assert_eq!(
        (stored.version, stored.body.as_str()),
        (1, r#"{"order":"placed","note":"l'artisan «تجارة»"}"#)
    );
    assert_eq!(
        s.find_by_key(DocKind::Order, &number)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.id),
        Some(order.clone()),
        "its key"
    );
    assert_eq!(
        owned_ids(s, DocKind::Order, &guest).await,
        vec![order.clone()],
        "its guest"
    );
    assert_eq!(
        owned_ids(s, DocKind::Order, &seller).await,
        vec![order.clone()],
        "its seller, once"
    );
    assert_eq!(
        s.get(DocKind::Cart, &cart)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.version),
        Some(2),
        "the cart rewritten"
    );
    assert_eq!(level(s, &tracked).await.on_hand, 1, "two sold");
    assert_eq!(
        level(s, &untracked).await.on_hand,
        0,
        "an untracked variant never runs out"
    );
    let events = s
        .pending_events(10_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ours: Vec<&str> = events
        .iter()
        .filter(|e| e.aggregate == order)
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        ours,
        ["order.placed", "order.confirmed"],
        "both events, in order"
    );
    let other_cart = unique("cart2");
    ok(
        s,
        one(doc(DocKind::Cart, &other_cart, None, "{}")),
        "a second cart",
    )
    .await;
    let mut again = placed(1, 1, vec![unique("no2")], &order);
    again.docs[1] = doc(DocKind::Cart, &other_cart, Some(1), "{}");
    match commit(s, again).await {
        Err(StorageError::Conflict {
            kind: DocKind::Order,
            id,
        }) => assert_eq!(id, order),
        other => panic!("an order id taken must be a Conflict on the order, got {other:?}"),
    }
    assert_eq!(level(s, &tracked).await.on_hand, 1, "nothing more sold");
    assert_eq!(
        s.get(DocKind::Cart, &other_cart)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.version),
        Some(1),
        "the second cart as it was"
    );
}

/// The outbox returns events in write order until acknowledged.
pub async fn outbox_keeps_order_until_acknowledged<S: Storage + ?Sized>(s: &S) {
    let agg = unique("agg");
    let cs = Changeset {
        events: (0..3)
            .map(|i| NewEvent::new(agg.clone(), format!("e{i}"), format!(r#"{{"i":{i}}}"#)))
            .collect(),
        now: Some(t0()),
        ..Changeset::default()
    };
    ok(s, cs, "append events").await;
    let mine = |all: Vec<OutboxEvent>| {
        all.into_iter()
            .filter(|e| e.aggregate == agg)
            .collect::<Vec<_>>()
    };
    let events = mine(
        s.pending_events(100_000)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["e0", "e1", "e2"], "events in write order");
    assert!(
        events.windows(2).all(|w| w[0].seq < w[1].seq),
        "increasing sequence numbers"
    );
    s.ack_events(&[events[0].seq])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let left = mine(
        s.pending_events(100_000)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(left.len(), 2, "acknowledged events are gone");
    s.ack_events(&left.iter().map(|e| e.seq).collect::<Vec<_>>())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}
