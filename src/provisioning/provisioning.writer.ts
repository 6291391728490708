/**
 * One request's writes to one tenant: create/update users, add/remove group members, bulk provisioning.
 * Every item is audited (one row each) whatever its outcome; keyed creates and bulk runs go through an
 * idempotency record. Graph calls go through the tenant's GraphClient only (requests, $batch, retries).
 */
import { toUser, type GraphJson } from '../directory/directory-object.mapping';
import type { User } from '../directory/directory-object.types';
import { graphPath, GraphError, type GraphBatchRequest, type GraphBatchResult, type GraphClient, type GraphResult } from '../graph';
import { sleep } from '../graph/sleep';
import type { Logger } from '../logging';
import { ErrorCode, GatewayError } from '../core/errors';
import { spendOnProvisioning } from '../core/operation-budget';
import { Feature, missingPermissions } from '../tenants/features';
import type { Tenant } from '../tenants/tenant.entity';
import {
  deletedUserNotFound,
  featureDisabled,
  idempotencyKeyReused,
  inspectedMemberOutcome,
  invalidInput,
  memberWriteFailure,
  membershipChange,
  missingPermission,
  notFound,
  type Probe,
  unexpectedFailure,
  userWriteFailure,
} from './outcomes';
import type { AuditOperation } from './provisioning.entity';
import { isInvalid, validateCreate, validateUpdate, type CreateFields, type UpdateFields, type ValidCreate } from './provisioning-input';
import { requestHash, type AuditRow, type ProvisioningService } from './provisioning.service';
import {
  CreatedUser,
  FeatureDisabled,
  InvalidDomain,
  MembershipChange,
  MembershipChangeKind,
  MissingPermission,
  ProvisionedUserItem,
  ProvisionedUsers,
  RestoredUser,
  UpdatedUser,
  type CreateUserOutcome,
  type GroupMemberOutcome,
  type ProvisionUsersOutcome,
  type RestoreUserOutcome,
  type UpdateUserOutcome,
} from './provisioning.types';
import { restoreResult, storeResult } from './serialize';

/** Replication lag (graph-facts: Entra replicates writes asynchronously): how often and how long we wait. */
export const LAG_RETRY = { attempts: 5, firstDelayMs: 250, recentMs: 120_000 } as const;
export const MAX_BULK_USERS = 1_000;
const USER_SELECT = 'id,displayName,userPrincipalName,mail,department,jobTitle,accountEnabled,userType,createdDateTime,assignedLicenses';

/** Whether the tenant may be written to: FeatureDisabled or MissingPermission naming what is missing, or null. */
export function provisioningGate(tenant: Pick<Tenant, 'features' | 'grantedScopes'>): FeatureDisabled | MissingPermission | null {
  if (!tenant.features.includes(Feature.PROVISIONING)) return featureDisabled(Feature.PROVISIONING);
  const missing = missingPermissions([Feature.PROVISIONING], tenant.grantedScopes);
  return missing.length > 0 ? missingPermission(missing, 'provisioning is enabled but not consented') : null;
}

export interface WriterDeps {
  client: GraphClient;
  service: ProvisioningService;
  tenantId: string;
  /** describePrincipal(principal) */
  principal: string;
  requestId: string;
  /** Graph's origin, for the @odata.id of member references. */
  graphBaseUrl: string;
  /** The request's logger: one line per write (a summary for a bulk run), never a body, never a password. */
  logger: Pick<Logger, 'info'>;
}

/** A Graph call's end: its value and Graph's request-id (audited with the write), or what it was refused with. */
type Settled<T> = { ok: true; value: T; requestId: string | null } | { ok: false; error: unknown };

export class ProvisioningWriter {
  constructor(private readonly deps: WriterDeps) {}

  // ---- users ---------------------------------------------------------------------------------------------

