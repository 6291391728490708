/**
 * The simulator's state file (src/simulator/persistence.ts): what a snapshot file is taken for (a table), and a
 * restart over real HTTPS: the directory written before is there, the refresh token, access token and deltaLink a
 * client holds from before still work, and the next delta round reports exactly what changed before the restart.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import { parseSnapshot, SNAPSHOT_VERSION, SnapshotWriter, tagCollections, untagCollections } from '../../src/simulator/persistence';
import type { RunningSimulator } from '../../src/simulator/server';
import { graphRequest } from './graph-client';
import { signInForCode, startTestSimulator, tokenRequest } from '../support/simulator';

const TENANT = VERAFIELD.tenantId;
const SCOPES = 'User.ReadWrite.All GroupMember.ReadWrite.All openid profile offline_access';

describe('parseSnapshot', () => {
  const complete = { version: SNAPSHOT_VERSION, keys: {}, tenants: [], apps: [], consents: [], refreshTokens: [], subscriptions: [] };
  test.each([
    ['not JSON -> unusable', '{"version": 1', 'unusable', /^not JSON/],
    ['a JSON array -> unusable', '[]', 'unusable', /expected version 1, got null/],
    ['another version -> unusable', JSON.stringify({ ...complete, version: 99 }), 'unusable', /expected version 1, got 99/],
    ['no version -> unusable', JSON.stringify({ ...complete, version: undefined }), 'unusable', /expected version 1, got null/],
    ['a part missing -> unusable', JSON.stringify({ ...complete, refreshTokens: undefined }), 'unusable', /missing refreshTokens/],
    ['complete -> loaded', JSON.stringify(complete), 'loaded', undefined],
  ])('%s', (_name, text, kind, reason) => {
    const read = parseSnapshot(text);
    expect(read.kind).toBe(kind);
    if (reason) expect((read as { reason: string }).reason).toMatch(reason);
  });

  test('Maps and Sets survive the round trip, nested, with their order', () => {
    const value = { a: new Map([['g2', new Set(['u2', 'u1'])], ['g1', new Set<string>()]]), b: [new Set([1])], c: { $map: 'a plain property' } };
    const back = JSON.parse(JSON.stringify(value, tagCollections), untagCollections);
    expect(back.a).toBeInstanceOf(Map);
    expect([...back.a.keys()]).toEqual(['g2', 'g1']);
    expect([...back.a.get('g2')]).toEqual(['u2', 'u1']);
    expect(back.b[0]).toEqual(new Set([1]));
    expect(back.c).toEqual({ $map: 'a plain property' });
  });
});

describe('SnapshotWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a burst of changes is written once, after the debounce, with what is true then; flush writes only when dirty', async () => {
    let state = 0;
    const writer = new SnapshotWriter(join(dir, 'state.json'), () => JSON.stringify({ state }), 30);
    for (state = 1; state <= 5; state++) writer.changed();
    expect(writer.writes).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(writer.writes).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual({ state: 6 });
    writer.flush();
    expect(writer.writes).toBe(1);
    writer.flush(true);
    expect(writer.writes).toBe(2);
  });

  test('a failed write is reported and stays pending: the next flush tries again', () => {
    const errors: string[] = [];
    const writer = new SnapshotWriter(join(dir, 'missing', '\0bad', 'state.json'), () => '{}', 30, (error) => errors.push(error.message));
    writer.changed();
    writer.flush();
    expect(writer.writes).toBe(0);
    expect(errors).toHaveLength(1);
    writer.flush();
    expect(errors).toHaveLength(2);
  });
});

describe('a restarted simulator with a state file', () => {
  let dir: string;
  let sim: RunningSimulator | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (port = 0) => startTestSimulator({ port, certDir: dir, stateFile: join(dir, 'state.json'), throttlingEnabled: false });

  async function deltaRound(s: RunningSimulator, first: string, token: string): Promise<{ ids: string[]; deltaLink: string }> {
    const ids: string[] = [];
    let url: string | undefined = first;
    for (;;) {
      const page = await graphRequest(s, 'GET', url, { token });
      expect(page.status).toBe(200);
      ids.push(...(page.body.value as Array<{ id: string }>).map((u) => u.id));
      url = page.body['@odata.nextLink'];
      if (!url) return { ids, deltaLink: page.body['@odata.deltaLink'] };
    }
  }

  test('keeps the directory, refresh and access tokens and deltaLinks across a restart', async () => {
    sim = await start();
    const port = Number(new URL(sim.baseUrl).port);
    const { code, verifier, redirectUri } = await signInForCode(sim, { scope: SCOPES, login: VERAFIELD.users.globalAdmin.userPrincipalName });
    const secret = sim.apps[0].secrets[0].secretText;
    const tokens = (
      await tokenRequest(sim, TENANT, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: DEFAULT_PRODUCT_APP_ID, client_secret: secret })
    ).json();
    expect(tokens.refresh_token).toBeTruthy();
    const before = await deltaRound(sim, '/users/delta', tokens.access_token);

    // A write over Graph (as the gateway provisions) and a membership move over the control API (as npm run sim does).
    const created = await graphRequest(sim, 'POST', '/users', {
      token: tokens.access_token,
      body: { accountEnabled: true, displayName: 'Kept Across Restarts', mailNickname: 'kept', userPrincipalName: `kept@${VERAFIELD.domain}`, passwordProfile: { password: 'Str0ng!Passphrase-42' } },
    });
    expect(created.status).toBe(201);
    const afterWrite = await deltaRound(sim, before.deltaLink, tokens.access_token);
    expect(afterWrite.ids).toEqual([created.body.id]);
    await sim.close();
    sim = undefined;
    const file = join(dir, 'state.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(SNAPSHOT_VERSION);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const saved = JSON.parse(readFileSync(file, 'utf8'));
    sim = await start(port);
    // What was restored is what was saved: the state written at start equals the one written at stop.
    const restored = JSON.parse(readFileSync(file, 'utf8'));
    for (const part of ['keys', 'tenants', 'apps', 'consents', 'refreshTokens', 'subscriptions']) expect(restored[part]).toEqual(saved[part]);
    // The app keeps its secret, the user is there, the old access token still verifies.
    expect(sim.apps[0].secrets[0].secretText).toBe(secret);
    const read = await graphRequest(sim, 'GET', `/users/${created.body.id}`, { token: tokens.access_token });
    expect(read.status).toBe(200);
    expect(read.body.userPrincipalName).toBe(`kept@${VERAFIELD.domain}`);
    // The refresh token the client stored still works (and rotates).
    const refreshed = await tokenRequest(sim, TENANT, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: DEFAULT_PRODUCT_APP_ID, client_secret: secret, scope: SCOPES });
    expect(refreshed.status).toBe(200);
    // Both deltaLinks decode: the older one reports the write made before the restart, the newer one nothing.
    expect((await deltaRound(sim, before.deltaLink, refreshed.json().access_token)).ids).toEqual([created.body.id]);
    expect((await deltaRound(sim, afterWrite.deltaLink, refreshed.json().access_token)).ids).toEqual([]);
  });

  test('an unusable state file is set aside, not misread, and the simulator starts fresh', async () => {
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 0 }));
    sim = await start();
    expect(sim.ctx.store.getTenant(TENANT)).toBeDefined();
    const aside = readdirSync(dir).filter((name) => name.startsWith('state.json.unusable-'));
    expect(aside).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, aside[0]), 'utf8'))).toEqual({ version: 0 });
    // The fresh state is written at once.
    expect(existsSync(join(dir, 'state.json'))).toBe(true);
  });
});
