/**
 * Streaming one resource's delta round (users/delta or groups/delta) into the staging tables: pages are
 * folded (delta-buffer.ts: repeats merged) and written while the next pages are fetched (the pages that
 * arrive during a write are folded into the next one); repeats across pages (a large group's members split over pages, replayed changes) are merged by
 * the staging upserts with the same rules as the fold. Memory stays at a few pages whatever the tenant's size.
 *
 * The writes commit as they go but are invisible: only the round's applying transaction reads them (keyed by
 * the round's lease token), and the next round of the tenant deletes what a dead round left.
 */
import { DeltaResyncRequiredError, type GraphClient, type GraphPage } from '../graph';
import type { Logger } from '../logging';
import { DeltaBuffer, GROUP_FIELDS, USER_FIELDS } from './delta-buffer';
import { chunks, type Sql } from './sql';

export type Resource = 'users' | 'groups';

export const USERS_DELTA_START = `/users/delta?$select=id,${USER_FIELDS.join(',')}`;
export const GROUPS_DELTA_START = `/groups/delta?$select=id,${GROUP_FIELDS.join(',')},members`;

/**
 * Objects (and member entries / 10) folded while a write is in flight before the stream waits for it: the
 * pages that arrive meanwhile are folded together into the next write, so a slower database gets fewer,
 * larger statements instead of a queue of small ones, and the fetching only waits when this much is pending.
 */
const PENDING_CAP = 1_000;
const pendingSize = (b: DeltaBuffer) => b.objects + b.memberEntries / 10;

export interface StreamProgress {
  pages: number;
  objects: number;
}

export interface StreamResult {
  deltaLink: string;
  /** A full round (first load or resync): objects it does not list are gone. */
  full: boolean;
  resync: boolean;
  pages: number;
}

export interface StreamOptions {
  tenantId: string;
  roundId: string;
  client: GraphClient;
  resource: Resource;
  link: string | null;
  sql: Sql;
  signal: AbortSignal;
  log: Logger;
  /** After each page is read (progress logs, lease renewal, test hooks). */
  afterPage(resource: Resource, page: number, items: number): Promise<void>;
  /** Where a folded page goes; default: the staging tables (a tenant's first load writes to its snapshot: load-direct.ts). */
  writePage?(buffer: DeltaBuffer): Promise<void>;
}

export async function streamToStage(opts: StreamOptions): Promise<StreamResult> {
  const start = opts.resource === 'users' ? USERS_DELTA_START : GROUPS_DELTA_START;
  if (opts.link === null) return { ...(await run(opts, start)), full: true, resync: false };
  try {
    return { ...(await run(opts, opts.link)), full: false, resync: false };
  } catch (error) {
    if (!(error instanceof DeltaResyncRequiredError)) throw error;
    // Our own start URL rather than the 410's Location: the same full round, with our $select kept.
    opts.log.warn({ resource: opts.resource, code: error.code, status: error.status }, 'delta token no longer valid: full resync diffed against the snapshot');
    // What the broken round staged is not part of the full one.
    await clearStage(opts.sql, opts.tenantId, opts.roundId, opts.resource);
    return { ...(await run(opts, start)), full: true, resync: true };
  }
}

async function run(opts: StreamOptions, url: string): Promise<{ deltaLink: string; pages: number }> {
  let pages = 0;
  // One write at a time, in page order (the merge rules depend on it), behind the fetching: the pages that
  // arrive while a write runs are folded into one buffer (DeltaBuffer folds any run of consecutive pages with
  // the rules the writes apply across pages), written next.
  let pending: DeltaBuffer | null = null;
  let writing: Promise<void> | null = null;
  let failure: unknown;
  // A stream over the cap waits for the pending pages to be taken by the next write, not for that write.
  let taken: (() => void) | null = null;
  const write = (buffer: DeltaBuffer) => (opts.writePage ? opts.writePage(buffer) : stagePage(opts.sql, opts.tenantId, opts.roundId, opts.resource, buffer));
  const drain = async (): Promise<void> => {
    try {
      while (pending !== null && failure === undefined) {
        const buffer: DeltaBuffer = pending;
        pending = null;
        taken?.();
        await write(buffer);
      }
    } catch (error) {
      failure ??= error;
    } finally {
      writing = null;
      taken?.();
    }
  };
  const deltaLink = await opts.client
    .deltaRound<unknown>(
      url,
      async (page: GraphPage<unknown>) => {
        if (failure) throw failure;
        const buffer: DeltaBuffer = pending ?? new DeltaBuffer();
        if (opts.resource === 'users') buffer.addUsers(page.items);
        else buffer.addGroups(page.items);
        pages++;
        if (buffer.objects > 0) {
          pending = buffer;
          writing ??= drain();
          if (pending === buffer && pendingSize(buffer) > PENDING_CAP) await new Promise<void>((resolve) => (taken = resolve)).finally(() => (taken = null));
        }
        await opts.afterPage(opts.resource, pages, page.items.length);
      },
      { signal: opts.signal },
    )
    .finally(async () => {
      while (writing) await writing;
    });
  while (writing) await writing;
  if (failure) throw failure;
  return { deltaLink, pages };
}

