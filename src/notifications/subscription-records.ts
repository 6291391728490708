/**
 * The database side of Graph subscriptions: graph_subscriptions rows (one per tenant and resource, clientState
 * encrypted with the tenant and resource as AAD, so a ciphertext copied to another row does not decrypt) and the
 * per-tenant management lease in graph_subscription_leases. Plain SQL; every statement is keyed by tenant.
 */
import type { DataSource } from 'typeorm';
import type { Encryptor } from '../identity';
import type { Resource, SubscriptionRow } from './decisions';

export interface KnownSubscription {
  tenantId: string;
  resource: Resource;
  clientState: string;
}

export interface StoredSubscription extends SubscriptionRow {
  tenantId: string;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date | null;
  renewedAt: Date | null;
}

interface RawRow {
  tenant_id: string;
  resource: Resource;
  subscription_id: string | null;
  expires_at: Date | null;
  next_attempt_at: Date | null;
  reauthorize_requested: boolean;
  consecutive_failures: number;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Date | null;
  renewed_at: Date | null;
}

const aad = (tenantId: string, resource: Resource) => `graph-subscription:${tenantId}:${resource}`;

export class SubscriptionRecords {
  constructor(
    private readonly db: DataSource,
    private readonly encryptor: Encryptor,
  ) {}

  /** Subscriptions by Graph id, with their clientState decrypted; ids not found are absent. */
  async lookup(subscriptionIds: readonly string[]): Promise<Map<string, KnownSubscription>> {
    const found = new Map<string, KnownSubscription>();
    if (subscriptionIds.length === 0) return found;
    const rows: Array<{ tenant_id: string; resource: Resource; subscription_id: string; client_state: string | null }> = await this.db.query(
      `SELECT tenant_id, resource, subscription_id, client_state FROM graph_subscriptions WHERE subscription_id = ANY($1::text[])`,
      [[...subscriptionIds]],
    );
    for (const row of rows) {
      if (!row.client_state) continue;
      let clientState: string;
      try {
        clientState = this.encryptor.decrypt(row.client_state, aad(row.tenant_id, row.resource));
      } catch {
        // A key dropped before this row moved to the current one (npm run reencrypt covers token caches only):
        // its notifications are refused; polling covers the tenant until the subscription is re-created.
        continue;
      }
      found.set(row.subscription_id, { tenantId: row.tenant_id, resource: row.resource, clientState });
    }
    return found;
  }

  async rows(tenantIds?: readonly string[]): Promise<StoredSubscription[]> {
    const raw: RawRow[] = tenantIds
      ? await this.db.query(`SELECT * FROM graph_subscriptions WHERE tenant_id = ANY($1::uuid[]) ORDER BY tenant_id, resource`, [[...tenantIds]])
      : await this.db.query(`SELECT * FROM graph_subscriptions ORDER BY tenant_id, resource`);
    return raw.map((r) => ({
      tenantId: r.tenant_id,
      resource: r.resource,
      subscriptionId: r.subscription_id,
      expiresAt: r.expires_at,
      nextAttemptAt: r.next_attempt_at,
      reauthorizeRequested: r.reauthorize_requested,
      consecutiveFailures: r.consecutive_failures,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      createdAt: r.created_at,
      renewedAt: r.renewed_at,
    }));
  }

