#!/usr/bin/env python3
"""The parts of PostgreSQL's one-statement order commit, from auto_explain's log.

Reads each plan auto_explain logged (with log_analyze, log_buffers and log_timing on) of a
statement whose text starts `WITH h AS` and holds a data-modifying part `d0 AS` (an order placed
in one statement: tijara-store-sqlx's `one_statement`). Prints the statement's median duration
(auto_explain's `duration:`, which includes the parts no other part reads, run when the
executor finishes), then for each top-level part (`CTE d0`, `CTE o0`, `InitPlan 12`...) the
median and mean of its node's actual total time (ms, its children included) and its mean of
shared buffers hit (0 where PostgreSQL printed no `Buffers:` line).

    benches/scripts/pg_plan_parts.py [/var/log/postgresql/postgresql-15-main.log]

Logging the plans, as the database's superuser (the statements script needs
pg_stat_statements loaded too):
    ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements, auto_explain';  -- restart
    ALTER SYSTEM SET auto_explain.log_min_duration = 0;
    ALTER SYSTEM SET auto_explain.log_analyze = on;
    ALTER SYSTEM SET auto_explain.log_buffers = on;
    ALTER SYSTEM SET auto_explain.log_timing = on;
    ALTER SYSTEM SET auto_explain.sample_rate = 0.02;   -- then SELECT pg_reload_conf();
then one run of benches/scripts/pg_statements_run.sh BIN (or benches/http/run.sh BIN postgres);
afterwards ALTER SYSTEM RESET ALL, a restart, and DROP EXTENSION pg_stat_statements.
Timing every node slows the statement: compare the parts with each other, not with a run.
"""
import collections
import re
import statistics
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/var/log/postgresql/postgresql-15-main.log"
lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
times = collections.defaultdict(list)
hits = collections.defaultdict(list)
durations = []
plans = 0
for i, text in enumerate(lines):
    if not ("Query Text: WITH h AS" in text and "d0 AS" in text):
        continue
    plans += 1
    # auto_explain's entry: "... LOG:  duration: 0.532 ms  plan:" just before the query text.
    d = re.search(r"duration: ([\d.]+) ms", lines[i - 1]) if i > 0 else None
    if d:
        durations.append(float(d.group(1)))
    part = None
    j = i + 1
    # The plan's lines begin with a tab; the next log entry does not.
    while j < len(lines) and lines[j].startswith("\t"):
        s = lines[j]
        head = re.match(r"\t  (CTE \w+|InitPlan \d+)", s)
        if head:
            part = head.group(1)
            state = "time"
        elif part and state == "time":
            t = re.search(r"actual time=[\d.]+\.\.([\d.]+)", s)
            if t:
                times[part].append(float(t.group(1)))
                hits[part].append(0)
                state = "buffers"
        elif part and state == "buffers":
            # The node's Buffers line, if any, follows its own details (Conflict Resolution,
            # Tuples Inserted...), before its first child ("->").
            if "->" in s:
                state = None
            elif "Buffers:" in s:
                b = re.search(r"hit=(\d+)", s)
                hits[part][-1] = int(b.group(1)) if b else 0
                state = None
        j += 1

print(
    f"{plans} plans; the statement's median duration "
    f"{statistics.median(durations) if durations else 0:.3f} ms"
)
for name, v in times.items():
    b = hits[name]
    print(
        f"{name:12} median {statistics.median(v):.3f} ms, mean {statistics.mean(v):.3f} ms, "
        f"{statistics.mean(b):.1f} buffers hit"
    )
