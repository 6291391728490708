/**
 * Drift evaluation for one tenant: gathers the facts (mapped groups from the sync snapshot or live Graph;
 * conditional-access policies and the product's app credentials live, on a slower cadence), runs the pure rules
 * (rules.ts) and reconciles the stored findings (reconcile.ts). The sync engine calls `evaluate` after each
 * round; operators call it through the evaluateDrift mutation.
 *
 * A read that fails leaves its rules unevaluated (their open findings stay as they are) and is reported in
 * `skipped`; evaluate itself fails only when the tenant does not exist or the database does.
 */
import { DataSource, type EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { TierMappingRecord } from '../../access/access-tier.entity';
import { analyzeMfaEnforcement, type CaPolicy } from '../../directory/mfa-analysis';
import { DirectoryAccess, TenantDirectory } from '../../directory/graph-access';
import { readPolicies } from '../../directory/security/security-reads';
import { filterEq, graphPath, queryString } from '../../graph';
import type { Logger } from '../../logging';
import { ErrorCode, GatewayError } from '../../core/errors';
import { Feature } from '../../tenants/features';
import { Tenant } from '../../tenants/tenant.entity';
import { DriftFindingRecord, DriftStateRecord } from './drift-finding.entity';
import type { DriftSettings } from '../../config/sync.config';
import { lockTenantDrift, reconcileFindings } from './reconcile';
import { driftNeededAfterRound, type QuietMemo } from './after-round';
import { BoundedCache, type InvalidationBus } from '../../core/invalidation';
import {
  DriftRule,
  evaluateDriftRules,
  type CredentialHolder,
  type DriftInputs,
  type GroupState,
  type MappedGroupInput,
  type MfaBaseline,
} from './rules';

export interface DriftServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  directory: DirectoryAccess;
  logger: Logger;
  settings: Readonly<DriftSettings>;
  /** Lets afterRound skip the rules after a quiet round (after-round.ts); without it they run after every round. */
  invalidation?: InvalidationBus;
}

/** Tenants whose last evaluation after a round is remembered (a few numbers each). */
const QUIET_MEMO_ENTRIES = 10_000;

/** The kinds of change that can move a drift rule's input outside the snapshot: they drop the tenant's memo. */
const DRIFT_INPUT_KINDS: ReadonlySet<string> = new Set(['tenant', 'mappings', 'snapshot', 'drift_inputs']);

export interface EvaluateDriftOptions {
  /**
   * The tenant's consecutive failed sync rounds, as the sync engine counts them. Absent: SYNC_FAILING is not
   * evaluated, unless `syncFailuresFromState` asks to read them from sync_state.
   */
  syncFailures?: number;
  /** Read the count from sync_state when `syncFailures` is absent (operators' evaluateDrift). */
  syncFailuresFromState?: boolean;
  /**
   * true: mapped groups are read from the sync snapshot (snapshot_groups), which the caller has just brought
   * up to date; a group absent or marked deleted there is deleted. Otherwise each mapped group is read live.
   */
  groupsSnapshot?: boolean;
  /** Read policies and apps now, whatever their cadence (operators' evaluateDrift). */
  refreshPolicies?: boolean;
  now?: Date;
}

export interface SkippedRules {
  rules: DriftRule[];
  reason: string;
  /** A read failed (rather than not being due or not enabled). */
  failed?: boolean;
}

export interface DriftEvaluationResult {
  tenantId: string;
  evaluatedAt: Date;
  evaluated: DriftRule[];
  skipped: SkippedRules[];
  opened: DriftFindingRecord[];
  resolved: DriftFindingRecord[];
  /** Every finding open after this evaluation, newest first. */
  open: DriftFindingRecord[];
}

const GROUP_RULES = [DriftRule.MAPPED_GROUP_DELETED, DriftRule.MAPPED_GROUP_RENAMED, DriftRule.MAPPED_GROUP_DYNAMIC];
const APP_SELECT = 'id,appId,passwordCredentials,keyCredentials';

type Json = Record<string, unknown>;

export class DriftService {
  /** Per tenant, what the last evaluation after a round saw, while nothing it reads has changed since. */
  private readonly quiet = new BoundedCache<string, QuietMemo>(QUIET_MEMO_ENTRIES);

  constructor(private readonly deps: DriftServiceDeps) {
    deps.invalidation?.subscribe((signal) => {
      if (signal.kind === 'reset') this.quiet.clear();
      else if (DRIFT_INPUT_KINDS.has(signal.kind)) {
        if (signal.id === '*') this.quiet.clear();
        else this.quiet.delete(signal.id.toLowerCase());
      }
    });
  }

