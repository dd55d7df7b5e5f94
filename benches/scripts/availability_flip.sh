#!/bin/bash
# What a change of availability costs the next search (issue 16): starts BIN on a fresh data folder
# with --seed-search-benchmark (10,000 products, SQLite), warms the search, then five times raises
# catalog_version.availability from another process (Python sqlite3, as a sale that sells a variant
# out does through its trigger) and times the first search after it and the next (curl).
#
#   benches/scripts/availability_flip.sh target/release/tijara-storefront 8298
bin=$1; port=$2; d=$(mktemp -d)
"$bin" --bind 127.0.0.1:$port --data-dir $d --public-url http://127.0.0.1:$port --seed-search-benchmark > $d/log 2>&1 & p=$!
for i in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1 && break; sleep 0.2; done
db=$(ls $d/*.db $d/*.sqlite 2>/dev/null | head -1)
q="http://127.0.0.1:$port/api/v1/products?q=tapis&limit=24"
for i in 1 2 3; do curl -s -o /dev/null "$q"; done
for i in 1 2 3 4 5; do
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE catalog_version SET availability = availability + 1 WHERE id = 1'); c.commit()" "$db"
  a=$(curl -s -o /dev/null -w "%{time_total}" "$q"); b=$(curl -s -o /dev/null -w "%{time_total}" "$q")
  echo "$(basename $bin) after change: $a s, next: $b s"
done
kill $p; wait $p 2>/dev/null; rm -rf $d
