/** The simulator's subscription rules (Graph's documented limits), as tables. */
import {
  deliveryDelayMs,
  MAX_LIFETIME_MINUTES,
  notificationFor,
  parseChangeType,
  parseExpiration,
  parseUrl,
  requestedResource,
} from '../../src/simulator/graph/subscriptions/rules';

const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('changeType for users and groups', () => {
  it.each([
    ['updated,deleted', 'users', ['updated', 'deleted']],
    ['updated', 'groups', ['updated']],
    ['deleted, updated ,deleted', 'groups', ['deleted', 'updated']],
  ] as const)('%s on %s is %j', (value, resource, expected) => {
    expect(parseChangeType(value, resource)).toEqual(expected);
  });

  it.each([
    ['created', 'users', /changeType 'created' is not supported for resource 'users'/],
    ['updated,created', 'groups', /not supported for resource 'groups'/],
    ['renamed', 'users', /changeType 'renamed' is not valid/],
    ['', 'users', /changeType is required/],
  ] as const)('%j on %s is refused', (value, resource, message) => {
    expect(() => parseChangeType(value, resource)).toThrow(message);
  });
});

describe('expirationDateTime', () => {
  const minutes = (m: number) => new Date(NOW + m * 60_000).toISOString();
  it.each([
    [minutes(1), true],
    [minutes(MAX_LIFETIME_MINUTES), true],
    [minutes(MAX_LIFETIME_MINUTES + 1), false],
    [minutes(-1), false],
    ['tomorrow', false],
  ])('%s accepted: %s', (value, ok) => {
    if (ok) expect(parseExpiration(value, NOW)).toBe(Date.parse(value));
    else expect(() => parseExpiration(value, NOW)).toThrow(/expirationDateTime|expiration/i);
  });
});

describe('notification URLs', () => {
  it.each([
    ['https://gateway.example.com/graph/notifications', true],
    ['http://127.0.0.1:4000/graph/notifications', true],
    ['http://localhost:4000/graph/notifications', true],
    ['http://gateway.example.com/graph/notifications', false],
    ['ftp://127.0.0.1/x', false],
    ['not a url', false],
  ])('%s accepted: %s', (value, ok) => {
    if (ok) expect(parseUrl(value, 'notificationUrl', true)).toBe(new URL(value).toString());
    else expect(() => parseUrl(value, 'notificationUrl', true)).toThrow(/notificationUrl/);
  });
});

describe('which change-log entry notifies what', () => {
  const base = { seq: 1, at: NOW };
  it.each([
    [{ ...base, kind: 'user', id: 'u', op: 'upsert', changed: ['department'] }, { resource: 'users', changeType: 'updated', id: 'u' }],
    [{ ...base, kind: 'user', id: 'u', op: 'softDelete', changed: [] }, { resource: 'users', changeType: 'updated', id: 'u' }],
    [{ ...base, kind: 'group', id: 'g', op: 'hardDelete', changed: [] }, { resource: 'groups', changeType: 'deleted', id: 'g' }],
    [
      { ...base, kind: 'member', groupId: 'g', memberId: 'u', memberKind: 'user', op: 'remove' },
      { resource: 'groups', changeType: 'updated', id: 'g', membersDelta: [{ id: 'u', removed: true }] },
    ],
  ] as const)('%j -> %j', (entry, expected) => {
    expect(notificationFor(entry as never)).toEqual(expected);
  });
});

it('reads the resource of a body for the permission check', () => {
  expect([requestedResource({ resource: '/users' }), requestedResource({ resource: 'Groups' }), requestedResource({ resource: 'me/messages' }), requestedResource(null)]).toEqual([
    'users',
    'groups',
    null,
    null,
  ]);
});

it('backs off exponentially up to the cap', () => {
  expect([1, 2, 3, 4, 10].map((attempt) => deliveryDelayMs(attempt, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000]);
});
