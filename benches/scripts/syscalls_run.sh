#!/bin/bash
# One c = 8 checkout run of benches/http/run.sh (SQLite, 16 s window) with the server's user and
# system CPU per checkout (/proc/<pid>/stat over 8 s of the window) and, from perf's syscall
# tracepoints over the same 8 s, the system calls per checkout (context switches, fsync,
# fdatasync, pwrite64, pread64, futex, epoll_wait, fcntl, openat). With `record`: a
# `perf record -g` of those 8 s (/tmp/perf-LABEL.data) instead of the counts.
#   benches/scripts/syscalls_run.sh BIN LABEL [record]      (PORT: default 8196)
# Output: /tmp/prof-LABEL.{log,cpu,stat}. Needs linux-perf whose tracepoints are readable
# (`perf list | grep syscalls:sys_enter_fsync`).
bin=$1; label=$2
BENCH_PORT=${PORT:-8196} BENCH_LEVELS=8 BENCH_WINDOW=16 BENCH_WARMUP=3 BENCH_GLOBAL_WARMUP=2 BENCH_READS= "$(cd "$(dirname "$0")/.." && pwd)/http/run.sh" $bin sqlite > /tmp/prof-$label.log 2>&1 &
sleep 8
pid=$(pgrep -n -x $(basename $bin | cut -c1-15))
read u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
if [ "$3" = record ]; then perf record -F 1999 -g -p $pid -o /tmp/perf-$label.data -- sleep 8 >/dev/null 2>&1
else perf stat -x, -e context-switches,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_fcntl,syscalls:sys_enter_openat -p $pid -o /tmp/prof-$label.stat -- sleep 8 >/dev/null 2>&1; fi
read u2 s2 < <(awk '{print $14, $15}' /proc/$pid/stat)
wait
line=$(grep -E "^c=" /tmp/prof-$label.log)
rate=$(echo "$line" | sed -E 's/c= *8: ([0-9.]+) checkouts.*/\1/')
echo "$label: $line" | cut -c1-200
python3 - "$rate" $((u2-u1)) $((s2-s1)) /tmp/prof-$label.stat <<'PY'
import sys,os
rate=float(sys.argv[1]); u=int(sys.argv[2]); s=int(sys.argv[3]); n=rate*8
print(f"  per checkout: user {u*10/n:.2f} ms, sys {s*10/n:.2f} ms (ticks {u}/{s}, ~{n:.0f} checkouts in 8 s)")
p=sys.argv[4]
if os.path.exists(p):
    out=[]
    for l in open(p):
        f=l.strip().split(',')
        if len(f)>3 and f[0].replace('.','').isdigit(): out.append(f"{f[2].replace('syscalls:sys_enter_','')} {float(f[0])/n:.1f}")
    print("  per checkout:", ", ".join(out))
PY
