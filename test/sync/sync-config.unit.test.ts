/** The sync section of the configuration: defaults, and every problem named. */
import { ConfigError, loadConfig } from '../../src/config';
import { gatewayPoolSize } from '../../src/db/data-source';

describe('sync configuration', () => {
  it('defaults: scheduler on, 300 s interval, 120 s lease, accessTier from a snapshot up to 900 s old, drift thresholds', () => {
    expect(loadConfig({}).sync).toEqual({
      enabled: true,
      defaultIntervalSeconds: 300,
      leaseSeconds: 120,
      tickMs: 5000,
      concurrency: 2,
      accessTierMaxAgeSeconds: 900,
      completedHeartbeatSeconds: 3600,
      drift: { credentialDays: 30, policyIntervalSeconds: 3600, syncFailureThreshold: 3 },
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        SYNC_ENABLED: 'off',
        SYNC_DEFAULT_INTERVAL: '600',
        SYNC_LEASE_SECONDS: '30',
        SYNC_TICK_MS: '1000',
        SYNC_CONCURRENCY: '8',
        ACCESS_TIER_MAX_AGE_SECONDS: '0',
        SYNC_COMPLETED_HEARTBEAT_SECONDS: '0',
        DRIFT_CREDENTIAL_DAYS: '14',
        DRIFT_POLICY_INTERVAL_SECONDS: '0',
        DRIFT_SYNC_FAILURE_THRESHOLD: '5',
      }).sync,
    ).toEqual({
      enabled: false,
      defaultIntervalSeconds: 600,
      leaseSeconds: 30,
      tickMs: 1000,
      concurrency: 8,
      accessTierMaxAgeSeconds: 0,
      completedHeartbeatSeconds: 0,
      drift: { credentialDays: 14, policyIntervalSeconds: 0, syncFailureThreshold: 5 },
    });
  });

  it('lists every bad value', () => {
    let error: unknown;
    try {
      loadConfig({ SYNC_ENABLED: 'maybe', SYNC_DEFAULT_INTERVAL: '5', SYNC_LEASE_SECONDS: 'x', SYNC_COMPLETED_HEARTBEAT_SECONDS: '-1', SYNC_CONCURRENCY: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual(['SYNC_COMPLETED_HEARTBEAT_SECONDS', 'SYNC_CONCURRENCY', 'SYNC_DEFAULT_INTERVAL', 'SYNC_ENABLED', 'SYNC_LEASE_SECONDS']);
  });
});

describe("the gateway's database pool follows SYNC_CONCURRENCY", () => {
  it.each([
    ['sync off: requests only', { enabled: false, concurrency: 8 }, 10],
    ['the default (2 rounds at once)', { enabled: true, concurrency: 2 }, 10],
    ['one round at once', { enabled: true, concurrency: 1 }, 10],
    ['4 rounds at once: 3 connections each at most, and 4 more', { enabled: true, concurrency: 4 }, 16],
    ['the largest allowed', { enabled: true, concurrency: 64 }, 196],
  ])('%s -> %p connections', (_name, sync, expected) => {
    expect(gatewayPoolSize(sync)).toBe(expected);
  });
});
