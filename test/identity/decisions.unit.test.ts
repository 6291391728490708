import { adminConsentUrl, authorityOptions } from '../../src/identity/authority';
import type { JsonCache, SerializedAccessTokenEntity } from '@azure/msal-node';
import { mergeCaches, parseCache } from '../../src/identity/cache-plugin';
import { RENEWAL_MARGIN_SECONDS, usableAccessToken } from '../../src/identity/cached-token';
import { defaultScope, delegatedScope, graphScope, permissionNames, resolveCloud } from '../../src/identity/clouds';
import { refreshLockKey } from '../../src/identity/refresh-lock';
import { backoffDelayMs } from '../../src/identity/retry';
import { SingleFlight } from '../../src/identity/single-flight';

describe('clouds', () => {
  it.each([
    ['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com/.default'],
    ['usgov-l4', 'https://login.microsoftonline.us', 'https://graph.microsoft.us/.default'],
    ['usgov-l5', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us/.default'],
    ['china', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'],
  ] as const)('%s logs in at %s and scopes Graph as %s', (name, login, scope) => {
    const cloud = resolveCloud({ name });
    expect(cloud.loginBaseUrl).toBe(login);
    expect(defaultScope(cloud)).toBe(scope);
  });

  it('scopes a custom cloud for graph.microsoft.com, the resource the simulator issues tokens for', () => {
    const cloud = resolveCloud({ name: 'custom', loginBaseUrl: 'https://127.0.0.1:9443/', graphBaseUrl: 'https://127.0.0.1:9443' });
    expect(cloud.loginBaseUrl).toBe('https://127.0.0.1:9443');
    expect(graphScope(cloud, 'User.Read.All')).toBe('https://graph.microsoft.com/User.Read.All');
  });

  it('spells delegated permissions bare where Graph is the default resource, qualified in national clouds', () => {
    expect(delegatedScope(resolveCloud({ name: 'global' }), 'User.Read.All')).toBe('User.Read.All');
    expect(delegatedScope(resolveCloud({ name: 'usgov-l5' }), 'User.Read.All')).toBe('https://dod-graph.microsoft.us/User.Read.All');
  });

  it('reads granted permissions back as bare names without the sign-in scopes', () => {
    const cloud = resolveCloud({ name: 'usgov-l4' });
    expect(permissionNames(cloud, ['https://graph.microsoft.us/User.Read.All', 'GroupMember.Read.All', 'openid', 'profile', 'offline_access'])).toEqual([
      'User.Read.All',
      'GroupMember.Read.All',
    ]);
  });

  it('refuses a custom cloud over http', () => {
    expect(() => resolveCloud({ name: 'custom', loginBaseUrl: 'http://127.0.0.1:9443', graphBaseUrl: 'https://x' })).toThrow(
      'Custom cloud loginBaseUrl: expected an https URL, got http://127.0.0.1:9443',
    );
  });
});

describe('authority', () => {
  const custom = resolveCloud({ name: 'custom', loginBaseUrl: 'https://127.0.0.1:9443', graphBaseUrl: 'https://127.0.0.1:9443' });

  it('tells MSAL everything about a custom authority so it never calls Microsoft', () => {
    const options = authorityOptions(custom, 'organizations');
    expect(options.knownAuthorities).toEqual(['127.0.0.1:9443']);
    expect(JSON.parse(options.authorityMetadata!)).toMatchObject({
      token_endpoint: 'https://127.0.0.1:9443/organizations/oauth2/v2.0/token',
      issuer: 'https://127.0.0.1:9443/organizations/v2.0',
    });
  });

  it('leaves discovery of national clouds to MSAL', () => {
    expect(authorityOptions(resolveCloud({ name: 'china' }), 'contoso.cn')).toEqual({
      authority: 'https://login.partner.microsoftonline.cn/contoso.cn',
    });
  });

  it('refuses a tenant segment that would change the path', () => {
    expect(() => authorityOptions(custom, '../common')).toThrow(/expected a GUID, domain or "organizations"/);
  });

  it('builds the v2 admin-consent URL and refuses "common"', () => {
    const input = { clientId: 'c', scope: 'https://graph.microsoft.com/.default', redirectUri: 'https://app/cb', state: 's' };
    const url = new URL(adminConsentUrl(custom, { ...input, tenant: 'organizations' }));
    expect(url.pathname).toBe('/organizations/v2.0/adminconsent');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'c',
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: 'https://app/cb',
      state: 's',
    });
    expect(() => adminConsentUrl(custom, { ...input, tenant: 'common' })).toThrow(/got "common"/);
  });
});

describe('persisted cache content', () => {
  const serialized = JSON.stringify({
    Account: { a: { home_account_id: 'u.t' } },
    IdToken: { i: { secret: 'id-token' } },
    AccessToken: { x: { secret: 'access-token' } },
    RefreshToken: { r: { secret: 'refresh-token' } },
    AppMetadata: { m: { client_id: 'c' } },
  });

  it('keeps every section MSAL writes, access tokens included, and fills in sections an older row lacks', () => {
    expect(parseCache(serialized)).toEqual(JSON.parse(serialized));
    const older = parseCache(JSON.stringify({ Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: {} }));
    expect(older.AccessToken).toEqual({});
  });

  it('merges a lost write race: entries only stored are kept, shared entries are ours', () => {
    const stored = parseCache(serialized);
    const ours = { ...stored, RefreshToken: { r: { secret: 'newer' } }, AccessToken: { x: { secret: 'newer-at' } } } as unknown as typeof stored;
    const other = { ...stored, Account: { b: { home_account_id: 'v.t' } } } as unknown as typeof stored;
    const merged = mergeCaches(other, ours);
    expect(Object.keys(merged.Account).sort()).toEqual(['a', 'b']);
    expect(merged.RefreshToken).toEqual({ r: { secret: 'newer' } });
    expect(merged.AccessToken).toEqual({ x: { secret: 'newer-at' } });
  });
});

