import { analyzeMfaEnforcement, CaConditions, CaGrantControls, CaPolicy, MfaEnforcement } from '../../src/directory/mfa-analysis';

const APP = '4f1c3e2a-0000-4000-8000-00000000a991';
const OTHER_APP = '00000003-0000-0ff1-ce00-000000000000';
const BREAK_GLASS = '9b1e0000-0000-4000-8000-0000000000b1';
const TRAVEL = '9b1e0000-0000-4000-8000-0000000000b2';
const ENGINEERING = '9b1e0000-0000-4000-8000-0000000000b3';
const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const BOB = 'b0b00000-0000-4000-8000-000000000002';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

interface Spec {
  state?: string;
  apps?: string[];
  excludeApps?: string[];
  users?: string[];
  excludeUsers?: string[];
  groups?: string[];
  excludeGroups?: string[];
  roles?: string[];
  excludeRoles?: string[];
  controls?: string[];
  operator?: 'AND' | 'OR';
  strength?: CaGrantControls['authenticationStrength'];
  conditions?: CaConditions;
}

let counter = 0;
/** A policy as Graph returns it: every array present, defaults that apply the policy to every sign-in. */
function policy(name: string, spec: Spec): CaPolicy {
  counter += 1;
  return {
    id: `policy-${counter}`,
    displayName: name,
    state: spec.state ?? 'enabled',
    conditions: {
      applications: { includeApplications: spec.apps ?? [APP], excludeApplications: spec.excludeApps ?? [] },
      users: {
        includeUsers: spec.users ?? [],
        excludeUsers: spec.excludeUsers ?? [],
        includeGroups: spec.groups ?? [],
        excludeGroups: spec.excludeGroups ?? [],
        includeRoles: spec.roles ?? [],
        excludeRoles: spec.excludeRoles ?? [],
      },
      clientAppTypes: ['all'],
      platforms: null,
      locations: null,
      signInRiskLevels: [],
      userRiskLevels: [],
      ...spec.conditions,
    },
    grantControls: {
      operator: spec.operator ?? 'OR',
      builtInControls: spec.controls ?? ['mfa'],
      customAuthenticationFactors: [],
      termsOfUse: [],
      authenticationStrength: spec.strength ?? null,
    },
  };
}

function analyze(...policies: CaPolicy[]): MfaEnforcement {
  return analyzeMfaEnforcement({ appId: APP, policies });
}

const names = (findings: { displayName: string }[]) => findings.map((finding) => finding.displayName);

