/**
 * The effects of a mapping or tier change on users, inside the change's own transaction: ACCESS_TIER_CHANGED
 * for every user of the tenant's snapshot whose tier moves (the decision is tierTransitions, a pure function),
 * and the audit rows of the change itself.
 *
 * Ordering with sync rounds. The change locks the tenant's sync_state row (FOR UPDATE) before it reads anything;
 * a round's applying transaction takes the same row lock first (round.ts, the lease fence). So a change and a
 * round of the same tenant commit one after the other, and each computes from what the other committed: a change
 * made while the snapshot is stale emits what the snapshot shows, and the next round, whose tier changes use the
 * mappings of that moment as "before" and "after", emits the rest (users whose groups changed in Entra since),
 * none of them twice.
 */
import type { EntityManager } from 'typeorm';
import { appendEvents } from '../events/event-log';
import { DirectoryEventType } from '../events/event.types';
import { mappingChangePayload, snapshotState, tierTransitions, type PreviewUser, type SnapshotState, type TierChangeCause, type TierState } from './tier-resolution';

export interface SnapshotClock {
  /** When the tenant's last sync round completed; null when none has. */
  asOf: Date | null;
  ageSeconds: number | null;
}

/** What a mapping or tier change did to one tenant's users (the mutation's `tierChanges`). */
export interface TenantTierChanges {
  tenantId: string;
  /** ACCESS_TIER_CHANGED events written (one per user whose tier moved). */
  usersChanged: number;
  snapshot: SnapshotState;
  snapshotAsOf: Date | null;
  snapshotAgeSeconds: number | null;
}

/** Who made a change, as the audit log names callers. */
export interface Actor {
  principal: string;
  requestId?: string | null;
}

export type AccessAuditOperation = 'SET_TIER_MAPPING' | 'REMOVE_TIER_MAPPING' | 'DEFINE_ACCESS_TIER' | 'UPDATE_ACCESS_TIER' | 'DELETE_ACCESS_TIER';

/**
 * Locks the tenants' sync_state rows (in id order: no deadlock between two multi-tenant changes) and says how old
 * each snapshot is. A tenant without a row never started a round.
 */
export async function lockSnapshots(manager: EntityManager, tenantIds: readonly string[]): Promise<Map<string, SnapshotClock>> {
  const ids = [...new Set(tenantIds.map((t) => t.toLowerCase()))].sort();
  const out = new Map<string, SnapshotClock>(ids.map((id) => [id, { asOf: null, ageSeconds: null }]));
  if (ids.length === 0) return out;
  const rows: Array<{ tenant_id: string; last_success_at: Date | null; age: number | null }> = await manager.query(
    `SELECT tenant_id, last_success_at, extract(epoch FROM now() - last_success_at)::float8 AS age
       FROM sync_state WHERE tenant_id = ANY($1::uuid[]) ORDER BY tenant_id FOR UPDATE`,
    [ids],
  );
  for (const r of rows) out.set(r.tenant_id, { asOf: r.last_success_at, ageSeconds: r.age === null ? null : Math.max(0, Math.floor(r.age)) });
  return out;
}

/**
 * The snapshot's users who reach any of `candidateGroups` (only they can change tier), each with the groups of
 * `relevantGroups` they reach (the mapped groups of either state) and their account state. Deleted users are
 * left out: they hold no tier.
 */
async function snapshotUsers(manager: EntityManager, tenantId: string, candidateGroups: readonly string[], relevantGroups: readonly string[]): Promise<PreviewUser[]> {
  if (candidateGroups.length === 0) return [];
  // Only the mapped groups' rows (the primary key's (tenant_id, group_id) prefix), grouped by user: one pass
  // whatever the planner believes about the tables (right after a first load their statistics may say "empty",
  // and a per-candidate lookup of each user's groups was planned as repeated scans: 41 s at 10k users).
  const rows: Array<{ id: string; account_enabled: boolean | null; groups: string[] }> = await manager.query(
    `SELECT e.user_id AS id, u.account_enabled, array_agg(e.group_id::text ORDER BY e.group_id) AS groups
       FROM snapshot_effective e
       JOIN snapshot_users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id AND u.deleted_at IS NULL
      WHERE e.tenant_id = $1 AND e.group_id = ANY($3::uuid[])
      GROUP BY e.user_id, u.account_enabled
     HAVING bool_or(e.group_id = ANY($2::uuid[]))
      ORDER BY e.user_id`,
    [tenantId, [...new Set(candidateGroups)], [...new Set([...relevantGroups, ...candidateGroups])]],
  );
  return rows.map((r) => ({ id: r.id, accountEnabled: r.account_enabled, effectiveGroupIds: r.groups }));
}

/**
 * Emits ACCESS_TIER_CHANGED (reason MAPPING_CHANGED) for the tenant's users whose tier differs between `before`
 * and `after`, computed from the snapshot in the caller's transaction; the caller holds the lock of lockSnapshots.
 */
export async function recordTierChanges(
  manager: EntityManager,
  args: { tenantId: string; candidateGroups: readonly string[]; before: TierState; after: TierState; cause: TierChangeCause; clock: SnapshotClock; maxAgeSeconds: number },
): Promise<TenantTierChanges> {
  const { tenantId, clock } = args;
  const relevant = [...args.before.mappings, ...args.after.mappings].map((m) => m.groupId);
  const users = clock.asOf ? await snapshotUsers(manager, tenantId, args.candidateGroups, relevant) : [];
  const moved = tierTransitions(users, args.before, args.after);
  await appendEvents(
    manager,
    moved.map((t) => ({ tenantId, type: DirectoryEventType.ACCESS_TIER_CHANGED, subjectId: t.user.id, payload: mappingChangePayload(t, args.cause, clock.asOf) })),
  );
  return { tenantId, usersChanged: moved.length, snapshot: snapshotState(clock.ageSeconds, args.maxAgeSeconds), snapshotAsOf: clock.asOf, snapshotAgeSeconds: clock.ageSeconds };
}

/** One audit row per tenant given, or per tenant of the deployment for a product-wide tier change ('ALL'). */
export async function auditAccessChange(
  manager: EntityManager,
  tenants: readonly string[] | 'ALL',
  actor: Actor,
  operation: AccessAuditOperation,
  target: string,
  result: 'SUCCESS' | 'NO_OP' = 'SUCCESS',
): Promise<void> {
  const params = [actor.principal, operation, target, actor.requestId ?? null, result];
  if (tenants === 'ALL') {
    await manager.query(
      `INSERT INTO audit_log (tenant_id, principal, operation, target, result, request_id) SELECT id, $1, $2, $3, $5, $4 FROM tenants ORDER BY id`,
      params,
    );
    return;
  }
  if (tenants.length === 0) return;
  await manager.query(
    `INSERT INTO audit_log (tenant_id, principal, operation, target, result, request_id) SELECT t, $1, $2, $3, $5, $4 FROM unnest($6::uuid[]) AS t`,
    [...params, [...tenants]],
  );
}
