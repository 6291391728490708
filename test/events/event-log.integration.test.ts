/**
 * The event log against the real PostgreSQL: appendEvents writes in the caller's transaction and notifies on
 * commit only; sequences follow commit order per tenant; the purge deletes by age and remembers how far it went;
 * tenant status changes record their event in the same transaction.
 */
import { Client, Notification } from 'pg';
import { appendEvents, EVENTS_CHANNEL, purgedThrough, purgeEventsBefore, readEvents } from '../../src/events/event-log';
import { DirectoryEventType } from '../../src/events/event.types';
import { applyTenantEvent } from '../../src/tenants/tenant-lifecycle';
import { createTestDatabase, TestDatabase } from '../support/db';
import { commitEvents, range, seedTenant } from './event-fixtures';

let db: TestDatabase;
let listener: Client;
const notifications: Notification[] = [];
let notified: (() => void) | null = null;

beforeAll(async () => {
  db = await createTestDatabase();
  listener = new Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (message) => {
    notifications.push(message);
    notified?.();
  });
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
});

afterAll(async () => {
  await listener.end();
  await db.drop();
});

function nextNotification(): Promise<Notification> {
  if (notifications.length > 0) return Promise.resolve(notifications.shift()!);
  return new Promise((resolve) => {
    notified = () => {
      notified = null;
      resolve(notifications.shift()!);
    };
  });
}

describe('appendEvents', () => {
  it('stores events with increasing sequences (strings) in the given order and notifies the tenant id on commit', async () => {
    const tenantId = await seedTenant(db.dataSource);
    const stored = await db.dataSource.transaction((manager) =>
      appendEvents(manager, [
        { tenantId, type: DirectoryEventType.USER_CREATED, subjectId: 'u1', payload: { upn: 'a@x' } },
        { tenantId, type: DirectoryEventType.MEMBERSHIP_ADDED, payload: { groupId: 'g1', direct: true } },
      ]),
    );
    expect(stored.map((event) => event.type)).toEqual(['USER_CREATED', 'MEMBERSHIP_ADDED']);
    expect(typeof stored[0].sequence).toBe('string');
    expect(BigInt(stored[1].sequence)).toBeGreaterThan(BigInt(stored[0].sequence));
    expect(stored[0]).toMatchObject({ tenantId, subjectId: 'u1', payload: { upn: 'a@x' } });
    expect(stored[1].subjectId).toBeNull();
    expect(stored[0].occurredAt).toBeInstanceOf(Date);
    // One notification per tenant per transaction (identical payloads are folded).
    expect(await nextNotification()).toMatchObject({ channel: EVENTS_CHANNEL, payload: tenantId });
    expect(await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 })).toEqual(stored);
  });

  it('writes nothing and notifies nothing when the transaction rolls back', async () => {
    const rolledBack = await seedTenant(db.dataSource, 'rolled back');
    const committed = await seedTenant(db.dataSource, 'committed');
    await expect(
      db.dataSource.transaction(async (manager) => {
        await appendEvents(manager, [{ tenantId: rolledBack, type: DirectoryEventType.USER_DELETED, subjectId: 'u1', payload: {} }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await commitEvents(db.dataSource, committed, [1]);
    // NOTIFY is delivered in commit order: had the rolled-back transaction notified, it would come first.
    expect((await nextNotification()).payload).toBe(committed);
    expect(await readEvents(db.dataSource, { tenantId: rolledBack, afterSequence: null, limit: 10 })).toEqual([]);
  });

  it('opens its own transaction when called outside one', async () => {
    const tenantId = await seedTenant(db.dataSource);
    const [stored] = await appendEvents(db.dataSource.manager, [{ tenantId, type: DirectoryEventType.SYNC_COMPLETED, payload: { users: 3 } }]);
    expect((await nextNotification()).payload).toBe(tenantId);
    expect(await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 })).toEqual([stored]);
  });

  it('refuses an unknown type or a non-object payload, saying what it expected', async () => {
    const tenantId = await seedTenant(db.dataSource);
    await expect(appendEvents(db.dataSource.manager, [{ tenantId, type: 'USER_RENAMED' as DirectoryEventType, payload: {} }])).rejects.toThrow(
      /events\[0\]\.type must be one of USER_CREATED, .*; got "USER_RENAMED"/,
    );
    await expect(appendEvents(db.dataSource.manager, [{ tenantId, type: DirectoryEventType.USER_CREATED, payload: [] as never }])).rejects.toThrow(
      'events[0].payload must be a JSON object; got an array',
    );
  });

  it("serialises one tenant's writers, so a later sequence never becomes visible before an earlier one", async () => {
    const tenantId = await seedTenant(db.dataSource);
    const first = db.dataSource.createQueryRunner();
    await first.connect();
    await first.startTransaction();
    const [early] = await appendEvents(first.manager, [{ tenantId, type: DirectoryEventType.USER_UPDATED, payload: { n: 1 } }]);
    // A second writer for the same tenant waits for the first to commit before it draws a sequence.
    let secondDone = false;
    const second = commitEvents(db.dataSource, tenantId, [2]).then((events) => {
      secondDone = true;
      return events;
    });
    // The second blocks on the tenant's advisory lock (observed in pg_locks, not guessed with a sleep)...
    while ((await db.dataSource.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    // ...and while the first is open, nothing of this tenant is visible to readers.
    expect(await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 })).toEqual([]);
    expect(secondDone).toBe(false);
    await first.commitTransaction();
    await first.release();
    const [late] = await second;
    expect(BigInt(late.sequence)).toBeGreaterThan(BigInt(early.sequence));
    expect((await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 })).map((event) => event.payload.n)).toEqual([1, 2]);
  });

  it('reads one tenant after a sequence, filtered by type, oldest first, a page at a time', async () => {
    const tenantId = await seedTenant(db.dataSource);
    const other = await seedTenant(db.dataSource, 'other');
    const events = await commitEvents(db.dataSource, tenantId, range(1, 6));
    await commitEvents(db.dataSource, other, [99]);
    await commitEvents(db.dataSource, tenantId, [7], DirectoryEventType.DRIFT_DETECTED);
    const page = await readEvents(db.dataSource, { tenantId, afterSequence: events[1].sequence, limit: 3 });
    expect(page.map((event) => event.payload.n)).toEqual([3, 4, 5]);
    const drift = await readEvents(db.dataSource, { tenantId, afterSequence: null, types: ['DRIFT_DETECTED'], limit: 10 });
    expect(drift.map((event) => event.payload.n)).toEqual([7]);
  });
});

