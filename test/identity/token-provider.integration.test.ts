/**
 * The token path end to end: real @azure/msal-node, real HTTPS to the simulator, real PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { tokenCacheAad } from '../../src/identity/cache-plugin';
import { Encryptor } from '../../src/identity/encryption';
import { reencryptAll } from '../../src/identity/reencrypt';
import {
  DecryptionError,
  IdentityConfigurationError,
  ReconsentRequiredError,
  TokenCacheCorruptError,
  TransientIdentityError,
  UnknownKeyVersionError,
} from '../../src/identity/identity.errors';
import { refreshLockKey } from '../../src/identity/refresh-lock';
import type { TokenProvider } from '../../src/identity/token-provider';
import type { TokenTenant } from '../../src/identity/token-provider.types';
import { createLogger, createLogCapture } from '../../src/logging';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { TenantTokenCache } from '../../src/identity';
import { createDataSource } from '../../src/db/data-source';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestSimulator } from '../support/simulator';
import {
  DELEGATED_SCOPES,
  TEST_RETRY,
  consentAsAdmin,
  consentDelegated,
  jwtClaims,
  simulatorProvider,
  tokenRequests,
} from './identity-fixtures';
import { seedTenant } from './seed';

/** Below MSAL's five-minute renewal margin: every cached access token already counts as due for refresh. */
const SHORT_LIFETIME_SECONDS = 60;
const key1 = { version: 1, key: randomBytes(32) };

let sim: RunningSimulator;
let db: TestDatabase;
let encryptor: Encryptor;
const providers: TokenProvider[] = [];

function provider(
  overrides: { clientSecret?: string; encryptor?: Encryptor; logger?: Logger; dataSource?: DataSource; refreshLockTimeoutMs?: number } = {},
): TokenProvider {
  const created = simulatorProvider(sim, overrides.dataSource ?? db.dataSource, overrides.encryptor ?? encryptor, overrides);
  providers.push(created);
  return created;
}

async function connectDelegated(): Promise<{ tenant: TokenTenant; first: TokenProvider }> {
  const row = await seedTenant(db.dataSource, 'DELEGATED');
  const first = provider();
  const redemption = await consentDelegated(sim, first, row.id);
  return {
    first,
    tenant: { id: row.id, entraTenantId: redemption.entraTenantId, authMode: 'DELEGATED', grantedScopes: redemption.grantedScopes },
  };
}

async function storedRow(tenantId: string): Promise<TenantTokenCache> {
  return db.dataSource.getRepository(TenantTokenCache).findOneByOrFail({ tenantId });
}

beforeAll(async () => {
  [sim, db] = await Promise.all([startTestSimulator(), createTestDatabase()]);
  encryptor = new Encryptor([key1], 1);
});

afterEach(async () => {
  await sim.control.setFaults({ tokenServerErrorRate: 0 });
  await sim.control.updateSettings({ accessTokenLifetimeSeconds: 3599 });
});

afterAll(async () => {
  for (const p of providers) p.close();
  sim.control.close();
  await Promise.all([sim.close(), db.drop()]);
});

