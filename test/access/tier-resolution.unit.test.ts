/** Tier decisions as tables: resolveTier and previewMappingChange over plain data, no server. */
import {
  mappingChangePayload,
  previewMappingChange,
  PreviewWarningCode,
  resolveTier,
  snapshotState,
  TierChangeKind,
  tierTransitions,
  TierReason,
  type TierDef,
} from '../../src/access/tier-resolution';

const T = {
  basic: { id: 'a0000000-0000-4000-8000-000000000001', name: 'Basic', rank: 10 },
  finance: { id: 'a0000000-0000-4000-8000-000000000002', name: 'Finance', rank: 20 },
  engineering: { id: 'a0000000-0000-4000-8000-000000000003', name: 'Engineering', rank: 30 },
} satisfies Record<string, TierDef>;
const TIERS = Object.values(T);
const G = { finance: 'g-finance', engineering: 'g-engineering', all: 'g-all', extra: 'g-extra', empty: 'g-empty' };
const MAPPINGS = [
  { groupId: G.finance, tierId: T.finance.id },
  { groupId: G.engineering, tierId: T.engineering.id },
  { groupId: G.all, tierId: T.basic.id },
  { groupId: G.extra, tierId: T.engineering.id },
];

describe('resolveTier', () => {
  it.each([
    ['no groups', true, [], null, [], TierReason.NO_MAPPED_GROUP],
    ['only unmapped groups', true, ['g-other'], null, [], TierReason.NO_MAPPED_GROUP],
    ['one mapped group', true, [G.finance], T.finance, [G.finance], TierReason.HIGHEST_RANKED_MAPPING],
    ['two mapped groups: the higher rank wins', true, [G.finance, G.engineering], T.engineering, [G.engineering], TierReason.HIGHEST_RANKED_MAPPING],
    ['order of groups does not matter', true, [G.engineering, G.all, G.finance], T.engineering, [G.engineering], TierReason.HIGHEST_RANKED_MAPPING],
    ['two groups to the winning tier both decide', true, [G.extra, G.engineering, G.all], T.engineering, [G.engineering, G.extra], TierReason.HIGHEST_RANKED_MAPPING],
    ['group ids compare without regard to case', true, ['G-FINANCE'], T.finance, [G.finance], TierReason.HIGHEST_RANKED_MAPPING],
    ['accountEnabled null counts as enabled', null, [G.all], T.basic, [G.all], TierReason.HIGHEST_RANKED_MAPPING],
    ['a disabled account gets none, whatever its groups', false, [G.engineering, G.finance], null, [], TierReason.ACCOUNT_DISABLED],
  ] as const)('%s', (_name, accountEnabled, groups, tier, deciding, reason) => {
    const result = resolveTier({ accountEnabled, effectiveGroupIds: groups }, MAPPINGS, TIERS);
    expect(result).toEqual({ tier, decidingGroups: [...deciding].sort(), reason });
  });

  it('names the missing tier when a mapping points at a tier it was not given', () => {
    expect(() => resolveTier({ accountEnabled: true, effectiveGroupIds: [G.finance] }, MAPPINGS, [T.basic])).toThrow(
      /mapping of group g-finance: expected tier a0000000-0000-4000-8000-000000000002 among the 1 tiers given/,
    );
  });
});

