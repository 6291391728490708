/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded PostgreSQL in
 * EMBEDDED_PG_DIR when DATABASE_URL is unset (the same database `npm start` would use: while a gateway runs, the
 * server it started; otherwise one started for the run and stopped after).
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logging';
import { createDataSource, runMigrations } from './data-source';
import { EmbeddedPostgresError, locateDatabase } from './database';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.server.logLevel });
  const database = await locateDatabase(config.database);
  const dataSource = createDataSource(database.url, { applicationName: 'entra-gateway-migrate' });
  try {
    await dataSource.initialize();
    const applied = await runMigrations(dataSource);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'no pending migrations');
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  const expected = error instanceof ConfigError || error instanceof EmbeddedPostgresError;
  process.stderr.write(`${expected ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
