import { describeMicrosoftError, parseCallback } from '../../src/tenants/callback-params';

const STATE = 'a'.repeat(43);
const GUID = '7d3f9c2e-5b1a-4e8d-9f60-2c4b8a1e7d35';

describe('OAuth callback parameters', () => {
  it.each([
    ['DELEGATED', { code: 'c', state: STATE }, { kind: 'code', state: STATE, code: 'c' }],
    ['APPLICATION', { admin_consent: 'True', tenant: GUID.toUpperCase(), state: STATE }, { kind: 'admin-consent', state: STATE, tenant: GUID }],
    ['APPLICATION', { admin_consent: 'true', tenant: GUID, state: STATE, scope: 'x' }, { kind: 'admin-consent', state: STATE, tenant: GUID }],
  ] as const)('%s %j', (flow, query, expected) => {
    expect(parseCallback(flow, query)).toEqual(expected);
  });

  it.each([
    ['DELEGATED', {}, 'the callback has no state'],
    ['DELEGATED', { code: 'c' }, 'the callback has no state'],
    ['DELEGATED', { state: STATE }, 'the callback has neither a code nor an error'],
    ['DELEGATED', { state: STATE, code: '' }, 'the callback has neither a code nor an error'],
    ['DELEGATED', { state: [STATE, STATE], code: 'c' }, 'the callback repeats or nests the state parameter'],
    ['DELEGATED', { state: STATE, code: { nested: 'x' } }, 'the callback repeats or nests the code parameter'],
    ['DELEGATED', { state: STATE, code: 'c'.repeat(5000) }, "the callback's code parameter is too long"],
    ['DELEGATED', { error: 'access_denied' }, 'Microsoft reported access_denied, but the callback has no state'],
    ['APPLICATION', { state: STATE, tenant: GUID }, 'the callback does not confirm admin consent'],
    ['APPLICATION', { state: STATE, admin_consent: 'False', tenant: GUID }, 'the callback does not confirm admin consent'],
    ['APPLICATION', { state: STATE, admin_consent: 'True' }, 'the callback names no tenant id'],
    ['APPLICATION', { state: STATE, admin_consent: 'True', tenant: 'contoso.com' }, 'the callback names no tenant id'],
  ] as const)('%s refuses %j', (flow, query, reason) => {
    expect(parseCallback(flow, query as Record<string, unknown>)).toEqual({ kind: 'refused', reason });
  });

  it('turns Microsoft errors into its own words, keeping the AADSTS code and never the free text', () => {
    expect(parseCallback('APPLICATION', { state: STATE, error: 'consent_required', error_description: 'AADSTS65004: User declined <script>' })).toEqual({
      kind: 'microsoft-error',
      state: STATE,
      error: { error: 'consent_required', aadsts: 65004, description: 'an administrator must grant the permissions (consent_required, AADSTS65004)' },
    });
    expect(describeMicrosoftError('invalid_client', undefined)).toEqual({
      error: 'invalid_client',
      description: 'Microsoft ended the consent with an error (invalid_client)',
    });
    expect(describeMicrosoftError('"><img src=x>', 'whatever')).toEqual({
      error: 'unknown_error',
      description: 'Microsoft ended the consent with an error (unknown_error)',
    });
  });
});