  /**
   * After a sync round: the rules over the snapshot it left, unless the round changed nothing and nothing else the
   * rules read has moved since their last run here (after-round.ts). Null when skipped.
   */
  async afterRound(tenantId: string, round: { consecutiveFailures: number; changed: boolean }): Promise<DriftEvaluationResult | null> {
    const key = tenantId.toLowerCase();
    const version = this.quiet.version;
    const needed = driftNeededAfterRound({
      changed: round.changed,
      failures: round.consecutiveFailures,
      memo: this.quiet.get(key),
      now: Date.now(),
      invalidationLive: this.deps.invalidation?.live === true,
    });
    if (!needed) return null;
    const { result, policiesDueAt } = await this.evaluateWithCadence(tenantId, { syncFailures: round.consecutiveFailures, groupsSnapshot: true });
    // Kept only if no invalidation arrived meanwhile (the evaluation may have read what it announced as old).
    if (this.deps.invalidation?.live) this.quiet.set(key, { failures: round.consecutiveFailures, policiesDueAt: policiesDueAt.getTime() }, version);
    return result;
  }

  get settings(): Readonly<DriftSettings> {
    return this.deps.settings;
  }

  /** The tenant's findings, newest first; open: true only open ones, false only resolved ones, null all. */
  list(tenantId: string, open: boolean | null = null): Promise<DriftFindingRecord[]> {
    const query = this.deps.dataSource
      .getRepository(DriftFindingRecord)
      .createQueryBuilder('f')
      .where('f.tenant_id = :tenantId', { tenantId })
      .orderBy('f.opened_at', 'DESC')
      .addOrderBy('f.rule', 'ASC')
      .addOrderBy('f.subject_id', 'ASC');
    if (open === true) query.andWhere('f.resolved_at IS NULL');
    if (open === false) query.andWhere('f.resolved_at IS NOT NULL');
    return query.getMany();
  }

  async evaluate(tenantId: string, options: EvaluateDriftOptions = {}): Promise<DriftEvaluationResult> {
    return (await this.evaluateWithCadence(tenantId, options)).result;
  }

