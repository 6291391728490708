/**
 * The delivery worker: every instance runs one. Each poll it looks for enabled endpoints that are due and not
 * leased, takes an endpoint's lease (one atomic UPDATE, a fresh token, as the sync's rounds do), and delivers that
 * endpoint's events tenant by tenant from its cursor, in sequence order, one at a time.
 *
 * Guarantees. At least once, in order per tenant: the cursor moves only in the transaction that records a 2xx,
 * and that transaction first checks (row lock) that this instance still holds the lease; a failure stops the
 * endpoint's round (the next event of that tenant is never sent before the failed one), and the next round starts
 * after the back-off. Duplicate window: a crash or stop after the receiver answered 2xx and before that commit
 * re-delivers the event once, with the same webhook-id (receivers dedupe on it). A lease that lapsed while a
 * delivery ran is the same window: the other instance may send the event again.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import type { WebhooksConfig } from '../config';
import type { Logger } from '../logging';
import type { Encryptor } from '../identity';
import { appendEvents, purgedThrough, readEvents, type StoredEvent } from '../events/event-log';
import { DirectoryEventType } from '../events/event.types';
import { afterFailure, isDelivered } from './decisions';
import { ENDPOINT_COLUMNS, returnedRows, secretAad, toEndpoint, type WebhookEndpointRecord } from './endpoint-store';
import { resolveEndpoint, type Resolver } from './address';
import { postPinned, type PostResult } from './http-post';
import { signatureHeader } from './signing';
import { recordEventsDelivered } from '../observability/metrics';

export interface DeliveryDeps {
  dataSource: DataSource;
  config: Readonly<WebhooksConfig>;
  encryptor: Encryptor;
  logger: Logger;
  development: boolean;
  resolve: Resolver;
  /** The event's cursor as the events API gives it (put in the payload so a receiver can resume by polling). */
  cursorOf: (tenantId: string, sequence: string) => string;
}

export interface DeliveryHooks {
  /** Tests: runs after the receiver answered and before the delivery is recorded (close() here simulates a crash). */
  afterPost?: (event: StoredEvent, result: PostResult) => Promise<void>;
}

/** Batches of WEBHOOK_BATCH_SIZE events one round delivers at most before it lets the endpoint go. */
const ROUND_BATCHES = 10;

class LeaseLost extends Error {}

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

export class WebhookDelivery {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** A wake() arrived during a tick: run the next one at once. */
  private again = false;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  /** For tests only. */
  readonly hooks: DeliveryHooks = {};

  constructor(private readonly deps: DeliveryDeps) {
    this.log = deps.logger.child({ component: 'webhooks' });
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.schedule(0);
  }

