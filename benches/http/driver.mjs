// What the outside-client checkout drivers share: load.mjs (Tijara's JSON API) and vendure.mjs
// (Vendure's Shop API GraphQL) run the same closed loop, read the server process the same way
// (/proc/<pid>/stat and /proc/<pid>/status) and print the same lines, so their figures compare.

import { Pool } from 'undici';
import { readFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Resolves after `s` seconds. */
export const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

/** A checkout that went wrong at the application level (an HTTP error, a wrong state). */
export class Failure extends Error {}

/** The `p` quantile (0..1) of an ascending array, NaN when it is empty. */
export const percentile = (sorted, p) => (sorted.length ? sorted[Math.round((sorted.length - 1) * p)] : NaN);
/** Milliseconds with two decimals. */
export const ms = (x) => x.toFixed(2);

/**
 * The options both drivers take (also as environment variables BENCH_*), plus `extra`.
 * @param {string} defaultBase the server's base URL when neither --base nor BENCH_BASE is given
 * @param {object} extra more parseArgs options
 */
export function parseOptions(defaultBase, extra = {}) {
  const { values } = parseArgs({
    options: {
      base: { type: 'string', default: process.env.BENCH_BASE ?? defaultBase },
      pid: { type: 'string', default: process.env.BENCH_PID ?? '' },
      db: { type: 'string', default: process.env.BENCH_DB ?? '' },
      levels: { type: 'string', default: process.env.BENCH_LEVELS ?? '1,8,32' },
      window: { type: 'string', default: process.env.BENCH_WINDOW ?? '30' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '5' },
      'global-warmup': { type: 'string', default: process.env.BENCH_GLOBAL_WARMUP ?? '15' },
      'read-window': { type: 'string', default: process.env.BENCH_READ_WINDOW ?? '20' },
      perf: { type: 'boolean', default: process.env.BENCH_PERF === '1' },
      ...extra,
    },
  });
  return {
    opt: values,
    BASE: values.base.replace(/\/$/, ''),
    PID: values.pid ? Number(values.pid) : null,
    WINDOW: Number(values.window),
    WARMUP: Number(values.warmup),
    GLOBAL_WARMUP: Number(values['global-warmup']),
    READ_WINDOW: Number(values['read-window']),
    LEVELS: values.levels.split(',').filter(Boolean).map(Number),
  };
}

// ---- the server process, from /proc ----
/** utime + stime of a process in clock ticks (null without a pid). */
export function cpuTicks(pid) {
  if (!pid) return null;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state (field 3).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime (14) + stime (15)
}
/** A KiB field of /proc/<pid>/status (VmRSS, VmHWM), 0 without a pid. */
export function statusKiB(pid, field) {
  if (!pid) return 0;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field + ':'));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}
/** `perf stat` of the process for `seconds` (a promise of its counters), or null when off. */
export function perfStat(enabled, pid, seconds) {
  if (!enabled || !pid) return null;
  const child = spawn('perf', ['stat', '-x', ',', '-e', 'context-switches,task-clock', '-p', String(pid), '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve) => child.on('close', () => {
    const out = {};
    for (const line of err.split('\n')) {
      const parts = line.split(',');
      if (parts.length > 3 && parts[2]) out[parts[2].replace(/:u$/, '')] = Number(parts[0]);
    }
    resolve(out);
  }));
}

/**
 * A closed loop of `c` customers, each on its own connection, running `checkout(pool, adds)`
 * back to back for `warmup` seconds, then `window` measured seconds (0: warm-up only).
 * `checkout` throws on any error or wrong state and pushes the add-item latencies into `adds`;
 * it does its own accounting of what it sold. `onWindow` is called at the window's start and
 * returns a function called at its end (for extra counters, e.g. PostgreSQL's CPU).
 * `checkout` may also record named steps' latencies (ms) in its third argument, an object of
 * arrays: those of the checkouts completed in the window are merged into `steps`.
 * Returns { done, failed, firstError, whole, adds (sorted ms), steps, cpuMs, elapsed, perf }.
 */
