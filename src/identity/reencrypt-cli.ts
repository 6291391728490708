/**
 * `node dist/src/identity/reencrypt-cli.js`: after a key rotation (new key first in ENCRYPTION_KEYS, old keys
 * still listed), rewrites every stored token cache under the current key. Exit code 1 if any row failed;
 * rerun after fixing the keys. Old keys can be dropped from ENCRYPTION_KEYS once a run reports no failures.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig, loadOrCreateDevelopmentKeys } from '../config';
import { locateDatabase } from '../db/database';
import { createDataSource } from '../db/data-source';
import { createLogger } from '../logging';
import { encryptorFromKeys } from './encryption';
import { reencryptAll } from './reencrypt';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.server.logLevel });
  const keys = config.encryption.keys ?? (await loadOrCreateDevelopmentKeys(config.runtime.dataDir)).keys;
  const encryptor = encryptorFromKeys(keys);
  const database = await locateDatabase(config.database);
  const dataSource = createDataSource(database.url, { applicationName: 'entra-gateway-reencrypt' });
  try {
    await dataSource.initialize();
    const report = await reencryptAll(dataSource, encryptor);
    logger.info(
      { currentKeyVersion: encryptor.currentVersion, reencrypted: report.reencrypted, raced: report.raced },
      'token caches re-encrypted',
    );
    for (const failure of report.failed) logger.error(failure, 'token cache left under its old key');
    return report.failed.length === 0 ? 0 : 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error);
    process.stderr.write(`${text}\n`);
    process.exit(1);
  },
);
