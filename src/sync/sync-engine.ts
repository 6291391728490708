/**
 * One delta round per tenant: users/delta and groups/delta (members tracked) to their deltaLinks, folded per
 * object (delta-buffer.ts), then applied to the snapshot in ONE transaction together with the change events
 * (an outbox: appendEvents in the same transaction) and the new deltaLinks.
 *
 * Crash story. Pages are buffered in memory and nothing is written until the round has reached both
 * deltaLinks. The snapshot changes, the events and the deltaLinks then commit together, so a process that dies
 * anywhere before that commit leaves the previous snapshot, no event and the previous deltaLinks: the next
 * round (here or in another process, once the lease expires) replays the same delta and the diff against the
 * snapshot emits each event once. A process that dies after the commit has nothing left to do. The initial
 * full load is applied the same way (one transaction; statements in bounded chunks of rows): committing it in
 * chunks would save little (the snapshot is only usable complete, and its deltaLink only valid at the end)
 * and the buffer stays small (a 20,000-user tenant is a few tens of MB; see bench/sync.bench.ts).
 *
 * The first round is the full load: it emits no event but SYNC_COMPLETED. An expired or reset delta token
 * (DeltaResyncRequiredError) restarts that stream with a full round that is diffed against the snapshot like
 * any other, so only real differences become events.
 *
 * One process syncs a tenant at a time: a lease row in sync_state taken with one atomic UPDATE, renewed while
 * pages arrive, and checked again (row-locked) inside the applying transaction, so a process that lost its
 * lease (it stalled past expiry and another took over) cannot commit a stale round.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendEvents } from '../events/event-log';
import { DirectoryEventType, type NewDirectoryEvent } from '../events/event.types';
import { DeltaResyncRequiredError, type GraphClient, type GraphPage } from '../graph';
import type { Logger } from '../logging';
import type { AccessService } from '../access/access.service';
import { resolveTier, type TierDef } from '../access/tier-resolution';
import { Tenant } from '../tenants/tenant.entity';
import {
  changedFields,
  DeltaBuffer,
  GROUP_FIELDS,
  USER_FIELDS,
  type GroupValues,
  type UserValues,
} from './delta-buffer';
import { diffEffective, effectiveUsers, withAncestors, withDescendants, type EffectiveRow } from './effective';
import { nextRunDelaySeconds } from './schedule';
import type { SyncCounts } from './snapshot.entity';

export type SyncMode = 'INITIAL' | 'INCREMENTAL' | 'RESYNC';
type Resource = 'users' | 'groups';

export const USERS_DELTA_START = `/users/delta?$select=id,${USER_FIELDS.join(',')}`;
export const GROUPS_DELTA_START = `/groups/delta?$select=id,${GROUP_FIELDS.join(',')},members`;

/** Rows per INSERT/UPDATE statement (parameters are arrays, so this bounds statement size, not a parameter count). */
const CHUNK = 5_000;

export interface SyncHooks {
  /** After each page is buffered (tests: throw to simulate a crash mid-round, or wait to hold the lease). */
  afterPage?(info: { tenantId: string; resource: Resource; page: number }): void | Promise<void>;
  /** Inside the applying transaction, after the events were appended, before commit. */
  beforeCommit?(info: { tenantId: string; events: number }): void | Promise<void>;
}

export interface SyncEngineOptions {
  dataSource: DataSource;
  /** The tenant's Graph client (services.directory.client). */
  clientFor: (tenantId: string) => GraphClient;
  access: AccessService;
  logger: Logger;
  /** Lease holder name; default host:pid:random. */
  owner?: string;
  /** How long a lease lasts without renewal; default 120 s. */
  leaseSeconds?: number;
  /** Interval used when a tenant has none; default 300 s. */
  defaultIntervalSeconds?: number;
  /** Log a progress line every this many pages; default 25. */
  progressEveryPages?: number;
  hooks?: SyncHooks;
  /**
   * After every round that ran, committed or failed (the drift rules: issue 6). Runs outside the round's
   * transaction and lease; its failures are logged, never turned into a failed round.
   */
  afterRound?: (tenantId: string, outcome: { consecutiveFailures: number }) => Promise<unknown>;
  random?: () => number;
}

export type RoundResult =
  | { ran: false; reason: 'LEASE_HELD' | 'TENANT_NOT_ACTIVE' | 'TENANT_NOT_FOUND' }
  | {
      ran: true;
      mode: SyncMode;
      pages: number;
      objects: number;
      /** Change events (SYNC_COMPLETED not counted). */
      events: number;
      durationMs: number;
      /** Of durationMs: reading the delta pages from Graph (the rest is applying them to the snapshot). */
      fetchMs: number;
      graphRequests: number;
      counts: SyncCounts;
    };

