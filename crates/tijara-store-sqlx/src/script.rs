//! SQLite's fast path: a changeset written as one SQL script, so the writer sends a whole
//! batch of changesets to SQLite in one round trip instead of one per statement.
//!
//! Values are written as SQL literals. Text is quoted by doubling single quotes, which is
//! SQLite's complete escaping rule for string literals (there are no backslash escapes);
//! integers are formatted from Rust integers. Text containing a NUL character, and changesets
//! that need to read before they decide (idempotency records, unique keys), take the ordinary
//! path with bound parameters instead.
//!
//! Each statement's expected row count is checked afterwards; any surprise (a version
//! conflict, a variant out of stock) sends the batch to the ordinary path, which finds the
//! precise error.

use crate::common::micros;
use chrono::Utc;
use std::fmt::Write;
use tijara::ports::storage::{Changeset, DocKind, StockOp};

/// What a statement must report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Exactly this many rows changed.
    Rows(u64),
    /// Any count.
    Any,
}

/// A changeset as a script and its expectations, one per statement.
pub(crate) struct Script {
    pub(crate) sql: String,
    pub(crate) expect: Vec<Expect>,
}

fn lit(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    Some(format!("'{}'", s.replace('\'', "''")))
}

impl Script {
    fn push(&mut self, stmt: &str, expect: Expect) {
        self.sql.push_str(stmt);
        self.sql.push_str(";\n");
        self.expect.push(expect);
    }
}