export async function closedLoop({ base, pid, perf: perfOn, c, warmup, window, checkout, onWindow }) {
  const pool = new Pool(base, { connections: c, pipelining: 1, keepAliveTimeout: 60_000 });
  const state = { measuring: false, stop: false };
  const out = { done: 0, failed: 0, whole: [], adds: [], steps: {}, firstError: null };
  const customer = async () => {
    while (!state.stop) {
      const adds = [];
      const steps = {};
      const t = performance.now();
      try {
        await checkout(pool, adds, steps);
        const took = performance.now() - t;
        if (state.measuring && !state.stop) {
          out.done += 1;
          out.whole.push(took);
          out.adds.push(...adds);
          for (const [name, ms] of Object.entries(steps)) (out.steps[name] ??= []).push(...ms);
        }
      } catch (e) {
        out.failed += 1;
        out.firstError ??= e.message;
        if (!(e instanceof Failure)) await sleep(0.01); // a refused connection: do not spin
      }
    }
  };
  const tasks = Array.from({ length: c }, customer);
  await sleep(warmup);
  let cpu0 = null; let perf = null; let end = null;
  if (window > 0) {
    cpu0 = cpuTicks(pid);
    end = onWindow ? onWindow() : null;
    perf = perfStat(perfOn, pid, window);
    state.measuring = true;
  }
  const t0 = performance.now();
  await sleep(window);
  state.stop = true;
  const cpu1 = cpuTicks(pid);
  if (end) end();
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(tasks);
  await pool.close();
  out.whole.sort((x, y) => x - y);
  out.adds.sort((x, y) => x - y);
  out.cpuMs = cpu0 === null ? null : ((cpu1 - cpu0) * 1000) / CLK_TCK;
  out.elapsed = elapsed;
  out.perf = perf ? await perf : null;
  return out;
}

/** The first line: the server's idle RSS, the machine's load, the window. */
export function idleLine(base, pid, window, warmup) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `server ${base} pid ${pid ?? '-'}: idle RSS ${(statusKiB(pid, 'VmRSS') / 1024).toFixed(0)} MiB; machine load average ${load}; window ${window}s, warm-up ${warmup}s`;
}

/** One level's line; `extra` (e.g. PostgreSQL's CPU) goes after the server's CPU. */
export function levelLine(c, o, pid, check, extra = '') {
  const cpu = o.cpuMs === null ? 'n/a' : `${(o.cpuMs / Math.max(o.done, 1)).toFixed(2)} ms`;
  const perf = o.perf && o.perf['context-switches'] !== undefined
    ? `, perf: ${(o.perf['context-switches'] / Math.max(o.done, 1)).toFixed(1)} context switches and ${(o.perf['task-clock'] / Math.max(o.done, 1)).toFixed(2)} ms task-clock per checkout`
    : '';
  return `c=${String(c).padStart(2)}: ${(o.done / o.elapsed).toFixed(1)} checkouts/s (${o.done} in ${o.elapsed.toFixed(1)}s, ${o.failed} failed${o.firstError ? `: ${o.firstError}` : ''}), checkout p50/p95/p99 ${ms(percentile(o.whole, 0.5))}/${ms(percentile(o.whole, 0.95))}/${ms(percentile(o.whole, 0.99))} ms, add-item p50/p99 ${ms(percentile(o.adds, 0.5))}/${ms(percentile(o.adds, 0.99))} ms, server CPU ${cpu}/checkout${extra}${perf}, RSS ${(statusKiB(pid, 'VmRSS') / 1024).toFixed(0)} MiB (peak ${(statusKiB(pid, 'VmHWM') / 1024).toFixed(0)} MiB), verification: ${check}`;
}

/**
 * A closed read loop: `c` readers, each on its own connection, running `request(pool, i)` (true
 * when the answer was right) for `warmup` seconds, then `window` measured seconds; prints the
 * line `read <name> c=...` with req/s, p50/p95/p99, server CPU per request and RSS.
 */
export async function readLoop({ base, pid, name, c, warmup, window, request }) {
  const pool = new Pool(base, { connections: c, pipelining: 1, keepAliveTimeout: 60_000 });
  const state = { measuring: false, stop: false };
  let ok = 0; let failed = 0; let i = 0; const lat = [];
  const reader = async () => {
    while (!state.stop) {
      const t = performance.now();
      let good = true;
      try {
        good = await request(pool, i++);
      } catch { good = false; }
      if (state.measuring && !state.stop) {
        if (good) { ok += 1; lat.push(performance.now() - t); } else failed += 1;
      }
    }
  };
  const tasks = Array.from({ length: c }, reader);
  await sleep(warmup);
  const cpu0 = cpuTicks(pid);
  state.measuring = true;
  await sleep(window);
  state.stop = true;
  const cpu1 = cpuTicks(pid);
  await Promise.all(tasks);
  await pool.close();
  lat.sort((x, y) => x - y);
  const cpu = cpu0 === null ? '' : `, server CPU ${(((cpu1 - cpu0) * 1000) / CLK_TCK / Math.max(ok, 1) * 1000).toFixed(0)} µs/request`;
  console.log(`read ${name} c=${c}: ${(ok / window).toFixed(0)} req/s (${failed} failed), p50/p95/p99 ${ms(percentile(lat, 0.5))}/${ms(percentile(lat, 0.95))}/${ms(percentile(lat, 0.99))} ms${cpu}, server RSS ${(statusKiB(pid, 'VmRSS') / 1024).toFixed(0)} MiB, peak ${(statusKiB(pid, 'VmHWM') / 1024).toFixed(0)} MiB`);
}
