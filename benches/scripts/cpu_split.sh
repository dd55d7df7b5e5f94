#!/bin/bash
# One c = 8 checkout run of benches/http/run.sh (SQLite, 16 s window) and, over 10 s of its
# window, how the machine's cores are shared: the cores the server and the load driver (node,
# load.mjs) used, and the machine's idle and iowait shares (/proc/<pid>/stat and /proc/stat).
# Shows whether a run is CPU-bound, and what the client on the same machine takes.
#   benches/scripts/cpu_split.sh BIN [LABEL]      (PORT: default 8197)
# Output: the run's level line, then one line of shares; both also in /tmp/split-LABEL.log.
set -u
bin=$1; label=${2:-run}
BENCH_PORT=${PORT:-8197} BENCH_LEVELS=8 BENCH_WINDOW=16 BENCH_WARMUP=2 BENCH_GLOBAL_WARMUP=2 \
  BENCH_READS= "$(cd "$(dirname "$0")/.." && pwd)/http/run.sh" "$bin" sqlite \
  > /tmp/split-$label.log 2>&1 &
run=$!
# Global warm-up 2 s and warm-up 2 s after the server's start: 9 s in is inside the window.
sleep 9
tick=$(getconf CLK_TCK)
server=$(pgrep -n -x "$(basename "$bin" | cut -c1-15)")
ticks() { local t=0 p; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
client=$(pgrep -f load.mjs | tr '\n' ' ')
s0=$(ticks $server); c0=$(ticks $client); read -r _ u0 n0 y0 i0 w0 q0 x0 _ < /proc/stat
sleep 10
s1=$(ticks $server); c1=$(ticks $client); read -r _ u1 n1 y1 i1 w1 q1 x1 _ < /proc/stat
wait $run
all=$(( (u1 + n1 + y1 + i1 + w1 + q1 + x1) - (u0 + n0 + y0 + i0 + w0 + q0 + x0) ))
grep '^c=' /tmp/split-$label.log
awk -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v i=$((i1 - i0)) -v w=$((w1 - w0)) -v a=$all -v t=$tick \
  'BEGIN { printf "over 10 s: server %.2f cores, client %.2f cores, machine idle %.1f %%, iowait %.1f %%\n", s / t / 10, c / t / 10, 100 * i / a, 100 * w / a }' \
  | tee -a /tmp/split-$label.log