describe('retention purge', () => {
  it('deletes events older than the cut-off, in batches, and records per tenant the last sequence it deleted', async () => {
    const tenantId = await seedTenant(db.dataSource);
    const quiet = await seedTenant(db.dataSource, 'quiet');
    const old = await commitEvents(db.dataSource, tenantId, range(1, 5));
    const recent = await commitEvents(db.dataSource, tenantId, range(6, 7));
    await db.dataSource.query(`UPDATE directory_events SET occurred_at = now() - interval '40 days' WHERE sequence = ANY ($1::bigint[])`, [old.map((e) => e.sequence)]);
    const cutoff = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    expect(await purgeEventsBefore(db.dataSource, cutoff, 2)).toBe(5);
    expect((await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 })).map((event) => event.payload.n)).toEqual([6, 7]);
    expect(await purgedThrough(db.dataSource, tenantId)).toBe(old[4].sequence);
    expect(await purgedThrough(db.dataSource, quiet)).toBe('0');
    expect(await purgeEventsBefore(db.dataSource, cutoff)).toBe(0);
    expect(recent).toHaveLength(2);
  });
});

describe('tenant status changes', () => {
  it('append a TENANT_STATUS_CHANGED event in the same transaction as the history row', async () => {
    const tenantId = await seedTenant(db.dataSource);
    await db.dataSource.query(`UPDATE tenants SET status = 'PENDING_CONSENT' WHERE id = $1`, [tenantId]);
    await applyTenantEvent(db.dataSource, tenantId, 'CONSENT_GRANTED', 'admin consented');
    const events = await readEvents(db.dataSource, { tenantId, afterSequence: null, limit: 10 });
    expect(events).toEqual([
      expect.objectContaining({ type: 'TENANT_STATUS_CHANGED', subjectId: null, payload: { from: 'PENDING_CONSENT', to: 'ACTIVE', reason: 'admin consented' } }),
    ]);
  });
});
