/** The events section of the configuration: defaults, overrides, every bad value listed. */
import { ConfigError, loadConfig } from '../../src/config';

describe('events configuration', () => {
  it('defaults: 30 days of retention, a purge every hour, 1,000 queued events per subscriber', () => {
    expect(loadConfig({}).events).toEqual({ retentionDays: 30, purgeIntervalSeconds: 3600, subscriberQueueLimit: 1000 });
  });

  it('reads every variable', () => {
    expect(loadConfig({ EVENT_RETENTION_DAYS: '7', EVENT_PURGE_INTERVAL_SECONDS: '60', EVENT_SUBSCRIBER_QUEUE_LIMIT: '50' }).events).toEqual({
      retentionDays: 7,
      purgeIntervalSeconds: 60,
      subscriberQueueLimit: 50,
    });
  });

  it('lists every bad value', () => {
    let error: unknown;
    try {
      loadConfig({ EVENT_RETENTION_DAYS: '0', EVENT_PURGE_INTERVAL_SECONDS: 'hourly', EVENT_SUBSCRIBER_QUEUE_LIMIT: '5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => [problem.variable, problem.expected])).toEqual([
      ['EVENT_RETENTION_DAYS', 'an integer from 1 to 3650'],
      ['EVENT_PURGE_INTERVAL_SECONDS', 'an integer from 10 to 86400'],
      ['EVENT_SUBSCRIBER_QUEUE_LIMIT', 'an integer from 10 to 100000'],
    ]);
  });
});
