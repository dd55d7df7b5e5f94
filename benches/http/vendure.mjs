// The checkout workload of shared/bench/CHECKOUT-WORKLOAD.md against Vendure 3.7.3's Shop API
// (GraphQL), with the same closed loop, options and output lines as load.mjs (driver.mjs holds
// what they share), so side_by_side.sh can put the two servers' figures in one table.
//
//   node vendure.mjs --base http://127.0.0.1:3095 --pid <Vendure's node pid> --db sqlite:/path/vendure.db
//
// The server is benches/http/vendure/server.mjs on a database made by vendure/seed.mjs (200
// products bench-000..bench-199, one variant each, 1,000,000 in stock, Morocco, a flat shipping
// method, a payment method on Vendure's dummy handler that settles at once). Options (also as
// BENCH_* variables) as load.mjs: --levels 1,8,32 --window 30 --warmup 5 --global-warmup 15
// --read-window 20 --reads product[,list] --perf --db sqlite:<Vendure's database file>.
//
// A checkout is a new guest each time (no session token: Vendure opens an anonymous session and
// returns its bearer token in `vendure-auth-token`), 8 requests: addItemToOrder variant A,
// addItemToOrder variant B != A (random among the 200), setCustomerForOrder (a unique e-mail),
// setOrderShippingAddress (Rabat, MA), eligibleShippingMethods, setOrderShippingMethod (the
// first), transitionOrderToState(ArrangingPayment), addPaymentToOrder, which must answer the
// order in state PaymentSettled. Any GraphQL error, error result or other state is a failure.
//
// Verification after each level, in Vendure's database: orders placed (orderPlacedAt set) =
// orders the driver counted, all of them PaymentSettled, and every variant's stockAllocated
// grew by exactly the units the driver sold of it, so 2 x checkouts in all.

import { Pool } from 'undici';
import { execFileSync } from 'node:child_process';
import { Failure, closedLoop, idleLine, levelLine, parseOptions, readLoop } from './driver.mjs';

const { opt, BASE, PID, WINDOW, WARMUP, GLOBAL_WARMUP, READ_WINDOW, LEVELS } = parseOptions('http://127.0.0.1:3095', {
  reads: { type: 'string', default: process.env.BENCH_READS ?? 'product' },
});
const SHOP = '/shop-api';
const PAYMENT_METHOD = 'paiement-immediat'; // seed.mjs's payment method (dummy handler, settles)
const ADDRESS = {
  fullName: 'Client Test', streetLine1: 'N° 1, Rue Test', city: 'Rabat',
  postalCode: '10000', countryCode: 'MA', phoneNumber: '0600000000',
};

