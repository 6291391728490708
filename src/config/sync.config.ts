/** Background sync (issue 6): whether this process runs the scheduler, its timings, and the drift rules' settings. */
import { z } from 'zod';
import { Env, flag, integer, parseSection, SectionResult } from './env';

const schema = z.object({
  SYNC_ENABLED: flag.default(true),
  SYNC_DEFAULT_INTERVAL: integer(60, 86_400, 'seconds').default(300),
  SYNC_LEASE_SECONDS: integer(10, 3_600, 'seconds').default(120),
  SYNC_TICK_MS: integer(100, 600_000, 'milliseconds').default(5_000),
  SYNC_CONCURRENCY: integer(1, 64, 'rounds at once').default(2),
  ACCESS_TIER_MAX_AGE_SECONDS: integer(0, 86_400 * 7, 'seconds').default(900),
  SYNC_COMPLETED_HEARTBEAT_SECONDS: integer(0, 86_400 * 7, 'seconds').default(3_600),
  DRIFT_CREDENTIAL_DAYS: integer(1, 3_650, 'days').default(30),
  DRIFT_POLICY_INTERVAL_SECONDS: integer(0, 7 * 86_400, 'seconds').default(3_600),
  DRIFT_SYNC_FAILURE_THRESHOLD: integer(1, 1_000, 'consecutive failures').default(3),
});

export interface SyncConfig {
  /** Run the scheduler in this process. */
  enabled: boolean;
  /** Interval for a tenant without one of its own. */
  defaultIntervalSeconds: number;
  /** How long a sync lease lasts without renewal (another process takes over after it). */
  leaseSeconds: number;
  /** How often the scheduler looks for due tenants (on average: each wait is jittered). */
  tickMs: number;
  /** Rounds this process runs at once. */
  concurrency: number;
  /** accessTier answers from the snapshot when its last round is at most this old; 0 = always live. */
  accessTierMaxAgeSeconds: number;
  /** A round that changed nothing writes SYNC_COMPLETED only when the tenant's last one is at least this old; 0 = every round. */
  completedHeartbeatSeconds: number;
  drift: DriftSettings;
}

export interface DriftSettings {
  /** Credentials of the product's app expiring within this many days are findings. */
  credentialDays: number;
  /** Conditional-access policies and apps are read at most this often per tenant. */
  policyIntervalSeconds: number;
  /** Consecutive sync failures that make a SYNC_FAILING finding. */
  syncFailureThreshold: number;
}

export function syncSection(env: Env): SectionResult<SyncConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: {
      enabled: v.SYNC_ENABLED,
      defaultIntervalSeconds: v.SYNC_DEFAULT_INTERVAL,
      leaseSeconds: v.SYNC_LEASE_SECONDS,
      tickMs: v.SYNC_TICK_MS,
      concurrency: v.SYNC_CONCURRENCY,
      accessTierMaxAgeSeconds: v.ACCESS_TIER_MAX_AGE_SECONDS,
      completedHeartbeatSeconds: v.SYNC_COMPLETED_HEARTBEAT_SECONDS,
      drift: {
        credentialDays: v.DRIFT_CREDENTIAL_DAYS,
        policyIntervalSeconds: v.DRIFT_POLICY_INTERVAL_SECONDS,
        syncFailureThreshold: v.DRIFT_SYNC_FAILURE_THRESHOLD,
      },
    },
  };
}
