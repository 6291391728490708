/**
 * Encryption at rest: AES-256-GCM with versioned keys, so keys rotate without downtime (new writes use the
 * current key, older versions stay readable until `reencryptAll` has moved every row forward).
 *
 * Format: `v<version>.<base64url(iv 12 bytes | tag 16 bytes | ciphertext)>`. The AAD (e.g. "token-cache:<tenant
 * id>") is authenticated but not stored: a ciphertext copied into another tenant's row fails to decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parseEncryptionKeys as parseKeyList, type EncryptionKey } from '../config/encryption-keys';
import { DecryptionError, UnknownKeyVersionError } from './identity.errors';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = /^v(\d+)\.([A-Za-z0-9_-]+)$/;

export type { EncryptionKey };

export class Encryptor {
  private readonly keys: ReadonlyMap<number, Buffer>;

  constructor(
    keys: EncryptionKey[],
    readonly currentVersion: number,
  ) {
    for (const { version, key } of keys) assertKey(version, key);
    this.keys = new Map(keys.map(({ version, key }) => [version, Buffer.from(key)]));
    if (this.keys.size !== keys.length) {
      throw new Error(`Encryption keys: expected distinct versions, got ${keys.map((k) => k.version).join(', ')}`);
    }
    if (!this.keys.has(currentVersion)) {
      throw new Error(`Encryption keys: current version ${currentVersion} is not among ${this.versions().join(', ')}`);
    }
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keyFor(this.currentVersion), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, cipher.getAuthTag(), body]);
    return `v${this.currentVersion}.${payload.toString('base64url')}`;
  }

  /** Throws DecryptionError on any tampering or AAD mismatch; never returns unauthenticated bytes. */
  decrypt(ciphertext: string, aad: string): string {
    const { version, payload } = parseCiphertext(ciphertext);
    const key = this.keyFor(version);
    if (payload.length < IV_BYTES + TAG_BYTES) {
      throw new DecryptionError(
        `Ciphertext too short: expected at least ${IV_BYTES + TAG_BYTES} bytes, got ${payload.length}`,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, payload.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(payload.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(payload.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError(`Ciphertext (key version ${version}) failed authentication: tampered or wrong AAD`);
    }
  }

  /** True when the ciphertext was written under an older key and should be rewritten under the current one. */
  needsReencrypt(ciphertext: string): boolean {
    return parseCiphertext(ciphertext).version !== this.currentVersion;
  }

  versions(): number[] {
    return [...this.keys.keys()];
  }

  private keyFor(version: number): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new UnknownKeyVersionError(version, this.versions());
    return key;
  }
}

/** The key version a ciphertext was written with (what `tenant_token_caches.key_version` records). */
export function ciphertextKeyVersion(ciphertext: string): number {
  return parseCiphertext(ciphertext).version;
}

/**
 * Parses "2:<base64 key>,1:<base64 key>" (the ENCRYPTION_KEYS format read by src/config): the first entry is the
 * current key. Errors name positions, versions and lengths, never key material.
 */
export function parseEncryptionKeys(spec: string): { keys: EncryptionKey[]; currentVersion: number } {
  const parsed = parseKeyList(spec);
  if ('invalid' in parsed) {
    throw new Error(`Encryption keys: expected ${parsed.invalid}, got ${parsed.received ?? 'something else'}`);
  }
  return { keys: parsed, currentVersion: parsed[0]!.version };
}

/** The Encryptor for a configured key list (first = current), as config.encryption.keys holds it. */
export function encryptorFromKeys(keys: readonly EncryptionKey[]): Encryptor {
  if (keys.length === 0) throw new Error('Encryption keys: expected at least one key, got none');
  return new Encryptor([...keys], keys[0]!.version);
}

function parseCiphertext(ciphertext: string): { version: number; payload: Buffer } {
  const match = FORMAT.exec(ciphertext);
  if (!match) {
    throw new DecryptionError(`Ciphertext: expected "v<version>.<base64url>", got ${describeShape(ciphertext)}`);
  }
  return { version: Number(match[1]), payload: Buffer.from(match[2]!, 'base64url') };
}

// Describes a malformed value without echoing it: it may be a token written in the clear by mistake.
function describeShape(value: string): string {
  return `${value.length} characters in another format`;
}

function assertKey(version: number, key: Buffer): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new Error(`Encryption key version: expected a non-negative integer, got ${version}`);
  }
  if (key.length !== KEY_BYTES) {
    throw new Error(`Encryption key version ${version}: expected ${KEY_BYTES} bytes, got ${key.length}`);
  }
}
