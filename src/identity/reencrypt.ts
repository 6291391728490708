/**
 * Key rotation, second half: after a new current key is deployed (old keys kept for reading), moves every
 * stored token cache to the current key. Safe while the gateway runs: each row is rewritten only if no one
 * wrote it meanwhile, and anyone who did wrote it under the current key already.
 */
import type { DataSource } from 'typeorm';
import { tokenCacheAad } from './cache-plugin';
import { ciphertextKeyVersion, type Encryptor } from './encryption';
import { IdentityError } from './identity.errors';
import { TokenCacheStore } from './token-cache.store';

export interface ReencryptReport {
  reencrypted: number;
  /** Rows another writer updated between our read and our write (they are under the current key now). */
  raced: number;
  /** Rows that could not be decrypted (unknown key version, tampering): left as they are. */
  failed: Array<{ tenantId: string; reason: string }>;
}

export async function reencryptAll(
  dataSource: DataSource,
  encryptor: Encryptor,
  options: { batchSize?: number } = {},
): Promise<ReencryptReport> {
  const store = new TokenCacheStore(dataSource);
  const batchSize = options.batchSize ?? 100;
  const report: ReencryptReport = { reencrypted: 0, raced: 0, failed: [] };
  let after: string | null = null;
  for (;;) {
    const batch = await store.listNotUnderKey(encryptor.currentVersion, after, batchSize);
    if (batch.length === 0) return report;
    for (const row of batch) {
      const aad = tokenCacheAad(row.tenantId);
      let ciphertext: string;
      try {
        ciphertext = encryptor.encrypt(encryptor.decrypt(row.ciphertext, aad), aad);
      } catch (err) {
        if (!(err instanceof IdentityError)) throw err;
        report.failed.push({ tenantId: row.tenantId, reason: err.message });
        continue;
      }
      const entry = { ciphertext, keyVersion: ciphertextKeyVersion(ciphertext) };
      const written = await store.save(row.tenantId, entry, row.version);
      if (written === null) report.raced++;
      else report.reencrypted++;
    }
    after = batch[batch.length - 1]!.tenantId;
  }
}
