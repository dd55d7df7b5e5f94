//! The statements a changeset is made of, run on the writer's connection inside an open
//! transaction. Every statement is prepared once per connection (`prepare_cached`) and runs
//! in-process: no hop to another thread per statement.
//!
//! The one-row writes of `docs` (insert, update) and `stock` (adjust, set, reserve, sell,
//! commit, release) say `OR FAIL`. Both tables have triggers (the catalog's version and the
//! stock's availability), so with SQLite's default (`ABORT`) each such statement opened a
//! statement journal, copying each page it changed (once, and only pages that existed before
//! it) so as to undo its own half-done work if a constraint stopped it. `FAIL` keeps that work
//! instead. Nothing here ever keeps it: any error fails the whole changeset, which the writer
//! undoes (its savepoint, or the transaction when the changeset is alone in it:
//! `store::pass`), the triggers' work included. That holds only inside a transaction, where
//! [`apply_in`] must run: outside one, SQLite would commit a failed `OR FAIL` statement's work.
//! A stock definition stays `ABORT`: SQLite compiles an upsert's `DO UPDATE` with `ABORT`
//! whatever the statement says, and it is not on a checkout's path.

use crate::error::Stop;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use tijara::ports::storage::{
    Changeset, CommitOutcome, DocKind, DocWrite, IdempotencyRecord, StockOp, StorageError,
    category_search_text,
};
use tijara_core::search::INDEX_VERSION;
use tijara_core::{ReservationId, VariantId};

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(m: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(m).single().unwrap_or_default()
}

pub(crate) fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// A stock counter from the five columns `variant, product, tracked, on_hand, reserved` of a
/// row, from column `at`.
pub(crate) fn stock_row(
    r: &rusqlite::Row<'_>,
    at: usize,
) -> Result<tijara::ports::storage::StockRow, Stop> {
    Ok(
        tijara::ports::storage::StockRow::new(id_at(r, at)?, id_at(r, at + 1)?)
            .with_tracked(r.get::<_, i64>(at + 2)? == 1)
            .with_on_hand(to_u32(r.get(at + 3)?))
            .with_reserved(to_u32(r.get(at + 4)?)),
    )
}

