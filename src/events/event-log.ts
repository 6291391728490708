/**
 * The change-event log: the one write path (appendEvents, inside the caller's transaction) and the one read
 * path (readEvents) that polling, replay and live delivery all share, plus the retention purge.
 *
 * Ordering guarantee: within one tenant, sequence order is commit order. appendEvents takes a per-tenant
 * transaction-scoped advisory lock BEFORE drawing sequence numbers, so a transaction that draws 11 cannot commit
 * while another that drew 10 for the same tenant is still open. Without it a reader could see 11, move its
 * cursor past 10, and lose 10 forever when it commits a moment later (the classic outbox gap). The price: two
 * transactions writing events for the same tenant run their event-writing parts one after the other, from
 * their first appendEvents until commit, so call it late in long transactions.
 *
 * NOTIFY carries only the tenant id. PostgreSQL delivers it on commit (never for a rolled-back transaction) and
 * folds identical payloads of one transaction into one; listeners then read the rows from the table.
 */
import { recordEventsAppended } from '../observability/metrics';
import type { EntityManager } from 'typeorm';
import { DirectoryEventType, NewDirectoryEvent } from './event.types';

export const EVENTS_CHANNEL = 'directory_events';

/** Namespaces our advisory locks (two-int form): "EVNT". */
const EVENT_LOCK_CLASS = 0x45564e54;

/** Rows per INSERT: keeps one statement's parameter arrays and RETURNING set bounded for bulk syncs. */
const INSERT_CHUNK = 5_000;

