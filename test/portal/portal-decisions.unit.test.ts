/** The hosted portal's decisions, as tables: links, cookies, CSRF, a session's rights, the CSP, words for the admin, the config. */
import { portalRefusal } from '../../src/core/auth/access';
import { ApiScope, describePrincipal, PortalStep, type Principal } from '../../src/core/auth/principal';
import { ConfigError, loadConfig } from '../../src/config';
import { contrastWithWhite } from '../../src/config/portal.config';
import {
  consentOutcomeMessage,
  csrfMatches,
  csrfTokenFor,
  explainPermissions,
  hashSecret,
  linkRefusal,
  looksLikeSecret,
  newSecret,
  normaliseSteps,
  portalContentSecurityPolicy,
  readCookie,
  scopesForSteps,
  sessionCookie,
} from '../../src/portal/portal-decisions';
import { Feature } from '../../src/tenants/features';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const NOW = new Date('2026-12-04T20:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('a link may be opened', () => {
  it.each([
    ['unknown token', null, A, 404, 'This link is not valid'],
    ['under another tenant', { tenantId: A, expiresAt: later(60), usedAt: null }, B, 403, 'This link is for another organisation'],
    ['used', { tenantId: A, expiresAt: later(60), usedAt: later(-5) }, A, 410, 'This link was already used'],
    ['expired', { tenantId: A, expiresAt: later(-1), usedAt: null }, A, 410, 'This link has expired'],
    ['expiring this instant', { tenantId: A, expiresAt: NOW, usedAt: null }, A, 410, 'This link has expired'],
  ] as const)('refuses a link %s', (_case, link, tenant, status, title) => {
    expect(linkRefusal(link, tenant, NOW)).toMatchObject({ status, title });
  });

  it('opens an unused, unexpired link under its own tenant, whatever the case of the id', () => {
    expect(linkRefusal({ tenantId: A, expiresAt: later(1), usedAt: null }, A.toUpperCase(), NOW)).toBeNull();
  });
});

describe('secrets, cookies and CSRF', () => {
  it('makes 256-bit base64url secrets and stores only their SHA-256', () => {
    const secret = newSecret();
    expect(looksLikeSecret(secret)).toBe(true);
    expect(newSecret()).not.toBe(secret);
    expect(hashSecret(secret)).toHaveLength(32);
    expect(looksLikeSecret('short')).toBe(false);
    expect(looksLikeSecret(`${secret}=`)).toBe(false);
  });

  it.each([
    [false, 'portal_session=s; Path=/; Max-Age=60; HttpOnly; SameSite=Lax'],
    [true, '__Host-portal_session=s; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure'],
  ])('the session cookie (secure %s)', (secure, expected) => {
    expect(sessionCookie('s', { secure, maxAgeSeconds: 60 })).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    ['a=1; portal_session=xyz; b=2', 'xyz'],
    ['portal_session=one; portal_session=two', undefined],
    ['xportal_session=no', undefined],
  ])('reads the cookie from %j', (header, expected) => {
    expect(readCookie(header, 'portal_session')).toBe(expected);
  });

  it("accepts only the session's own CSRF token, once as a string", () => {
    const secret = newSecret();
    expect(csrfMatches(secret, csrfTokenFor(secret))).toBe(true);
    expect(csrfMatches(secret, csrfTokenFor(newSecret()))).toBe(false);
    expect(csrfMatches(secret, undefined)).toBe(false);
    expect(csrfMatches(secret, [csrfTokenFor(secret)])).toBe(false);
    expect(csrfMatches(secret, 'short')).toBe(false);
  });
});

