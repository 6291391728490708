/**
 * The TypeORM DataSource and the migration helpers. The schema comes from migrations alone:
 * synchronize and migrationsRun stay off, and nothing installs extensions behind our back.
 */
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from '../../migrations';

export const MIGRATIONS_TABLE = 'schema_migrations';

export interface DataSourceOptions {
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell which process holds a connection. */
  applicationName?: string;
}

/**
 * The gateway's pool: 10 connections, more when the sync runs many rounds at once (SYNC_CONCURRENCY). A round
 * holds one connection while it runs and up to three while a delta round stages both streams' pages (one more,
 * briefly, for its work after the commit); four more serve requests. Pure, for its table of tests.
 */
export function gatewayPoolSize(sync: { enabled: boolean; concurrency: number }): number {
  return sync.enabled ? Math.max(10, 4 + 3 * sync.concurrency) : 10;
}

export function createDataSource(url: string, opts: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // TypeORM would otherwise try CREATE EXTENSION "uuid-ossp" for uuid primary keys; the migrations use the
    // built-in gen_random_uuid() instead, and a least-privilege database user may not create extensions.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'entra-gateway',
    logging: false,
  });
}

/** Applies every pending migration, each in its own transaction; returns the names applied. */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const applied = await ds.runMigrations({ transaction: 'each' });
  return applied.map((migration) => migration.name);
}

/** Names of the known migrations not yet applied to the database, oldest first. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const known = ds.migrations.map((migration) => migration.name ?? migration.constructor.name);
  const [{ exists }] = await ds.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [MIGRATIONS_TABLE]);
  if (!exists) return known;
  const rows: Array<{ name: string }> = await ds.query(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  const applied = new Set(rows.map((row) => row.name));
  return known.filter((name) => !applied.has(name));
}
