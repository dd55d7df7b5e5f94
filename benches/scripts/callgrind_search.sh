#!/bin/bash
# Counts the instructions the storefront server runs per search (issue 16), under valgrind's
# callgrind (a count that does not depend on the machine's load, unlike time): starts BIN on a
# fresh data folder with --seed-search-benchmark (10,000 products), runs each query of
# benches/http/search.mjs once to warm it (the snapshot, each word's typos, prepared
# statements), then counts ROUNDS rounds of the 30 queries made one after the other
# (`/api/v1/products?q=…&limit=24`, as search.mjs asks).
#
#   benches/scripts/callgrind_search.sh target/release/tijara-storefront /tmp/cg-search 2
#   callgrind_annotate /tmp/cg-search.<pid>.1 | head -40              # by function
#   callgrind_annotate --inclusive=yes /tmp/cg-search.<pid>.1 | head -60
#
# Instructions per search = the "PROGRAM TOTALS" line / (30 × ROUNDS). Needs valgrind, curl.
bin=$1; out=$2; rounds=${3:-2}
port=${BENCH_PORT:-8198}
data=$(mktemp -d /tmp/tijara-callgrind-search.XXXXXX)
queries=(
  'tapis' 'tappis' 'tapis laine' 'khaima' 'khayma' 'kaima' 'melhfa' 'mlahfa' 'sac cuir'
  'bracelet argent' 'braclet' 'collier' 'tajine' 'plateau bois' 'coffre' 'echarpe indigo'
  'rug' 'silver necklace' 'leather bag' 'camel hair' 'embroidered cushion' 'sandals'
  'خيمة' 'زربية صوف' 'ملحفة' 'حقيبة جلد' 'سوار فضة' 'طاجين' 'brodé' 'gravé'
)
RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out.%p" \
  "$bin" --bind 127.0.0.1:$port --data-dir "$data" --public-url http://127.0.0.1:$port \
  --seed-search-benchmark > "$data/log" 2>&1 &
vpid=$!
for _ in $(seq 1 3600); do
  curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1 && break
  kill -0 $vpid 2>/dev/null || { cat "$data/log" >&2; exit 1; }
  sleep 0.5
done
search() {
  for q in "${queries[@]}"; do
    curl -fsG "http://127.0.0.1:$port/api/v1/products" --data-urlencode "q=$q" \
      --data-urlencode "limit=24" >/dev/null || echo "failed: $q" >&2
  done
}
search
callgrind_control -i on $vpid >/dev/null
for _ in $(seq 1 "$rounds"); do search; done
callgrind_control -d $vpid >/dev/null
callgrind_control -i off $vpid >/dev/null
kill $vpid; wait $vpid 2>/dev/null
rm -rf "$data"
ls "$out".$vpid.*
echo "searches counted: $(( ${#queries[@]} * rounds ))"
