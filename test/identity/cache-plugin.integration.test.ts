/**
 * The cache plugin against real PostgreSQL and real msal-node token caches: two instances writing one
 * tenant's row at the same time lose nothing.
 */
import { ConfidentialClientApplication, TokenCacheContext, type JsonCache } from '@azure/msal-node';
import { TenantCachePlugin, tokenCacheAad } from '../../src/identity/cache-plugin';
import { TokenCacheStore } from '../../src/identity/token-cache.store';
import { TenantTokenCache } from '../../src/identity';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { newEncryptor, seedTenant } from './seed';

let db: TestDatabase;
const encryptor = newEncryptor();

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

/** One gateway instance's view of a tenant: an MSAL application with its own plugin. */
function instance(tenantId: string) {
  let app!: ConfidentialClientApplication;
  const plugin = new TenantCachePlugin(tenantId, new TokenCacheStore(db.dataSource), encryptor, () => app.clearCache());
  app = new ConfidentialClientApplication({
    auth: { clientId: '00000000-0000-4000-8000-000000000001', clientSecret: 'unused' },
    cache: { cachePlugin: plugin },
  });
  const cache = app.getTokenCache();
  return {
    load: () => plugin.beforeCacheAccess(new TokenCacheContext(cache, false)),
    /** Adds a refresh token for `account` to memory and lets the plugin persist it. */
    async store(account: string, secret: string) {
      const current = JSON.parse(cache.serialize()) as JsonCache;
      current.RefreshToken[`${account}-refreshtoken`] = {
        home_account_id: account,
        environment: 'login.example',
        credential_type: 'RefreshToken',
        client_id: '00000000-0000-4000-8000-000000000001',
        secret,
      };
      cache.deserialize(JSON.stringify(current));
      await plugin.afterCacheAccess(new TokenCacheContext(cache, true));
    },
  };
}

async function storedRefreshTokens(tenantId: string): Promise<string[]> {
  const row = await db.dataSource.getRepository(TenantTokenCache).findOneByOrFail({ tenantId });
  const cache = JSON.parse(encryptor.decrypt(row.ciphertext, tokenCacheAad(tenantId))) as JsonCache;
  return Object.values(cache.RefreshToken).map((token) => token.secret).sort();
}

it('merges a write that lost the race with the row the winner stored', async () => {
  const { id } = await seedTenant(db.dataSource, 'DELEGATED');
  const a = instance(id);
  const b = instance(id);
  await Promise.all([a.load(), b.load()]);

  await a.store('alice.tid', 'rt-a');
  await b.store('bob.tid', 'rt-b');

  expect(await storedRefreshTokens(id)).toEqual(['rt-a', 'rt-b']);
  const row = await db.dataSource.getRepository(TenantTokenCache).findOneByOrFail({ tenantId: id });
  expect(row.version).toBe(2);
});

it('takes the newer value of an entry both instances wrote', async () => {
  const { id } = await seedTenant(db.dataSource, 'DELEGATED');
  const a = instance(id);
  const b = instance(id);
  await a.store('alice.tid', 'rt-1');
  await b.load();
  await a.store('alice.tid', 'rt-2');
  await b.store('alice.tid', 'rt-3');

  expect(await storedRefreshTokens(id)).toEqual(['rt-3']);
});
