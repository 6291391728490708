/**
 * Where the gateway's database is: DATABASE_URL when given, else the embedded PostgreSQL in the data folder:
 * started here, or, when a running `npm start` already runs it, reached on the port its postmaster.pid records.
 */
import { basename } from 'node:path';
import type { DatabaseConfig } from '../config';
import { startEmbeddedPostgres } from './embedded';

export { EmbeddedPostgresError } from './embedded';

export interface DatabaseLocation {
  url: string;
  /** True when the database is the embedded PostgreSQL (started here or attached to). */
  embedded: boolean;
  /** True when another process runs the embedded server (stop() leaves it running). */
  attached: boolean;
  /** The embedded server's port (null for DATABASE_URL). */
  port: number | null;
  stop(): Promise<void>;
}

export interface LocateOptions {
  /** Progress lines for a person watching (first-run initialisation, start, attach). */
  onProgress?: (line: string) => void;
  /** Refuse a data folder whose server another live process runs (a second `npm start`). */
  exclusive?: boolean;
}

export async function locateDatabase(
  settings: DatabaseConfig,
  onLog?: (line: string) => void,
  options: LocateOptions = {},
): Promise<DatabaseLocation> {
  if (settings.url) return { url: settings.url, embedded: false, attached: false, port: null, stop: async () => undefined };
  const cluster = await startEmbeddedPostgres({
    dataDir: settings.embeddedDir,
    port: settings.embeddedPort,
    onLog,
    onProgress: options.onProgress,
    exclusive: options.exclusive,
    owner: whoAmI(),
  });
  return { url: cluster.url, embedded: true, attached: cluster.attached, port: cluster.port, stop: () => cluster.stop() };
}

/** How another process names this one when it finds the data folder busy: "npm start", "npm run migrate", ... */
function whoAmI(): string {
  const script = process.env.npm_lifecycle_event;
  if (script) return script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`;
  return `node ${basename(process.argv[1] ?? 'process')}`;
}
