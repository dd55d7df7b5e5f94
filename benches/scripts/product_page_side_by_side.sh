#!/bin/bash
# The product page under load (issue 13), two storefront binaries alternated: OLD NEW paths as
# arguments (release builds); wrk c=32, 5 s warm-up, 10 s window, the server CPU per page from
# /proc/<pid>/stat. Usage: benches/scripts/product_page_side_by_side.sh OLD_BIN NEW_BIN
url=/products/embroidered-srama-cushion
for round in 1 2 3; do for bin in "$1" "$2"; do
  d=$(mktemp -d); $bin --bind 127.0.0.1:8095 --data-dir "$d" --public-url http://127.0.0.1:8095 >/tmp/sf.log 2>&1 & pid=$!
  for i in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:8095$url && break; sleep 0.2; done
  wrk -t2 -c32 -d5s http://127.0.0.1:8095$url >/dev/null
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(wrk -t2 -c32 -d10s --latency http://127.0.0.1:8095$url)
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  echo "round $round $(basename $bin): $(echo "$out" | awk '/Requests\/sec/{print "rps",$2} /^ +50%/{print "p50",$2} /^ +90%/{print "p90",$2} /^ +99%/{print "p99",$2}' | tr '\n' ' ') non2xx=$(echo "$out" | grep -c Non-2xx) cpu_us_per_req=$(( (t1-t0)*10000*1000/reqs/1000 ))"
  kill $pid; wait $pid 2>/dev/null; rm -rf "$d"
done; done
