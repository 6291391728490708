/**
 * Where the gateway's database is: DATABASE_URL when given, else an embedded PostgreSQL in the data folder.
 */
import type { DatabaseConfig } from '../config';
import { startEmbeddedPostgres } from './embedded';

export interface DatabaseLocation {
  url: string;
  /** True when this process started an embedded PostgreSQL (and stop() stops it). */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function locateDatabase(
  settings: DatabaseConfig,
  onLog?: (line: string) => void,
): Promise<DatabaseLocation> {
  if (settings.url) return { url: settings.url, embedded: false, stop: async () => undefined };
  const cluster = await startEmbeddedPostgres({ dataDir: settings.embeddedDir, port: settings.embeddedPort, onLog });
  return { url: cluster.url, embedded: true, stop: () => cluster.stop() };
}
