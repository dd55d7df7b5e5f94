// A fixed number of checkouts, one after the other (c = 1), against a running storefront
// started with --seed-benchmark: for counting what one checkout costs the server where time
// is no measure (instructions under `valgrind --tool=callgrind`, SQL statements in a log).
//
//   node count.mjs --base http://127.0.0.1:8095 --checkouts 50 [--pages 0] [--ids FILE]
//
// The workload is load.mjs's (a new guest each time: create the cart holding A, add B != A,
// shipping quotes for a Moroccan address, choose each seller's first option, place with cash
// on delivery), with fixed variants (bench-000 + bench-001, then bench-002 + bench-003, ...) so
// two runs do the same work. With --pages N it then reads N HTML product pages
// (`/products/bench-NNN`, no cookie). Prints what it did; the caller reads the counters.
// With --ids FILE the 200 variant ids are read from FILE when it exists (else read from the
// API and written there), so a counted run makes no catalog reads of its own. Each checkout
// ships to its own address (address.mjs), numbered from --first N (default 0): a counted run
// after a warm-up starts past the warm-up's addresses. BENCH_EMPTY_CART=1: the cart is created
// empty, then A added (the requests up to 2026-12-06's step 45, one more per checkout).

import { Pool } from 'undici';
import { addressFor } from './address.mjs';
import { parseArgs } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8095' },
    checkouts: { type: 'string', default: '50' },
    pages: { type: 'string', default: '0' },
    ids: { type: 'string', default: '' },
    first: { type: 'string', default: '0' },
  },
});
const pool = new Pool(opt.base, { connections: 1, pipelining: 1 });

async function call(method, path, body) {
  const res = await pool.request({
    method, path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
  return text.length ? JSON.parse(text) : null;
}

let variants = [];
if (opt.ids && existsSync(opt.ids)) {
  variants = JSON.parse(readFileSync(opt.ids, 'utf8'));
} else {
  for (let i = 0; i < 200; i++) {
    const p = await call('GET', `/api/v1/products/bench-${String(i).padStart(3, '0')}`);
    variants.push(p.variants[0].variant.id);
  }
  if (opt.ids) writeFileSync(opt.ids, JSON.stringify(variants));
}
const EMPTY_CART = process.env.BENCH_EMPTY_CART === '1';
const tag = Date.now().toString(36);
const n = Number(opt.checkouts);
let requests = 0;
const first = Number(opt.first);
if (!Number.isSafeInteger(first) || first < 0) {
  console.error(`--first ${opt.first}: a whole number >= 0 (the first checkout's address number)`);
  process.exit(2);
}
for (let i = 0; i < n; i++) {
  const address = addressFor(first + i);
  const a = (2 * i) % 200;
  const b = (2 * i + 1) % 200;
  let cart;
  if (EMPTY_CART) {
    cart = await call('POST', '/api/v1/carts', {});
    await call('POST', `/api/v1/carts/${cart.cart.id}/items`, { variant_id: variants[a], quantity: 1 });
    requests += 1;
  } else {
    cart = await call('POST', '/api/v1/carts', { item: { variant_id: variants[a], quantity: 1 } });
  }
  await call('POST', `/api/v1/carts/${cart.cart.id}/items`, { variant_id: variants[b], quantity: 1 });
  const quotes = await call('POST', `/api/v1/carts/${cart.cart.id}/shipping-quotes`, address);
  requests += 3;
  for (const seller of quotes) {
    const option = seller.options[0];
    await call('POST', `/api/v1/carts/${cart.cart.id}/shipping`, {
      address: address, seller_id: seller.seller_id, carrier: option.carrier, service: option.service,
    });
    requests += 1;
  }
  const placed = await call('POST', '/api/v1/orders', {
    cart_id: cart.cart.id, email: `count${i}.${tag}@example.ma`, address: address, payment: 'cod',
  });
  requests += 1;
  if (!JSON.stringify(placed.order.status).match(/placed|confirmed/)) throw new Error('not placed');
}
const pages = Number(opt.pages);
for (let i = 0; i < pages; i++) {
  const res = await pool.request({ method: 'GET', path: `/products/bench-${String(i % 200).padStart(3, '0')}` });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`page: ${res.statusCode}`);
}
console.log(`${n} checkouts (${requests} requests), ${pages} product pages`);
await pool.close();
