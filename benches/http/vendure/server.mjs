// Starts Vendure on a seeded SQLite file (seed.mjs makes it):
//   node server.mjs <database file> <port>
// Run from the folder Vendure is installed in (side_by_side.sh copies this file there).
import { bootstrap } from '@vendure/core';
import { vendureConfig } from './config.mjs';

const [database, port] = process.argv.slice(2);
if (!database || !port) {
  console.error('usage: node server.mjs <database file> <port>');
  process.exit(2);
}
process.env.NODE_ENV ??= 'production';
bootstrap(vendureConfig({ database, port: Number(port) })).catch((e) => {
  console.error(e);
  process.exit(1);
});