describe('delegated tenants', () => {
  it('redeems a code into an encrypted cache row holding the refresh and access tokens, neither in the clear', async () => {
    const row = await seedTenant(db.dataSource, 'DELEGATED');
    const redemption = await consentDelegated(sim, provider(), row.id);

    expect(redemption.entraTenantId).toBe(VERAFIELD.tenantId);
    expect(redemption.homeAccountId).toBe(`${VERAFIELD.users.globalAdmin.id}.${VERAFIELD.tenantId}`);
    expect(redemption.grantedScopes).toEqual(expect.arrayContaining(DELEGATED_SCOPES));

    const stored = await storedRow(row.id);
    expect(stored).toMatchObject({ keyVersion: 1, version: expect.any(Number) });
    const cache = JSON.parse(encryptor.decrypt(stored.ciphertext, tokenCacheAad(row.id)));
    const refreshTokens = Object.values(cache.RefreshToken) as Array<{ secret: string }>;
    const accessTokens = Object.values(cache.AccessToken) as Array<{ secret: string }>;
    expect(refreshTokens).toHaveLength(1);
    expect(accessTokens).toHaveLength(1);
    expect(stored.ciphertext).not.toContain(refreshTokens[0]!.secret);
    expect(stored.ciphertext).not.toContain(accessTokens[0]!.secret);
    expect(stored.ciphertext).toMatch(/^v1\./);
  });

  it('serves the stored access token, in this process and in a fresh one, without a refresh', async () => {
    const { tenant, first } = await connectDelegated();
    const refreshes = tokenRequests(sim, 'refresh_token');

    const token = await first.getAccessToken(tenant);
    expect(jwtClaims(token.accessToken)).toMatchObject({ tid: VERAFIELD.tenantId, oid: VERAFIELD.users.globalAdmin.id });
    expect(String(jwtClaims(token.accessToken).scp).split(' ')).toEqual(expect.arrayContaining(DELEGATED_SCOPES));
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect((await first.getAccessToken(tenant)).accessToken).toBe(token.accessToken);
    expect((await provider().getAccessToken(tenant)).accessToken).toBe(token.accessToken);
    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshes);
  });

  it('goes to the token endpoint on forceRefresh although a usable token is stored, and stores what it got', async () => {
    const { tenant, first } = await connectDelegated();
    const cached = await first.getAccessToken(tenant);
    const refreshes = tokenRequests(sim, 'refresh_token');

    const [forced, again] = await Promise.all([
      first.getAccessToken(tenant, undefined, { forceRefresh: true }),
      first.getAccessToken(tenant, undefined, { forceRefresh: true }),
    ]);

    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshes + 1);
    expect(again.accessToken).toBe(forced.accessToken);
    expect(forced.accessToken).not.toBe(cached.accessToken);
    expect((await provider().getAccessToken(tenant)).accessToken).toBe(forced.accessToken);
    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshes + 1);
  });

  it('refreshes silently once the access token is due, storing the rotated refresh token', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant, first } = await connectDelegated();
    const versionBefore = (await storedRow(tenant.id)).version;
    const refreshesBefore = tokenRequests(sim, 'refresh_token');

    const a = await first.getAccessToken(tenant);
    const b = await first.getAccessToken(tenant);

    expect(b.accessToken).not.toBe(a.accessToken);
    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore + 2);
    expect((await storedRow(tenant.id)).version).toBeGreaterThan(versionBefore);
    // The simulator retires a replaced refresh token: a restarted process only works if the newest was stored.
    await sim.control.advanceClock(60_000);
    await expect(provider().getAccessToken(tenant)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it('refreshes once for 10 concurrent callers in each of two processes sharing the database', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant } = await connectDelegated();
    // The stored token is already due; the refresh brings one that lives an hour, which every caller can use.
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: 3599 });
    const otherPool = createDataSource(db.url, { applicationName: 'second-gateway' });
    await otherPool.initialize();
    try {
      const [a, b] = [provider(), provider({ dataSource: otherPool })];
      const refreshesBefore = tokenRequests(sim, 'refresh_token');

      const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).getAccessToken(tenant)));

      expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore + 1);
      expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
      expect(jwtClaims(tokens[0]!.accessToken)).toMatchObject({ tid: VERAFIELD.tenantId, oid: VERAFIELD.users.globalAdmin.id });
      expect(tokens[0]!.expiresOn.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    } finally {
      await otherPool.destroy();
    }
  });

  it('refreshes on a pool of one connection: under the lock the cache is read and written on the lock\'s own', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant } = await connectDelegated();
    const onePool = createDataSource(db.url, { poolSize: 1 });
    await onePool.initialize();
    try {
      const refreshesBefore = tokenRequests(sim, 'refresh_token');
      await expect(provider({ dataSource: onePool }).getAccessToken(tenant)).resolves.toMatchObject({ accessToken: expect.any(String) });
      expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore + 1);
    } finally {
      await onePool.destroy();
    }
  });

  it('gives up waiting for a refresh lock another instance holds, as a transient failure, asking nothing', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant } = await connectDelegated();
    const stuck = db.dataSource.createQueryRunner();
    await stuck.connect();
    await stuck.query('SELECT pg_advisory_lock($1::bigint)', [refreshLockKey(tenant.id)]);
    try {
      const refreshesBefore = tokenRequests(sim, 'refresh_token');
      const failure = await provider({ refreshLockTimeoutMs: 200 }).getAccessToken(tenant).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TransientIdentityError);
      expect((failure as Error).message).toContain(`token refresh of tenant ${tenant.id}`);
      expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore);
    } finally {
      await stuck.query('SELECT pg_advisory_unlock($1::bigint)', [refreshLockKey(tenant.id)]);
      await stuck.release();
    }
  });

  it('shares one refresh among 20 concurrent callers', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant, first } = await connectDelegated();
    const refreshesBefore = tokenRequests(sim, 'refresh_token');

    const tokens = await Promise.all(Array.from({ length: 20 }, () => first.getAccessToken(tenant)));

    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore + 1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
  });

  it('surfaces revoked consent as ReconsentRequiredError with its AADSTS code', async () => {
    await sim.control.updateSettings({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
    const { tenant, first } = await connectDelegated();
    await first.getAccessToken(tenant);
    await sim.control.revokeConsent(VERAFIELD.tenantId, sim.apps[0]!.clientId);

    const failure = await first.getAccessToken(tenant).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ReconsentRequiredError);
    expect(failure).toMatchObject({ tenantId: tenant.id, aadsts: 50173, code: 'RECONSENT_REQUIRED' });
  });

  it('asks for consent when the tenant has no cached account', async () => {
    const row = await seedTenant(db.dataSource, 'DELEGATED');
    const tenant: TokenTenant = { id: row.id, entraTenantId: VERAFIELD.tenantId, authMode: 'DELEGATED', grantedScopes: DELEGATED_SCOPES };
    await expect(provider().getAccessToken(tenant)).rejects.toThrow(ReconsentRequiredError);
  });

  it('refuses a cache row copied from another tenant (AAD binds it to its tenant)', async () => {
    const { tenant } = await connectDelegated();
    const other = await seedTenant(db.dataSource, 'DELEGATED');
    const { ciphertext, keyVersion } = await storedRow(tenant.id);
    await db.dataSource.getRepository(TenantTokenCache).insert({ tenantId: other.id, ciphertext, keyVersion, version: 1, updatedAt: new Date() });

    const copy: TokenTenant = { ...tenant, id: other.id };
    const failure = await provider().getAccessToken(copy).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenCacheCorruptError);
    expect((failure as Error).message).toContain(other.id);
    await db.dataSource.getRepository(TenantTokenCache).delete({ tenantId: other.id });
  });

  it('detects a row whose ciphertext was tampered with, and neither uses nor refreshes anything', async () => {
    const { tenant } = await connectDelegated();
    const { ciphertext } = await storedRow(tenant.id);
    const [prefix, body] = ciphertext.split('.') as [string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[bytes.length - 1]! ^= 0x01; // the last byte of the encrypted cache itself
    await db.dataSource.getRepository(TenantTokenCache).update({ tenantId: tenant.id }, { ciphertext: `${prefix}.${bytes.toString('base64url')}` });
    const refreshesBefore = tokenRequests(sim, 'refresh_token');

    for (const forceRefresh of [false, true]) {
      const failure = await provider().getAccessToken(tenant, undefined, { forceRefresh }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TokenCacheCorruptError);
      expect((failure as TokenCacheCorruptError).cause).toBeInstanceOf(DecryptionError);
    }
    expect(tokenRequests(sim, 'refresh_token')).toBe(refreshesBefore);
    // Key rotation at the end of this file must not meet the damaged row.
    await db.dataSource.getRepository(TenantTokenCache).delete({ tenantId: tenant.id });
  });

  it('names a key version this process was not given, rather than calling the row corrupt', async () => {
    const { tenant } = await connectDelegated();
    const failure = await provider({ encryptor: new Encryptor([{ version: 9, key: randomBytes(32) }], 9) })
      .getAccessToken(tenant)
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UnknownKeyVersionError);
    expect(failure).toMatchObject({ keyVersion: 1, knownVersions: [9] });
  });
});