describe('previewMappingChange', () => {
  const user = (id: string, groups: string[], accountEnabled: boolean | null = true) => ({ id, accountEnabled, effectiveGroupIds: groups });
  const users = [
    user('u-fin', [G.finance, G.all]),
    user('u-eng', [G.engineering, G.all]),
    user('u-both', [G.finance, G.engineering]),
    user('u-all', [G.all]),
    user('u-off', [G.engineering], false),
  ];
  const current = [
    { groupId: G.finance, tierId: T.finance.id },
    { groupId: G.engineering, tierId: T.engineering.id },
    { groupId: G.all, tierId: T.basic.id },
  ];
  const counts = (preview: ReturnType<typeof previewMappingChange>) =>
    Object.fromEntries(preview.tiers.map((c) => [c.tier.name, [c.currentCount, c.proposedCount]]));
  const moves = (preview: ReturnType<typeof previewMappingChange>) => preview.changes.map((c) => `${c.user.id}: ${c.from?.name ?? '-'} -> ${c.to?.name ?? '-'}`);

  it.each([
    {
      name: 'the same set changes nothing and warns of nothing',
      proposed: current,
      counts: { Engineering: [2, 2], Finance: [1, 1], Basic: [1, 1] },
      moves: [],
      warnings: [],
    },
    {
      name: 'a first mapping from nothing: everyone in it gains the tier',
      current: [],
      proposed: [{ groupId: G.finance, tierId: T.finance.id }],
      counts: { Engineering: [0, 0], Finance: [0, 2], Basic: [0, 0] },
      moves: ['u-fin: - -> Finance', 'u-both: - -> Finance'],
      warnings: [],
    },
    {
      name: 'dropping Engineering: its users fall to their next tier; the emptied tier is flagged',
      proposed: [
        { groupId: G.finance, tierId: T.finance.id },
        { groupId: G.all, tierId: T.basic.id },
      ],
      counts: { Engineering: [2, 0], Finance: [1, 2], Basic: [1, 2] },
      moves: ['u-eng: Engineering -> Basic', 'u-both: Engineering -> Finance'],
      warnings: [PreviewWarningCode.TIER_LEFT_EMPTY],
    },
    {
      name: 'removing every mapping (the emptied-sync disaster): every tier emptied, most users change',
      proposed: [],
      counts: { Engineering: [2, 0], Finance: [1, 0], Basic: [1, 0] },
      moves: ['u-fin: Finance -> -', 'u-eng: Engineering -> -', 'u-both: Engineering -> -', 'u-all: Basic -> -'],
      warnings: [PreviewWarningCode.TIER_LEFT_EMPTY, PreviewWarningCode.TIER_LEFT_EMPTY, PreviewWarningCode.TIER_LEFT_EMPTY, PreviewWarningCode.MOST_USERS_CHANGE],
    },
    {
      name: 'mapping a tier to a group without enabled users flags the tier',
      proposed: [...current, { groupId: G.empty, tierId: T.engineering.id }].filter((m) => m.groupId !== G.engineering),
      counts: { Engineering: [2, 0], Finance: [1, 2], Basic: [1, 2] },
      moves: ['u-eng: Engineering -> Basic', 'u-both: Engineering -> Finance'],
      warnings: [PreviewWarningCode.TIER_LEFT_EMPTY],
    },
    {
      name: 'moving one group to a higher tier moves its users and empties the old tier',
      proposed: [
        { groupId: G.finance, tierId: T.engineering.id },
        { groupId: G.engineering, tierId: T.engineering.id },
        { groupId: G.all, tierId: T.basic.id },
      ],
      counts: { Engineering: [2, 3], Finance: [1, 0], Basic: [1, 1] },
      moves: ['u-fin: Finance -> Engineering'],
      warnings: [PreviewWarningCode.TIER_LEFT_EMPTY],
    },
  ])('$name', (row) => {
    const preview = previewMappingChange(row.current ?? current, row.proposed, users, TIERS);
    expect(counts(preview)).toEqual(row.counts);
    expect(moves(preview)).toEqual(row.moves);
    expect(preview.warnings.map((w) => w.code)).toEqual(row.warnings);
    expect(preview.usersConsidered).toBe(users.length);
  });

  it('lists tiers highest rank first and words its warnings for people', () => {
    const preview = previewMappingChange(current, [], users, TIERS);
    expect(preview.tiers.map((c) => c.tier.name)).toEqual(['Engineering', 'Finance', 'Basic']);
    expect(preview.warnings.map((w) => w.message)).toEqual([
      'tier "Engineering" would hold no users (it holds 2 now)',
      'tier "Finance" would hold no users (it holds 1 now)',
      'tier "Basic" would hold no users (it holds 1 now)',
      '4 of the 5 users in mapped groups would change tier',
    ]);
    expect(preview.warnings[0].tier).toBe(T.engineering);
  });

  it.each([
    [2, false],
    [3, true],
  ])('of 4 users, %i changing tier warns: %s (more than half, not half)', (changing, warns) => {
    const four = ['u1', 'u2', 'u3', 'u4'].map((id, i) => user(id, [i < changing ? G.finance : G.all]));
    const preview = previewMappingChange([{ groupId: G.all, tierId: T.basic.id }, { groupId: G.finance, tierId: T.basic.id }], [{ groupId: G.all, tierId: T.basic.id }, { groupId: G.finance, tierId: T.finance.id }], four, TIERS);
    expect(preview.changes).toHaveLength(changing);
    expect(preview.warnings.some((w) => w.code === PreviewWarningCode.MOST_USERS_CHANGE)).toBe(warns);
  });

  it('a disabled account never changes tier and never counts', () => {
    const preview = previewMappingChange([], [{ groupId: G.engineering, tierId: T.engineering.id }], [user('u-off', [G.engineering], false)], TIERS);
    expect(preview.changes).toEqual([]);
    expect(counts(preview).Engineering).toEqual([0, 0]);
  });

  it('no users: no division by zero, only the empty-tier warning', () => {
    const preview = previewMappingChange([], [{ groupId: G.empty, tierId: T.basic.id }], [], TIERS);
    expect(preview.warnings.map((w) => w.code)).toEqual([PreviewWarningCode.TIER_LEFT_EMPTY]);
    expect(preview.warnings[0].message).toBe('tier "Basic" is mapped but its groups hold no enabled users');
  });
});

