import { ApiKeyRecord } from '../../src/callers/api-key.entity';
import { ApiKeyService } from '../../src/callers/api-key.service';
import { hashSecret, parseApiKey } from '../../src/callers/api-key-secret';
import { ALL_SCOPES, ApiScope, CLI_OPERATOR, type Principal } from '../../src/core/auth/principal';
import { Tenant } from '../../src/tenants/tenant.entity';
import { createTestDatabase, TestDatabase } from '../support/db';

describe('ApiKeyService', () => {
  let db: TestDatabase;
  let clock: Date;
  let service: ApiKeyService;
  let tenantA: string;
  let tenantB: string;

  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const row = (id: string) => db.dataSource.getRepository(ApiKeyRecord).findOneByOrFail({ id });

  beforeAll(async () => {
    db = await createTestDatabase();
    clock = new Date('2026-03-01T09:00:00.000Z');
    service = new ApiKeyService(db.dataSource, () => clock);
    const tenants = db.dataSource.getRepository(Tenant);
    const tenant = (displayName: string) =>
      tenants.save(
        tenants.create({ displayName, entraTenantId: null, cloud: 'global', authMode: 'DELEGATED', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
      );
    [tenantA, tenantB] = (await Promise.all([tenant('A'), tenant('B')])).map((t) => t.id);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('creates a key whose whole value is returned once and stored only as a hash', async () => {
    const { apiKey, key } = await service.create({ name: ' ops ', scopes: [ApiScope.DIRECTORY_READ], tenantIds: [tenantA] }, CLI_OPERATOR);
    const parsed = parseApiKey(key)!;
    expect(parsed.id).toBe(apiKey.id);
    expect(apiKey).toMatchObject({ name: 'ops', scopes: ['directory:read'], tenantIds: [tenantA], createdBy: 'cli', revokedAt: null, lastUsedAt: null });
    const stored = await row(apiKey.id);
    expect(stored.secretHash).toBe(hashSecret(parsed.secret));
    expect(JSON.stringify(stored)).not.toContain(parsed.secret);
  });

  it('authenticates a key as its principal, and refuses malformed, unknown and wrong-secret keys', async () => {
    const { apiKey, key } = await service.create({ name: 'reader', scopes: [ApiScope.DIRECTORY_READ, ApiScope.EVENTS_READ], tenantIds: [tenantA] }, CLI_OPERATOR);
    expect(await service.authenticate(key)).toEqual({
      kind: 'api_key',
      id: apiKey.id,
      scopes: new Set(['directory:read', 'events:read']),
      tenants: new Set([tenantA]),
    });
    const { secret } = parseApiKey(key)!;
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await service.authenticate(`egk_${apiKey.id}_${otherSecret}`)).toBeNull();
    expect(await service.authenticate(`egk_${'z'.repeat(12)}_${secret}`)).toBeNull();
    expect(await service.authenticate('egk_short')).toBeNull();
    expect(await service.authenticate('')).toBeNull();
  });

  it('gives an all-tenants key every tenant', async () => {
    const { key } = await service.create({ name: 'all', scopes: [ApiScope.EVENTS_READ], tenantIds: null }, CLI_OPERATOR);
    expect((await service.authenticate(key))?.tenants).toBe('ALL');
  });

  it('refuses a revoked key; revoking twice keeps the first time', async () => {
    const { apiKey, key } = await service.create({ name: 'to revoke', scopes: [ApiScope.EVENTS_READ], tenantIds: null }, CLI_OPERATOR);
    const revoked = await service.revoke(apiKey.id, CLI_OPERATOR);
    expect(revoked.revokedAt).toEqual(clock);
    expect(await service.authenticate(key)).toBeNull();
    advance(5_000);
    expect((await service.revoke(apiKey.id, CLI_OPERATOR)).revokedAt).toEqual(revoked.revokedAt);
    await expect(service.revoke('nosuchkey234', CLI_OPERATOR)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('writes last_used_at at most once a minute per key, in the background', async () => {
    const { apiKey, key } = await service.create({ name: 'hot', scopes: [ApiScope.EVENTS_READ], tenantIds: null }, CLI_OPERATOR);
    const first = clock;
    // Authentication itself does not write: uses are gathered and written in one batch.
    await service.authenticate(key);
    expect((await row(apiKey.id)).lastUsedAt).toBeNull();
    await service.flushUsage();
    expect((await row(apiKey.id)).lastUsedAt).toEqual(first);
    advance(30_000);
    await service.authenticate(key);
    advance(29_999);
    await service.authenticate(key);
    await service.flushUsage();
    expect((await row(apiKey.id)).lastUsedAt).toEqual(first);
    advance(1);
    await service.authenticate(key);
    await service.flushUsage();
    expect((await row(apiKey.id)).lastUsedAt).toEqual(clock);
  });

  it('writes the uses of many keys in one batch, without going back in time', async () => {
    const keys = await Promise.all(['b1', 'b2', 'b3'].map((name) => service.create({ name, scopes: [ApiScope.EVENTS_READ], tenantIds: null }, CLI_OPERATOR)));
    advance(120_000);
    for (const { key } of keys) await service.authenticate(key);
    await service.flushUsage();
    for (const { apiKey } of keys) expect((await row(apiKey.id)).lastUsedAt).toEqual(clock);
  });

  it('says which problem a refused key has: malformed, unknown (a wrong secret too) or revoked', async () => {
    const { apiKey, key } = await service.create({ name: 'problems', scopes: [ApiScope.EVENTS_READ], tenantIds: null }, CLI_OPERATOR);
    const { secret } = parseApiKey(key)!;
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await service.verify('egk_nope')).toEqual({ ok: false, problem: 'malformed' });
    expect(await service.verify(`egk_${'z'.repeat(12)}_${secret}`)).toEqual({ ok: false, problem: 'unknown' });
    expect(await service.verify(`egk_${apiKey.id}_${otherSecret}`)).toEqual({ ok: false, problem: 'unknown' });
    await service.revoke(apiKey.id, CLI_OPERATOR);
    expect(await service.verify(key)).toEqual({ ok: false, problem: 'revoked' });
    // A wrong secret for a revoked key still learns nothing about the key.
    expect(await service.verify(`egk_${apiKey.id}_${otherSecret}`)).toEqual({ ok: false, problem: 'unknown' });
  });

  describe('rights narrowing', () => {
    const confined: Principal = { kind: 'api_key', id: 'adminofaaaaa', scopes: new Set([ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ]), tenants: new Set<string>() };
    let adminOfA: Principal;

    beforeAll(() => {
      adminOfA = { ...confined, tenants: new Set([tenantA]) };
    });

    it('lets a caller grant what it holds, and records who did', async () => {
      const { apiKey } = await service.create({ name: 'narrow', scopes: [ApiScope.DIRECTORY_READ], tenantIds: [tenantA] }, adminOfA);
      expect(apiKey.createdBy).toBe('api_key:adminofaaaaa');
    });

    it.each([
      ['a scope it lacks', () => ({ scopes: [ApiScope.DIRECTORY_WRITE], tenantIds: [tenantA] }), 'lacks the scope(s) directory:write'],
      ['another tenant', () => ({ scopes: [ApiScope.DIRECTORY_READ], tenantIds: [tenantA, tenantB] }), 'may not access tenant(s) '],
      ['all tenants', () => ({ scopes: [ApiScope.DIRECTORY_READ], tenantIds: null }), 'cannot grant access to all tenants'],
    ])('refuses %s with FORBIDDEN', async (_what, rights, message) => {
      await expect(service.create({ name: 'wider', ...rights() }, adminOfA)).rejects.toMatchObject({
        message: expect.stringContaining(message),
        extensions: { code: 'FORBIDDEN' },
      });
    });

    it('lists and revokes only keys within the caller\'s rights', async () => {
      const inside = await service.create({ name: 'inside', scopes: [ApiScope.DIRECTORY_READ], tenantIds: [tenantA] }, CLI_OPERATOR);
      const outside = await service.create({ name: 'outside', scopes: [ApiScope.DIRECTORY_READ], tenantIds: [tenantB] }, CLI_OPERATOR);
      const listed = (await service.list(adminOfA, { first: 100 })).keys.map((k) => k.id);
      expect(listed).toContain(inside.apiKey.id);
      expect(listed).not.toContain(outside.apiKey.id);
      expect(listed.length).toBeGreaterThan(0);
      await expect(service.revoke(outside.apiKey.id, adminOfA)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
      expect((await service.revoke(inside.apiKey.id, adminOfA)).revokedAt).not.toBeNull();
    });
  });

  it.each([
    ['an empty name', { name: '  ', scopes: [ApiScope.EVENTS_READ], tenantIds: null }, /name: expected 1 to 100 characters/],
    ['no scopes', { name: 'x', scopes: [], tenantIds: null }, /scopes: expected at least one scope/],
    ['an empty tenant list', { name: 'x', scopes: [ApiScope.EVENTS_READ], tenantIds: [] }, /leave tenantIds out for all tenants/],
    ['a tenant id that is no UUID', { name: 'x', scopes: [ApiScope.EVENTS_READ], tenantIds: ['acme'] }, /expected tenant ids \(UUIDs\), received acme/],
    ['an unknown tenant', { name: 'x', scopes: [ApiScope.EVENTS_READ], tenantIds: ['00000000-0000-4000-8000-000000000000'] }, /found none with id 00000000/],
  ])('refuses %s as BAD_USER_INPUT', async (_what, request, message) => {
    await expect(service.create(request, CLI_OPERATOR)).rejects.toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('pages through keys in creation order', async () => {
    const fresh = await createTestDatabase();
    try {
      const pager = new ApiKeyService(fresh.dataSource, () => clock);
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        advance(1_000);
        created.push((await pager.create({ name: `k${i}`, scopes: [...ALL_SCOPES], tenantIds: null }, CLI_OPERATOR)).apiKey.id);
      }
      const first = await pager.list(CLI_OPERATOR, { first: 2 });
      const second = await pager.list(CLI_OPERATOR, { first: 2, after: first.keys[1].id });
      const last = await pager.list(CLI_OPERATOR, { first: 2, after: second.keys[1].id });
      expect([first, second, last].map((page) => [page.keys.map((k) => k.id), page.hasNextPage])).toEqual([
        [created.slice(0, 2), true],
        [created.slice(2, 4), true],
        [created.slice(4), false],
      ]);
      await expect(pager.list(CLI_OPERATOR, { first: 101 })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      await expect(pager.list(CLI_OPERATOR, { after: 'nosuchkey234' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await fresh.drop();
    }
  });
});