describe('application tenants', () => {
  it('gets client-credential tokens after admin consent, and re-consent is required once it is revoked', async () => {
    const row = await seedTenant(db.dataSource, 'APPLICATION');
    const tenant: TokenTenant = { id: row.id, entraTenantId: VERAFIELD.tenantId, authMode: 'APPLICATION' };
    const p = provider();

    const params = await consentAsAdmin(sim, p);
    expect(params.get('admin_consent')).toBe('True');
    const before = tokenRequests(sim, 'client_credentials');
    const token = await p.getAccessToken(tenant);
    expect(jwtClaims(token.accessToken)).toMatchObject({ tid: VERAFIELD.tenantId, roles: expect.arrayContaining(['User.Read.All']) });
    expect(tokenRequests(sim, 'client_credentials')).toBe(before + 1);
    expect((await p.getAccessToken(tenant)).accessToken).toBe(token.accessToken);
    expect(tokenRequests(sim, 'client_credentials')).toBe(before + 1);
    const forced = await p.getAccessToken(tenant, undefined, { forceRefresh: true });
    expect(tokenRequests(sim, 'client_credentials')).toBe(before + 2);
    expect(forced.accessToken).not.toBe(token.accessToken);
    expect(await db.dataSource.getRepository(TenantTokenCache).countBy({ tenantId: row.id })).toBe(0);

    await sim.control.revokeConsent(VERAFIELD.tenantId, sim.apps[0]!.clientId);
    const failure = await provider().getAccessToken(tenant).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ReconsentRequiredError);
    expect(failure).toMatchObject({ aadsts: 700016 });
  });

  it('reports a wrong client secret as a configuration problem', async () => {
    const tenant: TokenTenant = { id: (await seedTenant(db.dataSource, 'APPLICATION')).id, entraTenantId: VERAFIELD.tenantId, authMode: 'APPLICATION' };
    const failure = await provider({ clientSecret: 'not-the-secret' }).getAccessToken(tenant).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(IdentityConfigurationError);
    expect(failure).toMatchObject({ aadsts: 7000215 });
    expect((failure as Error).message).not.toContain('not-the-secret');
  });
});

