/**
 * Managing webhook endpoints: register (the secret shown once), list, rotate the secret (the old one stays valid
 * for a while: deliveries carry both signatures), re-enable, delete, replay from a cursor, and the delivery log.
 * A caller sees and manages only endpoints whose tenants it may all touch (decisions.mayManage).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Principal } from '../core/auth/principal';
import { ErrorCode, GatewayError } from '../core/errors';
import type { Encryptor } from '../identity';
import type { Logger } from '../logging';
import type { EventCursors } from '../events/event-cursor';
import { DirectoryEventType } from '../events/event.types';
import { endpointTenants, mayManage } from './decisions';
import { ENDPOINT_COLUMNS, returnedRows, secretAad, toEndpoint, type WebhookEndpointRecord } from './endpoint-store';
import { resolveEndpoint, systemResolver, type Resolver } from './address';
import { WebhookDelivery } from './delivery';
import { generateSecret } from './signing';

export interface WebhooksServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  encryptor: Encryptor;
  cursors: EventCursors;
  logger: Logger;
  /** DNS for the SSRF guard; the system's by default. */
  resolve?: Resolver;
}

export interface RegisterInput {
  url: string;
  tenantIds?: string[] | null;
  types?: DirectoryEventType[] | null;
}

export interface DeliveryRecord {
  id: string;
  tenantId: string;
  eventSequence: string;
  webhookId: string;
  attempt: number;
  outcome: 'DELIVERED' | 'FAILED';
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  attemptedAt: Date;
}