  /** evaluate, and when policies and apps are next due (now, when they could not be read). */
  private async evaluateWithCadence(tenantId: string, options: EvaluateDriftOptions): Promise<{ result: DriftEvaluationResult; policiesDueAt: Date }> {
    const now = options.now ?? new Date();
    const { dataSource, settings } = this.deps;
    const logger = this.deps.logger.child({ component: 'drift', tenantId });
    const tenant = await this.requireTenant(tenantId);
    const skipped: SkippedRules[] = [];
    const inputs: Omit<DriftInputs, 'tenant' | 'mfa'> = { now, settings };
    let policies: CaPolicy[] | undefined;
    let policiesRead = false;
    let policiesCheckedAt: Date | null = null;

    if (tenant.status === 'ACTIVE') {
      const directory = new TenantDirectory(tenantId, this.deps.directory);
      const state = await dataSource.getRepository(DriftStateRecord).findOneBy({ tenantId });
      const due =
        options.refreshPolicies === true ||
        !state?.policiesCheckedAt ||
        now.getTime() - state.policiesCheckedAt.getTime() >= settings.policyIntervalSeconds * 1000;
      const appId = this.deps.config.entra.credentials?.clientId?.toLowerCase() ?? null;
      // One tick: the group reads and the policy list share the loader's $batch calls.
      const [groups, policyList, holders] = await Promise.all([
        this.attempt(GROUP_RULES, skipped, () => this.mappedGroups(directory, options.groupsSnapshot === true)),
        due
          ? this.gated(tenant, Feature.READ_POLICIES, appId, [DriftRule.MFA_NOT_ENFORCED], skipped, async () => (await readPolicies(directory)) as unknown as CaPolicy[])
          : undefined,
        due ? this.gated(tenant, Feature.READ_APPS, appId, [DriftRule.CREDENTIAL_EXPIRING], skipped, () => this.credentialHolders(directory, appId!)) : undefined,
      ]);
      if (groups) inputs.mappedGroups = groups;
      if (holders) inputs.credentials = holders;
      policies = policyList;
      // Remembered only when no policy or app read failed: a failed one is tried again next round.
      const failedRead = skipped.some((skip) => skip.failed && skip.rules.some((rule) => rule === DriftRule.MFA_NOT_ENFORCED || rule === DriftRule.CREDENTIAL_EXPIRING));
      policiesRead = due && !failedRead;
      policiesCheckedAt = policiesRead ? now : due ? null : (state?.policiesCheckedAt ?? null);
      if (!due) skipped.push({ rules: [DriftRule.MFA_NOT_ENFORCED, DriftRule.CREDENTIAL_EXPIRING], reason: 'policies and apps are read at most every DRIFT_POLICY_INTERVAL_SECONDS; not due yet' });
    } else {
      skipped.push({ rules: [...GROUP_RULES, DriftRule.MFA_NOT_ENFORCED, DriftRule.CREDENTIAL_EXPIRING], reason: `the tenant is ${tenant.status}: its directory is not read` });
    }

    if (options.syncFailures !== undefined) inputs.syncFailures = options.syncFailures;
    else if (options.syncFailuresFromState) {
      const failures = await this.syncFailures(tenantId);
      if (failures === null) skipped.push({ rules: [DriftRule.SYNC_FAILING], reason: 'the tenant has no sync state yet' });
      else inputs.syncFailures = failures;
    } else skipped.push({ rules: [DriftRule.SYNC_FAILING], reason: 'no sync failure count was given' });

    // Graph change notifications (issue 16): their failures, as the subscription manager recorded them.
    const subscriptions: Array<{ resource: string; consecutive_failures: number; last_error: string | null }> = await dataSource.query(
      `SELECT resource, consecutive_failures, last_error FROM graph_subscriptions WHERE tenant_id = $1`,
      [tenantId],
    );
    inputs.notificationSubscriptions = subscriptions.map((s) => ({ resource: s.resource, consecutiveFailures: s.consecutive_failures, lastError: s.last_error }));

    // A Graph read may have found consent gone (tenant-tokens moves the tenant to RECONSENT_REQUIRED).
    const latest = await this.requireTenant(tenantId);
    const facts = { status: latest.status, features: latest.features, grantedScopes: latest.grantedScopes };

    const policiesDueAt = new Date(policiesCheckedAt === null ? now.getTime() : policiesCheckedAt.getTime() + settings.policyIntervalSeconds * 1000);
    const outcome = await dataSource.transaction(async (manager): Promise<DriftEvaluationResult> => {
      await lockTenantDrift(manager, tenantId);
      const state = await manager.getRepository(DriftStateRecord).findOneBy({ tenantId });
      const baseline = (state?.mfaBaseline as MfaBaseline | null | undefined) ?? null;
      const appId = this.deps.config.entra.credentials?.clientId ?? '';
      const evaluation = evaluateDriftRules({
        ...inputs,
        tenant: facts,
        ...(policies ? { mfa: { enforcement: analyzeMfaEnforcement({ appId, policies }), baseline } } : {}),
      });
      const result = await reconcileFindings(manager, tenantId, evaluation.findings, { evaluated: evaluation.evaluated, now });
      if (policiesRead || evaluation.mfaBaseline) {
        await this.saveState(manager, tenantId, {
          ...(policiesRead ? { policiesCheckedAt: now } : {}),
          ...(evaluation.mfaBaseline ? { mfaBaseline: evaluation.mfaBaseline as unknown as Record<string, unknown> } : {}),
        });
      }
      const open = await manager
        .getRepository(DriftFindingRecord)
        .createQueryBuilder('f')
        .where('f.tenant_id = :tenantId AND f.resolved_at IS NULL', { tenantId })
        .orderBy('f.opened_at', 'DESC')
        .addOrderBy('f.rule', 'ASC')
        .addOrderBy('f.subject_id', 'ASC')
        .getMany();
      if (result.opened.length || result.resolved.length) {
        logger.info(
          { opened: result.opened.map((f) => `${f.rule}:${f.subjectId}`), resolved: result.resolved.map((f) => `${f.rule}:${f.subjectId}`) },
          'drift findings changed',
        );
      }
      return { tenantId, evaluatedAt: now, evaluated: evaluation.evaluated, skipped, opened: result.opened, resolved: result.resolved, open };
    });
    return { result: outcome, policiesDueAt };
  }

  private async requireTenant(tenantId: string): Promise<Tenant> {
    const tenant = await this.deps.dataSource.getRepository(Tenant).findOneBy({ id: tenantId });
    if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
    return tenant;
  }

