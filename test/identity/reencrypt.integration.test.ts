/** Key rotation against real PostgreSQL: reencryptAll moves every row to the current key, in batches. */
import { randomBytes } from 'node:crypto';
import { tokenCacheAad } from '../../src/identity/cache-plugin';
import { Encryptor } from '../../src/identity/encryption';
import { reencryptAll } from '../../src/identity/reencrypt';
import { TenantTokenCache } from '../../src/identity';
import { TokenCacheStore } from '../../src/identity/token-cache.store';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { seedTenant } from './seed';

const key1 = { version: 1, key: randomBytes(32) };
const key2 = { version: 2, key: randomBytes(32) };
const lostKey = { version: 7, key: randomBytes(32) };

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

function cacheJson(tenantId: string): string {
  return JSON.stringify({ Account: {}, IdToken: {}, RefreshToken: { [tenantId]: { secret: `rt-${tenantId}` } }, AppMetadata: {} });
}

async function storeCache(encryptor: Encryptor): Promise<string> {
  const { id } = await seedTenant(db.dataSource, 'DELEGATED');
  const ciphertext = encryptor.encrypt(cacheJson(id), tokenCacheAad(id));
  await new TokenCacheStore(db.dataSource).save(id, { ciphertext, keyVersion: encryptor.currentVersion }, null);
  return id;
}

it('re-encrypts every row under the current key in batches, leaving them readable, and reports what it could not read', async () => {
  const old = new Encryptor([key1], 1);
  const oldRows = await Promise.all(Array.from({ length: 5 }, () => storeCache(old)));
  const unreadable = await storeCache(new Encryptor([lostKey], 7));
  const rotated = new Encryptor([key2, key1], 2);
  const alreadyCurrent = await storeCache(rotated);
  const versionsBefore = new Map((await db.dataSource.getRepository(TenantTokenCache).find()).map((r) => [r.tenantId, r.version]));

  const report = await reencryptAll(db.dataSource, rotated, { batchSize: 2 });

  expect(report).toEqual({ reencrypted: 5, raced: 0, failed: [{ tenantId: unreadable, reason: expect.stringContaining('version 7') }] });
  const newKeyOnly = new Encryptor([key2], 2);
  for (const id of [...oldRows, alreadyCurrent]) {
    const row = await db.dataSource.getRepository(TenantTokenCache).findOneByOrFail({ tenantId: id });
    expect(row.keyVersion).toBe(2);
    expect(newKeyOnly.decrypt(row.ciphertext, tokenCacheAad(id))).toBe(cacheJson(id));
    expect(row.version).toBe(versionsBefore.get(id)! + (id === alreadyCurrent ? 0 : 1));
  }
  expect(await reencryptAll(db.dataSource, rotated)).toEqual({ reencrypted: 0, raced: 0, failed: [expect.objectContaining({ tenantId: unreadable })] });
});
