import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseApiKeyCommand, UsageError } from '../../src/callers/api-key-command';
import { parseApiKey } from '../../src/callers/api-key-secret';
import { createTestDatabase, TestDatabase } from '../support/db';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { codesAt, overHttp } from './support/clients';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'callers', 'api-key-cli.ts');
const REGISTER = join(__dirname, 'support', 'register-swc.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run api-key -- <args>`, minus the build: the same entry point run from the sources. */
function apiKeyCli(databaseUrl: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', SIMULATOR: 'off', DATABASE_URL: databaseUrl },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run api-key', () => {
  let db: TestDatabase;
  let gw: TestGateway | undefined;

  beforeAll(async () => {
    // No migrations: the CLI applies them itself before anything else.
    db = await createTestDatabase({ migrate: false });
  });

  afterAll(async () => {
    if (gw) await gw.stop();
    else await db.drop();
  });

  it('creates a key on a fresh database, prints it once, lists it, and revokes it', async () => {
    const created = await apiKeyCli(db.url, ['create', '--name', 'ops', '--scopes', 'tenants:admin,directory:read']);
    expect(created).toMatchObject({ code: 0, stderr: expect.stringContaining('applied') });
    const key = created.stdout.trim();
    const id = parseApiKey(key)?.id;
    expect(id).toBeDefined();
    expect(created.stderr).toContain(`Created API key ${id} "ops" (scopes tenants:admin,directory:read; all tenants).`);
    expect(created.stderr).not.toContain(key);

    gw = await startTestGateway({ database: db });
    const listKeys = { query: '{ apiKeys { nodes { id name createdBy } } }' };
    expect(await overHttp(gw.graphqlUrl, listKeys, bearer(key))).toEqual({ data: { apiKeys: { nodes: [{ id, name: 'ops', createdBy: 'cli' }] } } });

    const listed = await apiKeyCli(db.url, ['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}  "ops"  scopes tenants:admin,directory:read; all tenants  created \\S+ by cli  last used \\S+\\n$`));
    expect(listed.stdout).not.toContain(key);

    const revoked = await apiKeyCli(db.url, ['revoke', id!]);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^${id} revoked at `)) });
    expect(codesAt(await overHttp(gw.graphqlUrl, listKeys, bearer(key)), 'apiKeys')).toEqual(['UNAUTHENTICATED']);
  });

  it('explains a mistake and exits non-zero', async () => {
    expect(await apiKeyCli(db.url, ['create', '--name', 'x', '--scopes', 'root'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^create: --scopes: unknown scope\(s\) root; expected any of tenants:admin, .*\nusage: npm run api-key/),
    });
    expect(await apiKeyCli(db.url, ['create', '--name', 'x', '--scopes', 'events:read', '--tenants', '00000000-0000-4000-8000-000000000000'])).toMatchObject({
      code: 1,
      stderr: 'tenantIds: expected existing tenants, found none with id 00000000-0000-4000-8000-000000000000\n',
    });
  });
});

describe('api-key arguments', () => {
  it.each([
    [['create', '--name', 'ops', '--scopes', 'events:read, directory:read'], { command: 'create', name: 'ops', scopes: ['events:read', 'directory:read'], tenantIds: null }],
    [['create', '--name=ops', '--scopes=events:read', '--tenants=a,b'], { command: 'create', name: 'ops', scopes: ['events:read'], tenantIds: ['a', 'b'] }],
    [['list'], { command: 'list' }],
    [['revoke', 'abc'], { command: 'revoke', id: 'abc' }],
  ])('parses %j', (argv, expected) => {
    expect(parseApiKeyCommand(argv)).toEqual(expected);
  });

  it.each([
    [[], 'a command is required'],
    [['rotate'], 'unknown command rotate'],
    [['create', '--name', 'ops'], 'create: --name and --scopes are required'],
    [['create', '--name', '--scopes', 'events:read'], 'create: --name expects a value'],
    [['create', '--colour', 'red'], 'create: unknown argument --colour'],
    [['list', 'all'], 'list: takes no arguments, received all'],
    [['revoke'], 'revoke: expects exactly one key id'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseApiKeyCommand(argv)).toThrow(new UsageError(message));
  });
});
