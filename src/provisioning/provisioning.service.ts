/**
 * Provisioning's storage: the audit log and idempotency records. Process-wide (in GatewayServices); the
 * per-request writer (provisioning.writer.ts) calls it. Nothing here ever sees a password: results reach
 * `complete` already stripped of it (serialize.ts).
 */
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { resolveCloud, type CloudSpec } from '../identity';
import { ErrorCode, GatewayError } from '../core/errors';
import { AuditLogRecord, IdempotencyRecord, type AuditOperation, type AuditResult } from './provisioning.entity';

export const AUDIT_PAGE = { default: 50, max: 500 } as const;
/** A first request still "running" after this long died with its process: its key may be taken over. */
export const ABANDONED_AFTER_MS = 5 * 60_000;
export const IDEMPOTENCY_KEY_MAX = 200;

export interface AuditRow {
  tenantId: string;
  principal: string;
  operation: AuditOperation;
  target: string;
  result: AuditResult;
  errorCode?: string | null;
  graphRequestId?: string | null;
  requestId?: string | null;
  idempotencyKey?: string | null;
}

export type IdempotencyClaim =
  | { kind: 'fresh' }
  | { kind: 'replay'; result: unknown }
  | { kind: 'reused'; operation: string }
  | { kind: 'running' };

/**
 * sha256 of the operation and its input with object keys sorted. Passwords are left out (replaced by whether
 * one was given), so no function of a password is stored; a retry that changes only the password replays.
 */
export function requestHash(operation: string, input: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => (k === 'password' ? ['passwordGiven', v != null] : [k, canonical(v)])),
      );
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify([operation, canonical(input)])).digest('hex');
}

export function idempotencyKeyArg(key: string | null | undefined): string | null {
  if (key == null) return null;
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `idempotencyKey: expected 1 to ${IDEMPOTENCY_KEY_MAX} printable characters, got ${key.length}`, { argument: 'idempotencyKey' });
  }
  return key;
}

export class ProvisioningService {
  /** Graph's origin for the tenant's cloud: member references are `${graphBaseUrl}/v1.0/directoryObjects/{id}`. */
  readonly graphBaseUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    config: Readonly<Config>,
  ) {
    const { entra } = config;
    const cloud: CloudSpec = entra.cloud === 'custom' ? { name: 'custom', loginBaseUrl: entra.loginUrl ?? '', graphBaseUrl: entra.graphUrl ?? '' } : { name: entra.cloud };
    this.graphBaseUrl = resolveCloud(cloud).graphBaseUrl.replace(/\/$/, '');
  }

  async audit(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    const repo = this.dataSource.getRepository(AuditLogRecord);
    // One INSERT per 500 rows: a bulk run of 1,000 users writes a row per create and per group add.
    for (let i = 0; i < rows.length; i += 500) {
      await repo.insert(
        rows.slice(i, i + 500).map((row) => ({
          tenantId: row.tenantId,
          principal: row.principal,
          operation: row.operation,
          target: row.target,
          result: row.result,
          errorCode: row.errorCode ?? null,
          graphRequestId: row.graphRequestId ?? null,
          requestId: row.requestId ?? null,
          idempotencyKey: row.idempotencyKey ?? null,
        })),
      );
    }
  }

  /** Newest first; `after` is the id of the last row of the previous page. */
  async auditPage(tenantId: string, first: number, after: string | null): Promise<{ rows: AuditLogRecord[]; hasNextPage: boolean }> {
    const query = this.dataSource
      .getRepository(AuditLogRecord)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId })
      .orderBy('a.id', 'DESC')
      .limit(first + 1);
    if (after !== null) query.andWhere('a.id < :after', { after });
    const rows = await query.getMany();
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /** Whether the gateway created `userId` in the tenant within the last `withinMs` (replication lag may hide it). */
  async createdRecently(tenantId: string, userId: string, withinMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM audit_log WHERE tenant_id = $1 AND operation = 'CREATE_USER' AND result = 'SUCCESS' AND target = $2 AND at > now() - make_interval(secs => $3) LIMIT 1`,
      [tenantId, `user:${userId}`, withinMs / 1000],
    );
    return rows.length > 0;
  }

  /**
   * Claims `key` for this request, or says what the first request with it left: its result (replay), a
   * different request (reused), or nothing yet (running). One statement decides, so two concurrent requests
   * with one key cannot both run.
   */
  async claim(tenantId: string, key: string, operation: string, hash: string): Promise<IdempotencyClaim> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, operation, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.result IS NULL AND idempotency_keys.created_at < now() - make_interval(secs => $5)
           AND idempotency_keys.operation = $3 AND idempotency_keys.request_hash = $4
       RETURNING key`,
      [tenantId, key, operation, hash, ABANDONED_AFTER_MS / 1000],
    );
    if (inserted.length > 0) return { kind: 'fresh' };
    const existing = await this.dataSource.getRepository(IdempotencyRecord).findOneBy({ tenantId, key });
    if (!existing) return this.claim(tenantId, key, operation, hash); // released between the two statements
    if (existing.operation !== operation || existing.requestHash !== hash) return { kind: 'reused', operation: existing.operation };
    return existing.result === null ? { kind: 'running' } : { kind: 'replay', result: existing.result };
  }

  async complete(tenantId: string, key: string, result: unknown): Promise<void> {
    await this.dataSource.query(`UPDATE idempotency_keys SET result = $3, completed_at = now() WHERE tenant_id = $1 AND key = $2`, [tenantId, key, JSON.stringify(result)]);
  }

  /** The request ended without a result worth keeping (throttled, refused, failed): a retry runs again. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND result IS NULL`, [tenantId, key]);
  }
}
