/**
 * Encryption keys for secrets at rest: "version:base64-of-32-bytes" entries separated by commas, the first
 * being the current key (new writes), the others kept to read older data during a rotation.
 */
import { Invalid, invalid } from './env';

export interface EncryptionKey {
  version: number;
  /** 32 bytes for AES-256-GCM. */
  key: Buffer;
}

export const ENCRYPTION_KEYS_FORMAT = "'version:base64-of-32-bytes' entries separated by commas (first = current key)";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Never puts key material in an error: the messages describe positions and lengths only. */
export function parseEncryptionKeys(text: string): EncryptionKey[] | Invalid {
  const entries = text.split(',').map((entry) => entry.trim());
  const keys: EncryptionKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1}`;
    const separator = entry.indexOf(':');
    const versionText = separator < 0 ? '' : entry.slice(0, separator);
    const keyText = entry.slice(separator + 1);
    if (!/^[1-9]\d{0,8}$/.test(versionText)) {
      return invalid(ENCRYPTION_KEYS_FORMAT, `${position} without a positive integer version before ':'`);
    }
    const version = Number(versionText);
    if (keys.some((key) => key.version === version)) {
      return invalid(`${ENCRYPTION_KEYS_FORMAT}, each version once`, `version ${version} twice`);
    }
    const key = BASE64.test(keyText) ? Buffer.from(keyText, 'base64') : undefined;
    if (key?.length !== 32) {
      return invalid(ENCRYPTION_KEYS_FORMAT, `${position} (version ${version}) ${key ? `decoding to ${key.length} bytes` : 'that is not base64'}`);
    }
    keys.push({ version, key });
  }
  return keys;
}

export function formatEncryptionKeys(keys: readonly EncryptionKey[]): string {
  return keys.map(({ version, key }) => `${version}:${key.toString('base64')}`).join(',');
}
