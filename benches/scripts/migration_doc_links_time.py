#!/usr/bin/env python3
"""Times SQLite migration 20261205090001_doc_links on 100,000 documents: 50,000 orders of ~4 KB
with two keys and six owners each, and 50,000 carts, in a database with every earlier migration
applied (Python's sqlite3, WAL, synchronous=FULL). docs/benchmarks.md, 2026-12-04 step 12.

    python3 benches/scripts/migration_doc_links_time.py
"""
import glob
import os
import random
import sqlite3
import time

here = os.path.dirname(os.path.abspath(__file__))
files = sorted(glob.glob(os.path.join(here, "../../crates/tijara-store-sqlx/migrations/sqlite/*.sql")))
target = next(f for f in files if f.endswith("_doc_links.sql"))
db = "/tmp/tijara-migration-time.db"
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA synchronous=FULL")
for f in files[:files.index(target)]:
    c.executescript(open(f).read())
body = '{"lines":"' + "x" * 4000 + '"}'
c.execute("BEGIN")
for i in range(50000):
    oid = f"ord_{i:08d}"
    c.execute("INSERT INTO docs (kind, id, version, body) VALUES ('order', ?, 1, ?)", (oid, body))
    for key in (f"order-number:DAK-{i}", f"shipment:{i}"):
        c.execute("INSERT INTO doc_keys VALUES ('order', ?, ?)", (key, oid))
    for o in (f"seller:s{i % 40}", f"seller:s{i * 7 % 40}", f"seller-work:s{i % 40}:prepare",
              f"seller-work:s{i * 7 % 40}:prepare", f"guest-email:{random.getrandbits(64):x}",
              f"unpaid-email:{random.getrandbits(64):x}"):
        c.execute("INSERT OR IGNORE INTO doc_owners VALUES ('order', ?, ?)", (o, oid))
for i in range(50000):
    c.execute("INSERT INTO docs (kind, id, version, body) VALUES ('cart', ?, 1, '{}')", (f"cart_{i:08d}",))
c.execute("COMMIT")
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
start = time.time()
c.executescript("BEGIN;\n" + open(target).read() + "\nCOMMIT;")
elapsed = time.time() - start
docs = c.execute("SELECT count(*) FROM docs").fetchone()[0]
listed = c.execute("SELECT count(*) FROM docs WHERE links_owners <> '[]'").fetchone()[0]
print(f"doc_links: {elapsed:.2f} s for {docs} documents ({listed} with owners), SQLite {sqlite3.sqlite_version}")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