/// The text of column `at` as an identifier, copied once from SQLite's buffer into the id
/// (reading it as a `String` first copied it twice: stock rows are read on every request).
pub(crate) fn id_at<T>(r: &rusqlite::Row<'_>, at: usize) -> Result<T, Stop>
where
    T: for<'a> TryFrom<&'a str, Error = tijara_core::IdError>,
{
    T::try_from(text_at(r, at)?).map_err(|e| StorageError::Backend(Box::new(e)).into())
}

/// The text of column `at`, borrowed from the row; not text (NULL, a number, a blob) or not
/// UTF-8 is the error `Row::get::<String>` gives for it.
pub(crate) fn text_at<'r>(r: &'r rusqlite::Row<'_>, at: usize) -> rusqlite::Result<&'r str> {
    match r.get_ref(at)? {
        rusqlite::types::ValueRef::Text(bytes) => {
            std::str::from_utf8(bytes).map_err(|e| rusqlite::Error::Utf8Error(at, e))
        }
        other => Err(rusqlite::Error::InvalidColumnType(
            at,
            r.as_ref().column_name(at).unwrap_or("?").to_owned(),
            other.data_type(),
        )),
    }
}

/// `n` placeholders `?, ?, …` for an `IN (…)` list.
pub(crate) fn marks(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

fn stock_error(c: &Connection, variant: &VariantId, requested: u32) -> Result<StorageError, Stop> {
    let available: Option<i64> = c
        .prepare_cached("SELECT on_hand - reserved FROM stock WHERE variant = ?1")?
        .query_row([variant.as_str()], |r| r.get(0))
        .optional()?;
    Ok(match available {
        None => StorageError::UnknownVariant(variant.clone()),
        Some(a) => StorageError::OutOfStock {
            variant: variant.clone(),
            requested,
            available: to_u32(a),
        },
    })
}

/// A document's keys or owners as its row lists them: sorted, each once.
fn link_list(items: &[String]) -> Vec<&str> {
    let mut list: Vec<&str> = items.iter().map(String::as_str).collect();
    list.sort_unstable();
    list.dedup();
    list
}

/// A list of [`link_list`] as the row stores it (`links_keys`, `links_owners`): a JSON array.
fn links_text(list: &[&str]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// The list a row stores, back from its JSON array.
fn parse_links(text: &str) -> Result<Vec<String>, Stop> {
    serde_json::from_str(text).map_err(|e| Stop::Port(StorageError::Backend(Box::new(e))))
}

/// Makes `w`'s rows of keys and owners the lists `(keys, owners)` (each sorted, as
/// [`link_list`] gives them) where the row listed `(old_keys, old_owners)`: removes the rows no
/// longer listed and adds the new ones, touching none that stay. A key held by another document is [`StorageError::KeyTaken`].
fn replace_links(
    c: &Connection,
    w: &DocWrite,
    (keys, owners): (&[&str], &[&str]),
    (old_keys, old_owners): (&[String], &[String]),
) -> Result<(), Stop> {
    let kind = w.kind.as_str();
    for gone in old_keys
        .iter()
        .filter(|k| keys.binary_search(&k.as_str()).is_err())
    {
        c.prepare_cached("DELETE FROM doc_keys WHERE kind = ?1 AND key = ?2 AND id = ?3")?
            .execute(params![kind, gone, w.id])?;
    }
    for key in keys.iter().filter(|k| !old_keys.iter().any(|o| o == *k)) {
        let n = c
            .prepare_cached(
                "INSERT INTO doc_keys (kind, key, id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute(params![kind, key, w.id])?;
        if n != 1 {
            let holder: Option<String> = c
                .prepare_cached("SELECT id FROM doc_keys WHERE kind = ?1 AND key = ?2")?
                .query_row(params![kind, key], |r| r.get(0))
                .optional()?;
            if holder.as_deref() != Some(w.id.as_str()) {
                return Err(Stop::Port(StorageError::KeyTaken {
                    kind: w.kind,
                    key: (*key).to_owned(),
                }));
            }
        }
    }
    for gone in old_owners
        .iter()
        .filter(|o| owners.binary_search(&o.as_str()).is_err())
    {
        c.prepare_cached("DELETE FROM doc_owners WHERE kind = ?1 AND owner = ?2 AND id = ?3")?
            .execute(params![kind, gone, w.id])?;
    }
    let mut added = owners
        .iter()
        .filter(|o| !old_owners.iter().any(|old| old == *o))
        .peekable();
    if added.peek().is_some() {
        let mut st = c.prepare_cached(
            "INSERT INTO doc_owners (kind, owner, id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?;
        for o in added {
            st.execute(params![kind, o, w.id])?;
        }
    }
    Ok(())
}

/// Writes a document with its keys and owners. The row lists them (`links_keys`,
/// `links_owners`), so a rewrite finds the rows to remove by primary key and touches only the
/// keys and owners that changed (an index by document would cost pages on every order placed:
/// see the `doc_links` migration).
fn write_doc(c: &Connection, w: &DocWrite) -> Result<(), Stop> {
    let kind = w.kind.as_str();
    let keys = link_list(&w.keys);
    let owners = link_list(&w.owners);
    let conflict = || {
        Stop::Port(StorageError::Conflict {
            kind: w.kind,
            id: w.id.clone(),
        })
    };
    match w.expected_version {
        None => {
            let n = c
                .prepare_cached(
                    "INSERT OR FAIL INTO docs (kind, id, version, links_keys, links_owners, body) \
                     VALUES (?1, ?2, 1, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    kind,
                    w.id,
                    links_text(&keys),
                    links_text(&owners),
                    w.body
                ])?;
            if n != 1 {
                return Err(conflict());
            }
            replace_links(c, w, (&keys, &owners), (&[], &[]))?;
        }
        Some(v) if w.keeps_links() => {
            // The writer's promise that the row's lists are these (`DocWrite::links_unchanged`,
            // a guest's cart): no read of the old lists, and nothing to remove or add.
            let v = i64::try_from(v).unwrap_or(i64::MAX);
            let n = c
                .prepare_cached(
                    "UPDATE OR FAIL docs SET version = version + 1, body = ?3 \
                     WHERE kind = ?1 AND id = ?2 AND version = ?4",
                )?
                .execute(params![kind, w.id, w.body, v])?;
            if n != 1 {
                return Err(conflict());
            }
        }
        Some(v) => {
            let v = i64::try_from(v).unwrap_or(i64::MAX);
            let old: Option<(String, String)> = c
                .prepare_cached(
                    "SELECT links_keys, links_owners FROM docs WHERE kind = ?1 AND id = ?2 AND version = ?3",
                )?
                .query_row(params![kind, w.id, v], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((old_keys, old_owners)) = old else {
                return Err(conflict());
            };
            let n = c
                .prepare_cached(
                    "UPDATE OR FAIL docs SET version = version + 1, links_keys = ?3, links_owners = ?4, body = ?5 \
                     WHERE kind = ?1 AND id = ?2 AND version = ?6",
                )?
                .execute(params![
                    kind,
                    w.id,
                    links_text(&keys),
                    links_text(&owners),
                    w.body,
                    v
                ])?;
            if n != 1 {
                return Err(conflict());
            }
            replace_links(
                c,
                w,
                (&keys, &owners),
                (&parse_links(&old_keys)?, &parse_links(&old_owners)?),
            )?;
        }
    }
    if let Some(p) = &w.product {
        // The category's names as indexed from its own latest write, when there is one (see
        // `Storage::search`): a product never carries a name its category no longer has.
        let indexed: Option<String> = c
            .prepare_cached("SELECT text FROM search_categories WHERE id = ?1")?
            .query_row([&p.category], |r| r.get(0))
            .optional()?;
        c.prepare_cached(
            "INSERT INTO products (id, seller, category, active, min_price, max_price, search_text, \
             title_text, category_text, other_text, seller_city, seller_kind, index_version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, \
             category = excluded.category, active = excluded.active, min_price = excluded.min_price, \
             max_price = excluded.max_price, search_text = excluded.search_text, title_text = excluded.title_text, \
             category_text = excluded.category_text, other_text = excluded.other_text, \
             seller_city = excluded.seller_city, seller_kind = excluded.seller_kind, \
             index_version = excluded.index_version",
        )?
        .execute(params![
            w.id,
            p.seller,
            p.category,
            i64::from(p.active),
            p.min_price_minor,
            p.max_price_minor,
            p.search_text,
            p.title_text,
            indexed.as_deref().unwrap_or(&p.category_text),
            p.other_text,
            p.seller_city,
            p.seller_kind,
            i64::from(p.index_version)
        ])?;
        add_terms(c, p.terms())?;
    }
    if w.kind == DocKind::Category {
        index_category(c, &w.id, &category_search_text(&w.body))?;
    }
    Ok(())
}

/// Adds terms to the typo vocabulary.
fn add_terms<'a>(c: &Connection, terms: impl IntoIterator<Item = &'a str>) -> Result<(), Stop> {
    let mut st = c.prepare_cached(
        "INSERT INTO search_terms (term, chars) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for t in terms {
        st.execute(params![t, t.chars().count() as i64])?;
    }
    Ok(())
}

/// Indexes a category's names (its `search_categories` row, at this version) and copies them
/// into the search rows of its products, in the caller's transaction (the FTS triggers follow).
fn index_category(c: &Connection, id: &str, text: &str) -> Result<(), Stop> {
    c.prepare_cached(
        "INSERT INTO search_categories (id, text, index_version) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET text = excluded.text, index_version = excluded.index_version",
    )?
    .execute(params![id, text, i64::from(INDEX_VERSION)])?;
    c.prepare_cached(
        "UPDATE products SET category_text = ?2 WHERE category = ?1 AND category_text <> ?2",
    )?
    .execute(params![id, text])?;
    let mut terms: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
    terms.sort_unstable();
    terms.dedup();
    add_terms(c, terms)
}

fn take_reservation(c: &Connection, id: &ReservationId) -> Result<(String, i64), Stop> {
    c.prepare_cached("DELETE FROM reservations WHERE id = ?1 RETURNING variant, quantity")?
        .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Stop::Port(StorageError::UnknownReservation(id.clone())))
}

fn stock_op(c: &Connection, op: &StockOp) -> Result<(), Stop> {
    match op {
        StockOp::Define {
            variant,
            product,
            tracked,
            on_hand,
        } => {
            c.prepare_cached(
                "INSERT INTO stock (variant, product, tracked, on_hand, reserved) VALUES (?1, ?2, ?3, ?4, 0) \
                 ON CONFLICT (variant) DO UPDATE SET product = excluded.product, tracked = excluded.tracked",
            )?
            .execute(params![
                variant.as_str(),
                product.as_str(),
                i64::from(*tracked),
                i64::from(*on_hand)
            ])?;
        }
        StockOp::Adjust { variant, delta } => {
            let n = c
                .prepare_cached(
                    "UPDATE OR FAIL stock SET on_hand = on_hand + ?2 WHERE variant = ?1 AND on_hand + ?2 >= reserved",
                )?
                .execute(params![variant.as_str(), delta])?;
            if n != 1 {
                let requested = u32::try_from(delta.unsigned_abs()).unwrap_or(u32::MAX);
                return Err(Stop::Port(stock_error(c, variant, requested)?));
            }
        }
        StockOp::Set { variant, on_hand } => {
            let n = c
                .prepare_cached(
                    "UPDATE OR FAIL stock SET on_hand = ?2 WHERE variant = ?1 AND ?2 >= reserved",
                )?
                .execute(params![variant.as_str(), i64::from(*on_hand)])?;
            if n != 1 {
                return Err(Stop::Port(stock_error(c, variant, *on_hand)?));
            }
        }
        StockOp::Reserve {
            reservation,
            variant,
            quantity,
            order,
            expires_at,
        } => {
            let q = i64::from(*quantity);
            let tracked: Option<i64> = c
                .prepare_cached(
                    "UPDATE OR FAIL stock SET reserved = reserved + CASE WHEN tracked = 1 THEN ?2 ELSE 0 END \
                     WHERE variant = ?1 AND (tracked = 0 OR on_hand - reserved >= ?2) RETURNING tracked",
                )?
                .query_row(params![variant.as_str(), q], |r| r.get(0))
                .optional()?;
            let Some(tracked) = tracked else {
                return Err(Stop::Port(stock_error(c, variant, *quantity)?));
            };
            let n = c
                .prepare_cached(
                    "INSERT INTO reservations (id, variant, quantity, order_id, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    reservation.as_str(),
                    variant.as_str(),
                    if tracked == 1 { q } else { 0 },
                    order.as_str(),
                    micros(*expires_at)
                ])?;
            if n != 1 {
                return Err(Stop::Port(StorageError::Backend(
                    format!("reservation {reservation} already exists").into(),
                )));
            }
        }
        StockOp::Sell { variant, quantity } => {
            let n = c
                .prepare_cached(
                    "UPDATE OR FAIL stock SET on_hand = on_hand - CASE WHEN tracked = 1 THEN ?2 ELSE 0 END \
                     WHERE variant = ?1 AND (tracked = 0 OR on_hand - reserved >= ?2)",
                )?
                .execute(params![variant.as_str(), i64::from(*quantity)])?;
            if n != 1 {
                return Err(Stop::Port(stock_error(c, variant, *quantity)?));
            }
        }
        StockOp::Commit { reservation } => {
            let (variant, q) = take_reservation(c, reservation)?;
            c.prepare_cached(
                "UPDATE OR FAIL stock SET on_hand = on_hand - ?2, reserved = reserved - ?2 WHERE variant = ?1",
            )?
            .execute(params![variant, q])?;
        }
        StockOp::Release { reservation } => {
            let (variant, q) = take_reservation(c, reservation)?;
            c.prepare_cached(
                "UPDATE OR FAIL stock SET reserved = reserved - ?2 WHERE variant = ?1",
            )?
            .execute(params![variant, q])?;
        }
    }
    Ok(())
}

/// Sells several variants; all or nothing. One conditional statement per variant: the
/// statements are in-process, so one statement per sale costs no round trip, and each stays
/// one cached plan whatever the number of variants.
fn sell_many(c: &Connection, ops: &[StockOp]) -> Result<(), Stop> {
    let mut wanted: Vec<(&VariantId, u32)> = Vec::new();
    for op in ops {
        if let StockOp::Sell { variant, quantity } = op {
            match wanted.iter_mut().find(|(v, _)| *v == variant) {
                Some(w) => w.1 = w.1.saturating_add(*quantity),
                None => wanted.push((variant, *quantity)),
            }
        }
    }
    for (variant, quantity) in wanted {
        stock_op(
            c,
            &StockOp::Sell {
                variant: variant.clone(),
                quantity,
            },
        )?;
    }
    Ok(())
}

pub(crate) fn read_idempotency(
    c: &Connection,
    scope: &str,
    key: &str,
) -> rusqlite::Result<Option<IdempotencyRecord>> {
    c.prepare_cached(
        "SELECT fingerprint, response, created_at FROM idempotency WHERE scope = ?1 AND key = ?2",
    )?
    .query_row(params![scope, key], |r| {
        Ok(IdempotencyRecord::new(
            scope,
            key,
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            from_micros(r.get(2)?),
        ))
    })
    .optional()
}

/// The catalog's version (the row the migration `catalog_version` keeps; its triggers bump it).
pub(crate) fn catalog_version_in(c: &Connection) -> Result<u64, Stop> {
    let v: i64 = c
        .prepare_cached("SELECT version FROM catalog_version WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(v).unwrap_or(0))
}

/// Applies a changeset inside an open transaction (the caller commits, or rolls back to its
/// savepoint). `Replayed` writes nothing. Outside a transaction a failed `OR FAIL` statement
/// would commit what it wrote (see the module's documentation).
pub(crate) fn apply_in(c: &Connection, cs: &Changeset) -> Result<CommitOutcome, Stop> {
    debug_assert!(
        !c.is_autocommit(),
        "a changeset is applied inside a transaction"
    );
    let now = micros(cs.now.unwrap_or_else(Utc::now));
    if let Some(rec) = &cs.idempotency {
        let n = c
            .prepare_cached(
                "INSERT INTO idempotency (scope, key, fingerprint, response, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                rec.scope,
                rec.key,
                rec.fingerprint,
                rec.response,
                now
            ])?;
        if n != 1 {
            return match read_idempotency(c, &rec.scope, &rec.key)? {
                Some(e) if e.fingerprint == rec.fingerprint => Ok(CommitOutcome::Replayed(e)),
                Some(_) => Err(Stop::Port(StorageError::IdempotencyMismatch {
                    scope: rec.scope.clone(),
                    key: rec.key.clone(),
                })),
                None => Err(Stop::Port(StorageError::Unavailable(
                    "idempotency record vanished; retry".into(),
                ))),
            };
        }
    }
    if let Some(expected) = cs.catalog_at {
        let found = catalog_version_in(c)?;
        if found != expected {
            return Err(Stop::Port(StorageError::CatalogChanged { expected, found }));
        }
    }
    for check in &cs.stock_at_least {
        let row = c
            .prepare_cached(
                "SELECT variant, product, tracked, on_hand, reserved FROM stock WHERE variant = ?1",
            )?
            .query_row([check.variant.as_str()], |r| Ok(stock_row(r, 0)))
            .optional()?
            .transpose()?;
        if let Some(refused) = check.refusal(row.as_ref()) {
            return Err(Stop::Port(refused));
        }
    }
    for check in &cs.owned_fewer_than {
        // Counted up to the limit: an owner far past it costs no more than one at it.
        let count: i64 = c
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM doc_owners \
                 WHERE kind = ?1 AND owner = ?2 LIMIT ?3)",
            )?
            .query_row(
                params![check.kind.as_str(), check.owner, i64::from(check.limit)],
                |r| r.get(0),
            )?;
        if let Some(refused) = check.refusal(u64::try_from(count).unwrap_or(0)) {
            return Err(Stop::Port(refused));
        }
    }
    for w in &cs.docs {
        write_doc(c, w)?;
    }
    let mut i = 0;
    while i < cs.stock.len() {
        let run = cs.stock[i..]
            .iter()
            .take_while(|op| matches!(op, StockOp::Sell { .. }))
            .count();
        if run > 1 {
            sell_many(c, &cs.stock[i..i + run])?;
            i += run;
        } else {
            stock_op(c, &cs.stock[i])?;
            i += 1;
        }
    }
    if !cs.events.is_empty() {
        let mut st = c.prepare_cached(
            "INSERT INTO outbox (aggregate, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for e in &cs.events {
            st.execute(params![e.aggregate, e.kind, e.payload, now])?;
        }
    }
    Ok(CommitOutcome::Committed)
}