  /** New events were committed (a NOTIFY): look now instead of at the next poll. */
  wake(): void {
    if (!this.started || this.closed) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.loop(), delayMs).unref();
  }

  private loop(): void {
    this.timer = null;
    this.again = false;
    this.running = this.tick()
      .catch((error: unknown) => this.log.error({ err: error }, 'webhook delivery tick failed'))
      .finally(() => {
        this.running = null;
        if (!this.closed) this.schedule(this.again ? 0 : this.deps.config.pollMs);
      });
  }

  /** Stops polling, aborts deliveries in flight (not recorded: they are sent again, see the duplicate window). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  /** One pass over the due endpoints (exported for tests that drive delivery by hand). */
  async tick(): Promise<void> {
    const due: Array<{ id: string }> = await this.deps.dataSource.query(
      `SELECT id FROM webhook_endpoints
        WHERE status = 'ENABLED' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          AND (lease_expires_at IS NULL OR lease_expires_at < now())
        ORDER BY next_attempt_at NULLS FIRST, id LIMIT 32`,
    );
    await Promise.all(due.map(({ id }) => this.round(id)));
  }

  private async round(endpointId: string): Promise<void> {
    if (this.closed) return;
    const token = randomUUID();
    const leased: any[] = await this.deps.dataSource.query(
      `UPDATE webhook_endpoints SET lease_owner = $2, lease_token = $3, lease_expires_at = now() + make_interval(secs => $4)
        WHERE id = $1 AND status = 'ENABLED' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          AND (lease_expires_at IS NULL OR lease_expires_at < now())
        RETURNING ${ENDPOINT_COLUMNS}`,
      [endpointId, this.owner, token, this.deps.config.leaseSeconds],
    );
    const rows = returnedRows(leased);
    if (rows.length === 0) return;
    const endpoint = toEndpoint(rows[0]);
    const log = this.log.child({ endpointId });
    try {
      await this.deliverEndpoint(endpoint, token, log);
    } catch (error) {
      if (error instanceof LeaseLost) log.warn('webhook lease lost to another instance; this round stops');
      else if (!this.closed) log.error({ err: error }, 'webhook round failed');
    } finally {
      await this.deps.dataSource
        .query(`UPDATE webhook_endpoints SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_token = $2`, [endpointId, token])
        .catch((e: unknown) => log.error({ err: e }, 'could not release the webhook lease (it expires by itself)'));
    }
  }

  private secretsOf(endpoint: WebhookEndpointRecord): string[] {
    const aad = secretAad(endpoint.id);
    const secrets = [this.deps.encryptor.decrypt(endpoint.secret, aad)];
    if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()) {
      secrets.push(this.deps.encryptor.decrypt(endpoint.previousSecret, aad));
    }
    return secrets;
  }

  private async deliverEndpoint(endpoint: WebhookEndpointRecord, token: string, log: Logger): Promise<void> {
    const db = this.deps.dataSource;
    // Only the tenants with an event past their cursor (one indexed probe each on (tenant_id, sequence)), so an
    // endpoint for every tenant costs one query per poll when nothing happened, not two per tenant.
    const pending: Array<{ id: string }> = await db.query(
      `SELECT t.id FROM tenants t
         LEFT JOIN webhook_cursors c ON c.tenant_id = t.id AND c.endpoint_id = $1
        WHERE ($2::uuid[] IS NULL OR t.id = ANY ($2::uuid[]))
          AND EXISTS (SELECT 1 FROM directory_events e
                       WHERE e.tenant_id = t.id AND e.sequence > COALESCE(c.last_sequence, $3::bigint)
                         AND (cardinality($4::text[]) = 0 OR e.type = ANY ($4::text[])))
        ORDER BY t.id`,
      [endpoint.id, endpoint.tenantIds, endpoint.startSequence, endpoint.types],
    );
    const tenants = pending.map((r) => r.id);
    if (tenants.length === 0) return;
    const secrets = this.secretsOf(endpoint);
    // One connection reused for the round's POSTs (to the address checked when it was opened; every POST is checked
    // again before it is sent), closed when the round ends.
    const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 1 }), https: new https.Agent({ keepAlive: true, maxSockets: 1 }) };
    try {
      await this.deliverTenants(endpoint, token, tenants, secrets, agents, log);
    } finally {
      agents.http.destroy();
      agents.https.destroy();
    }
  }

  private async deliverTenants(endpoint: WebhookEndpointRecord, token: string, tenants: string[], secrets: string[], agents: Agents, log: Logger): Promise<void> {
    const db = this.deps.dataSource;
    let lastRenewal = Date.now();
    // A round ends after this many events, so one busy endpoint cannot hold a tick (and the others) for ever.
    let budget = this.deps.config.batchSize * ROUND_BATCHES;
    for (const tenantId of tenants) {
      let first = true;
      for (;;) {
        if (this.closed) return;
        if (budget <= 0) {
          this.again = true;
          return;
        }
        const cursorRows: Array<{ last_sequence: string }> = await db.query(
          `SELECT last_sequence FROM webhook_cursors WHERE tenant_id = $1 AND endpoint_id = $2`,
          [tenantId, endpoint.id],
        );
        const cursor = cursorRows.length > 0 ? String(cursorRows[0].last_sequence) : endpoint.startSequence;
        if (first) {
          first = false;
          const purged = await purgedThrough(db, tenantId);
          if (BigInt(purged) > BigInt(cursor)) {
            log.warn({ tenantId, cursor, purgedThrough: purged }, 'webhook endpoint fell behind the event retention: events up to purgedThrough were deleted before delivery');
          }
        }
        const events = await readEvents(db, { tenantId, afterSequence: cursor, types: endpoint.types, limit: this.deps.config.batchSize });
        if (events.length === 0) break;
        let previous = cursor;
        for (const event of events) {
          if (this.closed) return;
          if (Date.now() - lastRenewal > (this.deps.config.leaseSeconds * 1000) / 3) {
            await this.renew(endpoint.id, token);
            lastRenewal = Date.now();
          }
          const result = await this.post(endpoint, secrets, event, agents);
          if (this.closed) return;
          await this.hooks.afterPost?.(event, result);
          if (this.closed) return; // stopped between the answer and the commit: the documented duplicate window
          if (isDelivered(result.status)) {
            const advanced = await this.recordSuccess(endpoint, token, event, previous, result);
            if (!advanced) break; // the cursor moved under us (a replay): start this tenant again from it
            previous = event.sequence;
            budget -= 1;
          } else {
            await this.recordFailure(endpoint, token, event, result, log);
            return;
          }
        }
        if (previous !== events[events.length - 1].sequence) continue;
        if (events.length < this.deps.config.batchSize) break;
      }
    }
  }

  private async post(endpoint: WebhookEndpointRecord, secrets: string[], event: StoredEvent, agents: Agents): Promise<PostResult> {
    const target = await resolveEndpoint(endpoint.url, { development: this.deps.development, resolve: this.deps.resolve });
    if (!target.ok) return { status: null, latencyMs: 0, error: `refused: ${target.reason}` };
    const webhookId = webhookIdOf(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.occurredAt.toISOString(),
      data: {
        sequence: event.sequence,
        cursor: this.deps.cursorOf(event.tenantId, event.sequence),
        tenantId: event.tenantId,
        subjectId: event.subjectId,
        payload: event.payload,
      },
    });
    const headers = {
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, webhookId, timestamp, body),
    };
    return postPinned(target.url, target, headers, body, this.deps.config.timeoutMs, this.abort.signal, target.url.protocol === 'https:' ? agents.https : agents.http);
  }

  private async renew(endpointId: string, token: string): Promise<void> {
    const rows: any[] = await this.deps.dataSource.query(
      `UPDATE webhook_endpoints SET lease_expires_at = now() + make_interval(secs => $3) WHERE id = $1 AND lease_token = $2 RETURNING id`,
      [endpointId, token, this.deps.config.leaseSeconds],
    );
    if (returnedRows(rows).length === 0) throw new LeaseLost();
  }

  /** Fencing: inside the recording transaction, the endpoint row is locked and must still carry our token. */
  private async holdLease(tx: EntityManager, endpointId: string, token: string): Promise<{ consecutive_failures: number }> {
    const rows: Array<{ consecutive_failures: number }> = await tx.query(
      `SELECT consecutive_failures FROM webhook_endpoints WHERE id = $1 AND lease_token = $2 FOR UPDATE`,
      [endpointId, token],
    );
    if (rows.length === 0) throw new LeaseLost();
    return rows[0];
  }

  private insertAttempt(tx: EntityManager, endpoint: WebhookEndpointRecord, event: StoredEvent, result: PostResult, outcome: 'DELIVERED' | 'FAILED') {
    return tx.query(
      `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_sequence, webhook_id, attempt, outcome, status_code, latency_ms, error)
       SELECT $1, $2, $3, $4,
              1 + (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND event_sequence = $3),
              $5, $6, $7, $8`,
      [event.tenantId, endpoint.id, event.sequence, webhookIdOf(event), outcome, result.status, result.latencyMs, result.error?.slice(0, 500) ?? null],
    );
  }

  /**
   * One statement (atomic without a surrounding transaction; one round trip): lock the endpoint row and check our
   * lease token (fencing), move the cursor only if it is still `previous`, log the attempt, reset the failure run.
   * False when the cursor was no longer `previous` (a replay moved it): nothing is written then.
   */
  private async recordSuccess(endpoint: WebhookEndpointRecord, token: string, event: StoredEvent, previous: string, result: PostResult): Promise<boolean> {
    const rows: Array<{ leased: number; moved: number }> = await this.deps.dataSource.query(
      `WITH lease AS (
         SELECT id FROM webhook_endpoints WHERE id = $2 AND lease_token = $5 FOR UPDATE
       ), moved AS (
         INSERT INTO webhook_cursors AS c (tenant_id, endpoint_id, last_sequence)
         SELECT $1, $2, $3 FROM lease
         ON CONFLICT (tenant_id, endpoint_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence, updated_at = now()
           WHERE c.last_sequence = $4
         RETURNING 1
       ), logged AS (
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_sequence, webhook_id, attempt, outcome, status_code, latency_ms)
         SELECT $1, $2, $3, $6,
                1 + (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND event_sequence = $3),
                'DELIVERED', $7, $8
           FROM moved
         RETURNING 1
       ), reset AS (
         UPDATE webhook_endpoints SET consecutive_failures = 0, next_attempt_at = NULL
          WHERE id = $2 AND EXISTS (SELECT 1 FROM moved) AND (consecutive_failures <> 0 OR next_attempt_at IS NOT NULL)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM lease)::int AS leased, (SELECT count(*) FROM moved)::int AS moved,
              (SELECT count(*) FROM logged)::int + (SELECT count(*) FROM reset)::int AS written`,
      [event.tenantId, endpoint.id, event.sequence, previous, token, webhookIdOf(event), result.status, result.latencyMs],
    );
    if (rows[0].leased === 0) throw new LeaseLost();
    if (rows[0].moved > 0) recordEventsDelivered('webhook');
    return rows[0].moved > 0;
  }

  private recordFailure(endpoint: WebhookEndpointRecord, token: string, event: StoredEvent, result: PostResult, log: Logger): Promise<void> {
    return this.deps.dataSource.transaction(async (tx) => {
      const row = await this.holdLease(tx, endpoint.id, token);
      await this.insertAttempt(tx, endpoint, event, result, 'FAILED');
      const failures = Number(row.consecutive_failures) + 1;
      const c = this.deps.config;
      const outcome = afterFailure(failures, { baseMs: c.retryBaseMs, maxMs: c.retryMaxMs, disableAfter: c.disableAfterFailures });
      if (outcome.disable) {
        await tx.query(
          `UPDATE webhook_endpoints SET consecutive_failures = $2, status = 'DISABLED', disabled_at = now(), disabled_reason = $3, next_attempt_at = NULL WHERE id = $1`,
          [endpoint.id, failures, outcome.reason],
        );
        await appendEvents(tx, [
          {
            tenantId: event.tenantId,
            type: DirectoryEventType.WEBHOOK_ENDPOINT_DISABLED,
            subjectId: endpoint.id,
            payload: { endpointId: endpoint.id, url: endpoint.url, reason: outcome.reason, consecutiveFailures: failures, lastError: result.error, lastStatus: result.status, stuckAtSequence: event.sequence },
          },
        ]);
        log.warn({ failures, reason: outcome.reason }, 'webhook endpoint disabled');
      } else {
        await tx.query(
          `UPDATE webhook_endpoints SET consecutive_failures = $2, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1`,
          [endpoint.id, failures, outcome.retryInMs],
        );
        log.info({ failures, retryInMs: outcome.retryInMs, status: result.status, error: result.error }, 'webhook delivery failed; will retry');
      }
    });
  }
}

/** Stable across retries and replays of the same event: receivers dedupe on it. */
export function webhookIdOf(event: { sequence: string }): string {
  return `evt_${event.sequence}`;
}
