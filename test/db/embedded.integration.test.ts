/**
 * One embedded PostgreSQL per data folder: a CLI run next to a running gateway attaches to its server (on the port
 * postmaster.pid records), a second gateway is refused naming the first one's pid, and a taken port fails with
 * PostgreSQL's reason and what to set. Real servers, real CLIs (run from the sources, as `npm run migrate` would).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_TABLE } from '../../src/db/data-source';
import { EmbeddedPostgres, EmbeddedPostgresError, readPostmasterPid, startEmbeddedPostgres } from '../../src/db/embedded';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'auth', 'support', 'register-swc.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, join(ROOT, entry)], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', SIMULATOR: 'off', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the embedded PostgreSQL of a data folder', () => {
  let dataDir: string;
  let port: number;
  let running: EmbeddedPostgres;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'entra-gateway-embedded-'));
    // As root, PostgreSQL runs as user "postgres", who must be able to enter the (0700) temp folder.
    await chmod(dataDir, 0o755);
    port = await freePort();
    running = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port, owner: 'npm start', exclusive: true });
  });

  afterAll(async () => {
    await running?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records its port in postmaster.pid and answers on it', async () => {
    expect(running).toMatchObject({ attached: false, initialised: true, port });
    expect(readPostmasterPid(join(dataDir, 'postgres'))).toMatchObject({ port });
    const client = new Client({ connectionString: running.url });
    await client.connect();
    await expect(client.query('SELECT current_database() AS db')).resolves.toMatchObject({ rows: [{ db: 'entra_gateway' }] });
    await client.end();
  });

  it('npm run migrate while it runs: attaches to the running server, applies the migrations, leaves it running', async () => {
    // Another port on purpose: the CLI must take the port from postmaster.pid, not from its own settings.
    const result = await run('src/db/migrate-cli.ts', { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('applied');
    const client = new Client({ connectionString: running.url });
    client.on('error', () => undefined); // the server is stopped in afterAll, maybe before this client is collected
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`);
    expect(Number(rows[0].n)).toBeGreaterThan(0);
    await client.end();
  });

  it('a second exclusive start (a second npm start) is refused, naming the first one', async () => {
    const second = startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port, owner: 'npm start', exclusive: true });
    await expect(second).rejects.toThrow(EmbeddedPostgresError);
    await expect(second).rejects.toThrow(new RegExp(`is in use: npm start \\(pid ${process.pid}\\) runs its embedded PostgreSQL .*port ${port}`));
  });

  it('a taken port: fails with PostgreSQL\'s reason and what to set', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'entra-gateway-embedded-'));
    await chmod(otherDir, 0o755);
    const blocker: Server = createServer();
    const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const start = startEmbeddedPostgres({ dataDir: join(otherDir, 'postgres'), port: taken, exclusive: true });
      await expect(start).rejects.toThrow(/did not start on port \d+ .*set EMBEDDED_PG_PORT to a free port[\s\S]*Address already in use/);
    } finally {
      blocker.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
