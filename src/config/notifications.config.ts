/**
 * Graph change notifications (issue 16): whether the gateway creates subscriptions on users and groups so a
 * change triggers the delta round at once, and their timings. Without them polling works as before.
 *
 * Graph's facts behind the limits: a subscription on user or group lives at most 41760 minutes (under 29 days);
 * notification URLs must be HTTPS and reachable from Microsoft's servers (src/notifications/decisions.ts).
 */
import { z } from 'zod';
import { Env, integer, oneOf, parseSection, SectionResult } from './env';

/** Graph's maximum lifetime of a subscription on user, group and other directory resources, in minutes. */
export const GRAPH_DIRECTORY_SUBSCRIPTION_MAX_MINUTES = 41_760;

const schema = z
  .object({
    GRAPH_NOTIFICATIONS: oneOf(['auto', 'off'] as const).default('auto'),
    GRAPH_NOTIFICATIONS_DEBOUNCE_MS: integer(0, 60_000, 'milliseconds').default(500),
    GRAPH_SUBSCRIPTION_LIFETIME_MINUTES: integer(60, GRAPH_DIRECTORY_SUBSCRIPTION_MAX_MINUTES, 'minutes').default(10_080),
    GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES: integer(10, GRAPH_DIRECTORY_SUBSCRIPTION_MAX_MINUTES, 'minutes').default(2_880),
    GRAPH_SUBSCRIPTIONS_TICK_SECONDS: integer(1, 3_600, 'seconds').default(60),
  })
  .refine((v) => v.GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES < v.GRAPH_SUBSCRIPTION_LIFETIME_MINUTES, {
    message: 'fewer minutes than GRAPH_SUBSCRIPTION_LIFETIME_MINUTES (else every tick would renew)',
    path: ['GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES'],
  });

export interface NotificationsConfig {
  /** auto: on when PUBLIC_URL is https on a public host, or Entra is the simulator / a custom cloud; off: never. */
  mode: 'auto' | 'off';
  /** A burst of notifications for one tenant waits this long for more before its round starts. */
  debounceMs: number;
  /** The expirationDateTime asked for, from now. */
  lifetimeMinutes: number;
  /** A subscription expiring within this many minutes is renewed. */
  renewBeforeMinutes: number;
  /** How often this process looks for subscriptions to create, renew or delete. */
  tickMs: number;
}

export function notificationsSection(env: Env): SectionResult<NotificationsConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: {
      mode: v.GRAPH_NOTIFICATIONS,
      debounceMs: v.GRAPH_NOTIFICATIONS_DEBOUNCE_MS,
      lifetimeMinutes: v.GRAPH_SUBSCRIPTION_LIFETIME_MINUTES,
      renewBeforeMinutes: v.GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES,
      tickMs: v.GRAPH_SUBSCRIPTIONS_TICK_SECONDS * 1000,
    },
  };
}