export async function clearStage(sql: Sql, tenantId: string, roundId: string | null, resource?: Resource): Promise<void> {
  const tables =
    resource === 'users' ? ['sync_stage_users'] : resource === 'groups' ? ['sync_stage_groups', 'sync_stage_members'] : ['sync_stage_users', 'sync_stage_groups', 'sync_stage_members', 'sync_stage_gone', 'sync_stage_reach'];
  const where = roundId === null ? 'tenant_id = $1' : 'tenant_id = $1 AND round_id = $2';
  // One round trip for all the tables (data-modifying CTEs all run): a quiet round pays one statement here, not five.
  const deletes = tables.map((table, i) => `d${i} AS (DELETE FROM ${table} WHERE ${where} RETURNING 1)`);
  const counted = tables.map((_, i) => `(SELECT count(*) FROM d${i})`).join(' + ');
  const [r] = await sql.rows(`WITH ${deletes.join(', ')} SELECT (${counted})::int AS deleted`, roundId === null ? [tenantId] : [tenantId, roundId]);
  sql.meter.rowsWritten += r.deleted;
}

/** The merge of a later entry into an earlier one, as DeltaBuffer does it: a removal wipes, a reappearance starts again. */
const MERGE_FIELDS = (table: string) => `
  removed = EXCLUDED.removed,
  fields = CASE WHEN EXCLUDED.removed IS NOT NULL THEN '{}'::jsonb
                WHEN ${table}.removed IS NOT NULL THEN EXCLUDED.fields
                ELSE ${table}.fields || EXCLUDED.fields END`;

/** Writes one folded page to the staging tables, merged into what the round's earlier pages staged. */
export async function stagePage(sql: Sql, tenantId: string, roundId: string, resource: Resource, buffer: DeltaBuffer): Promise<void> {
  if (resource === 'users') await stageUsers(sql, tenantId, roundId, buffer);
  else await stageGroups(sql, tenantId, roundId, buffer);
}

/** Objects removed and listed again within one page: what earlier pages staged for them is wiped first. */
async function wipeRestarted(sql: Sql, table: string, tenantId: string, roundId: string, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) {
    await sql.exec(`UPDATE ${table} SET removed = 'deleted', fields = '{}'::jsonb WHERE tenant_id = $1 AND round_id = $2 AND id = ANY($3::uuid[])`, [tenantId, roundId, chunk]);
  }
}

async function stageUsers(sql: Sql, tenantId: string, roundId: string, buffer: DeltaBuffer): Promise<void> {
  const users = [...buffer.users.values()];
  await wipeRestarted(sql, 'sync_stage_users', tenantId, roundId, users.filter((u) => u.restarted).map((u) => u.id));
  for (const chunk of chunks(users)) {
    await sql.exec(
      `INSERT INTO sync_stage_users (tenant_id, round_id, id, removed, fields)
       SELECT $1::uuid, $2::uuid, u.id, u.removed, u.fields FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS u (id, removed, fields)
       ON CONFLICT (tenant_id, round_id, id) DO UPDATE SET ${MERGE_FIELDS('sync_stage_users')}`,
      [tenantId, roundId, chunk.map((u) => u.id), chunk.map((u) => u.removed), chunk.map((u) => JSON.stringify(u.fields))],
    );
  }
}

async function stageGroups(sql: Sql, tenantId: string, roundId: string, buffer: DeltaBuffer): Promise<void> {
  const groups = [...buffer.groups.values()];
  await wipeRestarted(sql, 'sync_stage_groups', tenantId, roundId, groups.filter((g) => g.restarted).map((g) => g.id));
  const removed = groups.filter((g) => g.removed || g.restarted).map((g) => g.id);
  // A removed group takes the members earlier pages staged for it (a restarted one too: its listing starts again).
  for (const chunk of chunks(removed)) {
    await sql.exec(`DELETE FROM sync_stage_members WHERE tenant_id = $1 AND round_id = $2 AND group_id = ANY($3::uuid[])`, [tenantId, roundId, chunk]);
  }
  for (const chunk of chunks(groups)) {
    await sql.exec(
      `INSERT INTO sync_stage_groups (tenant_id, round_id, id, removed, fields)
       SELECT $1::uuid, $2::uuid, g.id, g.removed, g.fields FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS g (id, removed, fields)
       ON CONFLICT (tenant_id, round_id, id) DO UPDATE SET ${MERGE_FIELDS('sync_stage_groups')}`,
      [tenantId, roundId, chunk.map((g) => g.id), chunk.map((g) => g.removed), chunk.map((g) => JSON.stringify(g.fields))],
    );
  }
  const members: Array<{ groupId: string; memberId: string; type: string; removed: boolean }> = [];
  for (const g of groups) if (!g.removed) for (const [memberId, change] of g.members) members.push({ groupId: g.id, memberId, type: change.type, removed: change.removed });
  for (const chunk of chunks(members)) {
    await sql.exec(
      `INSERT INTO sync_stage_members (tenant_id, round_id, group_id, member_id, member_type, removed)
       SELECT $1::uuid, $2::uuid, m.* FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::boolean[]) AS m
       ON CONFLICT (tenant_id, round_id, group_id, member_id) DO UPDATE SET member_type = EXCLUDED.member_type, removed = EXCLUDED.removed`,
      [tenantId, roundId, chunk.map((m) => m.groupId), chunk.map((m) => m.memberId), chunk.map((m) => m.type), chunk.map((m) => m.removed)],
    );
  }
}