// ---- GraphQL over undici ----
/** One GraphQL request; returns [data, the session token Vendure sent back (or the one given)]. */
async function gql(pool, token, query, variables = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await pool.request({ method: 'POST', path: SHOP, headers, body: JSON.stringify({ query, variables }) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Failure(`${res.statusCode} ${text.slice(0, 300)}`);
  const body = JSON.parse(text);
  if (body.errors?.length) throw new Failure(`GraphQL: ${body.errors[0].message}`);
  return [body.data, res.headers['vendure-auth-token'] ?? token];
}
/** The field's value when it is the expected type, else a Failure with Vendure's error result. */
function expect(data, field, typename) {
  const v = data?.[field];
  if (!v || v.__typename !== typename) {
    throw new Failure(`${field}: ${v?.__typename ?? 'null'} ${v?.errorCode ?? ''} ${v?.message ?? ''}`.trim());
  }
  return v;
}

const ORDER = '__typename ... on Order { id code state totalQuantity subTotalWithTax shippingWithTax totalWithTax } ... on ErrorResult { errorCode message }';
const ADD_ITEM = `mutation($v: ID!) { addItemToOrder(productVariantId: $v, quantity: 1) { ${ORDER} } }`;
const SET_CUSTOMER = `mutation($input: CreateCustomerInput!) { setCustomerForOrder(input: $input) { ${ORDER} } }`;
const SET_ADDRESS = `mutation($input: CreateAddressInput!) { setOrderShippingAddress(input: $input) { ${ORDER} } }`;
const SHIPPING_METHODS = 'query { eligibleShippingMethods { id code name priceWithTax } }';
const SET_SHIPPING = `mutation($id: [ID!]!) { setOrderShippingMethod(shippingMethodId: $id) { ${ORDER} } }`;
const TRANSITION = `mutation { transitionOrderToState(state: "ArrangingPayment") { ${ORDER} ... on OrderStateTransitionError { transitionError } } }`;
const PAY = `mutation($input: PaymentInput!) { addPaymentToOrder(input: $input) { ${ORDER} } }`;

async function catalog(pool) {
  const items = [];
  for (let skip = 0; ; skip += 100) {
    const [data] = await gql(pool, null, 'query($skip: Int!) { products(options: { take: 100, skip: $skip }) { totalItems items { slug variants { id } } } }', { skip });
    for (const p of data.products.items) {
      if (p.slug.startsWith('bench-')) items.push({ slug: p.slug, variant: String(p.variants[0].id) });
    }
    if (skip + 100 >= data.products.totalItems) break;
  }
  items.sort((a, b) => (a.slug < b.slug ? -1 : 1));
  return items;
}

// ---- the checkout workload ----
const products = [];
const sold = { orders: 0, perVariant: [] };
let nextGuest = 0;
const runTag = Date.now().toString(36);

async function checkout(pool, a, b, guest, adds) {
  let t = performance.now();
  let [data, token] = await gql(pool, null, ADD_ITEM, { v: products[a].variant });
  adds.push(performance.now() - t);
  expect(data, 'addItemToOrder', 'Order');
  if (!token) throw new Failure('no vendure-auth-token');
  t = performance.now();
  [data, token] = await gql(pool, token, ADD_ITEM, { v: products[b].variant });
  adds.push(performance.now() - t);
  if (expect(data, 'addItemToOrder', 'Order').totalQuantity !== 2) throw new Failure('cart does not hold 2 items');
  [data, token] = await gql(pool, token, SET_CUSTOMER, {
    input: { emailAddress: `guest${guest}.${runTag}@example.ma`, firstName: 'Client', lastName: `Test ${guest}` },
  });
  expect(data, 'setCustomerForOrder', 'Order');
  [data, token] = await gql(pool, token, SET_ADDRESS, { input: ADDRESS });
  expect(data, 'setOrderShippingAddress', 'Order');
  [data, token] = await gql(pool, token, SHIPPING_METHODS);
  const method = data.eligibleShippingMethods?.[0];
  if (!method) throw new Failure('no eligible shipping method');
  [data, token] = await gql(pool, token, SET_SHIPPING, { id: [method.id] });
  expect(data, 'setOrderShippingMethod', 'Order');
  [data, token] = await gql(pool, token, TRANSITION);
  const arranging = expect(data, 'transitionOrderToState', 'Order');
  if (arranging.state !== 'ArrangingPayment') throw new Failure(`order in state ${arranging.state}`);
  [data, token] = await gql(pool, token, PAY, { input: { method: PAYMENT_METHOD, metadata: {} } });
  const paid = expect(data, 'addPaymentToOrder', 'Order');
  if (paid.state !== 'PaymentSettled') throw new Failure(`order in state ${paid.state}`);
}

async function checkouts(c, warmup, window) {
  const n = products.length;
  return closedLoop({
    base: BASE, pid: PID, perf: opt.perf, c, warmup, window,
    checkout: async (pool, adds) => {
      const guest = nextGuest++;
      const a = Math.floor(Math.random() * n);
      const b = (a + 1 + Math.floor(Math.random() * (n - 1))) % n;
      await checkout(pool, a, b, guest, adds);
      sold.orders += 1;
      sold.perVariant[a] += 1;
      sold.perVariant[b] += 1;
    },
  });
}

// ---- Vendure's database ----
function sql(query) {
  if (!opt.db.startsWith('sqlite:')) throw new Error(`--db ${opt.db}: sqlite:<Vendure's database file>`);
  return execFileSync('sqlite3', ['-readonly', opt.db.slice('sqlite:'.length), query]).toString().trim();
}
/** Orders placed and how many of them are not PaymentSettled, or null without --db. */
function ordersInDatabase() {
  if (!opt.db) return null;
  const [placed, other] = sql(`SELECT count(*), coalesce(sum(state <> 'PaymentSettled'), 0) FROM "order" WHERE orderPlacedAt IS NOT NULL`).split('|').map(Number);
  return { placed, other };
}
/** stockAllocated per variant id (summed over stock locations), or null without --db. */
function allocated() {
  if (!opt.db) return null;
  const out = new Map();
  for (const line of sql('SELECT productVariantId, sum(stockAllocated) FROM stock_level GROUP BY productVariantId').split('\n')) {
    const [id, n] = line.split('|');
    out.set(id, Number(n));
  }
  return out;
}

function verify() {
  const inDb = ordersInDatabase();
  if (inDb === null) return 'MISMATCH orders and stock not counted (no --db)';
  const problems = [];
  if (inDb.placed !== sold.orders) problems.push(`${inDb.placed} orders in the database, ${sold.orders} counted`);
  if (inDb.other) problems.push(`${inDb.other} placed orders not PaymentSettled`);
  const now = allocated();
  let moved = 0;
  for (let i = 0; i < products.length; i++) {
    const m = now.get(products[i].variant) ?? 0;
    moved += m;
    if (m !== sold.perVariant[i]) problems.push(`${products[i].slug}: ${m} allocated, sold ${sold.perVariant[i]}`);
  }
  if (moved !== 2 * sold.orders) problems.push(`stock allocated ${moved} units in all, 2 x ${sold.orders} orders = ${2 * sold.orders}`);
  return problems.length ? `MISMATCH ${problems.slice(0, 5).join('; ')}` : `exact (${inDb.placed} orders, ${moved} units)`;
}

// ---- the read workload (Shop API queries a storefront's list and product pages make) ----
const LIST = 'query { products(options: { take: 20 }) { items { id name slug featuredAsset { preview } variants { id name sku priceWithTax currencyCode stockLevel } } } }';
const PRODUCT = 'query($slug: String!) { product(slug: $slug) { id name slug description variants { id name sku priceWithTax currencyCode stockLevel } } }';
function reads(name, query, variablesOf, c, warmup, window) {
  return readLoop({
    base: BASE, pid: PID, name, c, warmup, window,
    request: async (pool, i) => {
      const res = await pool.request({
        method: 'POST', path: SHOP, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: variablesOf(i) }),
      });
      const body = await res.body.json();
      return res.statusCode === 200 && !body.errors && body.data !== null;
    },
  });
}