/// Deletes a document at `version` with its keys, owners and search row (one transaction).
pub(crate) fn delete_doc(
    c: &mut Connection,
    kind: &str,
    id: &str,
    version: u64,
) -> rusqlite::Result<bool> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let links: Option<(String, String)> = tx
        .prepare_cached(
            "DELETE FROM docs WHERE kind = ?1 AND id = ?2 AND version = ?3 \
             RETURNING links_keys, links_owners",
        )?
        .query_row(
            params![kind, id, i64::try_from(version).unwrap_or(i64::MAX)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((keys, owners)) = links else {
        return Ok(false);
    };
    // Its keys and owners, by primary key from the lists its row kept.
    for (statement, list) in [
        (
            "DELETE FROM doc_keys WHERE kind = ?1 AND id = ?2 AND key IN (SELECT value FROM json_each(?3))",
            keys,
        ),
        (
            "DELETE FROM doc_owners WHERE kind = ?1 AND id = ?2 AND owner IN (SELECT value FROM json_each(?3))",
            owners,
        ),
    ] {
        tx.prepare_cached(statement)?
            .execute(params![kind, id, list])?;
    }
    if kind == "product" {
        tx.prepare_cached("DELETE FROM products WHERE id = ?1")?
            .execute([id])?;
    }
    if kind == "category" {
        // Its products no longer carry its names.
        tx.prepare_cached("DELETE FROM search_categories WHERE id = ?1")?
            .execute([id])?;
        tx.prepare_cached(
            "UPDATE products SET category_text = '' WHERE category = ?1 AND category_text <> ''",
        )?
        .execute([id])?;
    }
    tx.commit()?;
    Ok(true)
}

/// Marks outbox events delivered at `now`.
pub(crate) fn ack_events(c: &mut Connection, seqs: &[u64], now: i64) -> rusqlite::Result<()> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for chunk in seqs.chunks(500) {
        let sql = format!(
            "UPDATE outbox SET delivered_at = ? WHERE seq IN ({})",
            marks(chunk.len())
        );
        let values =
            std::iter::once(now).chain(chunk.iter().map(|s| i64::try_from(*s).unwrap_or(i64::MAX)));
        tx.prepare(&sql)?.execute(params_from_iter(values))?;
    }
    tx.commit()
}

