// Makes a Vendure SQLite database for the checkout workload (shared/bench/CHECKOUT-WORKLOAD.md):
//   node seed.mjs <database file>
// Morocco (zone Africa, the default zone) with a 20 % tax rate, one shipping method for it
// (30.00 flat), a payment method on Vendure's dummy handler that settles at once, and 200
// products bench-000..bench-199 with one variant each (prices 49.00..2,039.00 in MAD-like
// amounts; the channel's currency code stays Vendure's default), 1,000,000 in stock each,
// imported through Vendure's own CSV importer. Run from the folder Vendure is installed in.
import { writeFileSync, rmSync } from 'node:fs';
import { bootstrap, dummyPaymentHandler, LanguageCode } from '@vendure/core';
import { populate } from '@vendure/core/cli/index.js';
import { vendureConfig } from './config.mjs';

const [database] = process.argv.slice(2);
if (!database) {
  console.error('usage: node seed.mjs <database file>');
  process.exit(2);
}
/** Units in stock of each variant (never runs out in a bounded run). */
const STOCK = 1_000_000;

const initialData = {
  defaultLanguage: LanguageCode.fr,
  defaultZone: 'Africa',
  taxRates: [{ name: 'Standard Tax', percentage: 20 }],
  shippingMethods: [{ name: 'Livraison Maroc', price: 3000 }],
  paymentMethods: [{
    name: 'Paiement immediat',
    handler: { code: dummyPaymentHandler.code, arguments: [{ name: 'automaticSettle', value: 'true' }] },
  }],
  countries: [{ name: 'Maroc', code: 'MA', zone: 'Africa' }],
  collections: [],
};

const header = 'name,slug,description,assets,facets,optionGroups,optionValues,sku,price,taxCategory,stockOnHand,trackInventory,variantAssets,variantFacets';
const rows = [header];
for (let i = 0; i < 200; i++) {
  const n = String(i).padStart(3, '0');
  const price = (49 + i * 10).toFixed(2); // major units; the importer stores minor units
  rows.push(`Produit ${n},bench-${n},Produit de test ${n},,,,,BENCH-${n},${price},Standard Tax,${STOCK},true,,`);
}
const csv = `${database}.products.csv`;
writeFileSync(csv, rows.join('\n') + '\n');

process.env.NODE_ENV ??= 'production';
const config = vendureConfig({ database, port: 3999, seeding: true });
const app = await populate(() => bootstrap(config), initialData, csv);
rmSync(csv);
await app.close();
console.log(`seeded ${database}`);
process.exit(0);