  async createUser(input: CreateFields, idempotencyKey: string | null): Promise<CreateUserOutcome> {
    const op: AuditOperation = 'CREATE_USER';
    // Each public write is charged to the operation's provisioning items before anything is sent.
    return spendOnProvisioning(1, () => this.keyed(op, input, idempotencyKey, async () => {
      const valid = validateCreate(input);
      if (isInvalid(valid)) {
        await this.audit([{ operation: op, target: `user:${input.userPrincipalName}`, result: 'FAILED', errorCode: valid.errorCode, idempotencyKey }]);
        return valid;
      }
      const settled = await this.settle(this.deps.client.request<GraphJson>('POST', '/users', { body: valid.body }));
      const outcome = this.createOutcome(valid, settled);
      await this.audit([this.createAudit(valid.userPrincipalName, outcome, settled, idempotencyKey)]);
      if (outcome === null) throw unexpectedFailure((settled as { error: unknown }).error, this.deps.tenantId, 'POST /users');
      return outcome;
    }));
  }

  async updateUser(userId: string, input: UpdateFields, readBack: boolean): Promise<UpdateUserOutcome> {
    return spendOnProvisioning(1, () => this.updateUserNow(userId, input, readBack));
  }

  private async updateUserNow(userId: string, input: UpdateFields, readBack: boolean): Promise<UpdateUserOutcome> {
    const op: AuditOperation = 'UPDATE_USER';
    const target = `user:${userId}`;
    const patch = validateUpdate(input);
    if (isInvalid(patch)) {
      await this.audit([{ operation: op, target, result: 'FAILED', errorCode: patch.errorCode }]);
      return patch;
    }
    const path = graphPath`/users/${userId}`;
    const settled = await this.waitingOutLag(userId, () => this.settle(this.deps.client.request('PATCH', path, { body: patch })));
    if (!settled.ok) {
      const err = settled.error;
      const typed = err instanceof GraphError && err.status === 404 ? notFound(userId, 'USER') : userWriteFailure(err, (patch.userPrincipalName as string | undefined) ?? null, 'update a user');
      await this.audit([{ operation: op, target, result: 'FAILED', errorCode: typed?.errorCode ?? codeOf(err), graphRequestId: requestIdOf(settled) }]);
      if (!typed) throw unexpectedFailure(err, this.deps.tenantId, 'PATCH /users/{id}');
      return typed;
    }
    await this.audit([{ operation: op, target, result: 'SUCCESS', graphRequestId: requestIdOf(settled) }]);
    let user: User | null = null;
    if (readBack) {
      // The write stands whatever the read-back does; a refused read leaves `user` null.
      const read = await this.settle(this.deps.client.request<GraphJson>('GET', `${path}?$select=${USER_SELECT}`));
      user = read.ok ? toUser(read.value, this.deps.tenantId) : null;
    }
    return Object.assign(new UpdatedUser(), { user, changed: Object.keys(patch) });
  }

  /**
   * Restores a soft-deleted user (POST /directory/deletedItems/{id}/restore). The deleted USERS are asked for
   * the id first (the typed list, $filter=id eq: the same restore endpoint would bring a deleted group back,
   * and reading a deleted group needs Group.Read.All, which provisioning does not ask for); its
   * userPrincipalName names a UpnConflict when another user took the UPN meanwhile (Graph's 400
   * ObjectConflict). Not among the deleted users: an active user with that id is a no-op (a retry after
   * success), anything else NotFound. Audited as RESTORE_USER.
   */
  async restoreUser(userId: string): Promise<RestoreUserOutcome> {
    return spendOnProvisioning(1, () => this.restoreUserNow(userId));
  }

