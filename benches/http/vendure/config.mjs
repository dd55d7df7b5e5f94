// Vendure 3.7.3 configured for the side-by-side checkout benchmark (shared by server.mjs and
// seed.mjs). Only this configuration is ours; Vendure itself is installed from npm into a folder
// outside the repository (see side_by_side.sh). Choices, all in Vendure's favour or neutral:
// no plugins (no search index, no job-queue polling, no e-mail, no asset server), the in-memory
// job queue, logs at warning level, GraphQL playgrounds and debug off, SQLite through
// better-sqlite3 in WAL mode (SQLite's default synchronous level in WAL mode, FULL), bearer
// session tokens (a guest's session comes back in the `vendure-auth-token` header).
import { DefaultLogger, LogLevel, dummyPaymentHandler } from '@vendure/core';

// No telemetry: this machine reaches only loopback and package registries, and a benchmark server
// sends nothing out.
process.env.VENDURE_DISABLE_TELEMETRY = 'true';

/**
 * The VendureConfig for a database file and a port; `seeding` lets TypeORM create the schema.
 * @param {{ database: string, port: number, seeding?: boolean }} options
 */
export function vendureConfig({ database, port, seeding = false }) {
  return {
    apiOptions: {
      hostname: '127.0.0.1',
      port,
      adminApiPath: 'admin-api',
      shopApiPath: 'shop-api',
      adminApiPlayground: false,
      shopApiPlayground: false,
      adminApiDebug: false,
      shopApiDebug: false,
    },
    authOptions: {
      tokenMethod: 'bearer',
      // Not the default password: Vendure refuses to start with it under NODE_ENV=production.
      superadminCredentials: { identifier: 'superadmin', password: 'bench-only-not-secret' },
    },
    dbConnectionOptions: {
      type: 'better-sqlite3',
      database,
      enableWAL: true,
      synchronize: seeding,
      logging: false,
    },
    // Vendure's own stub handler: with automaticSettle it settles the payment at once, so the
    // order ends in PaymentSettled (stock allocated), like a confirmed cash-on-delivery order.
    paymentOptions: { paymentMethodHandlers: [dummyPaymentHandler] },
    logger: new DefaultLogger({ level: LogLevel.Warn }),
  };
}
