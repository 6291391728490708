/**
 * API key strings: `egk_<id>_<secret>`. The id (12 base32 characters) finds the row; the secret (32 random
 * bytes, base64url) is checked against its SHA-256. A slow hash buys nothing for 256-bit random secrets, and
 * the comparison is constant-time. Only the hash is stored; the full key is shown once, at creation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'egk';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_PATTERN = /^egk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  id: string;
  /** The whole key, to show once. */
  key: string;
  secretHash: string;
}

export function mintApiKey(): MintedKey {
  const id = [...randomBytes(12)].map((b) => ID_ALPHABET[b % 32]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${PREFIX}_${id}_${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Splits a presented key; null when it is not shaped like one of ours (no database lookup for junk). */
export function parseApiKey(presented: string): { id: string; secret: string } | null {
  const m = KEY_PATTERN.exec(presented);
  return m ? { id: m[1], secret: m[2] } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
