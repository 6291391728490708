/**
 * Opaque continuation tokens ($skiptoken, $deltatoken): AES-256-GCM over JSON, so a client can neither read
 * the paging state nor forge one (a tampered token fails authentication and is refused).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class Sealer {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  seal(value: object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** undefined for anything this sealer did not produce. */
  open(token: string): unknown {
    try {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 29) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(plain);
    } catch {
      return undefined;
    }
  }
}
