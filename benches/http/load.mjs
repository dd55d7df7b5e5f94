// The checkout and read workloads of shared/bench/CHECKOUT-WORKLOAD.md, driven from outside
// against a separately started tijara-storefront (its JSON API, /api/v1/...), with undici.
//
//   node load.mjs --base http://127.0.0.1:8095 --pid <server pid> --db sqlite:/path/tijara.db
//
// Usually started by run.sh, which starts the server on a fresh data folder with the
// benchmark catalog (--seed-benchmark: 200 products bench-000..bench-199, one variant each).
// Options (also as environment variables BENCH_*): --levels 1,8,32  --window 30  --warmup 5
// --global-warmup 15  --read-window 20  --perf (wrap each measured window in
// `perf stat -e context-switches,task-clock -p <pid>`)  --db sqlite:<file> | postgres:<url>
// (where the orders are counted; without it that check is skipped and said so).
//
// A checkout is a new guest each time, 6-7 requests: create the cart, add variant A, add
// variant B != A (random among the 200), list the shipping options for a Moroccan address,
// choose the first option of each seller (1 or 2 requests; this also sets the address), place
// the order with the guest's e-mail and cash on delivery, which must answer the order placed.
// Closed loop: c virtual customers, no think time, each on its own connection.
//
// Printed per level: checkouts/s in the window, failures (with the first error), p50/p95/p99
// of whole checkouts and of add-item requests, the server's CPU time per checkout (utime +
// stime of /proc/<pid>/stat over the window, divided by the checkouts completed in it) and its
// peak RSS (VmHWM). After each level: orders in the database = orders the driver counted, and
// every variant's stock moved by exactly the units the driver sold of it (read through the
// API), so 2 x checkouts in all. Then the product-by-slug read at c=32 (p99).

import { Pool } from 'undici';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: process.env.BENCH_BASE ?? 'http://127.0.0.1:8095' },
    pid: { type: 'string', default: process.env.BENCH_PID ?? '' },
    db: { type: 'string', default: process.env.BENCH_DB ?? '' },
    levels: { type: 'string', default: process.env.BENCH_LEVELS ?? '1,8,32' },
    window: { type: 'string', default: process.env.BENCH_WINDOW ?? '30' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '5' },
    'global-warmup': { type: 'string', default: process.env.BENCH_GLOBAL_WARMUP ?? '15' },
    'read-window': { type: 'string', default: process.env.BENCH_READ_WINDOW ?? '20' },
    reads: { type: 'string', default: process.env.BENCH_READS ?? 'product' },
    perf: { type: 'boolean', default: process.env.BENCH_PERF === '1' },
  },
});
const BASE = opt.base.replace(/\/$/, '');
const PID = opt.pid ? Number(opt.pid) : null;
// The PostgreSQL server's own CPU per checkout (all `postgres` processes): --db postgres:… only.
const PG_CPU = (opt.db ?? '').startsWith('postgres:');
const WINDOW = Number(opt.window);
const WARMUP = Number(opt.warmup);
const GLOBAL_WARMUP = Number(opt['global-warmup']);
const READ_WINDOW = Number(opt['read-window']);
const LEVELS = opt.levels.split(',').filter(Boolean).map(Number);
const STOCK = 1_000_000; // BENCHMARK_STOCK of the storefront's --seed-benchmark
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const ADDRESS = {
  name: 'Client Test', line1: 'N° 1, Rue Test', line2: null, city: 'Rabat',
  postal_code: '10000', country: 'MA', phone: '0600000000',
};