export class LeaseLostError extends Error {
  constructor(tenantId: string, owner: string) {
    super(`sync of tenant ${tenantId}: this process (${owner}) no longer holds the lease; another process took over, so this round is abandoned`);
    this.name = 'LeaseLostError';
  }
}

interface StreamResult {
  buffer: DeltaBuffer;
  deltaLink: string;
  /** The stream was a full round (first load or resync): absent objects are gone. */
  full: boolean;
  resync: boolean;
  pages: number;
}

type UserRow = UserValues & { id: string; deleted: boolean };
type GroupRow = GroupValues & { id: string; deleted: boolean };

interface MembershipChange {
  groupId: string;
  memberId: string;
  memberType: string;
  reason: string;
}

export class SyncEngine {
  readonly owner: string;
  private readonly leaseSeconds: number;
  private readonly defaultInterval: number;
  private readonly progressEvery: number;
  private readonly random: () => number;
  private readonly aborter = new AbortController();

  constructor(private readonly opts: SyncEngineOptions) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseSeconds = opts.leaseSeconds ?? 120;
    this.defaultInterval = opts.defaultIntervalSeconds ?? 300;
    this.progressEvery = opts.progressEveryPages ?? 25;
    this.random = opts.random ?? Math.random;
  }

  /** Stops rounds in flight (their Graph calls are aborted; nothing they did is committed). */
  close(): void {
    this.aborter.abort(new Error('sync engine closed'));
  }

  /** One round for the tenant, if this process can take its lease. Failures are recorded on sync_state and rethrown. */
  async runRound(tenantId: string): Promise<RoundResult> {
    const { dataSource } = this.opts;
    const tenant = await dataSource.getRepository(Tenant).findOneBy({ id: tenantId });
    if (!tenant) return { ran: false, reason: 'TENANT_NOT_FOUND' };
    if (tenant.status !== 'ACTIVE') return { ran: false, reason: 'TENANT_NOT_ACTIVE' };
    await dataSource.query(`INSERT INTO sync_state (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
    const leased: Array<{ users_delta_link: string | null; groups_delta_link: string | null; consecutive_failures: number }> = await dataSource.query(
      `UPDATE sync_state SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
        WHERE tenant_id = $1 AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at < now() OR lease_owner = $2)
        RETURNING users_delta_link, groups_delta_link, consecutive_failures`,
      [tenantId, this.owner, this.leaseSeconds],
    ).then(rows);
    if (leased.length === 0) return { ran: false, reason: 'LEASE_HELD' };
    const state = leased[0];
    const interval = tenant.syncIntervalSeconds > 0 ? tenant.syncIntervalSeconds : this.defaultInterval;
    const started = Date.now();
    const log = this.opts.logger.child({ component: 'sync', tenantId });
    let consecutiveFailures = state.consecutive_failures;
    try {
      const client = this.opts.clientFor(tenantId);
      const requestsBefore = client.counters().requests;
      const initial = state.users_delta_link === null && state.groups_delta_link === null;
      const progress = { pages: 0, objects: 0, lastRenewal: Date.now() };
      const users = await this.stream(tenantId, client, 'users', state.users_delta_link, progress, started, log);
      const groups = await this.stream(tenantId, client, 'groups', state.groups_delta_link, progress, started, log);
      const mode: SyncMode = initial ? 'INITIAL' : users.resync || groups.resync ? 'RESYNC' : 'INCREMENTAL';
      const graphRequests = client.counters().requests - requestsBefore;
      const fetchMs = Date.now() - started;
      const result = await dataSource.transaction((manager) =>
        this.apply(manager, { tenantId, mode, users, groups, started, graphRequests, interval, fetchMs }),
      );
      log.info({ mode, pages: result.pages, objects: result.objects, events: result.events, durationMs: result.durationMs, graphRequests }, 'sync round completed');
      consecutiveFailures = 0;
      return result;
    } catch (error) {
      // Stopped by close() (the process is stopping): nothing was committed and nothing failed; the lease expires.
      if (this.aborter.signal.aborted) {
        log.info('sync round abandoned: the gateway is stopping');
        throw error;
      }
      consecutiveFailures = state.consecutive_failures + 1;
      await this.recordFailure(tenantId, error, consecutiveFailures, interval, Date.now() - started).catch((e: unknown) =>
        log.error({ err: e }, 'could not record the sync failure'),
      );
      log.warn({ err: error, consecutiveFailures }, 'sync round failed');
      throw error;
    } finally {
      await dataSource
        .query(`UPDATE sync_state SET lease_owner = NULL, lease_expires_at = NULL WHERE tenant_id = $1 AND lease_owner = $2`, [tenantId, this.owner])
        .catch((e: unknown) => log.error({ err: e }, 'could not release the sync lease (it expires by itself)'));
      await this.opts.afterRound?.(tenantId, { consecutiveFailures }).catch((e: unknown) => log.error({ err: e }, 'after-round work failed'));
    }
  }

  private async stream(
    tenantId: string,
    client: GraphClient,
    resource: Resource,
    link: string | null,
    progress: { pages: number; objects: number; lastRenewal: number },
    started: number,
    log: Logger,
  ): Promise<StreamResult> {
    const start = resource === 'users' ? USERS_DELTA_START : GROUPS_DELTA_START;
    const run = async (url: string): Promise<{ buffer: DeltaBuffer; deltaLink: string; pages: number }> => {
      const buffer = new DeltaBuffer();
      let pages = 0;
      const deltaLink = await client.deltaRound<unknown>(
        url,
        async (page: GraphPage<unknown>) => {
          if (resource === 'users') buffer.addUsers(page.items);
          else buffer.addGroups(page.items);
          pages++;
          progress.pages++;
          progress.objects += page.items.length;
          if (progress.pages % this.progressEvery === 0) {
            log.info({ resource, pages: progress.pages, objects: progress.objects, elapsedMs: Date.now() - started }, 'sync progress');
          }
          // Renew at a third of the lease, so one slow page cannot let it lapse.
          if (Date.now() - progress.lastRenewal > (this.leaseSeconds * 1000) / 3) {
            await this.renewLease(tenantId);
            progress.lastRenewal = Date.now();
          }
          await this.opts.hooks?.afterPage?.({ tenantId, resource, page: pages });
        },
        { signal: this.aborter.signal },
      );
      return { buffer, deltaLink, pages };
    };
    if (link === null) return { ...(await run(start)), full: true, resync: false };
    try {
      return { ...(await run(link)), full: false, resync: false };
    } catch (error) {
      if (!(error instanceof DeltaResyncRequiredError)) throw error;
      // Our own start URL rather than the 410's Location: the same full round, with our $select kept.
      log.warn({ resource, code: error.code, status: error.status }, 'delta token no longer valid: full resync diffed against the snapshot');
      return { ...(await run(start)), full: true, resync: true };
    }
  }

  private async renewLease(tenantId: string): Promise<void> {
    const renewed = rows(
      await this.opts.dataSource.query(
        `UPDATE sync_state SET lease_expires_at = now() + make_interval(secs => $3) WHERE tenant_id = $1 AND lease_owner = $2 RETURNING tenant_id`,
        [tenantId, this.owner, this.leaseSeconds],
      ),
    );
    if (renewed.length === 0) throw new LeaseLostError(tenantId, this.owner);
  }

  private async recordFailure(tenantId: string, error: unknown, failures: number, interval: number, durationMs: number): Promise<void> {
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
    const delay = nextRunDelaySeconds({ ok: false, consecutiveFailures: failures, intervalSeconds: interval, random: this.random() });
    await this.opts.dataSource.query(
      `UPDATE sync_state SET consecutive_failures = consecutive_failures + 1, last_error = $3, last_error_at = now(),
              last_duration_ms = $4, next_run_at = now() + make_interval(secs => $5)
        WHERE tenant_id = $1 AND lease_owner = $2`,
      [tenantId, this.owner, message, durationMs, delay],
    );
  }

  private async apply(
    m: EntityManager,
    round: { tenantId: string; mode: SyncMode; users: StreamResult; groups: StreamResult; started: number; graphRequests: number; interval: number; fetchMs: number },
  ): Promise<Extract<RoundResult, { ran: true }>> {
    const { tenantId, mode } = round;
    // Fencing: the lease is re-checked under a row lock; a process that lost it must not commit.
    const [lease] = rows(await m.query(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1 FOR UPDATE`, [tenantId]));
    if (lease?.lease_owner !== this.owner) throw new LeaseLostError(tenantId, this.owner);

    const emit = mode !== 'INITIAL';
    const events: NewDirectoryEvent[] = [];
    const push = (type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>) => {
      if (emit) events.push({ tenantId, type, subjectId, payload });
    };

    const userOutcome = await this.applyUsers(m, tenantId, round.users, push);
    const groupOutcome = await this.applyGroups(m, tenantId, round.groups, userOutcome.deleted, push);
    const names = groupOutcome.names;
    const effective = await this.recomputeEffective(m, tenantId, round.groups.full ? null : groupOutcome.touched);
    const named = (ids: string[]) => ids.map((id) => names.get(id) ?? null);
    for (const row of effective.removed) {
      push(DirectoryEventType.MEMBERSHIP_REMOVED, row.userId, {
        scope: 'EFFECTIVE', groupId: row.groupId, groupDisplayName: names.get(row.groupId) ?? null, memberId: row.userId, memberType: 'user', path: row.path, pathNames: named(row.path),
      });
    }
    for (const row of effective.added) {
      push(DirectoryEventType.MEMBERSHIP_ADDED, row.userId, {
        scope: 'EFFECTIVE', groupId: row.groupId, groupDisplayName: names.get(row.groupId) ?? null, memberId: row.userId, memberType: 'user', path: row.path, pathNames: named(row.path),
      });
    }
    if (emit) await this.tierChanges(m, tenantId, effective, userOutcome.enabledChanges, names, push);

    const counts = await this.totals(m, tenantId);
    const durationMs = Date.now() - round.started;
    const pages = round.users.pages + round.groups.pages;
    const objects = round.users.buffer.objects + round.groups.buffer.objects;
    const changeEvents = events.length;
    const summary: SyncCounts = { ...counts, mode, pages, objects, events: changeEvents, graphRequests: round.graphRequests };
    // SYNC_COMPLETED is emitted for every round, the first included.
    events.push({
      tenantId,
      type: DirectoryEventType.SYNC_COMPLETED,
      subjectId: null,
      payload: {
        mode,
        users: round.users.full ? 'FULL' : 'DELTA',
        groups: round.groups.full ? 'FULL' : 'DELTA',
        counts,
        pages,
        objects,
        events: changeEvents,
        graphRequests: round.graphRequests,
        durationMs,
        fetchMs: round.fetchMs,
      },
    });
    const delay = nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: round.interval, random: this.random() });
    await m.query(
      `UPDATE sync_state SET users_delta_link = $2, groups_delta_link = $3, last_success_at = now(), last_error = NULL,
              consecutive_failures = 0, last_duration_ms = $4, counts = $5::jsonb, next_run_at = now() + make_interval(secs => $6)
        WHERE tenant_id = $1`,
      [tenantId, round.users.deltaLink, round.groups.deltaLink, durationMs, JSON.stringify(summary), delay],
    );
    // Late in the transaction: appendEvents serialises event writers of a tenant from here to commit.
    await appendEvents(m, events);
    await this.opts.hooks?.beforeCommit?.({ tenantId, events: events.length });
    return { ran: true, mode, pages, objects, events: changeEvents, durationMs, fetchMs: round.fetchMs, graphRequests: round.graphRequests, counts: summary };
  }

  private async applyUsers(
    m: EntityManager,
    tenantId: string,
    stream: StreamResult,
    push: (type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>) => void,
  ): Promise<{ deleted: Set<string>; enabledChanges: Map<string, { before: boolean | null; after: boolean | null }> }> {
    const { buffer, full } = stream;
    const existing = new Map<string, UserRow>();
    const loaded = rows(
      await m.query(
        `SELECT id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type, deleted_at IS NOT NULL AS deleted
           FROM snapshot_users WHERE tenant_id = $1 ${full ? '' : 'AND id = ANY($2::uuid[])'}`,
        full ? [tenantId] : [tenantId, [...buffer.users.keys()]],
      ),
    );
    for (const r of loaded) existing.set(r.id, userRow(r));

    const upserts: UserRow[] = [];
    const deleted = new Set<string>();
    const enabledChanges = new Map<string, { before: boolean | null; after: boolean | null }>();
    const summary = (u: Partial<UserValues>) => ({ displayName: u.displayName ?? null, userPrincipalName: u.userPrincipalName ?? null });
    const remove = (row: UserRow, reason: string) => {
      deleted.add(row.id);
      push(DirectoryEventType.USER_DELETED, row.id, { userId: row.id, ...summary(row), reason });
    };
    for (const delta of buffer.users.values()) {
      const before = existing.get(delta.id);
      if (delta.removed) {
        if (before && !before.deleted) remove(before, delta.removed === 'changed' ? 'SOFT_DELETED' : 'DELETED');
        continue;
      }
      if (!before || before.deleted) {
        const row: UserRow = { ...emptyUser(), ...(before ?? {}), ...delta.fields, id: delta.id, deleted: false };
        upserts.push(row);
        push(DirectoryEventType.USER_CREATED, row.id, { userId: row.id, restored: Boolean(before), user: userValues(row) });
        if (before && before.accountEnabled !== row.accountEnabled) enabledChanges.set(row.id, { before: before.accountEnabled, after: row.accountEnabled });
        continue;
      }
      const changed = changedFields<UserValues>(before, delta.fields);
      if (changed.length === 0) continue;
      const row: UserRow = { ...before, ...delta.fields };
      upserts.push(row);
      push(DirectoryEventType.USER_UPDATED, row.id, {
        userId: row.id,
        ...summary(row),
        changedFields: changed,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, row[k]])),
      });
      if (changed.includes('accountEnabled')) enabledChanges.set(row.id, { before: before.accountEnabled, after: row.accountEnabled });
    }
    if (full) {
      for (const row of existing.values()) if (!row.deleted && !buffer.users.has(row.id)) remove(row, 'ABSENT_FROM_FULL_SYNC');
    }

    for (const chunk of chunks(upserts)) {
      await m.query(
        `INSERT INTO snapshot_users (tenant_id, id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type, deleted_at, updated_at)
         SELECT $1::uuid, u.*, NULL::timestamptz, now() FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[]) AS u
         ON CONFLICT (tenant_id, id) DO UPDATE SET display_name = EXCLUDED.display_name, user_principal_name = EXCLUDED.user_principal_name,
           mail = EXCLUDED.mail, department = EXCLUDED.department, job_title = EXCLUDED.job_title, account_enabled = EXCLUDED.account_enabled,
           user_type = EXCLUDED.user_type, deleted_at = NULL, updated_at = now()`,
        [
          tenantId,
          chunk.map((u) => u.id),
          chunk.map((u) => u.displayName),
          chunk.map((u) => u.userPrincipalName),
          chunk.map((u) => u.mail),
          chunk.map((u) => u.department),
          chunk.map((u) => u.jobTitle),
          chunk.map((u) => u.accountEnabled),
          chunk.map((u) => u.userType),
        ],
      );
    }
    for (const chunk of chunks([...deleted])) {
      await m.query(`UPDATE snapshot_users SET deleted_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]);
    }
    return { deleted, enabledChanges };
  }

  private async applyGroups(
    m: EntityManager,
    tenantId: string,
    stream: StreamResult,
    deletedUsers: Set<string>,
    push: (type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>) => void,
  ): Promise<{ touched: Set<string>; names: Map<string, string | null> }> {
    const { buffer, full } = stream;
    const existing = new Map<string, GroupRow>();
    const loaded = rows(
      await m.query(
        `SELECT id, display_name, group_types, membership_rule, security_enabled, mail_enabled, deleted_at IS NOT NULL AS deleted
           FROM snapshot_groups WHERE tenant_id = $1`,
        [tenantId],
      ),
    );
    for (const r of loaded) existing.set(r.id, groupRow(r));

    const upserts: GroupRow[] = [];
    const deletedGroups = new Set<string>();
    for (const delta of buffer.groups.values()) {
      const before = existing.get(delta.id);
      if (delta.removed) {
        if (before && !before.deleted) deletedGroups.add(delta.id);
        continue;
      }
      if (!before || before.deleted) {
        upserts.push({ ...emptyGroup(), ...(before ?? {}), ...delta.fields, id: delta.id, deleted: false });
      } else if (changedFields<GroupValues>(before, delta.fields).length > 0) {
        upserts.push({ ...before, ...delta.fields });
      }
    }
    if (full) for (const row of existing.values()) if (!row.deleted && !buffer.groups.has(row.id)) deletedGroups.add(row.id);

    // Names for event payloads: the round's, else the snapshot's.
    const names = new Map<string, string | null>([...existing.values()].map((g) => [g.id, g.displayName]));
    for (const g of upserts) names.set(g.id, g.displayName);

    // Direct memberships: what the round says against what the snapshot holds.
    // A full round compares every group; a delta round only the groups it lists and the edges of deleted objects.
    const gone = [...deletedUsers, ...deletedGroups];
    const memberRows = rows(
      await m.query(
        full
          ? `SELECT group_id, member_id, member_type FROM snapshot_memberships WHERE tenant_id = $1`
          : `SELECT group_id, member_id, member_type FROM snapshot_memberships
              WHERE tenant_id = $1 AND (group_id = ANY($2::uuid[]) OR group_id = ANY($3::uuid[]) OR member_id = ANY($3::uuid[]))`,
        full ? [tenantId] : [tenantId, [...buffer.groups.keys()], gone],
      ),
    );
    const current = new Map<string, Map<string, string>>();
    for (const r of memberRows) {
      let members = current.get(r.group_id);
      if (!members) current.set(r.group_id, (members = new Map()));
      members.set(r.member_id, r.member_type);
    }
    const added: MembershipChange[] = [];
    const removed: MembershipChange[] = [];
    const removedKeys = new Set<string>();
    const removeEdge = (groupId: string, memberId: string, memberType: string, reason: string) => {
      const k = `${groupId}/${memberId}`;
      if (removedKeys.has(k)) return;
      removedKeys.add(k);
      removed.push({ groupId, memberId, memberType, reason });
    };
    // Deleted objects take their edges with them (Graph does not always list those removals).
    for (const [groupId, members] of current) {
      for (const [memberId, memberType] of members) {
        if (deletedGroups.has(groupId)) removeEdge(groupId, memberId, memberType, 'GROUP_DELETED');
        else if (deletedUsers.has(memberId) || deletedGroups.has(memberId)) removeEdge(groupId, memberId, memberType, 'MEMBER_DELETED');
      }
    }
    for (const delta of buffer.groups.values()) {
      if (delta.removed || deletedGroups.has(delta.id)) continue;
      const members = current.get(delta.id) ?? new Map<string, string>();
      for (const [memberId, change] of delta.members) {
        const has = members.has(memberId) && !removedKeys.has(`${delta.id}/${memberId}`);
        if (change.removed && has) removeEdge(delta.id, memberId, members.get(memberId)!, 'REMOVED');
        else if (!change.removed && !has && !deletedUsers.has(memberId) && !deletedGroups.has(memberId)) {
          added.push({ groupId: delta.id, memberId, memberType: change.type, reason: 'ADDED' });
        }
      }
      // A full round lists every current member: anyone not listed has left.
      if (full) {
        for (const [memberId, memberType] of members) if (!delta.members.has(memberId) || delta.members.get(memberId)!.removed) removeEdge(delta.id, memberId, memberType, 'ABSENT_FROM_FULL_SYNC');
      }
    }

    for (const chunk of chunks(upserts)) {
      await m.query(
        `INSERT INTO snapshot_groups (tenant_id, id, display_name, group_types, membership_rule, security_enabled, mail_enabled, deleted_at, updated_at)
         SELECT $1::uuid, g.id, g.display_name, string_to_array(g.group_types, ','), g.membership_rule, g.security_enabled, g.mail_enabled, NULL, now()
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[]) AS g (id, display_name, group_types, membership_rule, security_enabled, mail_enabled)
         ON CONFLICT (tenant_id, id) DO UPDATE SET display_name = EXCLUDED.display_name, group_types = EXCLUDED.group_types,
           membership_rule = EXCLUDED.membership_rule, security_enabled = EXCLUDED.security_enabled, mail_enabled = EXCLUDED.mail_enabled,
           deleted_at = NULL, updated_at = now()`,
        [
          tenantId,
          chunk.map((g) => g.id),
          chunk.map((g) => g.displayName),
          chunk.map((g) => g.groupTypes.join(',')),
          chunk.map((g) => g.membershipRule),
          chunk.map((g) => g.securityEnabled),
          chunk.map((g) => g.mailEnabled),
        ],
      );
    }
    for (const chunk of chunks([...deletedGroups])) {
      await m.query(`UPDATE snapshot_groups SET deleted_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]);
    }
    for (const chunk of chunks(removed)) {
      await m.query(
        `DELETE FROM snapshot_memberships s USING unnest($2::uuid[], $3::uuid[]) AS d (group_id, member_id)
          WHERE s.tenant_id = $1 AND s.group_id = d.group_id AND s.member_id = d.member_id`,
        [tenantId, chunk.map((c) => c.groupId), chunk.map((c) => c.memberId)],
      );
    }
    for (const chunk of chunks(added)) {
      await m.query(
        `INSERT INTO snapshot_memberships (tenant_id, group_id, member_id, member_type)
         SELECT $1::uuid, a.* FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS a ON CONFLICT DO NOTHING`,
        [tenantId, chunk.map((c) => c.groupId), chunk.map((c) => c.memberId), chunk.map((c) => c.memberType)],
      );
    }

    const direct = (change: MembershipChange) => ({
      scope: 'DIRECT',
      groupId: change.groupId,
      groupDisplayName: names.get(change.groupId) ?? null,
      memberId: change.memberId,
      memberType: change.memberType,
      path: [change.groupId],
      reason: change.reason,
    });
    for (const change of removed) push(DirectoryEventType.MEMBERSHIP_REMOVED, change.memberId, direct(change));
    for (const change of added) push(DirectoryEventType.MEMBERSHIP_ADDED, change.memberId, direct(change));

    const touched = new Set<string>([...deletedGroups, ...removed.map((c) => c.groupId), ...added.map((c) => c.groupId)]);
    return { touched, names };
  }

  /**
   * Recomputes effective membership for `touched` groups and their ancestors (null: every group, after a full
   * groups round) and stores the difference. Returns the added and removed rows (events are the caller's).
   */
  private async recomputeEffective(m: EntityManager, tenantId: string, touched: Set<string> | null): Promise<{ added: EffectiveRow[]; removed: EffectiveRow[] }> {
    if (touched !== null && touched.size === 0) return { added: [], removed: [] };
    const nested = rows(await m.query(`SELECT group_id, member_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_type = 'group'`, [tenantId]));
    const children = new Map<string, string[]>();
    const parents = new Map<string, string[]>();
    for (const r of nested) {
      (children.get(r.group_id) ?? children.set(r.group_id, []).get(r.group_id)!).push(r.member_id);
      (parents.get(r.member_id) ?? parents.set(r.member_id, []).get(r.member_id)!).push(r.group_id);
    }
    let affected: Set<string>;
    if (touched === null) {
      const all = rows(
        await m.query(
          `SELECT id FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL
           UNION SELECT DISTINCT group_id FROM snapshot_effective WHERE tenant_id = $1`,
          [tenantId],
        ),
      );
      affected = new Set(all.map((r) => r.id as string));
    } else {
      affected = withAncestors(touched, (g) => parents.get(g) ?? []);
    }
    const below = withDescendants(affected, (g) => children.get(g) ?? []);
    const userRows = rows(
      await m.query(
        touched === null
          ? `SELECT group_id, member_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_type = 'user'`
          : `SELECT group_id, member_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_type = 'user' AND group_id = ANY($2::uuid[])`,
        touched === null ? [tenantId] : [tenantId, [...below]],
      ),
    );
    const users = new Map<string, string[]>();
    for (const r of userRows) (users.get(r.group_id) ?? users.set(r.group_id, []).get(r.group_id)!).push(r.member_id);
    const graph = { childGroups: (g: string) => children.get(g) ?? [], users: (g: string) => users.get(g) ?? [] };

    const computed = new Map<string, Map<string, string[]>>();
    for (const groupId of affected) computed.set(groupId, effectiveUsers(groupId, graph));
    const stored: EffectiveRow[] = rows(
      await m.query(
        touched === null
          ? `SELECT group_id, user_id, path FROM snapshot_effective WHERE tenant_id = $1`
          : `SELECT group_id, user_id, path FROM snapshot_effective WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])`,
        touched === null ? [tenantId] : [tenantId, [...affected]],
      ),
    ).map((r) => ({ groupId: r.group_id, userId: r.user_id, path: r.path }));
    const diff = diffEffective(stored, computed);

    for (const chunk of chunks(diff.removed)) {
      await m.query(
        `DELETE FROM snapshot_effective s USING unnest($2::uuid[], $3::uuid[]) AS d (group_id, user_id)
          WHERE s.tenant_id = $1 AND s.group_id = d.group_id AND s.user_id = d.user_id`,
        [tenantId, chunk.map((r) => r.groupId), chunk.map((r) => r.userId)],
      );
    }
    for (const chunk of chunks([...diff.added, ...diff.rerouted])) {
      await m.query(
        `INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path)
         SELECT $1::uuid, e.group_id, e.user_id, string_to_array(e.path, '/') FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS e (group_id, user_id, path)
         ON CONFLICT (tenant_id, group_id, user_id) DO UPDATE SET path = EXCLUDED.path`,
        [tenantId, chunk.map((r) => r.groupId), chunk.map((r) => r.userId), chunk.map((r) => r.path.join('/'))],
      );
    }
    return { added: diff.added, removed: diff.removed };
  }

  /** ACCESS_TIER_CHANGED for users whose effective groups or account state changed and whose tier differs. */
  private async tierChanges(
    m: EntityManager,
    tenantId: string,
    effective: { added: EffectiveRow[]; removed: EffectiveRow[] },
    enabledChanges: Map<string, { before: boolean | null; after: boolean | null }>,
    names: Map<string, string | null>,
    push: (type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>) => void,
  ): Promise<void> {
    const addedBy = groupBy(effective.added);
    const removedBy = groupBy(effective.removed);
    const candidates = [...new Set([...addedBy.keys(), ...removedBy.keys(), ...enabledChanges.keys()])];
    if (candidates.length === 0) return;
    const mappings = await this.opts.access.listMappings(tenantId, m);
    if (mappings.length === 0) return;
    const tiers: TierDef[] = await this.opts.access.listTiers(m);
    const mapped = new Set(mappings.map((mp) => mp.groupId.toLowerCase()));
    const after = new Map<string, string[]>();
    for (const chunk of chunks(candidates)) {
      const found = rows(
        await m.query(
          `SELECT user_id, array_agg(group_id::text) AS groups FROM snapshot_effective WHERE tenant_id = $1 AND user_id = ANY($2::uuid[]) GROUP BY user_id`,
          [tenantId, chunk],
        ),
      );
      for (const r of found) after.set(r.user_id, r.groups);
    }
    const enabled = new Map<string, boolean | null>();
    for (const chunk of chunks(candidates)) {
      const found = rows(await m.query(`SELECT id, account_enabled FROM snapshot_users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]));
      for (const r of found) enabled.set(r.id, r.account_enabled);
    }
    const summary = (t: TierDef | null) => (t ? { id: t.id, name: t.name, rank: t.rank } : null);
    for (const userId of candidates) {
      const nowGroups = after.get(userId) ?? [];
      const added = (addedBy.get(userId) ?? []).map((r) => r.groupId);
      const removed = (removedBy.get(userId) ?? []).map((r) => r.groupId);
      const beforeGroups = [...nowGroups.filter((g) => !added.includes(g)), ...removed];
      const enabledNow = enabled.get(userId) ?? null;
      const enabledChange = enabledChanges.get(userId);
      const old = resolveTier({ accountEnabled: enabledChange ? enabledChange.before : enabledNow, effectiveGroupIds: beforeGroups }, mappings, tiers);
      const next = resolveTier({ accountEnabled: enabledNow, effectiveGroupIds: nowGroups }, mappings, tiers);
      if ((old.tier?.id ?? null) === (next.tier?.id ?? null)) continue;
      const mappedNames = (ids: string[]) => ids.filter((g) => mapped.has(g)).map((id) => ({ id, displayName: names.get(id) ?? null }));
      push(DirectoryEventType.ACCESS_TIER_CHANGED, userId, {
        userId,
        old: summary(old.tier),
        new: summary(next.tier),
        reason: next.reason,
        decidingGroups: next.decidingGroups,
        why: {
          mappedGroupsJoined: mappedNames(added),
          mappedGroupsLeft: mappedNames(removed),
          accountEnabled: enabledChange ?? null,
        },
      });
    }
  }

  private async totals(m: EntityManager, tenantId: string): Promise<Required<Pick<SyncCounts, 'users' | 'groups' | 'memberships' | 'effectiveMemberships'>>> {
    const [r] = rows(
      await m.query(
        `SELECT (SELECT count(*) FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS users,
                (SELECT count(*) FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS groups,
                (SELECT count(*) FROM snapshot_memberships WHERE tenant_id = $1)::int AS memberships,
                (SELECT count(*) FROM snapshot_effective WHERE tenant_id = $1)::int AS effective`,
        [tenantId],
      ),
    );
    return { users: r.users, groups: r.groups, memberships: r.memberships, effectiveMemberships: r.effective };
  }
}

/** TypeORM's query() answers UPDATE ... RETURNING with [rows, count]; SELECT with rows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function rows(result: any): any[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function groupBy(list: readonly EffectiveRow[]): Map<string, EffectiveRow[]> {
  const out = new Map<string, EffectiveRow[]>();
  for (const row of list) (out.get(row.userId) ?? out.set(row.userId, []).get(row.userId)!).push(row);
  return out;
}

const emptyUser = (): UserValues => ({ displayName: null, userPrincipalName: null, mail: null, department: null, jobTitle: null, accountEnabled: null, userType: null });
const emptyGroup = (): GroupValues => ({ displayName: null, groupTypes: [], membershipRule: null, securityEnabled: null, mailEnabled: null });

function userValues(u: UserValues): UserValues {
  return { displayName: u.displayName, userPrincipalName: u.userPrincipalName, mail: u.mail, department: u.department, jobTitle: u.jobTitle, accountEnabled: u.accountEnabled, userType: u.userType };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function userRow(r: any): UserRow {
  return {
    id: r.id,
    displayName: r.display_name,
    userPrincipalName: r.user_principal_name,
    mail: r.mail,
    department: r.department,
    jobTitle: r.job_title,
    accountEnabled: r.account_enabled,
    userType: r.user_type,
    deleted: r.deleted,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function groupRow(r: any): GroupRow {
  return {
    id: r.id,
    displayName: r.display_name,
    groupTypes: r.group_types ?? [],
    membershipRule: r.membership_rule,
    securityEnabled: r.security_enabled,
    mailEnabled: r.mail_enabled,
    deleted: r.deleted,
  };
}
