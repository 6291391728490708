import { randomBytes } from 'node:crypto';
import { Encryptor, ciphertextKeyVersion, encryptorFromKeys, parseEncryptionKeys } from '../../src/identity/encryption';
import { DecryptionError, UnknownKeyVersionError } from '../../src/identity/identity.errors';

const key1 = { version: 1, key: randomBytes(32) };
const key2 = { version: 2, key: randomBytes(32) };
const AAD = 'tenant_token_caches:4f0c9a3e-0000-4000-8000-000000000001';
const SECRET = '{"RefreshToken":{"k":{"secret":"0.AAAA-refresh-token"}}}';

/** Flips one bit of the decoded payload at `offset` and re-encodes it in the same format. */
function flipBit(ciphertext: string, offset: number): string {
  const [prefix, body] = ciphertext.split('.') as [string, string];
  const bytes = Buffer.from(body, 'base64url');
  bytes[offset] = bytes[offset]! ^ 0x01;
  return `${prefix}.${bytes.toString('base64url')}`;
}

describe('Encryptor', () => {
  const encryptor = new Encryptor([key1], 1);

  it('round-trips text under the current key, in the v<version>.<base64url> format', () => {
    const ciphertext = encryptor.encrypt(SECRET, AAD);
    expect(ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(ciphertext).not.toContain('refresh-token');
    expect(encryptor.decrypt(ciphertext, AAD)).toBe(SECRET);
  });

  it('uses a fresh IV for every encryption', () => {
    expect(encryptor.encrypt(SECRET, AAD)).not.toBe(encryptor.encrypt(SECRET, AAD));
  });

  it.each([
    ['iv', 0],
    ['tag', 12],
    ['ciphertext', 28],
  ])('rejects a flipped bit in the %s with DecryptionError', (_part, offset) => {
    const tampered = flipBit(encryptor.encrypt(SECRET, AAD), offset);
    expect(() => encryptor.decrypt(tampered, AAD)).toThrow(DecryptionError);
  });

  it('rejects a truncated payload and a value that is not in the format', () => {
    expect(() => encryptor.decrypt('v1.AAAA', AAD)).toThrow(/expected at least 28 bytes, got 3/);
    expect(() => encryptor.decrypt(SECRET, AAD)).toThrow(DecryptionError);
    expect(() => encryptor.decrypt(SECRET, AAD)).not.toThrow(/refresh/);
  });

  it('rejects a ciphertext bound to another tenant (wrong AAD)', () => {
    const ciphertext = encryptor.encrypt(SECRET, AAD);
    expect(() => encryptor.decrypt(ciphertext, 'tenant_token_caches:another-tenant')).toThrow(DecryptionError);
  });

  it('names an unknown key version in a typed error', () => {
    const newer = new Encryptor([key2], 2).encrypt(SECRET, AAD);
    const error = captureError(() => encryptor.decrypt(newer, AAD));
    expect(error).toBeInstanceOf(UnknownKeyVersionError);
    expect(error).toMatchObject({ keyVersion: 2, knownVersions: [1] });
    expect((error as Error).message).toBe('Encryption key version 2 is not configured (configured versions: 1)');
  });

  it('after rotation writes under the new key and still reads the old one', () => {
    const old = encryptor.encrypt(SECRET, AAD);
    const rotated = new Encryptor([key2, key1], 2);
    const fresh = rotated.encrypt(SECRET, AAD);
    expect(ciphertextKeyVersion(fresh)).toBe(2);
    expect(rotated.decrypt(old, AAD)).toBe(SECRET);
    expect(rotated.needsReencrypt(old)).toBe(true);
    expect(rotated.needsReencrypt(fresh)).toBe(false);
  });

  it('refuses keys of the wrong length, duplicate versions and a missing current key', () => {
    expect(() => new Encryptor([{ version: 1, key: randomBytes(16) }], 1)).toThrow(/expected 32 bytes, got 16/);
    expect(() => new Encryptor([key1, { ...key2, version: 1 }], 1)).toThrow(/distinct versions/);
    expect(() => new Encryptor([key1], 3)).toThrow(/current version 3 is not among 1/);
  });
});

describe('parseEncryptionKeys', () => {
  it('reads "2:base64,1:base64" with the first entry as current', () => {
    const spec = `2:${key2.key.toString('base64')}, 1:${key1.key.toString('base64')}`;
    const parsed = parseEncryptionKeys(spec);
    expect(parsed.currentVersion).toBe(2);
    expect(parsed.keys.map((k) => k.version)).toEqual([2, 1]);
    expect(parsed.keys[0]!.key.equals(key2.key)).toBe(true);
    expect(encryptorFromKeys(parsed.keys).currentVersion).toBe(2);
  });

  it('explains a short key without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    const error = captureError(() => parseEncryptionKeys(`1:${short}`)) as Error;
    expect(error.message).toMatch(/version 1.*16 bytes/);
    expect(error.message).not.toContain(short);
  });

  it('rejects an entry without a version', () => {
    expect(() => parseEncryptionKeys(key1.key.toString('base64'))).toThrow(/entry 1/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, it returned');
}