// ---- the server process, from /proc ----
function cpuTicks() {
  if (!PID) return null;
  const stat = readFileSync(`/proc/${PID}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state (field 3).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime (14) + stime (15)
}
// CPU ticks of every `postgres` process on this machine (the database server's own CPU, with
// its backends; a backend that exits mid-window is missed, sqlx's pool keeps them open).
// With `pids`, only those processes (the backends serving the benchmark's database: other
// databases on a shared server, autovacuum and the like are left out).
function postgresTicks(pids = null) {
  let sum = 0;
  for (const d of pids ?? readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return sum;
}
// The pids of the backends connected to the benchmark's database (pg_stat_activity).
function benchBackends() {
  const url = opt.db.slice('postgres:'.length);
  const out = execFileSync('psql', [url, '-tAc', 'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()']).toString();
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}
function statusKiB(field) {
  if (!PID) return 0;
  const line = readFileSync(`/proc/${PID}/status`, 'utf8').split('\n').find((l) => l.startsWith(field + ':'));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}
function perfStat(seconds) {
  if (!opt.perf || !PID) return null;
  const child = spawn('perf', ['stat', '-x', ',', '-e', 'context-switches,task-clock', '-p', String(PID), '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
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

// ---- HTTP ----
class Failure extends Error {}
async function call(pool, method, path, body) {
  const res = await pool.request({
    method, path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new Failure(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
  }
  return text.length ? JSON.parse(text) : null;
}

async function catalog(pool) {
  const items = [];
  let after = null;
  for (;;) {
    const page = await call(pool, 'GET', `/api/v1/products?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const item of page.items) {
      if (!item.product.slug.startsWith('bench-')) continue;
      const v = item.variants[0];
      items.push({ slug: item.product.slug, variant: v.variant.id, available: v.availability.available });
    }
    if (!page.next) break;
    after = page.next;
  }
  items.sort((a, b) => (a.slug < b.slug ? -1 : 1));
  return items;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.round((sorted.length - 1) * p)] : NaN);
const ms = (x) => x.toFixed(2);

// ---- the checkout workload ----
const products = [];
const sold = { orders: 0, perVariant: [] };
let nextGuest = 0;
const runTag = Date.now().toString(36);

async function checkout(pool, a, b, guest, adds) {
  const cart = await call(pool, 'POST', '/api/v1/carts', {});
  const id = cart?.cart?.id;
  if (!id) throw new Failure('no cart id');
  const items = `/api/v1/carts/${id}/items`;
  let t = performance.now();
  await call(pool, 'POST', items, { variant_id: products[a].variant, quantity: 1 });
  adds.push(performance.now() - t);
  t = performance.now();
  await call(pool, 'POST', items, { variant_id: products[b].variant, quantity: 1 });
  adds.push(performance.now() - t);
  const quotes = await call(pool, 'POST', `/api/v1/carts/${id}/shipping-quotes`, ADDRESS);
  if (!Array.isArray(quotes) || quotes.length === 0) throw new Failure('no shipping quotes');
  for (const seller of quotes) {
    const option = seller.options?.[0];
    if (!option) throw new Failure(`no shipping option for seller ${seller.seller_id}`);
    await call(pool, 'POST', `/api/v1/carts/${id}/shipping`, {
      address: ADDRESS, seller_id: seller.seller_id, carrier: option.carrier, service: option.service,
    });
  }
  const placed = await call(pool, 'POST', '/api/v1/orders', {
    cart_id: id, email: `guest${guest}.${runTag}@example.ma`, address: ADDRESS, payment: 'cod',
  });
  const status = JSON.stringify(placed?.order?.status ?? null);
  if (!status.includes('placed') && !status.includes('confirmed')) throw new Failure(`order in state ${status}`);
}