  async saveCreated(tenantId: string, resource: Resource, subscriptionId: string, clientState: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO graph_subscriptions (tenant_id, resource, subscription_id, client_state, expires_at, created_at, renewed_at)
       VALUES ($1, $2, $3, $4, $5, now(), NULL)
       ON CONFLICT (tenant_id, resource) DO UPDATE SET subscription_id = $3, client_state = $4, expires_at = $5, created_at = now(),
         renewed_at = NULL, reauthorize_requested = false, consecutive_failures = 0, last_error = NULL, last_error_at = NULL,
         next_attempt_at = NULL, updated_at = now()`,
      [tenantId, resource, subscriptionId, this.encryptor.encrypt(clientState, aad(tenantId, resource)), expiresAt],
    );
  }

  async saveRenewed(tenantId: string, resource: Resource, expiresAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE graph_subscriptions SET expires_at = $3, renewed_at = now(), reauthorize_requested = false, consecutive_failures = 0,
         last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE tenant_id = $1 AND resource = $2`,
      [tenantId, resource, expiresAt],
    );
  }

  async saveReauthorized(tenantId: string, resource: Resource): Promise<void> {
    await this.db.query(
      `UPDATE graph_subscriptions SET reauthorize_requested = false, consecutive_failures = 0, last_error = NULL, last_error_at = NULL,
         next_attempt_at = NULL, updated_at = now() WHERE tenant_id = $1 AND resource = $2`,
      [tenantId, resource],
    );
  }

  /** A failed creation, renewal or reauthorization: counted, shown in the status, retried after `retryAt`. */
  async recordFailure(tenantId: string, resource: Resource, message: string, retryDelayMs: (failures: number) => number): Promise<number> {
    const [row] = rowsOf<{ consecutive_failures: number }>(await this.db.query(
      `INSERT INTO graph_subscriptions (tenant_id, resource, consecutive_failures, last_error, last_error_at)
       VALUES ($1, $2, 1, $3, now())
       ON CONFLICT (tenant_id, resource) DO UPDATE SET consecutive_failures = graph_subscriptions.consecutive_failures + 1,
         last_error = $3, last_error_at = now(), updated_at = now()
       RETURNING consecutive_failures`,
      [tenantId, resource, message.slice(0, 2000)],
    ));
    await this.db.query(`UPDATE graph_subscriptions SET next_attempt_at = now() + make_interval(secs => $3) WHERE tenant_id = $1 AND resource = $2`, [
      tenantId,
      resource,
      retryDelayMs(row.consecutive_failures) / 1000,
    ]);
    return row.consecutive_failures;
  }

  async remove(tenantId: string, resource: Resource): Promise<void> {
    await this.db.query(`DELETE FROM graph_subscriptions WHERE tenant_id = $1 AND resource = $2`, [tenantId, resource]);
  }

  /** reauthorizationRequired: the managing instance reauthorizes on its next look. */
  async requestReauthorization(subscriptionId: string): Promise<void> {
    await this.db.query(`UPDATE graph_subscriptions SET reauthorize_requested = true, next_attempt_at = NULL, updated_at = now() WHERE subscription_id = $1`, [subscriptionId]);
  }

  /** subscriptionRemoved: Graph has dropped it; forgetting its id makes the next look create a new one. */
  async forgetRemoved(subscriptionId: string): Promise<void> {
    await this.db.query(
      `UPDATE graph_subscriptions SET subscription_id = NULL, client_state = NULL, expires_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE subscription_id = $1`,
      [subscriptionId],
    );
  }

  /** One atomic statement: the lease is taken when free, expired, or already ours. */
  async takeLease(tenantId: string, owner: string, seconds: number): Promise<boolean> {
    await this.db.query(`INSERT INTO graph_subscription_leases (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
    const taken = await this.db.query(
      `UPDATE graph_subscription_leases SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
        WHERE tenant_id = $1 AND (lease_owner IS NULL OR lease_expires_at < now() OR lease_owner = $2) RETURNING tenant_id`,
      [tenantId, owner, seconds],
    );
    return rowsOf(taken).length > 0;
  }

  async releaseLease(tenantId: string, owner: string): Promise<void> {
    await this.db.query(`UPDATE graph_subscription_leases SET lease_owner = NULL, lease_expires_at = NULL WHERE tenant_id = $1 AND lease_owner = $2`, [tenantId, owner]);
  }
}

/** node-postgres answers UPDATE ... RETURNING through TypeORM as [rows, count]. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as T[];
}
