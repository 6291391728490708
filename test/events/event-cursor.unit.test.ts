/** Event cursors: opaque, signed, bound to a tenant, valid across a key rotation while the old key is kept. */
import { randomBytes } from 'node:crypto';
import { EventCursors } from '../../src/events/event-cursor';

const TENANT_A = '7d6c2f7e-1111-4a4a-8b8b-000000000001';
const TENANT_B = '7d6c2f7e-1111-4a4a-8b8b-000000000002';
const key = (version: number) => ({ version, key: randomBytes(32) });

describe('EventCursors', () => {
  const k1 = key(1);
  const cursors = new EventCursors([k1]);

  it('round-trips a sequence, up to the largest bigint, as URL-safe text', () => {
    for (const sequence of ['1', '42', '9223372036854775807']) {
      const cursor = cursors.encode(TENANT_A, sequence);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursors.decode(TENANT_A, cursor, 'after')).toBe(sequence);
    }
  });

  it('refuses a cursor with a changed sequence, a cursor for another tenant, garbage, and a foreign key', () => {
    const cursor = cursors.encode(TENANT_A, '100');
    const bytes = Buffer.from(cursor, 'base64url');
    bytes.writeBigUInt64BE(101n, 5);
    const forged = bytes.toString('base64url');
    const message = `after: expected a cursor this gateway returned for tenant ${TENANT_A}'s events (an event's cursor or pageInfo.endCursor), got another`;
    for (const bad of [forged, 'not a cursor', '', Buffer.from('{"sequence":"1"}').toString('base64url'), new EventCursors([key(1)]).encode(TENANT_A, '100')]) {
      expect(() => cursors.decode(TENANT_A, bad, 'after')).toThrow(message);
    }
    expect(() => cursors.decode(TENANT_B, cursor, 'after')).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
  });

  it('keeps accepting cursors signed with an older key while it stays configured', () => {
    const old = cursors.encode(TENANT_A, '7');
    const rotated = new EventCursors([key(2), k1]);
    expect(rotated.decode(TENANT_A, old, 'after')).toBe('7');
    expect(new EventCursors([key(2)]).encode(TENANT_A, '7')).not.toBe(old);
    expect(() => new EventCursors([key(2)]).decode(TENANT_A, old, 'after')).toThrow(/expected a cursor/);
  });
});