  private async restoreUserNow(userId: string): Promise<RestoreUserOutcome> {
    const op: AuditOperation = 'RESTORE_USER';
    const target = `user:${userId}`;
    // userId is a validated GUID: nothing in it needs OData escaping.
    const listed = await this.settle(
      this.deps.client.request<{ value?: GraphJson[] }>('GET', `/directory/deletedItems/microsoft.graph.user?$filter=${encodeURIComponent(`id eq '${userId}'`)}&$select=id,userPrincipalName`),
    );
    if (!listed.ok) return this.restoreFailed(userId, listed, null, 'GET /directory/deletedItems/microsoft.graph.user');
    const item = listed.value.value?.find((u) => typeof u.id === 'string' && u.id.toLowerCase() === userId.toLowerCase());
    if (!item) {
      const live = await this.settle(this.deps.client.request<GraphJson>('GET', `${graphPath`/users/${userId}`}?$select=${USER_SELECT}`));
      if (live.ok) {
        await this.audit([{ operation: op, target, result: 'NO_OP', graphRequestId: requestIdOf(live) }]);
        return Object.assign(new RestoredUser(), { user: toUser(live.value, this.deps.tenantId), alreadyActive: true });
      }
      if (!isNotFound(live)) return this.restoreFailed(userId, live, null, 'GET /users/{id}');
      const missing = deletedUserNotFound(userId);
      await this.audit([{ operation: op, target, result: 'FAILED', errorCode: missing.errorCode, graphRequestId: requestIdOf(live) }]);
      return missing;
    }
    const upn = typeof item.userPrincipalName === 'string' ? item.userPrincipalName : null;
    const settled = await this.settle(this.deps.client.request<GraphJson>('POST', graphPath`/directory/deletedItems/${userId}/restore`));
    if (!settled.ok) {
      // Gone between the read and the restore (restored or purged by someone else meanwhile).
      if (isNotFound(settled)) {
        const missing = deletedUserNotFound(userId);
        await this.audit([{ operation: op, target, result: 'FAILED', errorCode: missing.errorCode, graphRequestId: requestIdOf(settled) }]);
        return missing;
      }
      return this.restoreFailed(userId, settled, upn, 'POST /directory/deletedItems/{id}/restore');
    }
    await this.audit([{ operation: op, target, result: 'SUCCESS', graphRequestId: requestIdOf(settled) }]);
    return Object.assign(new RestoredUser(), { user: toUser(settled.value, this.deps.tenantId), alreadyActive: false });
  }

  /** A refused restore step as a typed result (UpnConflict, MissingPermission, Throttled), audited; else raised. */
  private async restoreFailed(userId: string, settled: Settled<unknown>, upn: string | null, call: string): Promise<RestoreUserOutcome> {
    const err = (settled as { error: unknown }).error;
    const typed = userWriteFailure(err, upn, 'restore a deleted user');
    await this.audit([{ operation: 'RESTORE_USER', target: `user:${userId}`, result: 'FAILED', errorCode: typed?.errorCode ?? codeOf(err), graphRequestId: requestIdOf(settled) }]);
    if (!typed || typed instanceof InvalidDomain) throw unexpectedFailure(err, this.deps.tenantId, call);
    return typed;
  }

  // ---- membership ----------------------------------------------------------------------------------------

  async addMember(groupId: string, memberId: string): Promise<GroupMemberOutcome> {
    return spendOnProvisioning(1, () => this.changeMember(groupId, memberId, MembershipChangeKind.ADDED));
  }

  async removeMember(groupId: string, memberId: string): Promise<GroupMemberOutcome> {
    return spendOnProvisioning(1, () => this.changeMember(groupId, memberId, MembershipChangeKind.REMOVED));
  }

  private async changeMember(groupId: string, memberId: string, change: MembershipChangeKind): Promise<GroupMemberOutcome> {
    const request = this.memberRequest(groupId, memberId, change);
    const send = () => this.settle(this.deps.client.request(request.method, request.url, { body: request.body }));
    const settled = change === MembershipChangeKind.ADDED ? await this.waitingOutLag(memberId, send) : await send();
    const [outcome] = await this.memberOutcomes([{ groupId, memberId, change, settled }]);
    await this.audit([memberAudit(groupId, memberId, change, outcome, settled)]);
    if (outcome === null) throw unexpectedFailure((settled as { error: unknown }).error, this.deps.tenantId, `${request.method} /groups/{id}/members`);
    return outcome;
  }

