/**
 * Sealed Relay cursors. A cursor carries where Graph's paging stands (a nextLink, or the link of a page and
 * how much of it was returned), encrypted and authenticated with AES-256-GCM under a key derived from the
 * gateway's encryption key. The tenant id and the field are the additional authenticated data, so a cursor
 * issued for one tenant's (or one field's) list does not open for another, and no caller sees or forges a
 * Graph URL. Cursors are short-lived: a rotated-out key simply makes old cursors invalid input.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../config';
import { ErrorCode, GatewayError } from '../core/errors';

const INFO = 'entra-gateway/directory-cursor/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION_BYTES = 4;

export class CursorSealer {
  private readonly keys: ReadonlyMap<number, Buffer>;
  private readonly current: number;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('CursorSealer: expected at least one encryption key, got none');
    this.keys = new Map(keys.map(({ version, key }) => [version, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), INFO, 32))]));
    this.current = keys[0].version;
  }

  /** `binding` names what the cursor is for (tenant and field); opening it elsewhere fails. */
  seal(payload: unknown, binding: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    const version = Buffer.alloc(VERSION_BYTES);
    version.writeUInt32BE(this.current);
    return Buffer.concat([version, iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The payload sealed for `binding`; BAD_USER_INPUT naming `argument` for anything else. */
  open(cursor: string, binding: string, argument: string): unknown {
    const refused = () =>
      new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: expected a cursor this list returned for the same tenant, arguments and selection (pageInfo.endCursor or an edge's cursor), got another`);
    const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
    if (bytes.length <= VERSION_BYTES + IV_BYTES + TAG_BYTES) throw refused();
    const key = this.keys.get(bytes.readUInt32BE(0));
    if (!key) throw refused();
    const iv = bytes.subarray(VERSION_BYTES, VERSION_BYTES + IV_BYTES);
    const tag = bytes.subarray(VERSION_BYTES + IV_BYTES, VERSION_BYTES + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(binding, 'utf8'));
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(bytes.subarray(VERSION_BYTES + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      throw refused();
    }
  }
}
