#!/usr/bin/env bash
# Instructions per request of the storefront's router with tracing and metrics off and on,
# counted by callgrind (benches/benches/ops_overhead.rs). Build the bench first:
#
#   cargo bench -p tijara-benches --bench ops_overhead --no-run   # prints its executable
#   benches/scripts/ops_overhead.sh target/release/deps/ops_overhead-<hash>
#
# Each setting runs twice, measuring N1 then N2 requests after the same warm-up; the difference
# in instructions over the difference in requests cancels the setup (opening the database,
# loading the catalog). Environment: OPS_READ_N1/OPS_READ_N2 (product reads, default 100/600),
# OPS_CHECKOUT_N1/OPS_CHECKOUT_N2 (checkouts of 6–7 requests, default 20/100),
# OPS_WORKLOADS (default "read checkout"). Needs valgrind.
set -euo pipefail
bin="${1:?usage: ops_overhead.sh <ops_overhead bench executable>}"

# One run: prints "<instructions> <requests measured>".
run() {
  local log out ir req
  log="$(mktemp)"
  out="$(TIJARA_OPS="$1" TIJARA_OPS_WORKLOAD="$2" TIJARA_OPS_N="$3" \
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$log" "$bin" 2>/dev/null)"
  ir="$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")"
  req="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$out")"
  rm -f "$log"
  echo "$ir $req"
}

for workload in ${OPS_WORKLOADS:-read checkout}; do
  if [ "$workload" = read ]; then
    n1="${OPS_READ_N1:-100}" n2="${OPS_READ_N2:-600}"
  else
    n1="${OPS_CHECKOUT_N1:-20}" n2="${OPS_CHECKOUT_N2:-100}"
  fi
  for ops in off on; do
    read -r i1 r1 < <(run "$ops" "$workload" "$n1")
    read -r i2 r2 < <(run "$ops" "$workload" "$n2")
    echo "$workload ops=$ops: $(( (i2 - i1) / (r2 - r1) )) instructions/request ($(( r2 - r1 )) requests)"
  done
done