/// The script of a changeset, or `None` when it must take the ordinary path.
pub(crate) fn script(cs: &Changeset) -> Option<Script> {
    // Category writes reindex their products' rows (see `Storage::search`): ordinary path.
    // Stock checks (`Changeset::stock_at_least`, a cart's add) read counters first: ordinary
    // path.
    // So do owners' counts (`Changeset::owned_fewer_than`, an order placed).
    if cs.idempotency.is_some()
        || !cs.stock_at_least.is_empty()
        || !cs.owned_fewer_than.is_empty()
        || cs
            .docs
            .iter()
            .any(|d| !d.keys.is_empty() || d.kind == DocKind::Category)
    {
        return None;
    }
    // Held to a catalog version (a shipping choice: one cart's update): each update matches
    // only while the version is the one named, so a changed catalog is a surprise and the
    // ordinary path names it. Other shapes held to a version take that path at once.
    let held = match cs.catalog_at {
        None => String::new(),
        Some(_) if cs.docs.is_empty() || cs.docs.iter().any(|d| d.expected_version.is_none()) => {
            return None;
        }
        Some(v) => format!(
            " AND (SELECT version FROM catalog_version WHERE id = 1) = {}",
            i64::try_from(v).ok()?
        ),
    };
    let now = micros(cs.now.unwrap_or_else(Utc::now));
    let mut s = Script {
        sql: String::new(),
        expect: Vec::new(),
    };
    for w in &cs.docs {
        let (k, id, body) = (lit(w.kind.as_str())?, lit(&w.id)?, lit(&w.body)?);
        // The row lists its keys (none here: documents with keys take the ordinary path) and
        // owners (the `doc_links` migration).
        let (keys, owners) = (
            lit(&crate::common::links_text(&w.keys))?,
            lit(&crate::common::links_text(&w.owners))?,
        );
        match w.expected_version {
            None => s.push(
                &format!(
                    "INSERT INTO docs (kind, id, version, links_keys, links_owners, body) \
                     VALUES ({k}, {id}, 1, {keys}, {owners}, {body}) ON CONFLICT DO NOTHING"
                ),
                Expect::Rows(1),
            ),
            Some(v) => {
                let v = i64::try_from(v).ok()?;
                // The rows the old lists name first, by primary key (see `DELETE_LINKS_SQLITE`),
                // unless they are these (`DocWrite::links_unchanged`, a guest's cart).
                let removals = if w.keeps_links() {
                    &[][..]
                } else {
                    &[
                        ("doc_keys", "key", "links_keys"),
                        ("doc_owners", "owner", "links_owners"),
                    ][..]
                };
                for (table, column, list) in removals {
                    s.push(
                        &format!(
                            "DELETE FROM {table} WHERE kind = {k} AND id = {id} AND {column} IN (SELECT value FROM \
                             json_each((SELECT {list} FROM docs WHERE kind = {k} AND id = {id} AND version = {v})))"
                        ),
                        Expect::Any,
                    );
                }
                s.push(
                    &format!(
                        "UPDATE docs SET version = version + 1, links_keys = {keys}, links_owners = {owners}, \
                         body = {body} WHERE kind = {k} AND id = {id} AND version = {v}{held}"
                    ),
                    Expect::Rows(1),
                );
            }
        }
        if !w.owners.is_empty() && !w.keeps_links() {
            let owners = tijara::ports::storage::sorted_unique(&w.owners);
            let mut stmt = String::from("INSERT INTO doc_owners (kind, owner, id) VALUES ");
            for (i, o) in owners.iter().enumerate() {
                let sep = if i > 0 { ", " } else { "" };
                write!(stmt, "{sep}({k}, {}, {id})", lit(o)?).ok()?;
            }
            stmt.push_str(" ON CONFLICT DO NOTHING");
            s.push(&stmt, Expect::Any);
        }
        if let Some(p) = &w.product {
            s.push(
                &format!(
                    "INSERT INTO products (id, seller, category, active, min_price, max_price, search_text, \
                     title_text, category_text, other_text, seller_city, seller_kind, index_version) \
                     VALUES ({id}, {}, {cat}, {}, {}, {}, {}, {}, \
                     COALESCE((SELECT text FROM search_categories WHERE id = {cat}), {}), {}, {}, {}, {}) \
                     ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, \
                     category = excluded.category, active = excluded.active, min_price = excluded.min_price, \
                     max_price = excluded.max_price, search_text = excluded.search_text, title_text = excluded.title_text, \
                     category_text = excluded.category_text, other_text = excluded.other_text, \
                     seller_city = excluded.seller_city, seller_kind = excluded.seller_kind, \
                     index_version = excluded.index_version",
                    lit(&p.seller)?,
                    i64::from(p.active),
                    p.min_price_minor,
                    p.max_price_minor,
                    lit(&p.search_text)?,
                    lit(&p.title_text)?,
                    lit(&p.category_text)?,
                    lit(&p.other_text)?,
                    lit(&p.seller_city)?,
                    lit(&p.seller_kind)?,
                    i64::from(p.index_version),
                    cat = lit(&p.category)?,
                ),
                Expect::Any,
            );
            let terms = p.terms();
            if !terms.is_empty() {
                let mut stmt = String::from("INSERT INTO search_terms (term, chars) VALUES ");
                for (i, t) in terms.iter().enumerate() {
                    let sep = if i > 0 { ", " } else { "" };
                    write!(stmt, "{sep}({}, {})", lit(t)?, t.chars().count()).ok()?;
                }
                stmt.push_str(" ON CONFLICT DO NOTHING");
                s.push(&stmt, Expect::Any);
            }
        }
    }
    let mut i = 0;
    while i < cs.stock.len() {
        let run = cs.stock[i..]
            .iter()
            .take_while(|op| matches!(op, StockOp::Sell { .. }))
            .count();
        if run > 0 {
            let wanted = crate::common::sales_by_variant(&cs.stock[i..i + run]);
            let mut case = String::from("CASE variant");
            let mut list = String::new();
            for (j, (v, n)) in wanted.iter().enumerate() {
                let v = lit(v.as_str())?;
                write!(case, " WHEN {v} THEN {n}").ok()?;
                write!(list, "{}{v}", if j > 0 { ", " } else { "" }).ok()?;
            }
            case.push_str(" ELSE 0 END");
            s.push(
                &format!(
                    "UPDATE stock SET on_hand = on_hand - CASE WHEN tracked = 1 THEN {case} ELSE 0 END \
                     WHERE variant IN ({list}) AND (tracked = 0 OR on_hand - reserved >= {case})"
                ),
                Expect::Rows(wanted.len() as u64),
            );
            i += run;
            continue;
        }
        match &cs.stock[i] {
            StockOp::Define {
                variant,
                product,
                tracked,
                on_hand,
            } => s.push(
                &format!(
                    "INSERT INTO stock (variant, product, tracked, on_hand, reserved) VALUES ({}, {}, {}, {on_hand}, 0) \
                     ON CONFLICT (variant) DO UPDATE SET product = excluded.product, tracked = excluded.tracked",
                    lit(variant.as_str())?,
                    lit(product.as_str())?,
                    i64::from(*tracked)
                ),
                Expect::Any,
            ),
            StockOp::Adjust { variant, delta } => s.push(
                &format!(
                    "UPDATE stock SET on_hand = on_hand + ({delta}) WHERE variant = {} AND on_hand + ({delta}) >= reserved",
                    lit(variant.as_str())?
                ),
                Expect::Rows(1),
            ),
            StockOp::Set { variant, on_hand } => s.push(
                &format!(
                    "UPDATE stock SET on_hand = {on_hand} WHERE variant = {} AND {on_hand} >= reserved",
                    lit(variant.as_str())?
                ),
                Expect::Rows(1),
            ),
            StockOp::Reserve {
                reservation,
                variant,
                quantity,
                order,
                expires_at,
            } => {
                let v = lit(variant.as_str())?;
                s.push(
                    &format!(
                        "UPDATE stock SET reserved = reserved + CASE WHEN tracked = 1 THEN {quantity} ELSE 0 END \
                         WHERE variant = {v} AND (tracked = 0 OR on_hand - reserved >= {quantity})"
                    ),
                    Expect::Rows(1),
                );
                s.push(
                    &format!(
                        "INSERT INTO reservations (id, variant, quantity, order_id, expires_at) \
                         SELECT {}, variant, CASE WHEN tracked = 1 THEN {quantity} ELSE 0 END, {}, {} FROM stock \
                         WHERE variant = {v} ON CONFLICT DO NOTHING",
                        lit(reservation.as_str())?,
                        lit(order.as_str())?,
                        micros(*expires_at)
                    ),
                    Expect::Rows(1),
                );
            }
            StockOp::Commit { reservation } | StockOp::Release { reservation } => {
                let r = lit(reservation.as_str())?;
                let on_hand = if matches!(cs.stock[i], StockOp::Commit { .. }) {
                    "on_hand = on_hand - r.q, "
                } else {
                    ""
                };
                s.push(
                    &format!(
                        "UPDATE stock SET {on_hand}reserved = reserved - r.q \
                         FROM (SELECT variant, quantity AS q FROM reservations WHERE id = {r}) AS r WHERE stock.variant = r.variant"
                    ),
                    Expect::Rows(1),
                );
                s.push(&format!("DELETE FROM reservations WHERE id = {r}"), Expect::Rows(1));
            }
            StockOp::Sell { .. } => {}
        }
        i += 1;
    }
    if !cs.events.is_empty() {
        let mut stmt =
            String::from("INSERT INTO outbox (aggregate, kind, payload, created_at) VALUES ");
        for (j, e) in cs.events.iter().enumerate() {
            write!(
                stmt,
                "{}({}, {}, {}, {now})",
                if j > 0 { ", " } else { "" },
                lit(&e.aggregate)?,
                lit(&e.kind)?,
                lit(&e.payload)?
            )
            .ok()?;
        }
        s.push(&stmt, Expect::Rows(cs.events.len() as u64));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_text_and_refuses_nul() {
        assert_eq!(lit("l'artisan").as_deref(), Some("'l''artisan'"));
        assert_eq!(
            lit("'; DROP TABLE docs; --").as_deref(),
            Some("'''; DROP TABLE docs; --'")
        );
        assert_eq!(lit("a\0b"), None);
    }

    #[test]
    fn updates_held_to_a_catalog_version_check_it_and_other_shapes_take_the_ordinary_path() {
        let write = |expected: Option<u64>| tijara::ports::storage::DocWrite {
            kind: DocKind::Cart,
            id: "c".into(),
            expected_version: expected,
            body: "{}".into(),
            keys: vec![],
            owners: vec![],
            product: None,
            links_unchanged: false,
        };
        let mut choice = Changeset {
            docs: vec![write(Some(3))],
            ..Changeset::default()
        };
        let plain = script(&choice).map(|s| s.sql).unwrap_or_default();
        assert!(!plain.contains("catalog_version"), "{plain}");
        choice.catalog_at = Some(7);
        let held = script(&choice).map(|s| s.sql).unwrap_or_default();
        assert!(
            held.contains(
                "AND version = 3 AND (SELECT version FROM catalog_version WHERE id = 1) = 7"
            ),
            "{held}"
        );
        choice.docs.push(write(None));
        assert!(
            script(&choice).is_none(),
            "a new document held to a version"
        );
        choice.docs.clear();
        assert!(
            script(&choice).is_none(),
            "nothing to hold the version with"
        );
    }
}
