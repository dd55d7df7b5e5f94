#!/usr/bin/env python3
"""Which b-trees a SQLite database's commits wrote: reads the write-ahead log beside DB (left
by a kill -9, so not checkpointed away), maps each frame's page to its table or index with
SQLite's `dbstat` on a copy, and prints the frames by b-tree and the commits by the set of
b-trees they wrote. The frames of the current generation are read (those with the salt of the
log's header): what is left of the one before, after them, is not (SQLite rewrites the log
from its start after a checkpoint, with a new salt). Used by wal_pages_run.sh (docs/benchmarks.md, 2026-12-04 step 12).

    python3 benches/scripts/wal_pages.py DATA/tijara.db [--detail]
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys

db = sys.argv[1]
detail = "--detail" in sys.argv[2:]
wal = open(db + "-wal", "rb").read()
_magic, _version, page_size, _seq, salt1_now, salt2_now, _c1, _c2 = struct.unpack(">8I", wal[:32])
commits, current, off = [], [], 32
while off + 24 + page_size <= len(wal):
    page, commit_size, salt1, salt2, _k1, _k2 = struct.unpack(">6I", wal[off:off + 24])
    if (salt1, salt2) != (salt1_now, salt2_now):
        break  # never written, or left from before the last checkpoint (another salt)
    current.append(page)
    if commit_size:  # the last frame of a commit
        commits.append(current)
        current = []
    off += 24 + page_size

copy = "/tmp/wal-pages-copy.db"
for suffix in ("", "-wal"):
    shutil.copy(db + suffix, copy + suffix)
if os.path.exists(copy + "-shm"):
    os.remove(copy + "-shm")
con = sqlite3.connect(copy)
owner = {pageno: f"{name}:{kind}" for name, pageno, kind in
         con.execute("SELECT name, pageno, pagetype FROM dbstat")}
owner.setdefault(1, "sqlite_schema:header")

def tree(page):
    return owner.get(page, f"free:{page}").split(":")[0]

total = sum(len(c) for c in commits)
by_tree = collections.Counter(tree(p) for c in commits for p in c)
kinds, kind_frames = collections.Counter(), collections.Counter()
for c in commits:
    key = tuple(sorted({tree(p) for p in c}))
    kinds[key] += 1
    kind_frames[key] += len(c)
print(f"{len(commits)} commits, {total} frames (page size {page_size})")
print("frames by b-tree:")
for name, n in by_tree.most_common():
    print(f"  {n:6d} {name}")
print("commits by the b-trees they wrote (count, frames, b-trees):")
for key, n in kinds.most_common():
    print(f"  {n:5d} {kind_frames[key]:6d}  {' '.join(key)}")
# At c = 1 each order placed is one commit, the only kind that writes `stock`.
orders = sum(1 for c in commits if any(tree(p) == "stock" for p in c))
if orders:
    print(f"commits writing stock: {orders}; all frames per such commit: {total / orders:.1f}")
if detail:
    for c in commits:
        if any(tree(p) == "stock" for p in c):
            print("one order's commit:", sorted((owner.get(p, "?"), p) for p in c))
            break
