#!/usr/bin/env python3
"""The share of one program's samples whose call stack passes through each function named.

Reads `perf script -F comm,ip,sym` output (from `perf record -a -g`), keeps the samples of the
command given, and prints for each name the percentage of those samples with a frame whose
symbol contains it: where the program's time goes, callees included. Stacks that perf could
not unwind count in the total but under no name.

    perf record -a -g -F 499 -o /tmp/perf.data -- sleep 8     (during a benches/http/run.sh run;
                                                               perf samples CPU time only)
    perf script -i /tmp/perf.data -F comm,ip,sym > /tmp/perf.txt
    benches/scripts/perf_stack_shares.py /tmp/perf.txt postgres tcp_sendmsg standard_ExecutorStart ...
"""
import collections
import sys

if len(sys.argv) < 4:
    sys.exit(__doc__)
path, comm, names = sys.argv[1], sys.argv[2], sys.argv[3:]
samples = []
current = None
for line in open(path, encoding="utf-8", errors="replace"):
    if not line.strip():
        continue
    if line.startswith("\t"):
        # A frame of the current sample's call stack: "<tab>address symbol".
        if current is not None:
            current[1].append(line.strip().split(None, 1)[-1])
    else:
        # A sample: its command first (perf may pad it with spaces).
        current = (line.split()[0], [])
        samples.append(current)
by_comm = collections.Counter(c for c, _ in samples)
mine = [stack for c, stack in samples if c == comm]
print(f"{len(samples)} samples; {comm}: {len(mine)}; most: {by_comm.most_common(5)}")
for name in names:
    n = sum(1 for stack in mine if any(name in frame for frame in stack))
    print(f"{name:32} {100 * n / max(len(mine), 1):5.1f} %")