describe('transient failures', () => {
  it('retries a failing token endpoint a bounded number of times, logging no secret, then gives up', async () => {
    const { tenant } = await connectDelegated();
    const capture = createLogCapture();
    const logged = provider({ logger: createLogger({ level: 'debug', destination: capture.destination }) });
    await sim.control.setFaults({ tokenServerErrorRate: 1 });
    const before = tokenRequests(sim, 'refresh_token');

    const failure = await logged.getAccessToken(tenant, undefined, { forceRefresh: true }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(TransientIdentityError);
    expect(failure).toMatchObject({ attempts: TEST_RETRY.maxAttempts });
    expect(tokenRequests(sim, 'refresh_token')).toBe(before + TEST_RETRY.maxAttempts);
    const retries = capture.entries().filter((entry) => entry.msg === 'token request retry');
    expect(retries.map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(capture.text()).not.toContain(sim.apps[0]!.secrets[0]!.secretText);

    await sim.control.setFaults({ tokenServerErrorRate: 0 });
    const token = await logged.getAccessToken(tenant);
    expect(capture.text()).not.toContain(token.accessToken);
  });
});

// Last: it moves every row of this database to key version 2.
describe('key rotation', () => {
  it('keeps a delegated tenant working under the new key alone after reencryptAll', async () => {
    const { tenant } = await connectDelegated();
    const key2 = { version: 2, key: randomBytes(32) };
    const rotated = new Encryptor([key2, key1], 2);

    const report = await reencryptAll(db.dataSource, rotated);

    expect(report.failed).toEqual([]);
    expect((await storedRow(tenant.id)).keyVersion).toBe(2);
    await expect(provider({ encryptor: new Encryptor([key2], 2) }).getAccessToken(tenant)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });
});