/// A document row (`id, version, body`) as the port answers it.
pub(crate) fn doc_row(
    kind: tijara::ports::storage::DocKind,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<tijara::ports::storage::StoredDoc> {
    Ok(tijara::ports::storage::StoredDoc::new(
        kind,
        r.get::<_, String>(0)?,
        u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        r.get::<_, String>(2)?,
    ))
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn text_and_ids_are_read_as_strings_were() {
        let c = Connection::open_in_memory().expect("open");
        let mut st = c
            .prepare("SELECT 'var_1', NULL AS missing, 7, CAST(x'ff' AS TEXT), ' '")
            .expect("prepare");
        let mut rows = st.query([]).expect("query");
        let r = rows.next().expect("row").expect("a row");
        assert_eq!(text_at(r, 0).expect("text"), "var_1");
        let v: VariantId = id_at(r, 0).map_err(|_| "id").expect("id");
        assert_eq!(v.as_str(), "var_1");
        for at in 1..=3 {
            let ours = text_at(r, at).map(str::to_owned).expect_err("not text");
            let theirs = r.get::<_, String>(at).expect_err("not text");
            assert_eq!(ours.to_string(), theirs.to_string(), "column {at}");
        }
        assert!(matches!(
            id_at::<VariantId>(r, 4),
            Err(Stop::Port(StorageError::Backend(_)))
        ));
    }
}
