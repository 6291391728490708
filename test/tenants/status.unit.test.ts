import { TenantStatus as S, transition } from '../../src/tenants/status';

describe('tenant status transitions', () => {
  it.each([
    [S.PENDING_CONSENT, 'CONSENT_GRANTED', S.ACTIVE, true],
    [S.PENDING_CONSENT, 'CONSENT_FAILED', S.PENDING_CONSENT, false],
    [S.ACTIVE, 'CONSENT_LOST', S.RECONSENT_REQUIRED, true],
    [S.RECONSENT_REQUIRED, 'CONSENT_LOST', S.RECONSENT_REQUIRED, false],
    [S.RECONSENT_REQUIRED, 'CONSENT_GRANTED', S.ACTIVE, true],
    [S.ACTIVE, 'DISCONNECT', S.DISCONNECTED, true],
  ] as const)('%s + %s -> %s', (from, event, to, changed) => {
    expect(transition(from, event)).toEqual({ ok: true, to, changed });
  });

  it.each([
    [S.PENDING_CONSENT, 'CONSENT_LOST'],
    [S.DISCONNECTED, 'CONSENT_GRANTED'],
    [S.DISCONNECTED, 'DISCONNECT'],
  ] as const)('%s cannot take %s', (from, event) => {
    expect(transition(from, event)).toEqual({ ok: false, reason: `a ${from} tenant cannot take ${event}` });
  });
});
