/**
 * Jest global setup: gives every test worker a PostgreSQL server through process.env.DATABASE_URL.
 * A given DATABASE_URL is used as it is; otherwise a throw-away embedded PostgreSQL starts in a temp folder
 * on a free port. Test files then create their own databases on it (test/support/db.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const { startEmbeddedPostgres } = loadTypeScript(join(root, 'src', 'db', 'embedded.ts'));
  const dataDir = await mkdtemp(join(tmpdir(), 'entra-gateway-test-pg-'));
  const cluster = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
  process.env.DATABASE_URL = cluster.url;
  // Global setup and teardown run in the same process: the handle travels on globalThis.
  globalThis.__EMBEDDED_POSTGRES__ = { cluster, dataDir };
}

/**
 * Jest loads this file as native ESM, outside its own transform, so the one TypeScript module needed here
 * (self-contained: node built-ins and npm packages only) is compiled with the same swc jest uses.
 */
function loadTypeScript(file) {
  const { code } = swc.transformFileSync(file, {
    swcrc: false,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const module = { exports: {} };
  new Function('require', 'module', 'exports', code)(createRequire(file), module, module.exports);
  return module.exports;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
