/** GRAPH_NOTIFICATIONS* settings: defaults, limits from Graph (41760 minutes), and problems said clearly. */
import { notificationsSection } from '../../src/config/notifications.config';

it('defaults: on where possible, 500 ms debounce, 7-day subscriptions renewed 2 days before expiry, a look every minute', () => {
  expect(notificationsSection({})).toEqual({ ok: true, value: { mode: 'auto', debounceMs: 500, lifetimeMinutes: 10_080, renewBeforeMinutes: 2_880, tickMs: 60_000 } });
});

it.each([
  [{ GRAPH_NOTIFICATIONS: 'on' }, 'GRAPH_NOTIFICATIONS', /one of auto, off/],
  [{ GRAPH_SUBSCRIPTION_LIFETIME_MINUTES: '41761' }, 'GRAPH_SUBSCRIPTION_LIFETIME_MINUTES', /60 to 41760/],
  [{ GRAPH_NOTIFICATIONS_DEBOUNCE_MS: '-1' }, 'GRAPH_NOTIFICATIONS_DEBOUNCE_MS', /0 to 60000/],
  [{ GRAPH_SUBSCRIPTION_LIFETIME_MINUTES: '1440', GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES: '1440' }, 'GRAPH_SUBSCRIPTION_RENEW_BEFORE_MINUTES', /fewer minutes than/],
])('%j is refused, naming %s', (env, variable, expected) => {
  const result = notificationsSection(env);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems).toEqual([expect.objectContaining({ variable, expected: expect.stringMatching(expected) })]);
});