export interface StoredEvent {
  /** bigint as a decimal string. */
  sequence: string;
  tenantId: string;
  type: DirectoryEventType;
  subjectId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/** Anything that can run a query: a DataSource, an EntityManager, a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

const KNOWN_TYPES = new Set<string>(Object.values(DirectoryEventType));

/**
 * Inserts the events in the caller's transaction and queues a NOTIFY per tenant that PostgreSQL sends on commit.
 * Returns them with their sequence and time, in the order given. Called outside a transaction, it opens one.
 */
export async function appendEvents(manager: EntityManager, events: NewDirectoryEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  if (!manager.queryRunner?.isTransactionActive) {
    return manager.transaction((tx) => appendEvents(tx, events));
  }
  events.forEach(validateEvent);
  // Sorted, so two transactions appending for the same tenants lock them in the same order (no deadlock).
  const tenantIds = [...new Set(events.map((event) => event.tenantId))].sort();
  await manager.query(
    `SELECT pg_advisory_xact_lock($1::int, hashtext(t)) FROM unnest($2::text[]) AS t ORDER BY t`,
    [EVENT_LOCK_CLASS, tenantIds],
  );
  const stored: StoredEvent[] = [];
  for (let start = 0; start < events.length; start += INSERT_CHUNK) {
    const chunk = events.slice(start, start + INSERT_CHUNK);
    const rows: EventRow[] = await manager.query(
      `INSERT INTO directory_events (tenant_id, type, subject_id, payload)
       SELECT e.tenant_id, e.type, e.subject_id, e.payload::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
              AS e (tenant_id, type, subject_id, payload, ord)
        ORDER BY e.ord
       RETURNING ${COLUMNS}`,
      [
        chunk.map((event) => event.tenantId),
        chunk.map((event) => event.type),
        chunk.map((event) => event.subjectId ?? null),
        chunk.map((event) => JSON.stringify(event.payload)),
      ],
    );
    stored.push(...rows.map(toStoredEvent).sort(bySequence));
  }
  // Counted at append: a transaction that later rolls back (rare: a failed sync round's commit) was counted too.
  recordEventsAppended(events.map((event) => event.type));
  await manager.query(`SELECT pg_notify($1, t) FROM unnest($2::text[]) AS t`, [EVENTS_CHANNEL, tenantIds]);
  return stored;
}

export interface ReadEventsOptions {
  tenantId: string;
  /** Exclusive; null: from the oldest event kept. */
  afterSequence: string | null;
  /** Empty or absent: every type. */
  types?: readonly string[] | null;
  limit: number;
}

/** One tenant's events after a sequence, oldest first. */
export async function readEvents(db: Queryable, opts: ReadEventsOptions): Promise<StoredEvent[]> {
  const types = opts.types && opts.types.length > 0 ? [...opts.types] : null;
  const rows: EventRow[] = await db.query(
    `SELECT ${COLUMNS} FROM directory_events
      WHERE tenant_id = $1 AND sequence > $2::bigint AND ($3::text[] IS NULL OR type = ANY ($3::text[]))
      ORDER BY sequence
      LIMIT $4`,
    [opts.tenantId, opts.afterSequence ?? '0', types, opts.limit],
  );
  return rows.map(toStoredEvent);
}

/**
 * Deletes events that occurred before `olderThan`, in batches (short transactions, no long lock on a big
 * table), and records per tenant the highest sequence deleted (see purgedThrough). Returns how many went.
 */
export async function purgeEventsBefore(db: Queryable, olderThan: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    // One statement: the rows go and the watermark moves together, even without a surrounding transaction.
    const rows: Array<{ deleted: string }> = await db.query(
      `WITH doomed AS (
         SELECT sequence FROM directory_events WHERE occurred_at < $1 ORDER BY sequence LIMIT $2
       ), deleted AS (
         DELETE FROM directory_events d USING doomed WHERE d.sequence = doomed.sequence
         RETURNING d.tenant_id, d.sequence
       ), marked AS (
         INSERT INTO directory_event_purges (tenant_id, purged_through)
         SELECT tenant_id, max(sequence) FROM deleted GROUP BY tenant_id
         ON CONFLICT (tenant_id) DO UPDATE
           SET purged_through = GREATEST(directory_event_purges.purged_through, EXCLUDED.purged_through),
               purged_at = now()
       )
       SELECT count(*)::text AS deleted FROM deleted`,
      [olderThan, batchSize],
    );
    const deleted = Number(rows[0]?.deleted ?? 0);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * The highest sequence of the tenant's events that retention deleted ('0' when none): a cursor before it
 * has missed events that no longer exist.
 */
export async function purgedThrough(db: Queryable, tenantId: string): Promise<string> {
  const rows: Array<{ purged_through: string }> = await db.query(
    `SELECT purged_through FROM directory_event_purges WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows.length > 0 ? String(rows[0].purged_through) : '0';
}

/** The cut-off for a retention of `days`, counted back from `now`. */
export function retentionCutoff(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
}

const COLUMNS = 'sequence, tenant_id, type, subject_id, payload, occurred_at';

interface EventRow {
  sequence: string;
  tenant_id: string;
  type: string;
  subject_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    sequence: String(row.sequence),
    tenantId: row.tenant_id,
    type: row.type as DirectoryEventType,
    subjectId: row.subject_id,
    payload: row.payload,
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
  };
}

export function bySequence(a: { sequence: string }, b: { sequence: string }): number {
  const x = BigInt(a.sequence);
  const y = BigInt(b.sequence);
  return x < y ? -1 : x > y ? 1 : 0;
}

function validateEvent(event: NewDirectoryEvent, index: number): void {
  if (!KNOWN_TYPES.has(event.type)) {
    throw new TypeError(`appendEvents: events[${index}].type must be one of ${[...KNOWN_TYPES].join(', ')}; got ${JSON.stringify(event.type)}`);
  }
  if (typeof event.tenantId !== 'string' || event.tenantId.length === 0) {
    throw new TypeError(`appendEvents: events[${index}].tenantId must be a tenant id; got ${JSON.stringify(event.tenantId)}`);
  }
  if (typeof event.payload !== 'object' || event.payload === null || Array.isArray(event.payload)) {
    throw new TypeError(`appendEvents: events[${index}].payload must be a JSON object; got ${Array.isArray(event.payload) ? 'an array' : typeof event.payload}`);
  }
}