  /**
   * A user the gateway created moments ago may not have replicated yet: Graph answers 404 for it. Only then
   * is a 404 worth waiting out (growing waits, LAG_RETRY.attempts tries in all); otherwise it is the answer.
   */
  private async waitingOutLag<T>(objectId: string, send: () => Promise<Settled<T>>): Promise<Settled<T>> {
    let settled = await send();
    if (!isNotFound(settled) || !(await this.deps.service.createdRecently(this.deps.tenantId, objectId, LAG_RETRY.recentMs))) return settled;
    for (let attempt = 1; attempt < LAG_RETRY.attempts && isNotFound(settled); attempt += 1) {
      await sleep(LAG_RETRY.firstDelayMs * 2 ** (attempt - 1));
      settled = await send();
    }
    return settled;
  }

  // ---- bulk ----------------------------------------------------------------------------------------------

  async provisionUsers(users: ReadonlyArray<CreateFields & { groupIds: string[] }>, idempotencyKey: string | null): Promise<ProvisionUsersOutcome> {
    if (users.length === 0 || users.length > MAX_BULK_USERS) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `users: expected 1 to ${MAX_BULK_USERS} users, got ${users.length}`, { argument: 'users' });
    }
    return spendOnProvisioning(users.length, () => this.keyed('PROVISION_USERS', users, idempotencyKey, () => this.runBulk(users, idempotencyKey)));
  }

  private async runBulk(users: ReadonlyArray<CreateFields & { groupIds: string[] }>, idempotencyKey: string | null): Promise<ProvisionedUsers> {
    const valid = users.map((user, index) => validateCreate(user, `users[${index}]`));
    const toCreate = valid.flatMap((v, index) => (isInvalid(v) ? [] : [{ index, valid: v }]));
    // Creates first, 20 to a $batch call (the client re-sends 429 sub-responses alone, after Retry-After).
    const created = await this.deps.client.batch<GraphJson>(toCreate.map(({ valid: v }) => ({ method: 'POST', url: '/users', body: v.body })));
    const results: CreateUserOutcome[] = valid.map((v) => (isInvalid(v) ? v : (null as unknown as CreateUserOutcome)));
    const audits: AuditRow[] = [];
    toCreate.forEach(({ index, valid: v }, i) => {
      const answer = created[i];
      const settled = settledOf(answer);
      const outcome = this.createOutcome(v, settled);
      audits.push(this.createAudit(v.userPrincipalName, outcome, settled, idempotencyKey));
      // An item no typed result describes (Graph 5xx after retries) still gets an item, not a failed run.
      results[index] = outcome ?? invalidInput(`users[${index}]`, `Microsoft Graph could not create the user (${codeOf(settled.ok ? null : settled.error)}); try this item again`);
    });
    valid.forEach((v, index) => {
      if (isInvalid(v)) audits.push(this.row({ operation: 'CREATE_USER', target: `user:${users[index].userPrincipalName}`, result: 'FAILED', errorCode: v.errorCode, idempotencyKey }));
    });

    // Then every group add of every created user, through $batch too.
    const adds = results.flatMap((result, index) =>
      result instanceof CreatedUser ? users[index].groupIds.map((groupId, position) => ({ index, position, groupId, memberId: result.user.id })) : [],
    );
    const memberships: GroupMemberOutcome[][] = users.map(() => []);
    const settledAdds = await this.batchAdds(adds);
    const outcomes = await this.memberOutcomes(adds.map((add, i) => ({ ...add, change: MembershipChangeKind.ADDED, settled: settledAdds[i] })));
    adds.forEach((add, i) => {
      const outcome = outcomes[i] ?? invalidInput(`users[${add.index}].groupIds[${add.position}]`, `Microsoft Graph could not add the member (${codeOf((settledAdds[i] as { error?: unknown }).error)}); try again`);
      memberships[add.index][add.position] = outcome;
      audits.push(this.row({ ...memberAudit(add.groupId, add.memberId, MembershipChangeKind.ADDED, outcome, settledAdds[i]), idempotencyKey }));
    });
    await this.audit(audits);

    const items = users.map((user, index) =>
      Object.assign(new ProvisionedUserItem(), { index, userPrincipalName: user.userPrincipalName, result: results[index], memberships: memberships[index] }),
    );
    return Object.assign(new ProvisionedUsers(), {
      items,
      created: results.filter((r) => r instanceof CreatedUser).length,
      failed: results.filter((r) => !(r instanceof CreatedUser)).length,
      membershipFailures: memberships.flat().filter((m) => !(m instanceof MembershipChange)).length,
      replayed: false,
    });
  }

  /**
   * Adds through $batch; sub-requests answered 404 (the new user not replicated yet) are sent again after a
   * growing wait, up to LAG_RETRY.attempts rounds in all.
   */
  private async batchAdds(adds: ReadonlyArray<{ groupId: string; memberId: string }>): Promise<Settled<unknown>[]> {
    const settled: Settled<unknown>[] = new Array(adds.length);
    const missingGroups = new Set<string>();
    let pending = adds.map((_, i) => i);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const answers = await this.deps.client.batch(pending.map((i) => this.memberRequest(adds[i].groupId, adds[i].memberId, MembershipChangeKind.ADDED)));
      let again: number[] = [];
      pending.forEach((i, n) => {
        const answer = answers[n];
        settled[i] = settledOf(answer);
        if (!answer.ok && answer.error.status === 404 && attempt < LAG_RETRY.attempts) again.push(i);
      });
      if (attempt === 1 && again.length > 0) {
        // A 404 for a group that does not exist is final: only adds into existing groups wait for the new user.
        const groupIds = [...new Set(again.map((i) => adds[i].groupId))];
        const reads = await this.deps.client.batch(groupIds.map((groupId) => ({ method: 'GET' as const, url: `${graphPath`/groups/${groupId}`}?$select=id` })));
        groupIds.forEach((groupId, n) => {
          const read = reads[n];
          if (!read.ok && read.error.status === 404) missingGroups.add(groupId);
        });
        again = again.filter((i) => !missingGroups.has(adds[i].groupId));
      }
      if (again.length > 0) await sleep(LAG_RETRY.firstDelayMs * 2 ** (attempt - 1));
      pending = again;
    }
    return settled;
  }

  // ---- outcomes ------------------------------------------------------------------------------------------

  private createOutcome(valid: ValidCreate, settled: Settled<GraphJson>): CreateUserOutcome | null {
    if (settled.ok) {
      // Graph answers a create with its default properties only (no department, no accountEnabled): what we
      // sent fills the rest, as Graph stored it. The password never enters the mapped object.
      const { passwordProfile: _secret, ...sent } = valid.body;
      return Object.assign(new CreatedUser(), {
        user: toUser({ ...sent, ...withoutNulls(settled.value) }, this.deps.tenantId),
        initialPassword: valid.generatedPassword,
        replayed: false,
        passwordNote: null,
      });
    }
    const err = settled.error;
    if (err instanceof GraphError && err.status === 404) return null;
    return userWriteFailure(err, valid.userPrincipalName, 'create a user');
  }

  private createAudit(userPrincipalName: string, outcome: CreateUserOutcome | null, settled: Settled<GraphJson>, idempotencyKey: string | null): AuditRow {
    const graphRequestId = requestIdOf(settled);
    if (outcome instanceof CreatedUser) return this.row({ operation: 'CREATE_USER', target: `user:${outcome.user.id}`, result: 'SUCCESS', graphRequestId, idempotencyKey });
    const errorCode = outcome && 'errorCode' in outcome ? outcome.errorCode : codeOf(settled.ok ? null : settled.error);
    return this.row({ operation: 'CREATE_USER', target: `user:${userPrincipalName}`, result: 'FAILED', errorCode, graphRequestId, idempotencyKey });
  }

  /**
   * Member writes' outcomes; 404s and unexplained 400s are looked into with one read of each group involved
   * and, for removals refused as "not there", reads of the member as a user and as a group (all through one
   * $batch, each costing 1 resource unit): a missing group, a dynamic group, a missing member, or a no-op.
   * Null where no typed result fits (the caller raises or reports it).
   */
  private async memberOutcomes(
    writes: ReadonlyArray<{ groupId: string; memberId: string; change: MembershipChangeKind; settled: Settled<unknown> }>,
  ): Promise<Array<GroupMemberOutcome | null>> {
    const verdicts = writes.map((w) => (w.settled.ok ? null : memberWriteFailure(w.settled.error, w.groupId, w.memberId, w.change)));
    const inspected = writes.flatMap((w, i) => {
      const verdict = verdicts[i];
      return verdict?.kind === 'inspect' ? [{ ...w, absentMember: verdict.absentMember }] : [];
    });
    const groupIds = [...new Set(inspected.map((w) => w.groupId))];
    const memberIds = [...new Set(inspected.filter((w) => w.absentMember).map((w) => w.memberId))];
    const reads: Array<{ key: string; url: string; dynamic: boolean }> = [
      ...groupIds.map((id) => ({ key: `group:${id}`, url: `${graphPath`/groups/${id}`}?$select=id,groupTypes`, dynamic: true })),
      ...memberIds.flatMap((id) => [
        { key: `user:${id}`, url: `${graphPath`/users/${id}`}?$select=id`, dynamic: false },
        { key: `groupMember:${id}`, url: `${graphPath`/groups/${id}`}?$select=id`, dynamic: false },
      ]),
    ];
    const probes = new Map<string, Probe>();
    if (reads.length > 0) {
      const answers = await this.deps.client.batch<GraphJson>(reads.map((r) => ({ method: 'GET', url: r.url })));
      reads.forEach((r, i) => {
        const read = answers[i];
        const dynamic = r.dynamic && read.ok && Array.isArray(read.value.groupTypes) && read.value.groupTypes.includes('DynamicMembership');
        probes.set(r.key, read.ok ? { ok: true, dynamic } : { ok: false, status: read.error.status });
      });
    }
    return writes.map((w, i) => {
      const verdict = verdicts[i];
      if (verdict === null) return membershipChange(w.groupId, w.memberId, w.change, false);
      if (verdict.kind === 'result') return verdict.result;
      if (verdict.kind === 'unexpected') return null;
      const member = verdict.absentMember ? { asUser: probes.get(`user:${w.memberId}`)!, asGroup: probes.get(`groupMember:${w.memberId}`)! } : undefined;
      return inspectedMemberOutcome(verdict, w.groupId, w.memberId, w.change, probes.get(`group:${w.groupId}`)!, member);
    });
  }

  private memberRequest(groupId: string, memberId: string, change: MembershipChangeKind): GraphBatchRequest {
    if (change === MembershipChangeKind.ADDED) {
      return { method: 'POST', url: graphPath`/groups/${groupId}/members/$ref`, body: { '@odata.id': `${this.deps.graphBaseUrl}/v1.0/directoryObjects/${memberId}` } };
    }
    // With /$ref the membership goes; without it Graph would delete the member object itself (graph-facts §8).
    return { method: 'DELETE', url: `${graphPath`/groups/${groupId}/members/${memberId}`}/$ref` };
  }

  // ---- idempotency and audit -----------------------------------------------------------------------------

  /**
   * Runs `work` under an idempotency key (when given): the first result is stored (without passwords) and a
   * retry gets it back; a key reused for another request gets IdempotencyKeyReused. Results that a retry
   * should not repeat are kept; throttling, refused permissions and unexpected failures release the key.
   */
  private async keyed<T extends object>(operation: string, input: unknown, key: string | null, work: () => Promise<T>): Promise<T | ReturnType<typeof idempotencyKeyReused>> {
    if (key === null) return work();
    const { service, tenantId } = this.deps;
    const claim = await service.claim(tenantId, key, operation, requestHash(operation, input));
    if (claim.kind === 'replay') return restoreResult(claim.result, tenantId) as T;
    if (claim.kind === 'reused') return idempotencyKeyReused(key, claim.operation);
    if (claim.kind === 'running') {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `idempotencyKey: a request with key ${JSON.stringify(key)} is still running; retry it in a moment to get its result`, { argument: 'idempotencyKey' });
    }
    let result: T;
    try {
      result = await work();
    } catch (err) {
      await service.release(tenantId, key);
      throw err;
    }
    const code = (result as { errorCode?: string }).errorCode;
    if (code === 'THROTTLED' || code === 'MISSING_PERMISSION' || code === 'NOT_FOUND') await service.release(tenantId, key);
    else await service.complete(tenantId, key, storeResult(result));
    return result;
  }

  private row(row: Omit<AuditRow, 'tenantId' | 'principal' | 'requestId'>): AuditRow {
    return { ...row, tenantId: this.deps.tenantId, principal: this.deps.principal, requestId: this.deps.requestId };
  }

  private async audit(rows: Array<Omit<AuditRow, 'tenantId' | 'principal' | 'requestId'>>): Promise<void> {
    const full = rows.map((row) => ('tenantId' in row ? (row as AuditRow) : this.row(row)));
    await this.deps.service.audit(full);
    const { tenantId, logger } = this.deps;
    if (full.length === 1) {
      const [{ operation, target, result, errorCode }] = full;
      logger.info({ tenantId, operation, target, result, errorCode }, 'provisioning write');
    } else if (full.length > 1) {
      const tally: Record<string, number> = {};
      for (const row of full) tally[`${row.operation} ${row.result}`] = (tally[`${row.operation} ${row.result}`] ?? 0) + 1;
      logger.info({ tenantId, items: full.length, tally }, 'provisioning bulk run');
    }
  }

  private async settle<T>(promise: Promise<GraphResult<T>>): Promise<Settled<T>> {
    return promise.then(
      ({ value, requestId }) => ({ ok: true as const, value, requestId: requestId ?? null }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }
}

function withoutNulls(json: GraphJson): GraphJson {
  return Object.fromEntries(Object.entries(json).filter(([, value]) => value !== null && value !== undefined));
}

function isNotFound(settled: Settled<unknown>): boolean {
  return !settled.ok && settled.error instanceof GraphError && settled.error.status === 404;
}

function settledOf<T>(answer: GraphBatchResult<T>): Settled<T> {
  return answer.ok ? { ok: true, value: answer.value, requestId: answer.requestId ?? null } : { ok: false, error: answer.error };
}

/** Graph's request-id of the answer, success or failure; null when there was no answer (or it named none). */
function requestIdOf(settled: Settled<unknown>): string | null {
  if (settled.ok) return settled.requestId;
  return settled.error instanceof GraphError ? (settled.error.requestId ?? null) : null;
}

/** For audit rows of failures without a typed result: Graph's code, or the GraphQL code we raise. */
function codeOf(err: unknown): string {
  if (err instanceof GraphError) return `GRAPH_${err.status || 'NETWORK'}_${err.code}`;
  if (err instanceof GatewayError) return String(err.extensions.code);
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

function memberAudit(groupId: string, memberId: string, change: MembershipChangeKind, outcome: GroupMemberOutcome | null, settled: Settled<unknown>): Omit<AuditRow, 'tenantId' | 'principal' | 'requestId'> {
  const operation: AuditOperation = change === MembershipChangeKind.ADDED ? 'ADD_GROUP_MEMBER' : 'REMOVE_GROUP_MEMBER';
  const target = `group:${groupId}/member:${memberId}`;
  const graphRequestId = requestIdOf(settled);
  if (outcome instanceof MembershipChange) return { operation, target, result: outcome.noOp ? 'NO_OP' : 'SUCCESS', graphRequestId };
  return { operation, target, result: 'FAILED', errorCode: outcome?.errorCode ?? codeOf(settled.ok ? null : settled.error), graphRequestId };
}
