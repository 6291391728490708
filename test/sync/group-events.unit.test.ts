/** groupOutcome: which GROUP_* events a round's changed group rows make (pure, no database). */
import type { ObjectChange } from '../../src/sync/apply-objects';
import { groupOutcome, groupView } from '../../src/sync/apply-groups';

const ID = '00000000-0000-0000-0000-0000000000a1';
const security = { displayName: 'Finance', groupTypes: [], membershipRule: null, securityEnabled: true, mailEnabled: false, mail: null };
const change = (c: Partial<ObjectChange>): ObjectChange => ({ id: ID, removed: null, fields: {}, before: null, beforeDeleted: false, ...c });

describe('groupView', () => {
  it.each([
    [{ groupTypes: ['Unified'], securityEnabled: false, mailEnabled: true }, 'MICROSOFT_365', false],
    [{ groupTypes: [], securityEnabled: true, mailEnabled: false }, 'SECURITY', false],
    [{ groupTypes: [], securityEnabled: true, mailEnabled: true }, 'MAIL_ENABLED_SECURITY', false],
    [{ groupTypes: [], securityEnabled: false, mailEnabled: true }, 'DISTRIBUTION', false],
    [{ groupTypes: ['DynamicMembership'], securityEnabled: true, mailEnabled: false }, 'SECURITY', true],
    [{ groupTypes: ['Unified', 'DynamicMembership'], securityEnabled: false, mailEnabled: true }, 'MICROSOFT_365', true],
    [{ groupTypes: [], securityEnabled: null, mailEnabled: null }, null, false],
  ])('%j -> kind %p, dynamic %p', (values, kind, dynamic) => {
    expect(groupView(values)).toMatchObject({ kind, dynamic });
  });
});

describe('groupOutcome', () => {
  it.each<[string, ObjectChange, unknown[], { created: number; deleted: number }]>([
    ['a new group', change({ fields: security }), [{ type: 'GROUP_CREATED', payload: { groupId: ID, displayName: 'Finance', restored: false, group: { displayName: 'Finance', kind: 'SECURITY', dynamic: false, membershipRule: null, mail: null } } }], { created: 1, deleted: 0 }],
    ['a restored group (the snapshot kept it as deleted)', change({ fields: { displayName: 'Finance' }, before: security, beforeDeleted: true }), [{ type: 'GROUP_CREATED', payload: { restored: true, group: { kind: 'SECURITY' } } }], { created: 1, deleted: 0 }],
    ['soft-deleted', change({ removed: 'changed', before: security }), [{ type: 'GROUP_DELETED', payload: { groupId: ID, displayName: 'Finance', reason: 'SOFT_DELETED' } }], { created: 0, deleted: 1 }],
    ['deleted for good', change({ removed: 'deleted', before: security }), [{ type: 'GROUP_DELETED', payload: { reason: 'DELETED' } }], { created: 0, deleted: 1 }],
    ['missing from a full resync', change({ removed: 'absent', before: security }), [{ type: 'GROUP_DELETED', payload: { reason: 'ABSENT_FROM_FULL_SYNC' } }], { created: 0, deleted: 1 }],
    ['removed but unknown to the snapshot', change({ removed: 'deleted' }), [], { created: 0, deleted: 0 }],
    ['removed again while already deleted', change({ removed: 'deleted', before: security, beforeDeleted: true }), [], { created: 0, deleted: 0 }],
    ['renamed', change({ fields: { displayName: 'Finance EU' }, before: security }), [{ type: 'GROUP_UPDATED', payload: { displayName: 'Finance EU', changedFields: ['displayName'], before: { displayName: 'Finance' }, after: { displayName: 'Finance EU' } } }], { created: 0, deleted: 0 }],
    [
      'made dynamic',
      change({ fields: { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Finance"' }, before: security }),
      [{ type: 'GROUP_UPDATED', payload: { changedFields: ['dynamic', 'membershipRule'], before: { dynamic: false, membershipRule: null }, after: { dynamic: true, membershipRule: 'user.department -eq "Finance"' } } }],
      { created: 0, deleted: 0 },
    ],
    [
      'mail-enabled, with an address',
      change({ fields: { mailEnabled: true, mail: 'finance@verafield.com' }, before: security }),
      [{ type: 'GROUP_UPDATED', payload: { changedFields: ['kind', 'mail'], before: { kind: 'SECURITY', mail: null }, after: { kind: 'MAIL_ENABLED_SECURITY', mail: 'finance@verafield.com' } } }],
      { created: 0, deleted: 0 },
    ],
    ['the same values again (a replayed delta)', change({ fields: { ...security }, before: security }), [], { created: 0, deleted: 0 }],
    [
      'only a property the events do not report (securityEnabled of a Microsoft 365 group)',
      change({ fields: { securityEnabled: true }, before: { ...security, groupTypes: ['Unified'], securityEnabled: false, mailEnabled: true } }),
      [],
      { created: 0, deleted: 0 },
    ],
  ])('%s', (_name, input, events, counts) => {
    const out = groupOutcome([input]);
    expect(out.events).toHaveLength(events.length);
    expect(out.events).toMatchObject(events.map((e) => ({ ...(e as object), groupId: ID })));
    expect({ created: out.created, deleted: out.deleted }).toEqual(counts);
  });
});