export const DELIVERIES_PAGE_SIZE = { default: 50, max: 500 };
const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class WebhooksService {
  readonly delivery: WebhookDelivery;
  private readonly development: boolean;
  private readonly resolve: Resolver;

  constructor(private readonly deps: WebhooksServiceDeps) {
    this.development = !deps.config.runtime.production;
    this.resolve = deps.resolve ?? systemResolver;
    this.delivery = new WebhookDelivery({
      dataSource: deps.dataSource,
      config: deps.config.webhooks,
      encryptor: deps.encryptor,
      logger: deps.logger,
      development: this.development,
      resolve: this.resolve,
      cursorOf: (tenantId, sequence) => deps.cursors.encode(tenantId, sequence),
    });
  }

  /** Starts delivery in this process unless WEBHOOK_DELIVERY=off. */
  start(): void {
    if (this.deps.config.webhooks.delivery) this.delivery.start();
  }

  close(): Promise<void> {
    return this.delivery.close();
  }

  async register(principal: Principal, input: RegisterInput): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const target = await resolveEndpoint(input.url, { development: this.development, resolve: this.resolve });
    if (!target.ok) throw new GatewayError(ErrorCode.BAD_USER_INPUT, target.reason, { field: 'input.url' });
    const tenantIds = endpointTenants(input.tenantIds, principal.tenants);
    if (tenantIds) {
      const malformed = tenantIds.find((t) => !UUID.test(t));
      if (malformed) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `input.tenantIds: expected tenant ids, got ${JSON.stringify(malformed)}`);
      const known: Array<{ id: string }> = await this.deps.dataSource.query(`SELECT id FROM tenants WHERE id = ANY ($1::uuid[])`, [tenantIds]);
      const missing = tenantIds.filter((t) => !known.some((k) => k.id === t));
      if (missing.length > 0) throw new GatewayError(ErrorCode.NOT_FOUND, `input.tenantIds: expected existing tenants, found none for ${missing.join(', ')}`);
      if (tenantIds.length === 0) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'input.tenantIds: the caller may touch no tenant, so the endpoint would receive nothing');
    }
    const id = randomUUID();
    const secret = generateSecret();
    const rows: any[] = await this.deps.dataSource.query(
      `INSERT INTO webhook_endpoints (id, url, tenant_ids, types, secret, start_sequence, created_by)
       VALUES ($1, $2, $3::uuid[], $4::text[], $5, (SELECT COALESCE(max(sequence), 0) FROM directory_events), $6)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [id, target.url.toString(), tenantIds, [...new Set(input.types ?? [])], this.deps.encryptor.encrypt(secret, secretAad(id)), `${principal.kind}:${principal.id}`],
    );
    return { endpoint: toEndpoint(rows[0]), secret };
  }

  async list(principal: Principal): Promise<WebhookEndpointRecord[]> {
    const rows: any[] = await this.deps.dataSource.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`);
    return rows.map(toEndpoint).filter((e) => mayManage(e.tenantIds, principal.tenants));
  }

  /** The endpoint, or NOT_FOUND when it does not exist or the caller may not manage it (indistinguishable). */
  async get(principal: Principal, id: string, argument = 'id'): Promise<WebhookEndpointRecord> {
    const rows: any[] = UUID.test(id) ? await this.deps.dataSource.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]) : [];
    const endpoint = rows.length > 0 ? toEndpoint(rows[0]) : null;
    if (!endpoint || !mayManage(endpoint.tenantIds, principal.tenants)) {
      throw new GatewayError(ErrorCode.NOT_FOUND, `${argument}: expected a webhook endpoint this caller may manage, found none for ${JSON.stringify(id)}`);
    }
    return endpoint;
  }

  async rotateSecret(principal: Principal, id: string, previousValidForSeconds: number): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    if (!Number.isInteger(previousValidForSeconds) || previousValidForSeconds < 0 || previousValidForSeconds > MAX_ROTATION_OVERLAP_SECONDS) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `previousSecretValidForSeconds: expected 0 to ${MAX_ROTATION_OVERLAP_SECONDS}, got ${previousValidForSeconds}`);
    }
    await this.get(principal, id);
    const secret = generateSecret();
    const rows: any[] = await this.deps.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret = secret, secret = $2, previous_secret_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, this.deps.encryptor.encrypt(secret, secretAad(id)), previousValidForSeconds],
    );
    return { endpoint: toEndpoint(returnedRows(rows)[0]), secret };
  }

  async enable(principal: Principal, id: string): Promise<WebhookEndpointRecord> {
    await this.get(principal, id);
    const rows: any[] = await this.deps.dataSource.query(
      `UPDATE webhook_endpoints SET status = 'ENABLED', consecutive_failures = 0, next_attempt_at = NULL, disabled_at = NULL, disabled_reason = NULL
        WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id],
    );
    return toEndpoint(returnedRows(rows)[0]);
  }

  async delete(principal: Principal, id: string): Promise<boolean> {
    await this.get(principal, id);
    await this.deps.dataSource.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
    return true;
  }

  /** The tenant's deliveries start again after `after` (an event cursor), or from the oldest kept event. */
  async replay(principal: Principal, id: string, tenantId: string, after: string | null | undefined): Promise<WebhookEndpointRecord> {
    const endpoint = await this.get(principal, id, 'endpointId');
    if (endpoint.tenantIds && !endpoint.tenantIds.includes(tenantId)) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `tenantId: endpoint ${id} does not cover tenant ${tenantId}`);
    }
    const sequence = after ? this.deps.cursors.decode(tenantId, after, 'after') : '0';
    await this.deps.dataSource.query(
      `INSERT INTO webhook_cursors (tenant_id, endpoint_id, last_sequence) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, endpoint_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence, updated_at = now()`,
      [tenantId, id, sequence],
    );
    return endpoint;
  }

  /** The endpoint's delivery attempts, newest first. */
  async deliveries(principal: Principal, opts: { endpointId: string; tenantId?: string | null; first: number; after?: string | null }) {
    await this.get(principal, opts.endpointId, 'endpointId');
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > DELIVERIES_PAGE_SIZE.max) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first: expected 1 to ${DELIVERIES_PAGE_SIZE.max}, got ${opts.first}`);
    }
    const before = opts.after ? decodeDeliveryCursor(opts.after) : null;
    const rows: any[] = await this.deps.dataSource.query(
      `SELECT id::text, tenant_id, event_sequence::text, webhook_id, attempt, outcome, status_code, latency_ms, error, attempted_at
         FROM webhook_deliveries
        WHERE endpoint_id = $1 AND ($2::uuid IS NULL OR tenant_id = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY webhook_deliveries.id DESC LIMIT $4`,
      [opts.endpointId, opts.tenantId ?? null, before, opts.first + 1],
    );
    const page = rows.slice(0, opts.first).map(
      (r): DeliveryRecord => ({
        id: r.id,
        tenantId: r.tenant_id,
        eventSequence: r.event_sequence,
        webhookId: r.webhook_id,
        attempt: r.attempt,
        outcome: r.outcome,
        statusCode: r.status_code,
        latencyMs: r.latency_ms,
        error: r.error,
        attemptedAt: r.attempted_at,
      }),
    );
    const edges = page.map((node) => ({ cursor: encodeDeliveryCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > opts.first, endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null } };
  }
}

function encodeDeliveryCursor(id: string): string {
  return Buffer.from(`wd:${id}`).toString('base64url');
}

function decodeDeliveryCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^wd:(\d{1,19})$/.exec(text);
  if (!match) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after: expected a cursor from webhookDeliveries, got another');
  return match[1];
}