  /** Runs a read; on failure records the rules it feeds as skipped (with the error's message) and gives undefined. */
  private async attempt<T>(rules: DriftRule[], skipped: SkippedRules[], read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ component: 'drift', rules, err: reason }, 'drift read failed; rules not evaluated this time');
      skipped.push({ rules, reason, failed: true });
      return undefined;
    }
  }

  /** A read behind a feature: without the feature (or without the product's app id), its rules are skipped. */
  private gated<T>(tenant: Tenant, feature: Feature, appId: string | null, rules: DriftRule[], skipped: SkippedRules[], read: () => Promise<T>): Promise<T | undefined> | undefined {
    if (!appId) {
      skipped.push({ rules, reason: "no Entra app registration is configured: the product's app id is unknown" });
      return undefined;
    }
    if (!tenant.features.includes(feature)) {
      skipped.push({ rules, reason: `the tenant does not enable ${feature}` });
      return undefined;
    }
    return this.attempt(rules, skipped, read);
  }

  private async mappedGroups(directory: TenantDirectory, fromSnapshot: boolean): Promise<MappedGroupInput[]> {
    const mappings = await this.deps.dataSource.getRepository(TierMappingRecord).find({ where: { tenantId: directory.tenantId }, order: { groupId: 'ASC' } });
    if (mappings.length === 0) return [];
    const ids = mappings.map((m) => m.groupId.toLowerCase());
    // A snapshot no round has completed yet would report every mapped group deleted: read live instead.
    const snapshot = fromSnapshot && (await this.snapshotComplete(directory.tenantId));
    const states = snapshot ? await this.snapshotGroups(directory.tenantId, ids) : await liveGroups(directory, ids);
    return mappings.map((m) => ({ groupId: m.groupId.toLowerCase(), recordedDisplayName: m.groupDisplayName, current: states.get(m.groupId.toLowerCase()) ?? null }));
  }

  private async snapshotComplete(tenantId: string): Promise<boolean> {
    const rows: unknown[] = await this.deps.dataSource.query(`SELECT 1 FROM sync_state WHERE tenant_id = $1 AND last_success_at IS NOT NULL`, [tenantId]);
    return rows.length > 0;
  }

  private async snapshotGroups(tenantId: string, ids: string[]): Promise<Map<string, GroupState>> {
    const rows: Array<{ id: string; display_name: string | null; group_types: string[] | null }> = await this.deps.dataSource.query(
      `SELECT id::text AS id, display_name, group_types FROM snapshot_groups WHERE tenant_id = $1 AND id = ANY ($2::uuid[]) AND deleted_at IS NULL`,
      [tenantId, ids],
    );
    return new Map(rows.map((row) => [row.id.toLowerCase(), { displayName: row.display_name, groupTypes: row.group_types ?? [] }]));
  }

  /** The application and the service principal of the product's app id in the tenant (either may be absent). */
  private async credentialHolders(directory: TenantDirectory, appId: string): Promise<CredentialHolder[]> {
    const query = queryString({ $filter: filterEq('appId', appId), $select: APP_SELECT });
    const [applications, servicePrincipals] = await Promise.all([
      directory.all<Json>(`/applications${query}`, { batched: true }),
      directory.all<Json>(`/servicePrincipals${query}`, { batched: true }),
    ]);
    const holder = (kind: CredentialHolder['kind']) => (json: Json): CredentialHolder => ({
      kind,
      id: String(json.id),
      passwordCredentials: Array.isArray(json.passwordCredentials) ? json.passwordCredentials : [],
      keyCredentials: Array.isArray(json.keyCredentials) ? json.keyCredentials : [],
    });
    return [...applications.map(holder('APPLICATION')), ...servicePrincipals.map(holder('SERVICE_PRINCIPAL'))];
  }

  private async syncFailures(tenantId: string): Promise<number | null> {
    const rows: Array<{ consecutive_failures: number }> = await this.deps.dataSource.query(`SELECT consecutive_failures FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    return rows.length > 0 ? Number(rows[0].consecutive_failures) : null;
  }

  private async saveState(manager: EntityManager, tenantId: string, changes: Partial<Pick<DriftStateRecord, 'policiesCheckedAt' | 'mfaBaseline'>>): Promise<void> {
    await manager.query(
      `INSERT INTO drift_state (tenant_id, policies_checked_at, mfa_baseline) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (tenant_id) DO UPDATE SET
         policies_checked_at = COALESCE(EXCLUDED.policies_checked_at, drift_state.policies_checked_at),
         mfa_baseline = COALESCE(EXCLUDED.mfa_baseline, drift_state.mfa_baseline)`,
      [tenantId, changes.policiesCheckedAt ?? null, changes.mfaBaseline ? JSON.stringify(changes.mfaBaseline) : null],
    );
  }
}

/** GET /groups/{id} for each group, in one tick (the loader batches them); a 404 means deleted. */
async function liveGroups(directory: TenantDirectory, ids: string[]): Promise<Map<string, GroupState>> {
  const states = await Promise.all(
    ids.map(async (id): Promise<[string, GroupState | null]> => {
      try {
        const json = await directory.load<Json>(`${graphPath`/groups/${id}`}${queryString({ $select: 'id,displayName,groupTypes' })}`);
        return [id, { displayName: typeof json.displayName === 'string' ? json.displayName : null, groupTypes: Array.isArray(json.groupTypes) ? json.groupTypes.filter((t): t is string => typeof t === 'string') : [] }];
      } catch (err) {
        if (err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND) return [id, null];
        throw err;
      }
    }),
  );
  return new Map(states.filter((entry): entry is [string, GroupState] => entry[1] !== null));
}
