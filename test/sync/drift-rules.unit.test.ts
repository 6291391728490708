/**
 * The drift rules as pure functions: a table per rule, the MFA baseline's ratchet, the combination of rules
 * (evaluated vs not), and the diff reconcile applies. No database, no server.
 */
import { analyzeMfaEnforcement, type CaPolicy } from '../../src/directory/mfa-analysis';
import {
  credentialFindings,
  diffFindings,
  DriftRule,
  DriftSeverity,
  evaluateDriftRules,
  exclusionKeys,
  mappedGroupFindings,
  mfaFindings,
  nextMfaBaseline,
  scopeFindings,
  syncFindings,
  consentFindings,
  type DriftFinding,
  type MappedGroupInput,
} from '../../src/sync/drift/rules';

const NOW = new Date('2026-11-27T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const APP = '4a8e2f61-93c7-4d05-b1e8-6f2d0c9a7b43';
const GROUP = '11111111-1111-4111-8111-111111111111';
const OTHER_GROUP = '22222222-2222-4222-8222-222222222222';
const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const settings = { credentialDays: 30, syncFailureThreshold: 3 };

const rulesOf = (findings: DriftFinding[]) => findings.map((f) => `${f.rule}:${f.subjectId}:${f.severity}`);

describe('mapped groups', () => {
  const group = (current: MappedGroupInput['current'], recorded = 'Finance'): MappedGroupInput => ({ groupId: GROUP.toUpperCase(), recordedDisplayName: recorded, current });
  it.each<[string, MappedGroupInput, string[]]>([
    ['unchanged', group({ displayName: 'Finance', groupTypes: [] }), []],
    ['unified, not dynamic', group({ displayName: 'Finance', groupTypes: ['Unified'] }), []],
    ['deleted', group(null), [`MAPPED_GROUP_DELETED:${GROUP}:CRITICAL`]],
    ['renamed', group({ displayName: 'Finance (old)', groupTypes: [] }), [`MAPPED_GROUP_RENAMED:${GROUP}:WARNING`]],
    ['name cleared', group({ displayName: null, groupTypes: [] }), [`MAPPED_GROUP_RENAMED:${GROUP}:WARNING`]],
    ['made dynamic', group({ displayName: 'Finance', groupTypes: ['DynamicMembership'] }), [`MAPPED_GROUP_DYNAMIC:${GROUP}:WARNING`]],
    ['renamed and dynamic', group({ displayName: 'Sales', groupTypes: ['Unified', 'DynamicMembership'] }), [`MAPPED_GROUP_RENAMED:${GROUP}:WARNING`, `MAPPED_GROUP_DYNAMIC:${GROUP}:WARNING`]],
  ])('%s', (_name, input, expected) => {
    expect(rulesOf(mappedGroupFindings([input]))).toEqual(expected);
  });

  it('names both names in a rename', () => {
    const [finding] = mappedGroupFindings([group({ displayName: 'Accounts', groupTypes: [] })]);
    expect(finding.details).toEqual({ groupId: GROUP, recordedDisplayName: 'Finance', currentDisplayName: 'Accounts' });
    expect(finding.summary).toContain('"Finance"');
    expect(finding.summary).toContain('"Accounts"');
  });
});

describe('MFA for the product app', () => {
  const mfaFor = (users: Record<string, unknown>, apps: Record<string, unknown> = { includeApplications: [APP] }, id = 'p1'): CaPolicy => ({
    id,
    displayName: id,
    state: 'enabled',
    conditions: { applications: apps, users },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  });
  const analyze = (...policies: CaPolicy[]) => analyzeMfaEnforcement({ appId: APP, policies });
  const allUsers = analyze(mfaFor({ includeUsers: ['All'] }));
  const allButGroup = analyze(mfaFor({ includeUsers: ['All'], excludeGroups: [GROUP] }));
  const allButTwoGroups = analyze(mfaFor({ includeUsers: ['All'], excludeGroups: [GROUP, OTHER_GROUP] }));
  const rolesOnly = analyze(mfaFor({ includeRoles: [ROLE] }, { includeApplications: ['All'] }));
  const none = analyze(mfaFor({ includeUsers: ['All'] }, { includeApplications: [APP], excludeApplications: [APP] }));
  const baselineOf = (e: typeof allUsers) => nextMfaBaseline(null, e);

  it.each<[string, typeof allUsers, typeof allUsers | null, string[]]>([
    ['first evaluation, enforced for all', allUsers, null, []],
    ['first evaluation, exclusions already there are accepted', allButGroup, null, []],
    ['first evaluation, not enforced at all', none, null, ['MFA_NOT_ENFORCED:enforcement:CRITICAL']],
    ['unchanged', allButGroup, allButGroup, []],
    ['a new exclusion', allButTwoGroups, allButGroup, [`MFA_NOT_ENFORCED:exclusion:group:${OTHER_GROUP}:WARNING`]],
    ['an exclusion removed', allUsers, allButGroup, []],
    ['all users -> roles only', rolesOnly, allButGroup, ['MFA_NOT_ENFORCED:enforcement:WARNING']],
    ['all users -> all users with exclusions', allButGroup, allUsers, ['MFA_NOT_ENFORCED:enforcement:WARNING', `MFA_NOT_ENFORCED:exclusion:group:${GROUP}:WARNING`]],
    ['enforced -> none (app excluded)', none, allUsers, ['MFA_NOT_ENFORCED:enforcement:CRITICAL', 'MFA_NOT_ENFORCED:exclusion:app-excluded-by:p1:WARNING']],
    ['roles only from the start', rolesOnly, rolesOnly, []],
  ])('%s', (_name, now, before, expected) => {
    expect(rulesOf(mfaFindings(now, before ? baselineOf(before) : null))).toEqual(expected);
  });

  it('keeps the baseline tightening only: a removed exclusion is not accepted again, a better level stays', () => {
    const first = nextMfaBaseline(null, allButGroup);
    expect(first).toEqual({ level: 'SOME_USERS', allUsers: true, exclusions: [`group:${GROUP}`] });
    const tightened = nextMfaBaseline(first, allUsers);
    expect(tightened).toEqual({ level: 'ALL_USERS', allUsers: true, exclusions: [] });
    // The exclusion coming back is new drift, and drift does not move the baseline.
    expect(nextMfaBaseline(tightened, allButGroup)).toEqual(tightened);
    expect(rulesOf(mfaFindings(allButGroup, tightened))).toEqual(['MFA_NOT_ENFORCED:enforcement:WARNING', `MFA_NOT_ENFORCED:exclusion:group:${GROUP}:WARNING`]);
  });

  it('gives exclusions stable keys', () => {
    expect(exclusionKeys(allButTwoGroups)).toEqual([`group:${GROUP}`, `group:${OTHER_GROUP}`]);
  });
});

describe('credentials', () => {
  const cred = (keyId: string, days: number | null) => ({ keyId, displayName: keyId, endDateTime: days === null ? null : new Date(NOW.getTime() + days * DAY).toISOString() });
  it.each<[string, { passwordCredentials?: ReturnType<typeof cred>[]; keyCredentials?: ReturnType<typeof cred>[] }, string[]]>([
    ['valid for long', { passwordCredentials: [cred('a', 200)] }, []],
    ['no end date', { passwordCredentials: [cred('a', null)] }, []],
    ['expiring within 30 days', { passwordCredentials: [cred('a', 10)] }, ['CREDENTIAL_EXPIRING:a:WARNING']],
    ['exactly 30 days left is not within', { passwordCredentials: [cred('a', 30)] }, []],
    ['expired, another still valid', { passwordCredentials: [cred('a', -5)], keyCredentials: [cred('b', 100)] }, ['CREDENTIAL_EXPIRING:a:WARNING']],
    ['expired, none valid', { passwordCredentials: [cred('a', -5)] }, ['CREDENTIAL_EXPIRING:a:CRITICAL']],
    ['certificate expiring, secret expired', { passwordCredentials: [cred('a', -200)], keyCredentials: [cred('b', 3)] }, ['CREDENTIAL_EXPIRING:a:WARNING', 'CREDENTIAL_EXPIRING:b:WARNING']],
  ])('%s', (_name, app, expected) => {
    expect(rulesOf(credentialFindings([{ kind: 'APPLICATION', id: 'app', ...app }], NOW, 30))).toEqual(expected);
  });

  it('honours the configured window', () => {
    expect(rulesOf(credentialFindings([{ kind: 'SERVICE_PRINCIPAL', id: 'sp', keyCredentials: [cred('c', 40)] }], NOW, 60))).toEqual(['CREDENTIAL_EXPIRING:c:WARNING']);
  });
});

describe('consent, scopes, sync', () => {
  const tenant = (status: string, grantedScopes: string[], features = ['READ_DIRECTORY']) => ({ status, features, grantedScopes });
  it.each<[string, ReturnType<typeof tenant>, string[]]>([
    ['active with every scope', tenant('ACTIVE', ['User.Read.All', 'GroupMember.Read.All']), []],
    ['broader scope covers', tenant('ACTIVE', ['Directory.Read.All']), []],
    ['consent lost', tenant('RECONSENT_REQUIRED', ['User.Read.All', 'GroupMember.Read.All']), ['CONSENT_LOST:consent:CRITICAL']],
    ['a scope missing', tenant('ACTIVE', ['User.Read.All']), ['SCOPES_MISSING:GroupMember.Read.All:WARNING']],
    ['policies feature without its scope', tenant('ACTIVE', ['User.Read.All', 'GroupMember.Read.All'], ['READ_DIRECTORY', 'READ_POLICIES']), ['SCOPES_MISSING:Policy.Read.All:WARNING']],
  ])('%s', (_name, facts, expected) => {
    expect(rulesOf([...consentFindings(facts), ...scopeFindings(facts)])).toEqual(expected);
  });

  it.each([
    [0, 3, []],
    [2, 3, []],
    [3, 3, ['SYNC_FAILING:sync:CRITICAL']],
    [7, 3, ['SYNC_FAILING:sync:CRITICAL']],
    [1, 1, ['SYNC_FAILING:sync:CRITICAL']],
  ])('%d consecutive failures against a threshold of %d', (failures, threshold, expected) => {
    expect(rulesOf(syncFindings(failures, threshold))).toEqual(expected);
  });
});

describe('evaluateDriftRules', () => {
  const tenant = { status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['User.Read.All', 'GroupMember.Read.All'] };
  it('evaluates only the rules whose inputs are given', () => {
    expect(evaluateDriftRules({ now: NOW, tenant, settings }).evaluated).toEqual([DriftRule.CONSENT_LOST, DriftRule.SCOPES_MISSING]);
    const all = evaluateDriftRules({
      now: NOW,
      tenant,
      settings,
      mappedGroups: [],
      credentials: [],
      syncFailures: 0,
      notificationSubscriptions: [],
      mfa: { enforcement: analyzeMfaEnforcement({ appId: APP, policies: [] }), baseline: null },
    });
    expect([...all.evaluated].sort()).toEqual(Object.values(DriftRule).sort());
    expect(rulesOf(all.findings)).toEqual(['MFA_NOT_ENFORCED:enforcement:CRITICAL']);
    expect(all.mfaBaseline).toEqual({ level: 'NONE', allUsers: false, exclusions: [] });
  });
});

describe('diffFindings', () => {
  const finding = (rule: DriftRule, subjectId: string): DriftFinding => ({ rule, subjectId, severity: DriftSeverity.WARNING, summary: '', details: {} });
  const stored = (id: string, rule: DriftRule, subjectId: string) => ({ id, rule, subjectId });

  it('opens new, keeps present, resolves vanished findings of evaluated rules only', () => {
    const diff = diffFindings(
      [stored('1', DriftRule.MAPPED_GROUP_RENAMED, GROUP), stored('2', DriftRule.MAPPED_GROUP_DELETED, OTHER_GROUP), stored('3', DriftRule.MFA_NOT_ENFORCED, 'enforcement')],
      [finding(DriftRule.MAPPED_GROUP_RENAMED, GROUP), finding(DriftRule.SYNC_FAILING, 'sync'), finding(DriftRule.SYNC_FAILING, 'sync')],
      [DriftRule.MAPPED_GROUP_RENAMED, DriftRule.MAPPED_GROUP_DELETED, DriftRule.SYNC_FAILING],
    );
    expect(diff.open.map((f) => f.rule)).toEqual([DriftRule.SYNC_FAILING]);
    expect(diff.keep.map((k) => k.stored.id)).toEqual(['1']);
    // MFA was not evaluated: its finding stays open.
    expect(diff.resolve.map((s) => s.id)).toEqual(['2']);
  });

  it('changes nothing when the same findings come again', () => {
    const diff = diffFindings([stored('1', DriftRule.SYNC_FAILING, 'sync')], [finding(DriftRule.SYNC_FAILING, 'sync')], Object.values(DriftRule));
    expect(diff.open).toEqual([]);
    expect(diff.resolve).toEqual([]);
  });
});
