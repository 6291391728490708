/**
 * Event cursors: opaque to clients, unforgeable, long-lived. A cursor is base64url of
 *   [format 1 byte][key version 4][sequence 8][HMAC-SHA256 over those 13 bytes and the tenant id, first 16 bytes]
 * The key is derived (HKDF) from the gateway's encryption key of that version, so a rotation keeps old cursors
 * valid as long as the old key stays configured. Binding the tenant id means a cursor from one tenant's stream
 * does not open another's (sequences are global: it would silently skip that tenant's events).
 * Signed, not encrypted: the sequence is no secret, only its integrity matters.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { EncryptionKey } from '../config';
import { ErrorCode, GatewayError } from '../core/errors';

const INFO = 'entra-gateway/event-cursor/v1';
const FORMAT = 1;
const HEADER_BYTES = 1 + 4 + 8;
const MAC_BYTES = 16;
const MAX_SEQUENCE = (1n << 63n) - 1n;

export class EventCursors {
  private readonly keys: ReadonlyMap<number, Buffer>;
  private readonly current: number;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EventCursors: expected at least one encryption key, got none');
    this.keys = new Map(keys.map(({ version, key }) => [version, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), INFO, 32))]));
    this.current = keys[0].version;
  }

  encode(tenantId: string, sequence: string): string {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(FORMAT, 0);
    header.writeUInt32BE(this.current, 1);
    header.writeBigUInt64BE(BigInt(sequence), 5);
    return Buffer.concat([header, this.mac(this.keys.get(this.current)!, header, tenantId)]).toString('base64url');
  }

  /** The sequence a cursor stands for; BAD_USER_INPUT naming `argument` for anything not issued by us for this tenant. */
  decode(tenantId: string, cursor: string, argument: string): string {
    const refused = () =>
      new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: expected a cursor this gateway returned for tenant ${tenantId}'s events (an event's cursor or pageInfo.endCursor), got another`);
    const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
    if (bytes.length !== HEADER_BYTES + MAC_BYTES || bytes.readUInt8(0) !== FORMAT) throw refused();
    const key = this.keys.get(bytes.readUInt32BE(1));
    if (!key) throw refused();
    const header = bytes.subarray(0, HEADER_BYTES);
    if (!timingSafeEqual(this.mac(key, header, tenantId), bytes.subarray(HEADER_BYTES))) throw refused();
    const sequence = bytes.readBigUInt64BE(5);
    if (sequence > MAX_SEQUENCE) throw refused();
    return sequence.toString();
  }

  private mac(key: Buffer, header: Buffer, tenantId: string): Buffer {
    return createHmac('sha256', key).update(header).update(tenantId.toLowerCase(), 'utf8').digest().subarray(0, MAC_BYTES);
  }
}
