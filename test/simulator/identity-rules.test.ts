/** The identity platform's pure rules: scope parsing, PKCE, escaping, discovery documents, error bodies. */
import { AadError, aadErrorBody, aadTimestamp } from '../../src/simulator/identity/aad-error';
import { parseAdminConsentScope } from '../../src/simulator/identity/admin-consent';
import { instanceDiscovery } from '../../src/simulator/identity/discovery';
import { clientInfo } from '../../src/simulator/identity/issue';
import { escapeHtml } from '../../src/simulator/identity/pages';
import { adminOnlyScopes, missingScopes, parseDelegatedScopes } from '../../src/simulator/identity/scopes';
import { pkceS256 } from '../../src/simulator/identity/token';

describe('delegated scopes', () => {
  test('are normalised to the permission table spelling, resource prefix and duplicates removed', () => {
    expect(parseDelegatedScopes('https://graph.microsoft.com/user.read.all  User.Read.All OPENID offline_access')).toEqual([
      'User.Read.All',
      'openid',
      'offline_access',
    ]);
  });

  test.each([
    ['https://graph.microsoft.com/.default', /\/\.default is for client credentials/],
    ['Mail.Send', /'Mail\.Send'/],
    ['https://management.azure.com/user_impersonation', /management\.azure\.com/],
  ])('%s is invalid_scope (AADSTS70011)', (raw, message) => {
    expect(() => parseDelegatedScopes(raw)).toThrow(expect.objectContaining({ error: 'invalid_scope', code: 70011, message: expect.stringMatching(message) }));
  });

  test('admin-only scopes are the Admin-type Graph permissions; the OpenID scopes never need consent', () => {
    expect(adminOnlyScopes(['User.Read', 'User.Read.All', 'Policy.Read.All', 'RoleManagement.Read.Directory', 'openid'])).toEqual([
      'User.Read.All',
      'Policy.Read.All',
      'RoleManagement.Read.Directory',
    ]);
    expect(missingScopes(['openid', 'offline_access', 'User.Read.All', 'Policy.Read.All'], new Set(['User.Read.All']))).toEqual(['Policy.Read.All']);
  });

  test('admin consent splits /.default (application permissions) from named delegated scopes', () => {
    expect(parseAdminConsentScope('https://graph.microsoft.com/.default')).toEqual({ applicationPermissions: true, delegatedScopes: [] });
    expect(parseAdminConsentScope('https://graph.microsoft.com/Policy.Read.All')).toEqual({ applicationPermissions: false, delegatedScopes: ['Policy.Read.All'] });
  });
});

test('PKCE S256 matches the RFC 7636 appendix B example', () => {
  expect(pkceS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('escapeHtml escapes the five HTML-significant characters', () => {
  expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('client_info is base64url JSON of uid and utid', () => {
  expect(JSON.parse(Buffer.from(clientInfo('oid-1', 'tid-1'), 'base64url').toString())).toEqual({ uid: 'oid-1', utid: 'tid-1' });
});

test("instance discovery takes the tenant from an authorization endpoint on the simulator's host only", () => {
  const base = 'https://127.0.0.1:8443';
  expect(instanceDiscovery(base, `${base}/contoso.com/oauth2/v2.0/authorize`).tenant_discovery_endpoint).toBe(
    `${base}/contoso.com/v2.0/.well-known/openid-configuration`,
  );
  expect(instanceDiscovery(base, 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize').tenant_discovery_endpoint).toBe(
    `${base}/common/v2.0/.well-known/openid-configuration`,
  );
  expect(() => instanceDiscovery(base, 'not a url')).toThrow(/authorization_endpoint/);
});

test('error bodies carry Entra fields, the AADSTS code first in the description, the suberror when set', () => {
  const when = Date.UTC(2026, 10, 27, 9, 5, 7, 123);
  expect(aadTimestamp(when)).toBe('2026-11-27 09:05:07Z');
  const body = aadErrorBody(new AadError('invalid_grant', 50173, 'Revoked.', 400, 'bad_token'), when, 'https://sim', 'corr-1');
  expect(body).toMatchObject({
    error: 'invalid_grant',
    error_codes: [50173],
    timestamp: '2026-11-27 09:05:07Z',
    correlation_id: 'corr-1',
    suberror: 'bad_token',
  });
  expect(body.error_description).toMatch(/^AADSTS50173: Revoked\. Trace ID: [0-9a-f-]{36} Correlation ID: corr-1 Timestamp: 2026-11-27 09:05:07Z$/);
  expect(new AadError('invalid_client', 7000215, 'x').status).toBe(401);
});