describe('usableAccessToken', () => {
  const NOW = 1_800_000_000;
  const CLIENT = '11111111-1111-4111-8111-111111111111';
  const TID = 'AAAAAAAA-0000-4000-8000-000000000001';
  const query = { clientId: CLIENT, entraTenantId: TID, scopes: ['User.Read.All', 'GroupMember.Read.All'], nowSeconds: NOW };

  function at(secret: string, fields: Partial<SerializedAccessTokenEntity> = {}): SerializedAccessTokenEntity {
    return {
      home_account_id: 'u.tid',
      environment: 'login.example',
      credential_type: 'AccessToken',
      client_id: CLIENT,
      secret,
      realm: TID.toLowerCase(),
      target: 'user.read.all groupmember.read.all offline_access',
      cached_at: String(NOW - 60),
      expires_on: String(NOW + 3600),
      ...fields,
    };
  }

  function cache(...tokens: SerializedAccessTokenEntity[]): JsonCache {
    return {
      Account: { u: { home_account_id: 'u.tid', environment: 'login.example', realm: TID.toLowerCase(), local_account_id: 'u', username: 'a@b', authority_type: 'MSSTS' } },
      IdToken: {},
      AccessToken: Object.fromEntries(tokens.map((token) => [token.secret, token])),
      RefreshToken: {},
      AppMetadata: {},
    };
  }

  it('hands out a stored token covering the scopes (case-insensitive) with its expiry and scopes', () => {
    expect(usableAccessToken(cache(at('at-1')), query)).toEqual({
      accessToken: 'at-1',
      expiresOn: new Date((NOW + 3600) * 1000),
      scopes: ['user.read.all', 'groupmember.read.all', 'offline_access'],
    });
  });

  it('takes the token that lives longest when several match', () => {
    const found = usableAccessToken(cache(at('short', { expires_on: String(NOW + 1000) }), at('long', { expires_on: String(NOW + 3000) })), query);
    expect(found?.accessToken).toBe('long');
  });

  it.each([
    ['no row at all', null],
    ['no access token', cache()],
    [`less than ${RENEWAL_MARGIN_SECONDS} s left`, cache(at('due', { expires_on: String(NOW + RENEWAL_MARGIN_SECONDS) }))],
    ['expired', cache(at('old', { expires_on: String(NOW - 1) }))],
    ['refresh_on has come', cache(at('advised', { refresh_on: String(NOW) }))],
    ['a scope is missing', cache(at('narrow', { target: 'user.read.all' }))],
    ['for another client', cache(at('theirs', { client_id: '22222222-2222-4222-8222-222222222222' }))],
    ['for another Entra tenant', cache(at('elsewhere', { realm: 'bbbbbbbb-0000-4000-8000-000000000002' }))],
    ['for an account no longer in the cache', cache(at('orphan', { home_account_id: 'removed.tid' }))],
    ['only a proof-of-possession token', cache(at('pop', { credential_type: 'AccessToken_With_AuthScheme' }))],
  ])('asks the identity platform: %s', (_case, stored) => {
    expect(usableAccessToken(stored, query)).toBeNull();
  });
});

describe('refreshLockKey', () => {
  it('is a stable signed 64-bit integer per tenant, the same for any spelling of the id', () => {
    const id = '5f0c7c1e-8d2a-4c6b-9f4e-2a1b3c4d5e6f';
    const key = BigInt(refreshLockKey(id));
    expect(key).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(key).toBeLessThan(2n ** 63n);
    expect(refreshLockKey(id.toUpperCase())).toBe(refreshLockKey(id));
    expect(refreshLockKey(id)).toBe(refreshLockKey(id));
    expect(refreshLockKey('6f0c7c1e-8d2a-4c6b-9f4e-2a1b3c4d5e6f')).not.toBe(refreshLockKey(id));
  });
});

describe('backoffDelayMs', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [9, 1000],
  ])('retry %i waits at most %i ms (exponential, capped)', (attempt, ceiling) => {
    expect(backoffDelayMs(attempt, policy, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelayMs(attempt, policy, () => 0)).toBe(0);
  });

  it('spreads retries with jitter', () => {
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('SingleFlight', () => {
  it('shares one in-flight operation per key and starts afresh once it settled', async () => {
    const flights = new SingleFlight<number>();
    let started = 0;
    let release!: (value: number) => void;
    const operation = () => {
      started++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const calls = [flights.run('a', operation), flights.run('a', operation), flights.run('a', operation)];
    release(7);
    expect(await Promise.all(calls)).toEqual([7, 7, 7]);
    expect(started).toBe(1);
    const again = flights.run('a', operation);
    release(8);
    expect(await again).toBe(8);
    expect(started).toBe(2);
  });

  it('releases the key after a failure', async () => {
    const flights = new SingleFlight<number>();
    await expect(flights.run('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(flights.run('a', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