describe('analyzeMfaEnforcement: which policies decide', () => {
  it.each<[string, CaPolicy[], MfaEnforcement['enforced'], string[]]>([
    ['All apps, All users, mfa', [policy('all', { apps: ['All'], users: ['All'] })], 'ALL_USERS', ['all']],
    ['the app by id, All users', [policy('app', { users: ['All'] })], 'ALL_USERS', ['app']],
    ['the app id in another case', [policy('app', { apps: [APP.toUpperCase()], users: ['All'] })], 'ALL_USERS', ['app']],
    ['another app only', [policy('other', { apps: [OTHER_APP], users: ['All'] })], 'NONE', []],
    ['Office365 does not cover a third-party app', [policy('o365', { apps: ['Office365'], users: ['All'] })], 'NONE', []],
    ['MicrosoftAdminPortals does not cover it', [policy('portals', { apps: ['MicrosoftAdminPortals'], users: ['All'] })], 'NONE', []],
    ['None', [policy('none', { apps: ['None'], users: ['All'] })], 'NONE', []],
    ['a group only', [policy('eng', { groups: [ENGINEERING] })], 'SOME_USERS', ['eng']],
    ['a role only', [policy('admins', { roles: [GLOBAL_ADMIN] })], 'SOME_USERS', ['admins']],
    ['a user only', [policy('alice', { users: [ALICE] })], 'SOME_USERS', ['alice']],
    ['guests only', [policy('guests', { users: ['GuestsOrExternalUsers'] })], 'SOME_USERS', ['guests']],
    ['mfa AND compliantDevice', [policy('and', { users: ['All'], controls: ['mfa', 'compliantDevice'], operator: 'AND' })], 'ALL_USERS', ['and']],
    ['mfa OR compliantDevice is not enforced MFA', [policy('or', { users: ['All'], controls: ['mfa', 'compliantDevice'] })], 'NONE', []],
    ['compliantDevice alone', [policy('device', { users: ['All'], controls: ['compliantDevice'] })], 'NONE', []],
    [
      'authentication strength',
      [policy('strength', { users: ['All'], controls: [], strength: { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' } })],
      'ALL_USERS',
      ['strength'],
    ],
    [
      'mfa OR authentication strength: every alternative is MFA',
      [policy('either', { users: ['All'], strength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' } })],
      'ALL_USERS',
      ['either'],
    ],
    [
      'a custom strength that does not satisfy MFA',
      [policy('weak', { users: ['All'], controls: [], strength: { id: 'custom', displayName: 'Password only', requirementsSatisfied: 'none' } })],
      'NONE',
      [],
    ],
    ['block', [policy('block', { users: ['All'], controls: ['block'] })], 'NONE', []],
    ['report-only', [policy('report', { users: ['All'], state: 'enabledForReportingButNotEnforced' })], 'NONE', []],
    ['disabled', [policy('off', { users: ['All'], state: 'disabled' })], 'NONE', []],
    ['report-only block', [policy('report block', { users: ['All'], controls: ['block'], state: 'enabledForReportingButNotEnforced' })], 'NONE', []],
    ['report-only compliantDevice', [policy('report device', { users: ['All'], controls: ['compliantDevice'], state: 'enabledForReportingButNotEnforced' })], 'NONE', []],
    ['disabled compliantDevice', [policy('off device', { users: ['All'], controls: ['compliantDevice'], state: 'disabled' })], 'NONE', []],
    [
      'a report-only policy beside an enabled one decides nothing',
      [policy('report', { users: ['All'], state: 'enabledForReportingButNotEnforced' }), policy('alice', { users: [ALICE] })],
      'SOME_USERS',
      ['alice'],
    ],
    ['includeUsers None', [policy('nobody', { users: ['None'] })], 'NONE', []],
  ])('%s', (_name, policies, enforced, deciding) => {
    const result = analyze(...policies);
    expect(result.enforced).toBe(enforced);
    expect(names(result.decidingPolicies)).toEqual(deciding);
  });

  it('explains a deciding policy: id, name, what it requires and of whom', () => {
    const decider = policy('Require MFA for Gateway Product', { users: ['All'], excludeGroups: [BREAK_GLASS] });
    expect(analyze(decider).decidingPolicies).toEqual([
      {
        id: decider.id,
        displayName: 'Require MFA for Gateway Product',
        state: 'enabled',
        grant: 'MFA',
        reason: `requires MFA (mfa) for All users except groups ${BREAK_GLASS}`,
      },
    ]);
  });
});

describe('analyzeMfaEnforcement: whom it covers and whom it leaves out', () => {
  it('reports the targeted users, groups, roles and guests of the deciding policies', () => {
    const result = analyze(
      policy('people', { users: [ALICE, 'GuestsOrExternalUsers'], groups: [ENGINEERING] }),
      policy('admins', { roles: [GLOBAL_ADMIN, USER_ADMIN] }),
    );
    expect(result.coverage).toEqual({ allUsers: false, users: [ALICE], groups: [ENGINEERING], roles: [GLOBAL_ADMIN, USER_ADMIN], guests: true });
  });

  it('lists excluded users, groups, roles and guests', () => {
    const result = analyze(
      policy('all', { users: ['All'], excludeUsers: [BOB, 'GuestsOrExternalUsers'], excludeGroups: [BREAK_GLASS], excludeRoles: [GLOBAL_ADMIN] }),
    );
    expect(result.enforced).toBe('SOME_USERS');
    expect(result.coverage.allUsers).toBe(true);
    expect(result.exclusions).toEqual({ users: [BOB], groups: [BREAK_GLASS], roles: [GLOBAL_ADMIN], guests: true, overlaps: [], appExcludedBy: [] });
  });

  it('counts an exclusion as guests when only some guest types are excluded', () => {
    const partial = policy('all', { users: ['All'] });
    partial.conditions!.users!.excludeGuestsOrExternalUsers = { guestOrExternalUserTypes: 'b2bCollaborationGuest' };
    expect(analyze(partial).exclusions.guests).toBe(true);
  });

  it('reports a policy that covers the app through All but excludes it by excludeApplications', () => {
    const excluding = policy('all apps but ours', { apps: ['All'], excludeApps: [APP], users: ['All'] });
    const result = analyze(excluding);
    expect(result.enforced).toBe('NONE');
    expect(result.exclusions.appExcludedBy).toEqual([
      expect.objectContaining({ id: excluding.id, grant: 'MFA', reason: 'requires MFA (mfa) for All users, but excludes this app' }),
    ]);
  });

  it('an exclusion in one policy covered by another that targets All users without excluding it is not a gap', () => {
    const result = analyze(
      policy('app, not travel', { users: ['All'], excludeGroups: [TRAVEL] }),
      policy('everything', { apps: ['All'], users: ['All'], excludeGroups: [BREAK_GLASS] }),
    );
    // Travel is covered by "everything"; break-glass is covered by "app, not travel"... except members of both.
    expect(result.exclusions).toMatchObject({ groups: [], overlaps: [[{ kind: 'GROUP', id: TRAVEL }, { kind: 'GROUP', id: BREAK_GLASS }]] });
    expect(result.enforced).toBe('SOME_USERS');
  });

  it('an exclusion covered by a policy that names it directly is closed', () => {
    const result = analyze(
      policy('all but admins', { users: ['All'], excludeRoles: [GLOBAL_ADMIN], excludeUsers: [ALICE] }),
      policy('admins', { roles: [GLOBAL_ADMIN] }),
      policy('alice', { users: [ALICE] }),
    );
    expect(result.exclusions).toMatchObject({ users: [], roles: [], overlaps: [] });
    expect(result.enforced).toBe('ALL_USERS');
  });

  it('an exclusion shared by every policy that targets it stays open', () => {
    const result = analyze(
      policy('product', { users: ['All'], excludeGroups: [BREAK_GLASS] }),
      policy('everything', { apps: ['All'], users: ['All'], excludeGroups: [BREAK_GLASS, TRAVEL] }),
    );
    expect(result.exclusions).toMatchObject({ groups: [BREAK_GLASS], overlaps: [] });
  });

  it('a user excluded by id and included only through a group is reported: membership is not known here', () => {
    const result = analyze(policy('all but bob', { users: ['All'], excludeUsers: [BOB] }), policy('engineering', { groups: [ENGINEERING] }));
    expect(result.exclusions.users).toEqual([BOB]);
  });

  it('two excluded users never overlap: a user is one person', () => {
    const result = analyze(policy('not alice', { users: ['All'], excludeUsers: [ALICE] }), policy('not bob', { users: ['All'], excludeUsers: [BOB] }));
    expect(result.exclusions).toMatchObject({ users: [], overlaps: [] });
    expect(result.enforced).toBe('ALL_USERS');
  });

  it('an excluded user is open only if a guest, when the other policy excludes guests', () => {
    const result = analyze(
      policy('not alice', { users: ['All'], excludeUsers: [ALICE] }),
      policy('members', { users: ['All'], excludeUsers: ['GuestsOrExternalUsers'] }),
    );
    expect(result.exclusions).toMatchObject({ users: [], guests: false, overlaps: [[{ kind: 'USER', id: ALICE }, { kind: 'GUESTS' }]] });
  });

  it('a block policy closes an exclusion without counting as MFA', () => {
    const blocker = policy('block guests', { users: ['GuestsOrExternalUsers'], controls: ['block'] });
    const result = analyze(policy('members', { users: ['All'], excludeUsers: ['GuestsOrExternalUsers'] }), blocker);
    expect(result.enforced).toBe('ALL_USERS');
    expect(result.exclusions.guests).toBe(false);
    expect(result.coverage.guests).toBe(false);
    expect(result.blockingPolicies).toEqual([
      { id: blocker.id, displayName: 'block guests', state: 'enabled', grant: 'BLOCK', reason: 'blocks access for guests or external users' },
    ]);
  });

  it('a narrow policy with an exclusion leaves it open when nothing else targets it', () => {
    const result = analyze(policy('admins', { roles: [GLOBAL_ADMIN], excludeGroups: [BREAK_GLASS] }));
    expect(result).toMatchObject({ enforced: 'SOME_USERS', exclusions: { groups: [BREAK_GLASS] } });
  });
});

describe('analyzeMfaEnforcement: reported, not counted', () => {
  it('report-only and disabled policies that target the app, whatever their grant, with what they would do', () => {
    const reportOnly = policy('report', { users: ['All'], state: 'enabledForReportingButNotEnforced' });
    const disabled = policy('draft block', { groups: [ENGINEERING], controls: ['block'], state: 'disabled' });
    const elsewhere = policy('other app', { apps: [OTHER_APP], users: ['All'], state: 'disabled' });
    const deviceOnly = policy('device', { apps: ['All'], users: ['All'], excludeGroups: [BREAK_GLASS], controls: ['compliantDevice'], state: 'enabledForReportingButNotEnforced' });
    const result = analyze(reportOnly, disabled, elsewhere, deviceOnly);
    expect(result.reportOnlyPolicies).toEqual([
      { id: reportOnly.id, displayName: 'report', state: 'enabledForReportingButNotEnforced', grant: 'MFA', reason: 'requires MFA (mfa) for All users' },
      {
        id: deviceOnly.id,
        displayName: 'device',
        state: 'enabledForReportingButNotEnforced',
        grant: 'OTHER',
        reason: `requires compliantDevice (no MFA) for All users except groups ${BREAK_GLASS}`,
      },
    ]);
    expect(result.disabledPolicies).toEqual([
      { id: disabled.id, displayName: 'draft block', state: 'disabled', grant: 'BLOCK', reason: `blocks access for groups ${ENGINEERING}` },
    ]);
    expect(result.enforced).toBe('NONE');
  });

  const REPORT_ONLY = 'enabledForReportingButNotEnforced';
  it.each<[string, Spec, MfaEnforcement['decidingPolicies'][number]['grant'], string]>([
    ['mfa', {}, 'MFA', 'requires MFA (mfa) for All users'],
    ['mfa OR compliantDevice', { controls: ['mfa', 'compliantDevice'] }, 'MFA_OR_OTHER', 'accepts compliantDevice instead of MFA (mfa OR compliantDevice) for All users'],
    ['block', { controls: ['block'] }, 'BLOCK', 'blocks access for All users'],
    ['compliantDevice only', { controls: ['compliantDevice'] }, 'OTHER', 'requires compliantDevice (no MFA) for All users'],
    ['compliantDevice AND approvedApplication', { controls: ['compliantDevice', 'approvedApplication'], operator: 'AND' }, 'OTHER', 'requires compliantDevice AND approvedApplication (no MFA) for All users'],
    ['compliantDevice OR domainJoinedDevice', { controls: ['compliantDevice', 'domainJoinedDevice'] }, 'OTHER', 'requires compliantDevice OR domainJoinedDevice (no MFA) for All users'],
    [
      'a custom strength that does not satisfy MFA',
      { controls: [], strength: { id: 'custom', displayName: 'Password only', requirementsSatisfied: 'none' } },
      'OTHER',
      'requires authentication strength "Password only" (no MFA) for All users',
    ],
    ['an empty grant', { controls: [] }, 'UNREADABLE', 'has grant controls with no control that could be read'],
    ['limited to some sign-ins', { controls: ['compliantDevice'], conditions: { signInRiskLevels: ['high'] } }, 'OTHER', 'requires compliantDevice (no MFA) for All users, only for sign-in risk high'],
  ])('reported whatever the grant, never counted: %s', (_name, spec, grant, reason) => {
    for (const state of [REPORT_ONLY, 'disabled']) {
      const result = analyze(policy('p', { users: ['All'], ...spec, state }));
      const [listed, other] = state === REPORT_ONLY ? [result.reportOnlyPolicies, result.disabledPolicies] : [result.disabledPolicies, result.reportOnlyPolicies];
      expect(listed).toEqual([expect.objectContaining({ state, grant, reason: expect.stringContaining(reason) })]);
      expect(other).toEqual([]);
      expect(result).toMatchObject({ enforced: 'NONE', decidingPolicies: [], blockingPolicies: [], partialPolicies: [], exclusions: { appExcludedBy: [] } });
    }
  });

  it('reports a report-only or disabled policy with no grant controls (session controls only)', () => {
    const sessionOnly = { ...policy('session', { users: ['All'], state: REPORT_ONLY }), grantControls: null };
    const disabled = { ...policy('session off', { users: ['All'], state: 'disabled' }), grantControls: undefined };
    const result = analyze(sessionOnly, disabled);
    expect(result.reportOnlyPolicies).toEqual([expect.objectContaining({ displayName: 'session', grant: 'OTHER', reason: 'has no grant controls (session controls at most) for All users' })]);
    expect(result.disabledPolicies).toEqual([expect.objectContaining({ displayName: 'session off', grant: 'OTHER' })]);
    expect(result.enforced).toBe('NONE');
  });

  it('leaves out report-only and disabled policies that do not target the app', () => {
    const result = analyze(
      policy('other app', { apps: [OTHER_APP], users: ['All'], controls: ['compliantDevice'], state: REPORT_ONLY }),
      policy('office', { apps: ['Office365'], users: ['All'], controls: ['block'], state: REPORT_ONLY }),
      policy('excludes it', { apps: ['All'], excludeApps: [APP], users: ['All'], controls: ['compliantDevice'], state: REPORT_ONLY }),
      policy('excludes it too', { apps: ['All'], excludeApps: [APP], users: ['All'], state: 'disabled' }),
    );
    expect(result).toMatchObject({ reportOnlyPolicies: [], disabledPolicies: [], exclusions: { appExcludedBy: [] } });
  });

  it('a report-only block or MFA policy closes no exclusion of an enabled one', () => {
    const result = analyze(
      policy('members', { users: ['All'], excludeUsers: ['GuestsOrExternalUsers'], excludeGroups: [BREAK_GLASS] }),
      policy('block guests (report)', { users: ['GuestsOrExternalUsers'], controls: ['block'], state: REPORT_ONLY }),
      policy('break glass (off)', { groups: [BREAK_GLASS], state: 'disabled' }),
    );
    expect(result).toMatchObject({ enforced: 'SOME_USERS', exclusions: { groups: [BREAK_GLASS], guests: true }, blockingPolicies: [] });
    expect(names(result.decidingPolicies)).toEqual(['members']);
    expect(names(result.reportOnlyPolicies)).toEqual(['block guests (report)']);
    expect(names(result.disabledPolicies)).toEqual(['break glass (off)']);
  });

  it('an enabled policy that neither requires MFA nor blocks is left out', () => {
    const result = analyze(policy('device', { users: ['All'], controls: ['compliantDevice'] }), { ...policy('session', { users: ['All'] }), grantControls: null });
    expect(result).toMatchObject({ enforced: 'NONE', decidingPolicies: [], blockingPolicies: [], partialPolicies: [], reportOnlyPolicies: [], disabledPolicies: [] });
  });

  it.each<[string, Spec, string]>([
    ['mfa OR compliantDevice', { controls: ['mfa', 'compliantDevice'] }, 'accepts compliantDevice instead of MFA (mfa OR compliantDevice)'],
    ['no operator with two controls reads as OR', { controls: ['mfa', 'domainJoinedDevice'], operator: undefined }, 'accepts domainJoinedDevice'],
    ['except from trusted locations', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } }, 'locations include All, exclude AllTrusted'],
    ['high sign-in risk only', { conditions: { signInRiskLevels: ['high'] } }, 'only for sign-in risk high'],
    ['user risk only', { conditions: { userRiskLevels: ['high'] } }, 'only for user risk high'],
    ['browser only', { conditions: { clientAppTypes: ['browser'] } }, 'only for client app types browser'],
    ['some platforms', { conditions: { platforms: { includePlatforms: ['android'], excludePlatforms: [] } } }, 'device platforms include android'],
    ['a device filter', { conditions: { devices: { deviceFilter: { mode: 'exclude', rule: 'device.isCompliant -eq True' } } } }, 'filter (exclude)'],
  ])('a partial policy: %s', (_name, spec, reason) => {
    const result = analyze(policy('partial', { users: ['All'], ...spec }));
    expect(result.enforced).toBe('NONE');
    expect(result.partialPolicies).toEqual([expect.objectContaining({ displayName: 'partial', reason: expect.stringContaining(reason) })]);
  });

  it('both modern client app types count as every sign-in of an OAuth app', () => {
    const result = analyze(policy('modern', { users: ['All'], conditions: { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] } }));
    expect(result.enforced).toBe('ALL_USERS');
  });

  it('a legacy-authentication block is partial, not blocking', () => {
    const result = analyze(policy('legacy', { apps: ['All'], users: ['All'], controls: ['block'], conditions: { clientAppTypes: ['exchangeActiveSync', 'other'] } }));
    expect(result.blockingPolicies).toEqual([]);
    expect(result.partialPolicies).toEqual([expect.objectContaining({ grant: 'BLOCK', reason: expect.stringContaining('only for client app types exchangeActiveSync, other') })]);
  });

  it('an empty grant is unreadable (an authentication strength Graph left out), not MFA', () => {
    const result = analyze(policy('strength?', { users: ['All'], controls: [] }));
    expect(result.enforced).toBe('NONE');
    expect(result.partialPolicies).toEqual([expect.objectContaining({ grant: 'UNREADABLE' })]);
  });
});

describe('analyzeMfaEnforcement: partial or hostile data', () => {
  it('tolerates missing and null fields', () => {
    const sparse = [
      { id: 'p1' },
      { id: 'p2', state: 'enabled', conditions: null, grantControls: null },
      { id: 'p3', state: 'enabled', conditions: { applications: null, users: null }, grantControls: { builtInControls: null } },
      { id: 'p4', state: 'enabled', conditions: { applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] } }, grantControls: { builtInControls: ['mfa'] } },
    ] as CaPolicy[];
    const result = analyze(...sparse);
    expect(result.enforced).toBe('ALL_USERS');
    expect(result.decidingPolicies).toEqual([{ id: 'p4', displayName: 'p4', state: 'enabled', grant: 'MFA', reason: 'requires MFA (mfa) for All users' }]);
  });

  it('does not throw on values of the wrong type', () => {
    const hostile = [
      null,
      42,
      { id: 7, state: ['enabled'], conditions: 'x', grantControls: 5 },
      { id: 'p', state: 'enabled', conditions: { applications: { includeApplications: 'All' }, users: { includeUsers: [null, 3, 'All'] } }, grantControls: { builtInControls: [{}, 'mfa'], operator: 1 } },
    ] as unknown as CaPolicy[];
    expect(() => analyze(...hostile)).not.toThrow();
    expect(analyzeMfaEnforcement({ appId: APP, policies: null as unknown as CaPolicy[] }).enforced).toBe('NONE');
  });

  it('grant controls of the wrong type are unreadable: reported, not counted', () => {
    const broken = { ...policy('broken', { users: ['All'] }), grantControls: 'mfa' } as unknown as CaPolicy;
    const result = analyze(broken);
    expect(result).toMatchObject({ enforced: 'NONE', partialPolicies: [{ displayName: 'broken', grant: 'UNREADABLE', reason: 'has grant controls that could not be read for All users' }] });
  });

  it('an unknown state is reported with the disabled policies, not counted', () => {
    const result = analyze(policy('odd', { users: ['All'], state: 'somethingNew' }));
    expect(result).toMatchObject({ enforced: 'NONE', disabledPolicies: [{ displayName: 'odd', state: 'somethingNew' }] });
  });

  it('"All" in excludeUsers (which Graph refuses) leaves a policy covering no one', () => {
    const result = analyze(policy('void', { users: ['All'], excludeUsers: ['All'] }));
    expect(result).toMatchObject({ enforced: 'NONE', partialPolicies: [{ reason: 'requires MFA (mfa), but targets no users' }] });
  });
});
