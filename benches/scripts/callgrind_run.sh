#!/bin/bash
# Counts the instructions the storefront server runs for a fixed workload, under valgrind's
# callgrind (an instruction count does not depend on the machine's load, unlike time):
# starts BIN on a fresh data folder with --seed-benchmark, runs 3 checkouts (BENCH_WARM_CHECKOUTS)
# and 5 product pages to warm it (caches, prepared statements, the style sheet's one-time work), then counts N
# checkouts and PAGES HTML product pages made one after the other by benches/http/count.mjs.
#
#   benches/scripts/callgrind_run.sh target/release/tijara-storefront /tmp/cg-new 30 0
#   callgrind_annotate /tmp/cg-new.<pid>.1 | head -40      # by function
#   callgrind_annotate --inclusive=yes /tmp/cg-new.<pid>.1  # with callees
#
# The counts include the outbox dispatcher's rounds that fall in the window (every 5 s: the
# orders' e-mails into the demo mailbox); subtract `run_dispatcher_until`'s inclusive count for
# the requests alone, or set BENCH_SETTLE and BENCH_TAIL (say 20 and 10) for the requests and
# all of their messages. Needs valgrind, node and benches/http's node_modules (npm ci).
bin=$1; out=$2; n=${3:-30}; pages=${4:-0}
here="$(cd "$(dirname "$0")/.." && pwd)"
port=${BENCH_PORT:-8197}
data=$(mktemp -d /tmp/tijara-callgrind.XXXXXX)
RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out.%p" \
  "$bin" --bind 127.0.0.1:$port --data-dir "$data" --public-url http://127.0.0.1:$port \
  --seed-benchmark > "$data/log" 2>&1 &
vpid=$!
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1 && break
  sleep 0.5
done
node "$here/http/count.mjs" --base "http://127.0.0.1:$port" --checkouts "${BENCH_WARM_CHECKOUTS:-3}" --pages 5 --ids "$data/ids.json" >/dev/null
# The warm-up's messages leave through the outbox dispatcher; BENCH_SETTLE seconds (default 0)
# let them go before counting, so the window holds the requests and not that backlog.
sleep "${BENCH_SETTLE:-0}"
callgrind_control -i on $vpid >/dev/null
node "$here/http/count.mjs" --base "http://127.0.0.1:$port" --checkouts "$n" --pages "$pages" --ids "$data/ids.json" --first 1000
# BENCH_TAIL seconds (default 0) let the window's own messages leave before the count ends, so
# that it holds what each checkout costs the outbox dispatcher too (with BENCH_SETTLE, no more).
sleep "${BENCH_TAIL:-0}"
callgrind_control -d $vpid >/dev/null
callgrind_control -i off $vpid >/dev/null
kill $vpid; wait $vpid 2>/dev/null
rm -rf "$data"
ls "$out".$vpid.*