async function checkouts(c, warmup, window) {
  const pool = new Pool(BASE, { connections: c, pipelining: 1, keepAliveTimeout: 60_000 });
  const n = products.length;
  const state = { measuring: false, stop: false };
  const out = { done: 0, failed: 0, whole: [], adds: [], firstError: null };
  const customer = async () => {
    while (!state.stop) {
      const guest = nextGuest++;
      const a = Math.floor(Math.random() * n);
      const b = (a + 1 + Math.floor(Math.random() * (n - 1))) % n;
      const adds = [];
      const t = performance.now();
      try {
        await checkout(pool, a, b, guest, adds);
        const took = performance.now() - t;
        sold.orders += 1;
        sold.perVariant[a] += 1;
        sold.perVariant[b] += 1;
        if (state.measuring && !state.stop) {
          out.done += 1;
          out.whole.push(took);
          out.adds.push(...adds);
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
  let cpu0 = null; let perf = null; let pg0 = null; let backends = null; let db0 = null;
  if (window > 0) {
    cpu0 = cpuTicks();
    pg0 = PG_CPU ? postgresTicks() : null;
    backends = PG_CPU ? benchBackends() : null;
    db0 = PG_CPU ? postgresTicks(backends) : null;
    perf = perfStat(window);
    state.measuring = true;
  }
  const t0 = performance.now();
  await sleep(window);
  state.stop = true;
  const cpu1 = cpuTicks();
  const pg1 = PG_CPU ? postgresTicks() : null;
  const db1 = PG_CPU ? postgresTicks(backends) : null;
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(tasks);
  await pool.close();
  out.whole.sort((x, y) => x - y);
  out.adds.sort((x, y) => x - y);
  out.cpuMs = cpu0 === null ? null : ((cpu1 - cpu0) * 1000) / CLK_TCK;
  out.pgMs = pg0 === null ? null : ((pg1 - pg0) * 1000) / CLK_TCK;
  out.dbMs = db0 === null ? null : ((db1 - db0) * 1000) / CLK_TCK;
  out.elapsed = elapsed;
  out.perf = perf ? await perf : null;
  return out;
}

function ordersInDatabase() {
  const db = opt.db;
  if (!db) return null;
  if (db.startsWith('sqlite:')) {
    const file = db.slice('sqlite:'.length);
    return Number(execFileSync('sqlite3', ['-readonly', file, "SELECT count(*) FROM docs WHERE kind = 'order'"]).toString().trim());
  }
  if (db.startsWith('postgres:')) {
    const url = db.slice('postgres:'.length);
    return Number(execFileSync('psql', [url, '-tAc', "SELECT count(*) FROM docs WHERE kind = 'order'"]).toString().trim());
  }
  throw new Error(`--db ${db}: sqlite:<file> or postgres:<url>`);
}

async function verify(pool) {
  const problems = [];
  const inDb = ordersInDatabase();
  if (inDb === null) problems.push('orders not counted (no --db)');
  else if (inDb !== sold.orders) problems.push(`${inDb} orders in the database, ${sold.orders} counted`);
  const now = await catalog(pool);
  let moved = 0;
  for (let i = 0; i < products.length; i++) {
    const m = STOCK - now[i].available;
    moved += m;
    if (now[i].slug !== products[i].slug) problems.push(`catalog changed at ${now[i].slug}`);
    else if (m !== sold.perVariant[i]) problems.push(`${products[i].slug}: stock moved ${m}, sold ${sold.perVariant[i]}`);
  }
  if (moved !== 2 * sold.orders) problems.push(`stock moved ${moved} units in all, 2 x ${sold.orders} orders = ${2 * sold.orders}`);
  return problems.length ? `MISMATCH ${problems.slice(0, 5).join('; ')}` : `exact (${inDb} orders, ${moved} units)`;
}

// ---- the read workload ----
async function reads(name, pathOf, c, warmup, window) {
  const pool = new Pool(BASE, { connections: c, pipelining: 1, keepAliveTimeout: 60_000 });
  const state = { measuring: false, stop: false };
  let ok = 0; let failed = 0; let i = 0; const lat = [];
  const reader = async () => {
    while (!state.stop) {
      const path = pathOf(i++);
      const t = performance.now();
      let good = true;
      try {
        const res = await pool.request({ method: 'GET', path });
        await res.body.dump();
        good = res.statusCode === 200;
      } catch { good = false; }
      if (state.measuring && !state.stop) {
        if (good) { ok += 1; lat.push(performance.now() - t); } else failed += 1;
      }
    }
  };
  const tasks = Array.from({ length: c }, reader);
  await sleep(warmup);
  const cpu0 = cpuTicks();
  state.measuring = true;
  await sleep(window);
  state.stop = true;
  const cpu1 = cpuTicks();
  await Promise.all(tasks);
  await pool.close();
  lat.sort((x, y) => x - y);
  const cpu = cpu0 === null ? '' : `, server CPU ${(((cpu1 - cpu0) * 1000) / CLK_TCK / Math.max(ok, 1) * 1000).toFixed(0)} µs/request`;
  console.log(`read ${name} c=${c}: ${(ok / window).toFixed(0)} req/s (${failed} failed), p50/p95/p99 ${ms(percentile(lat, 0.5))}/${ms(percentile(lat, 0.95))}/${ms(percentile(lat, 0.99))} ms${cpu}, server RSS ${(statusKiB('VmRSS') / 1024).toFixed(0)} MiB, peak ${(statusKiB('VmHWM') / 1024).toFixed(0)} MiB`);
}

async function main() {
  const admin = new Pool(BASE, { connections: 1 });
  products.push(...(await catalog(admin)));
  if (products.length !== 200) throw new Error(`expected the 200 products of --seed-benchmark, found ${products.length}`);
  for (const p of products) {
    if (p.available === undefined) throw new Error(`${p.slug}: stock not tracked`);
  }
  sold.perVariant = products.map((p) => STOCK - p.available); // earlier runs on this database
  sold.orders = ordersInDatabase() ?? 0;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`server ${BASE} pid ${PID ?? '-'}: idle RSS ${(statusKiB('VmRSS') / 1024).toFixed(0)} MiB; machine load average ${load}; window ${WINDOW}s, warm-up ${WARMUP}s`);
  if (GLOBAL_WARMUP > 0) {
    const w = await checkouts(8, GLOBAL_WARMUP, 0);
    if (w.failed) console.log(`warm-up failures: ${w.failed} (${w.firstError})`);
  }
  for (const c of LEVELS) {
    const o = await checkouts(c, WARMUP, WINDOW);
    const check = await verify(admin);
    const cpu = o.cpuMs === null ? 'n/a' : `${(o.cpuMs / Math.max(o.done, 1)).toFixed(2)} ms`;
    const perf = o.perf && o.perf['context-switches'] !== undefined
      ? `, perf: ${(o.perf['context-switches'] / Math.max(o.done, 1)).toFixed(1)} context switches and ${(o.perf['task-clock'] / Math.max(o.done, 1)).toFixed(2)} ms task-clock per checkout`
      : '';
    const pgCpu = o.pgMs === null ? '' : `, PostgreSQL CPU ${(o.pgMs / Math.max(o.done, 1)).toFixed(2)} ms/checkout (its backends for this database ${(o.dbMs / Math.max(o.done, 1)).toFixed(2)} ms)`;
    console.log(`c=${String(c).padStart(2)}: ${(o.done / o.elapsed).toFixed(1)} checkouts/s (${o.done} in ${o.elapsed.toFixed(1)}s, ${o.failed} failed${o.firstError ? `: ${o.firstError}` : ''}), checkout p50/p95/p99 ${ms(percentile(o.whole, 0.5))}/${ms(percentile(o.whole, 0.95))}/${ms(percentile(o.whole, 0.99))} ms, add-item p50/p99 ${ms(percentile(o.adds, 0.5))}/${ms(percentile(o.adds, 0.99))} ms, server CPU ${cpu}/checkout${pgCpu}${perf}, RSS ${(statusKiB('VmRSS') / 1024).toFixed(0)} MiB (peak ${(statusKiB('VmHWM') / 1024).toFixed(0)} MiB), verification: ${check}`);
  }
  const slugs = products.map((p) => p.slug);
  for (const name of opt.reads.split(',').filter(Boolean)) {
    if (name === 'product') {
      await reads('product', (i) => `/api/v1/products/${slugs[Math.floor(Math.random() * slugs.length)]}`, 32, 5, READ_WINDOW);
    } else if (name === 'list') {
      await reads('list', () => '/api/v1/products?limit=20', 32, 5, READ_WINDOW);
    } else if (name === 'page') {
      // The shop's HTML product page (issue 13's p99 < 10 ms at c=32), no cookie.
      await reads('page', (i) => `/products/${slugs[Math.floor(Math.random() * slugs.length)]}`, 32, 5, READ_WINDOW);
    }
  }
  await admin.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
