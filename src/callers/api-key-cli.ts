/**
 * `npm run api-key -- create|list|revoke ...`: manages API keys straight in the database (DATABASE_URL, or the
 * embedded PostgreSQL `npm start` uses), applying pending migrations first. Prints a new key once, on stdout.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { createDataSource, runMigrations } from '../db/data-source';
import { locateDatabase } from '../db/database';
import { GatewayError } from '../core/errors';
import { ApiKeyService } from './api-key.service';
import { API_KEY_USAGE, parseApiKeyCommand, runApiKeyCommand, UsageError } from './api-key-command';

async function main(argv: readonly string[]): Promise<void> {
  const command = parseApiKeyCommand(argv);
  const config = loadConfig(process.env);
  const database = await locateDatabase(config.database);
  const dataSource = createDataSource(database.url, { poolSize: 2, applicationName: 'entra-gateway-api-key' });
  try {
    await dataSource.initialize();
    const applied = await runMigrations(dataSource);
    if (applied.length > 0) process.stderr.write(`applied ${applied.length} pending migration(s)\n`);
    await runApiKeyCommand(command, new ApiKeyService(dataSource), {
      out: (line) => process.stdout.write(`${line}\n`),
      info: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Expected failures print their message only; anything else its stack, to help whoever reports it.
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n${API_KEY_USAGE}\n`);
  else if (error instanceof ConfigError || error instanceof GatewayError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
