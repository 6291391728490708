/**
 * Stores one evaluation's findings: opens the new ones (DRIFT_DETECTED), keeps the ones still there
 * (last_seen_at, and their latest summary and details), resolves the vanished ones of the rules evaluated
 * (DRIFT_RESOLVED). One transaction, events through appendEvents in it, so a finding and its event commit
 * together or not at all. Running it again with the same findings opens and resolves nothing.
 */
import type { EntityManager } from 'typeorm';
import { appendEvents } from '../../events/event-log';
import { DirectoryEventType, type NewDirectoryEvent } from '../../events/event.types';
import { DriftFindingRecord } from './drift-finding.entity';
import { ALL_DRIFT_RULES, diffFindings, type DriftFinding, type DriftRule } from './rules';

/** Namespaces our advisory locks (two-int form): "DRFT". */
const DRIFT_LOCK_CLASS = 0x44524654;

export interface ReconcileOptions {
  /** The rules whose findings `current` holds in full (default: all). Others' open findings are left alone. */
  evaluated?: readonly DriftRule[];
  now?: Date;
}

export interface ReconcileResult {
  opened: DriftFindingRecord[];
  kept: DriftFindingRecord[];
  resolved: DriftFindingRecord[];
}

/**
 * Serializes drift writes of one tenant (the sync engine's round and an operator's evaluateDrift may run at
 * once). Transaction-scoped; taking it twice in one transaction is harmless.
 */
export async function lockTenantDrift(manager: EntityManager, tenantId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [DRIFT_LOCK_CLASS, tenantId]);
}

export async function reconcileFindings(
  manager: EntityManager,
  tenantId: string,
  current: readonly DriftFinding[],
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  if (!manager.queryRunner?.isTransactionActive) {
    return manager.transaction((tx) => reconcileFindings(tx, tenantId, current, options));
  }
  const now = options.now ?? new Date();
  await lockTenantDrift(manager, tenantId);
  const repo = manager.getRepository(DriftFindingRecord);
  const stored = await repo
    .createQueryBuilder('f')
    .setLock('pessimistic_write')
    .where('f.tenant_id = :tenantId AND f.resolved_at IS NULL', { tenantId })
    .getMany();
  const diff = diffFindings(stored, current, options.evaluated ?? ALL_DRIFT_RULES);

  const opened = diff.open.length
    ? await repo.save(
        diff.open.map((finding) =>
          repo.create({ tenantId, ...finding, openedAt: now, lastSeenAt: now, resolvedAt: null }),
        ),
      )
    : [];
  const kept: DriftFindingRecord[] = [];
  for (const { stored: record, current: finding } of diff.keep) {
    Object.assign(record, { severity: finding.severity, summary: finding.summary, details: finding.details, lastSeenAt: now });
    kept.push(record);
  }
  if (kept.length) await repo.save(kept);
  for (const record of diff.resolve) record.resolvedAt = now;
  if (diff.resolve.length) await repo.save(diff.resolve);

  const events: NewDirectoryEvent[] = [
    ...opened.map((record) => event(DirectoryEventType.DRIFT_DETECTED, record)),
    ...diff.resolve.map((record) => event(DirectoryEventType.DRIFT_RESOLVED, record)),
  ];
  // Late in the transaction: appendEvents holds the tenant's event lock until commit.
  await appendEvents(manager, events);
  return { opened, kept, resolved: diff.resolve };
}

/** Payload of DRIFT_DETECTED and DRIFT_RESOLVED: the finding as stored (summary and details say what it is). */
function event(type: DirectoryEventType, record: DriftFindingRecord): NewDirectoryEvent {
  return {
    tenantId: record.tenantId,
    type,
    subjectId: record.subjectId,
    payload: {
      findingId: record.id,
      rule: record.rule,
      subjectId: record.subjectId,
      severity: record.severity,
      summary: record.summary,
      details: record.details,
      openedAt: record.openedAt.toISOString(),
      ...(record.resolvedAt ? { resolvedAt: record.resolvedAt.toISOString() } : {}),
    },
  };
}
