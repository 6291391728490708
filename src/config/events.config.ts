/** The change-event log: how long events are kept, how often the purge runs, how far a subscriber may lag. */
import { z } from 'zod';
import { Env, integer, parseSection, SectionResult } from './env';

const schema = z.object({
  EVENT_RETENTION_DAYS: integer(1, 3650).default(30),
  EVENT_PURGE_INTERVAL_SECONDS: integer(10, 86_400).default(3600),
  EVENT_SUBSCRIBER_QUEUE_LIMIT: integer(10, 100_000).default(1000),
});

export interface EventsConfig {
  /** Events older than this are purged; a cursor behind a purge must resync. */
  retentionDays: number;
  purgeIntervalSeconds: number;
  /** Live events waiting for one slow subscriber; beyond it the subscription ends, to be resumed from its cursor. */
  subscriberQueueLimit: number;
}

export function eventsSection(env: Env): SectionResult<EventsConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: { retentionDays: v.EVENT_RETENTION_DAYS, purgeIntervalSeconds: v.EVENT_PURGE_INTERVAL_SECONDS, subscriberQueueLimit: v.EVENT_SUBSCRIBER_QUEUE_LIMIT },
  };
}
