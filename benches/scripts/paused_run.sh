#!/bin/bash
# One run of benches/http/run.sh with every rustc/cc1 on the machine paused for its duration
# (always resumed on exit), for side-by-side runs on a shared machine.
# Usage: benches/scripts/paused_run.sh LABEL BIN BACKEND [VAR=value...]
label=$1; bin=$2; backend=$3; shift 3
cont() { pkill -CONT rustc; pkill -CONT cc1; pkill -CONT cc1plus; }
trap cont EXIT
pkill -STOP rustc; pkill -STOP cc1; pkill -STOP cc1plus
out=$(env "$@" BENCH_PORT=${BENCH_PORT:-8196} "$(cd "$(dirname "$0")/.." && pwd)/http/run.sh" "$bin" "$backend" 2>&1)
cont
echo "== $label $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$out" | grep -E "^(c=|read|server)" 
