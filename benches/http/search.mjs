// The search benchmark (issue 16): GETs of `/api/v1/products?q=…` at a fixed concurrency
// against a running tijara-storefront started with `--seed-search-benchmark` (10,000 products),
// queries drawn from a list of words, two-word queries, typos and Arabic; then product pages.
// Prints requests/s, p50/p95/p99 latency and (with --pid) the server's CPU per request of each,
// and PostgreSQL's own (every `postgres` process) when --postgres. See benches/http/search.sh.
import { Pool } from 'undici';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: process.env.BENCH_BASE ?? 'http://127.0.0.1:8096' },
    c: { type: 'string', default: process.env.BENCH_C ?? '32' },
    window: { type: 'string', default: process.env.BENCH_WINDOW ?? '20' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '5' },
    pid: { type: 'string', default: process.env.BENCH_PID ?? '' },
    postgres: { type: 'boolean', default: false },
  },
});
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
// utime + stime of a /proc/<pid>/stat (fields after the command name, which may hold spaces).
const ticksOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(f[11]) + Number(f[12]) };
  } catch { return null; }
};
const serverTicks = () => (opt.pid ? ticksOf(opt.pid)?.ticks ?? null : null);
const postgresTicks = () => {
  if (!opt.postgres) return null;
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    const t = ticksOf(d);
    if (t && t.comm === 'postgres') sum += t.ticks;
  }
  return sum;
};
const BASE = opt.base.replace(/\/$/, '');
const C = Number(opt.c);
const QUERIES = [
  'tapis', 'tappis', 'tapis laine', 'khaima', 'khayma', 'kaima', 'melhfa', 'mlahfa', 'sac cuir',
  'bracelet argent', 'braclet', 'collier', 'tajine', 'plateau bois', 'coffre', 'echarpe indigo',
  'rug', 'silver necklace', 'leather bag', 'camel hair', 'embroidered cushion', 'sandals',
  'خيمة', 'زربية صوف', 'ملحفة', 'حقيبة جلد', 'سوار فضة', 'طاجين', 'brodé', 'gravé',
];
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN; };

async function run(name, pathOf) {
  const pool = new Pool(BASE, { connections: C, pipelining: 1, keepAliveTimeout: 60_000 });
  const state = { measuring: false, stop: false };
  let ok = 0; let failed = 0; let i = 0; const lat = [];
  const worker = async () => {
    while (!state.stop) {
      const path = pathOf(i++);
      const t = performance.now();
      let good = true;
      try {
        const res = await pool.request({ method: 'GET', path });
        await res.body.dump();
        good = res.statusCode === 200;
      } catch { good = false; }
      if (state.measuring && !state.stop) { if (good) { ok += 1; lat.push(performance.now() - t); } else failed += 1; }
    }
  };
  const tasks = Array.from({ length: C }, worker);
  await sleep(Number(opt.warmup));
  state.measuring = true;
  const t0 = performance.now();
  const [cpu0, pg0] = [serverTicks(), postgresTicks()];
  await sleep(Number(opt.window));
  state.stop = true;
  const [cpu1, pg1] = [serverTicks(), postgresTicks()];
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(tasks);
  await pool.close();
  const f = (x) => x.toFixed(1);
  const perReq = (a, b) => (((b - a) * 1000) / CLK_TCK / Math.max(ok, 1)) * 1000;
  const cpu = cpu0 === null ? '' : `, server CPU ${perReq(cpu0, cpu1).toFixed(0)} µs/request`;
  const pg = pg0 === null ? '' : `, PostgreSQL CPU ${perReq(pg0, pg1).toFixed(0)} µs/request`;
  console.log(`${name} c=${C}: ${f(ok / elapsed)} req/s (${ok} ok, ${failed} failed), p50/p95/p99 ${f(pct(lat, 0.5))}/${f(pct(lat, 0.95))}/${f(pct(lat, 0.99))} ms${cpu}${pg}`);
}

await run('search', (i) => `/api/v1/products?q=${encodeURIComponent(QUERIES[i % QUERIES.length])}&limit=24`);
await run('product page', (i) => `/products/search-${String((i * 7919) % 10000).padStart(5, '0')}`);
