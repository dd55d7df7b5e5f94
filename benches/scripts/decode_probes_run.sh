#!/bin/bash
# How many documents the server decodes per checkout under load, by type: one c = 8 checkout
# run of benches/http/run.sh (SQLite, 16 s window) with a uprobe on each instance of
# `tijara::engine::decode` in BIN (one per document type), counted by `perf stat` over 8 s of
# the window and divided by the checkouts in them. The instance decoding orders is the one
# counted ~1 per checkout when nothing spares its decode (docs/benchmarks.md, 2026-12-06
# step 30). Needs linux-perf with uprobes (root), and BIN's symbols (a release build keeps
# them). The probes are removed at the end.
#   benches/scripts/decode_probes_run.sh BIN LABEL      (PORT: default 8196)
bin=$(readlink -f "$1"); label=$2
here="$(cd "$(dirname "$0")/.." && pwd)"
group=tjdecode_$label
trap 'perf probe -q -d "$group:*" >/dev/null 2>&1' EXIT
# A uprobe is placed at a file offset: the symbol's address, less its segment's.
read -r vaddr offset < <(readelf -lW "$bin" | awk '/LOAD/ && /R E/ {print $3, $2}')
i=0
for addr in $(nm "$bin" | grep -E "6tijara6engine6decode17h" | awk '{print $1}'); do
  i=$((i+1))
  at=$(printf '0x%x' $((16#$addr - vaddr + offset)))
  perf probe -q -x "$bin" --add "$group:d$i=$at" >/dev/null 2>&1 || { echo "perf probe failed" >&2; exit 1; }
done
events=$(perf probe -l 2>/dev/null | grep -o "$group:d[0-9]*" | paste -sd,)
BENCH_PORT=${PORT:-8196} BENCH_LEVELS=8 BENCH_WINDOW=16 BENCH_WARMUP=3 BENCH_GLOBAL_WARMUP=2 BENCH_READS= \
  "$here/http/run.sh" "$bin" sqlite > /tmp/prof-$label.log 2>&1 &
sleep 8
pid=$(pgrep -n -x "$(basename "$bin" | cut -c1-15)")
perf stat -x, -e "$events" -p "$pid" -o /tmp/prof-$label.probes -- sleep 8 >/dev/null 2>&1
wait
line=$(grep -E "^c=" /tmp/prof-$label.log)
rate=$(echo "$line" | sed -E 's/c= *8: ([0-9.]+) checkouts.*/\1/')
echo "$label: $line" | cut -c1-200
awk -F, -v n="$(python3 -c "print($rate*8)")" '$1+0>0 {printf "  %s: %.2f decodes per checkout\n", $3, $1/n}' /tmp/prof-$label.probes