describe("a portal session's rights", () => {
  it.each([
    [[PortalStep.CONNECT], [ApiScope.TENANTS_ADMIN]],
    [[PortalStep.MAP_GROUPS], [ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ]],
    [[PortalStep.STATUS], [ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ]],
  ])('steps %j hold scopes %j, never directory:write or events:read', (steps, scopes) => {
    expect([...scopesForSteps(new Set(steps))].sort()).toEqual([...scopes].sort());
  });

  it('puts steps in wizard order, each once; refuses none', () => {
    expect(normaliseSteps([PortalStep.STATUS, PortalStep.CONNECT, PortalStep.STATUS])).toEqual([PortalStep.CONNECT, PortalStep.STATUS]);
    expect(normaliseSteps([])).toEqual({ problem: 'expected at least one of CONNECT, MAP_GROUPS, STATUS' });
  });

  const session = (steps: PortalStep[]): Principal => ({ kind: 'portal', id: 's1', scopes: new Set(), tenants: new Set([A]), portalSteps: new Set(steps) });
  it.each([
    ['a field listing one of its steps', [PortalStep.MAP_GROUPS], { portal: [PortalStep.MAP_GROUPS] }, null],
    ['a field listing other steps', [PortalStep.STATUS], { portal: [PortalStep.MAP_GROUPS] }, 'this portal session may not use f: it needs the MAP_GROUPS step, and the link allowed STATUS'],
    ['a field listing no step', [PortalStep.STATUS], {}, 'a portal session may not use f'],
  ] as const)('%s', (_case, steps, rule, expected) => {
    expect(portalRefusal(session([...steps]), rule, 'f')).toBe(expected);
  });

  it('leaves other callers to their scopes and tenants, and names a session for the audit log', () => {
    expect(portalRefusal({ kind: 'api_key', id: 'k', scopes: new Set(), tenants: 'ALL' }, {}, 'f')).toBeNull();
    expect(describePrincipal(session([]))).toBe('portal:s1');
  });
});

describe('the pages', () => {
  it('allow scripts and styles from the gateway only, images from the logo origin too', () => {
    expect(portalContentSecurityPolicy('https://cdn.example.com/brand/logo.svg')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https://cdn.example.com; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(portalContentSecurityPolicy(null)).toContain("img-src 'self' data:;");
  });

  it("explain each permission the features need, in the consent URL's order", () => {
    expect(explainPermissions([Feature.READ_DIRECTORY, Feature.READ_POLICIES]).map((p) => p.permission)).toEqual(['GroupMember.Read.All', 'Policy.Read.All', 'User.Read.All']);
    expect(explainPermissions(Object.values(Feature)).every((p) => !p.meaning.startsWith('A Microsoft Graph permission'))).toBe(true);
  });

  it.each([
    [{ status: 'ACTIVE' }, { ok: true, message: 'Connected: Microsoft granted the permissions.' }],
    [{}, null],
    [{ status: 'PENDING_CONSENT', error: 'access_denied' }, { ok: false, message: expect.stringContaining('declined') }],
    [{ error: 'wrong_tenant' }, { ok: false, message: expect.stringContaining('another organisation') }],
    [{ error: 'consent_required' }, { ok: false, message: expect.stringContaining('Global Administrator') }],
    [{ error: 'something_new' }, { ok: false, message: expect.stringContaining('(something_new)') }],
  ])('say what the consent outcome %j means', (outcome, expected) => {
    expect(consentOutcomeMessage(outcome)).toEqual(expected);
  });
});

describe('portal settings', () => {
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: ${p.expected} / ${p.received}`);
      throw error;
    }
  };

  it('defaults: the name, the accent colour, 15-minute links, one-hour sessions', () => {
    expect(loadConfig({}).portal).toEqual({
      branding: { productName: 'Your product', logoUrl: null, accentColor: '#0f6cbd' },
      linkTtlSeconds: 900,
      sessionTtlSeconds: 3600,
      secureCookies: false,
    });
    expect(loadConfig({ PUBLIC_URL: 'https://gw.example.com' }).portal.secureCookies).toBe(true);
  });

  it('computes WCAG contrast for white text', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#0f6cbd')).toBeGreaterThan(4.5);
  });

  it('refuses a light accent colour, a bad logo URL and lifetimes out of range, all together', () => {
    expect(problems({ PORTAL_ACCENT_COLOR: '#ffcc00', PORTAL_LOGO_URL: 'javascript:alert(1)', PORTAL_LINK_TTL_SECONDS: '5', PORTAL_PRODUCT_NAME: 'x'.repeat(81) })).toEqual([
      expect.stringMatching(/^PORTAL_PRODUCT_NAME: the product name shown in the portal \(1 to 80 characters/),
      expect.stringMatching(/^PORTAL_LOGO_URL: an absolute http\(s\) URL of an image/),
      'PORTAL_ACCENT_COLOR: a colour #rrggbb dark enough for white text (contrast at least 4.5:1) / #ffcc00 (contrast 1.51:1)',
      expect.stringMatching(/^PORTAL_LINK_TTL_SECONDS: seconds from 60 to 604800/),
    ]);
    expect(problems({ NODE_ENV: 'production', PORTAL_LOGO_URL: 'http://cdn.example.com/logo.png' }).filter((p) => p.startsWith('PORTAL'))).toEqual([
      expect.stringMatching(/^PORTAL_LOGO_URL: an absolute https URL/),
    ]);
  });
});