async function main() {
  const admin = new Pool(BASE, { connections: 1 });
  products.push(...(await catalog(admin)));
  if (products.length !== 200) throw new Error(`expected the 200 products of vendure/seed.mjs, found ${products.length}`);
  const before = allocated(); // earlier runs on this database
  sold.perVariant = products.map((p) => before?.get(p.variant) ?? 0);
  sold.orders = ordersInDatabase()?.placed ?? 0;
  console.log(idleLine(BASE, PID, WINDOW, WARMUP));
  if (GLOBAL_WARMUP > 0) {
    const w = await checkouts(8, GLOBAL_WARMUP, 0);
    if (w.failed) console.log(`warm-up failures: ${w.failed} (${w.firstError})`);
  }
  for (const c of LEVELS) {
    const o = await checkouts(c, WARMUP, WINDOW);
    console.log(levelLine(c, o, PID, verify()));
  }
  const slugs = products.map((p) => p.slug);
  for (const name of opt.reads.split(',').filter(Boolean)) {
    if (name === 'product') {
      await reads('product', PRODUCT, () => ({ slug: slugs[Math.floor(Math.random() * slugs.length)] }), 32, 5, READ_WINDOW);
    } else if (name === 'list') {
      await reads('list', LIST, () => ({}), 32, 5, READ_WINDOW);
    } else {
      throw new Error(`--reads ${name}: product or list against Vendure`);
    }
  }
  await admin.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
