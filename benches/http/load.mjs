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
// A checkout is a new guest each time, 5-6 requests: create the cart holding variant A (the
// workload's first step, "add variant A (creates the cart)", in one request: `POST
// /api/v1/carts` with `{"item": …}`), add variant B != A (random among the 200), list the
// shipping options for a Moroccan address (each guest's own: address.mjs),
// choose the first option of each seller (1 or 2 requests; this also sets the address), place
// the order with the guest's e-mail and cash on delivery, which must answer the order placed.
// BENCH_EMPTY_CART=1 creates the cart empty, then adds A (one request more: the requests of
// the runs up to 2026-12-06's step 45).
// Closed loop: c virtual customers, no think time, each on its own connection (driver.mjs,
// shared with vendure.mjs, which runs the same workload against Vendure for side_by_side.sh).
//
// Printed per level: checkouts/s in the window, failures (with the first error), p50/p95/p99
// of whole checkouts and of add-item requests (the cart's creation with A counts as one), the server's CPU time per checkout (utime +
// stime of /proc/<pid>/stat over the window, divided by the checkouts completed in it) and its
// peak RSS (VmHWM). After each level: orders in the database = orders the driver counted, and
// every variant's stock moved by exactly the units the driver sold of it (read through the
// API), so 2 x checkouts in all. Then the product-by-slug read at c=32 (p99).
// BENCH_STEPS=1 adds, per level, each request's p50/p90/p99 in the window (the cart made with
// A, B added, the quotes, each seller's shipping choice, the order placed): where a checkout's
// time goes. Off by default, so the default runs time nothing more.

import { Pool } from 'undici';
import { addressFor } from './address.mjs';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  CLK_TCK, Failure, closedLoop, idleLine, levelLine, ms, parseOptions, percentile, readLoop,
} from './driver.mjs';

const { opt, BASE, PID, WINDOW, WARMUP, GLOBAL_WARMUP, READ_WINDOW, LEVELS } = parseOptions('http://127.0.0.1:8095', {
  reads: { type: 'string', default: process.env.BENCH_READS ?? 'product' },
});
// The PostgreSQL server's own CPU per checkout (all `postgres` processes): --db postgres:… only.
const PG_CPU = (opt.db ?? '').startsWith('postgres:');
const STOCK = 1_000_000; // BENCHMARK_STOCK of the storefront's --seed-benchmark


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

// ---- HTTP ----
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

// ---- the checkout workload ----
const products = [];
const sold = { orders: 0, perVariant: [] };
let nextGuest = 0;
const runTag = Date.now().toString(36);

const EMPTY_CART = process.env.BENCH_EMPTY_CART === '1';
const STEPS = process.env.BENCH_STEPS === '1';

async function checkout(pool, a, b, guest, adds, steps) {
  let t = performance.now();
  // The time since `t0` as the step `name`'s, when BENCH_STEPS=1.
  const step = STEPS ? (name, t0) => (steps[name] ??= []).push(performance.now() - t0) : () => {};
  const first = { variant_id: products[a].variant, quantity: 1 };
  const cart = await call(pool, 'POST', '/api/v1/carts', EMPTY_CART ? {} : { item: first });
  step('cart', t);
  const id = cart?.cart?.id;
  if (!id) throw new Failure('no cart id');
  const items = `/api/v1/carts/${id}/items`;
  if (EMPTY_CART) {
    t = performance.now();
    await call(pool, 'POST', items, first);
  }
  adds.push(performance.now() - t);
  t = performance.now();
  await call(pool, 'POST', items, { variant_id: products[b].variant, quantity: 1 });
  adds.push(performance.now() - t);
  step('add', t);
  const address = addressFor(guest);
  t = performance.now();
  const quotes = await call(pool, 'POST', `/api/v1/carts/${id}/shipping-quotes`, address);
  step('quotes', t);
  if (!Array.isArray(quotes) || quotes.length === 0) throw new Failure('no shipping quotes');
  for (const seller of quotes) {
    const option = seller.options?.[0];
    if (!option) throw new Failure(`no shipping option for seller ${seller.seller_id}`);
    t = performance.now();
    await call(pool, 'POST', `/api/v1/carts/${id}/shipping`, {
      address: address, seller_id: seller.seller_id, carrier: option.carrier, service: option.service,
    });
    step('shipping', t);
  }
  t = performance.now();
  const placed = await call(pool, 'POST', '/api/v1/orders', {
    cart_id: id, email: `guest${guest}.${runTag}@example.ma`, address: address, payment: 'cod',
  });
  step('place', t);
  const status = JSON.stringify(placed?.order?.status ?? null);
  if (!status.includes('placed') && !status.includes('confirmed')) throw new Failure(`order in state ${status}`);
}

/** BENCH_STEPS=1's line: each request's p50/p90/p99 (ms) over the window, and its count. */
function stepsLine(c, steps) {
  const parts = ['cart', 'add', 'quotes', 'shipping', 'place'].map((name) => {
    const v = (steps[name] ?? []).sort((x, y) => x - y);
    const q = (p) => ms(percentile(v, p));
    return `${name} ${q(0.5)}/${q(0.9)}/${q(0.99)} (${v.length})`;
  });
  return `steps c=${String(c).padStart(2)}, p50/p90/p99 ms (count): ${parts.join(', ')}`;
}

async function checkouts(c, warmup, window) {
  const n = products.length;
  const pg = { pg0: null, pg1: null, db0: null, db1: null };
  const out = await closedLoop({
    base: BASE, pid: PID, perf: opt.perf, c, warmup, window,
    checkout: async (pool, adds, steps) => {
      const guest = nextGuest++;
      const a = Math.floor(Math.random() * n);
      const b = (a + 1 + Math.floor(Math.random() * (n - 1))) % n;
      await checkout(pool, a, b, guest, adds, steps);
      sold.orders += 1;
      sold.perVariant[a] += 1;
      sold.perVariant[b] += 1;
    },
    onWindow: PG_CPU ? () => {
      pg.pg0 = postgresTicks();
      const backends = benchBackends();
      pg.db0 = postgresTicks(backends);
      return () => { pg.pg1 = postgresTicks(); pg.db1 = postgresTicks(backends); };
    } : undefined,
  });
  out.pgMs = pg.pg0 === null ? null : ((pg.pg1 - pg.pg0) * 1000) / CLK_TCK;
  out.dbMs = pg.db0 === null ? null : ((pg.db1 - pg.db0) * 1000) / CLK_TCK;
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
function reads(name, pathOf, c, warmup, window) {
  return readLoop({
    base: BASE, pid: PID, name, c, warmup, window,
    request: async (pool, i) => {
      const res = await pool.request({ method: 'GET', path: pathOf(i) });
      await res.body.dump();
      return res.statusCode === 200;
    },
  });
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
  console.log(idleLine(BASE, PID, WINDOW, WARMUP));
  if (GLOBAL_WARMUP > 0) {
    const w = await checkouts(8, GLOBAL_WARMUP, 0);
    if (w.failed) console.log(`warm-up failures: ${w.failed} (${w.firstError})`);
  }
  for (const c of LEVELS) {
    const o = await checkouts(c, WARMUP, WINDOW);
    const check = await verify(admin);
    const pgCpu = o.pgMs === null ? '' : `, PostgreSQL CPU ${(o.pgMs / Math.max(o.done, 1)).toFixed(2)} ms/checkout (its backends for this database ${(o.dbMs / Math.max(o.done, 1)).toFixed(2)} ms)`;
    console.log(levelLine(c, o, PID, check, pgCpu));
    if (STEPS) console.log(stepsLine(c, o.steps));
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
