#!/bin/bash
# The owners' index by document led by kind, (kind, id), or by id, (id, kind), in steady state
# (issue 15, step 16): two copies of an owners table of 400,000 rows (100,000 orders of four
# owners), vacuumed and analyzed, in a new database `tjbench`; pgbench runs what a checkout does to it (six
# owner rows inserted for a new order, an order's rows deleted by id, the unpaid-order listing)
# on one then the other, ROUNDS times (default 4; each round swaps which goes first), 6 s each at c = 2 with
# synchronous_commit off (no fsync in the figure), and prints PostgreSQL's CPU per transaction
# (every postgres process's user + system time from /proc, with its reaped children's: pgbench's
# backends have exited when it is read; the server must run on this machine).
#   benches/scripts/owners_index_pgbench.sh          (PG: postgres://postgres@127.0.0.1:5432)
set -euo pipefail
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
pgbench="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)"
dir="$(mktemp -d /tmp/tijara-owners-bench.XXXXXX)"
trap 'rm -rf "$dir"; psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS tjbench" >/dev/null 2>&1 || true' EXIT
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS tjbench" -c "CREATE DATABASE tjbench" >/dev/null
psql "$pg/tjbench" -q -v ON_ERROR_STOP=1 <<'SQL'
create table ob (kind text not null, owner text not null, id text not null, primary key (kind, owner, id));
create index ob_by_doc on ob (kind, id);
create table oh (kind text not null, owner text not null, id text not null, primary key (kind, owner, id));
create index oh_by_doc on oh (id, kind);
insert into ob select 'order', o, 'ord_' || lpad(i::text, 9, '0') from generate_series(1, 100000) i,
  unnest(array['seller:' || (i % 5), 'seller-work:' || (i % 5), 'guest-email:' || md5(i::text), 'unpaid-email:' || md5(i::text)]) o;
insert into oh select * from ob;
create sequence s start 200000;
vacuum analyze;
SQL
sleep 1
for t in ob oh; do cat > "$dir/$t.sql" <<SQL
\set r random(1, 100000)
BEGIN;
SELECT nextval('s') AS n \gset
INSERT INTO $t SELECT 'order', o, 'ord_' || lpad(:n::text, 9, '0') FROM unnest(array['seller:1', 'seller-work:1', 'guest-email:' || md5(:n::text), 'unpaid-email:' || md5(:n::text), 'seller:2', 'seller-work:2']) o;
DELETE FROM $t WHERE kind = 'order' AND id = 'ord_' || lpad(:r::text, 9, '0');
SELECT id FROM $t WHERE kind = 'order' AND owner = 'unpaid-email:' || md5((:r + 7)::text) AND id > '' ORDER BY id LIMIT 101;
COMMIT;
SQL
done
cpu() { for p in $(pgrep -x postgres); do cat "/proc/$p/stat" 2>/dev/null || true; done | awk '{s += $14 + $15 + $16 + $17} END {print s}'; }
tick=$(getconf CLK_TCK)
for round in $(seq 1 "${ROUNDS:-4}"); do
  # Each round swaps which runs first.
  order="oh ob"; [ $((round % 2)) = 0 ] && order="ob oh"
  for t in $order; do
    c1=$(cpu)
    if ! PGOPTIONS="-c synchronous_commit=off" "$pgbench" "$pg/tjbench" -n -M prepared -c 2 -T 6 \
      -f "$dir/$t.sql" >"$dir/out" 2>&1; then
      cat "$dir/out" >&2; exit 1
    fi
    n=$(awk '/actually processed/ {print $NF}' "$dir/out")
    sleep 1 # the postmaster reaps pgbench's backends, adding their CPU to its children's
    c2=$(cpu)
    label=$([ "$t" = oh ] && echo "(id, kind)" || echo "(kind, id)")
    echo "$label: $n transactions, PostgreSQL CPU $(( (c2 - c1) * 1000000 / tick / n )) µs a transaction"
  done
done
