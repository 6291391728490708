/**
 * The development fallback for ENCRYPTION_KEYS: one generated key kept in the data folder, so that
 * encrypted rows survive restarts on a developer's machine. Production refuses to start without real keys.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptionKey, formatEncryptionKeys, parseEncryptionKeys } from './encryption-keys';

export interface DevelopmentKeys {
  keys: EncryptionKey[];
  file: string;
  created: boolean;
}

export async function loadOrCreateDevelopmentKeys(dataDir: string): Promise<DevelopmentKeys> {
  const file = join(dataDir, 'encryption-keys');
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    const keys = parseEncryptionKeys(existing.trim());
    if ('invalid' in keys) throw new Error(`${file}: expected ${keys.invalid}, found ${keys.received}`);
    return { keys, file, created: false };
  }
  const keys = [{ version: 1, key: randomBytes(32) }];
  await mkdir(dataDir, { recursive: true });
  // flag 'wx': never overwrite a key another process wrote meanwhile; mode 0600: readable by this user only.
  await writeFile(file, `${formatEncryptionKeys(keys)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, file, created: true };
}
