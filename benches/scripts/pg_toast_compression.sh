#!/bin/bash
# What PostgreSQL's compression of a stored order costs: 20,000 rows of the test fixture's
# cash-on-delivery order (crates/tijara/tests/fixtures/order_doc_cod.json, compact JSON, ~6.3 KB,
# each made unique) inserted into a temporary table whose `body` column compresses with pglz
# (the default, what `docs.body` uses) and one with lz4, twice each, alternated; then the
# stored sizes and a full read of each (every body decompressed). Prints psql's timings.
#
#   benches/scripts/pg_toast_compression.sh        (STATS_URL: postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
url="${STATS_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
body=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":")))' \
  "$here/crates/tijara/tests/fixtures/order_doc_cod.json")
psql "$url" -v body="$body" <<'SQL' | grep -E "Time|^ *[0-9]"
\timing on
CREATE TEMP TABLE t_pglz (id int, body text COMPRESSION pglz);
CREATE TEMP TABLE t_lz4 (id int, body text COMPRESSION lz4);
INSERT INTO t_pglz SELECT g, :'body' || g FROM generate_series(1, 20000) g;
INSERT INTO t_lz4 SELECT g, :'body' || g FROM generate_series(1, 20000) g;
INSERT INTO t_pglz SELECT g, :'body' || g FROM generate_series(1, 20000) g;
INSERT INTO t_lz4 SELECT g, :'body' || g FROM generate_series(1, 20000) g;
SELECT round(avg(pg_column_size(body))) AS pglz_bytes FROM t_pglz;
SELECT round(avg(pg_column_size(body))) AS lz4_bytes FROM t_lz4;
SELECT sum(length(body)) FROM t_pglz;
SELECT sum(length(body)) FROM t_lz4;
SQL
