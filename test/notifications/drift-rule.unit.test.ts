/** CHANGE_NOTIFICATIONS_FAILING: a Graph subscription whose creation or renewal keeps failing is drift. */
import { DriftRule, DriftSeverity, evaluateDriftRules, notificationFindings } from '../../src/sync/drift/rules';

it.each([
  ['none recorded', [], []],
  ['all healthy', [{ resource: 'users', consecutiveFailures: 0, lastError: null }], []],
  [
    'groups failing',
    [
      { resource: 'users', consecutiveFailures: 0, lastError: null },
      { resource: 'groups', consecutiveFailures: 3, lastError: 'create failed: GraphForbiddenError: Insufficient privileges' },
    ],
    [['notifications:groups', DriftSeverity.WARNING, 3]],
  ],
])('%s', (_name, subscriptions, expected) => {
  expect(notificationFindings(subscriptions).map((f) => [f.subjectId, f.severity, f.details.consecutiveFailures])).toEqual(expected);
});

it('is evaluated only when the subscriptions were read (absent input: findings left as they are)', () => {
  const base = { now: new Date(), tenant: { status: 'ACTIVE', features: [], grantedScopes: [] }, settings: { credentialDays: 30, syncFailureThreshold: 3 } };
  expect(evaluateDriftRules(base).evaluated).not.toContain(DriftRule.CHANGE_NOTIFICATIONS_FAILING);
  const evaluation = evaluateDriftRules({ ...base, notificationSubscriptions: [{ resource: 'users', consecutiveFailures: 1, lastError: 'renew failed' }] });
  expect(evaluation.evaluated).toContain(DriftRule.CHANGE_NOTIFICATIONS_FAILING);
  expect(evaluation.findings.filter((f) => f.rule === DriftRule.CHANGE_NOTIFICATIONS_FAILING)).toHaveLength(1);
});