describe('tierTransitions (what a mapping or tier change moves)', () => {
  const user = (id: string, groups: string[], accountEnabled: boolean | null = true) => ({ id, accountEnabled, effectiveGroupIds: groups });
  const users = [
    user('u-finance', [G.finance]),
    user('u-both', [G.finance, G.engineering]),
    user('u-all', [G.all]),
    user('u-disabled', [G.finance], false),
    user('u-none', ['g-other']),
  ];
  const without = (groupId: string) => MAPPINGS.filter((m) => m.groupId !== groupId);
  const withRank = (tier: TierDef, rank: number) => TIERS.map((t) => (t.id === tier.id ? { ...t, rank } : t));

  it.each([
    ['the same state: nobody', MAPPINGS, TIERS, MAPPINGS, TIERS, []],
    ['a mapping removed: its users fall to their next tier, or none', MAPPINGS, TIERS, without(G.finance), TIERS, [['u-finance', 'Finance', null]]],
    ['a mapping added', without(G.finance), TIERS, MAPPINGS, TIERS, [['u-finance', null, 'Finance']]],
    [
      'a mapping pointed at another tier',
      MAPPINGS,
      TIERS,
      [...without(G.all), { groupId: G.all, tierId: T.finance.id }],
      TIERS,
      [['u-all', 'Basic', 'Finance']],
    ],
    ['a rank change that reorders two tiers moves who reaches both', MAPPINGS, TIERS, MAPPINGS, withRank(T.finance, 40), [['u-both', 'Engineering', 'Finance']]],
    ['a rank change that keeps the order moves nobody', MAPPINGS, TIERS, MAPPINGS, withRank(T.finance, 25), []],
    ['a tier deleted with its mappings', MAPPINGS, TIERS, MAPPINGS.filter((m) => m.tierId !== T.finance.id), TIERS.filter((t) => t.id !== T.finance.id), [['u-finance', 'Finance', null]]],
  ] as const)('%s', (_name, beforeMappings, beforeTiers, afterMappings, afterTiers, expected) => {
    const moved = tierTransitions(users, { mappings: beforeMappings, tiers: beforeTiers }, { mappings: afterMappings, tiers: afterTiers });
    expect(moved.map((t) => [t.user.id, t.from?.name ?? null, t.to?.name ?? null])).toEqual(expected);
  });

  it('agrees with previewMappingChange for mapping changes', () => {
    const proposed = [...without(G.finance), { groupId: 'g-other', tierId: T.basic.id }];
    const preview = previewMappingChange(MAPPINGS, proposed, users, TIERS);
    const moved = tierTransitions(users, { mappings: MAPPINGS, tiers: TIERS }, { mappings: proposed, tiers: TIERS });
    expect(moved.map((t) => [t.user.id, t.from, t.to])).toEqual(preview.changes.map((c) => [c.user.id, c.from, c.to]));
  });

  it('builds the ACCESS_TIER_CHANGED payload: reason MAPPING_CHANGED, the cause, the new decision', () => {
    const [t] = tierTransitions([users[0]], { mappings: MAPPINGS, tiers: TIERS }, { mappings: without(G.finance), tiers: TIERS });
    const cause = { kind: TierChangeKind.MAPPING_REMOVED, groupId: G.finance, groupDisplayName: 'Finance', tier: null, previousTier: T.finance };
    expect(mappingChangePayload(t, cause, new Date('2026-12-04T20:00:00Z'))).toEqual({
      userId: 'u-finance',
      old: T.finance,
      new: null,
      reason: 'MAPPING_CHANGED',
      resolution: TierReason.NO_MAPPED_GROUP,
      decidingGroups: [],
      why: { mappingChange: cause, snapshotAsOf: '2026-12-04T20:00:00.000Z' },
    });
  });
});

describe('snapshotState', () => {
  it.each([
    [null, 900, 'NEVER_SYNCED'],
    [0, 900, 'FRESH'],
    [900, 900, 'FRESH'],
    [901, 900, 'STALE'],
  ] as const)('age %p, bound %p -> %p', (age, bound, expected) => {
    expect(snapshotState(age, bound)).toBe(expected);
  });
});
