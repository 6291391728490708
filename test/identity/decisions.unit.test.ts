import { adminConsentUrl, authorityOptions } from '../../src/identity/authority';
import { mergeCaches, persistableCache, withAccessTokens } from '../../src/identity/cache-plugin';
import { defaultScope, delegatedScope, graphScope, permissionNames, resolveCloud } from '../../src/identity/clouds';
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

  it('keeps accounts, id tokens, refresh tokens and app metadata, and drops access tokens', () => {
    const persisted = persistableCache(serialized);
    expect(Object.keys(persisted).sort()).toEqual(['Account', 'AppMetadata', 'IdToken', 'RefreshToken']);
    expect(JSON.stringify(persisted)).not.toContain('access-token');
  });

  it('merges a lost write race: entries only stored are kept, shared entries are ours', () => {
    const stored = persistableCache(serialized);
    const ours = { ...stored, RefreshToken: { r: { secret: 'newer' } } } as unknown as typeof stored;
    const other = { ...stored, Account: { b: { home_account_id: 'v.t' } } } as unknown as typeof stored;
    const merged = mergeCaches(other, ours);
    expect(Object.keys(merged.Account).sort()).toEqual(['a', 'b']);
    expect(merged.RefreshToken).toEqual({ r: { secret: 'newer' } });
  });
});

describe('withAccessTokens', () => {
  it('hands MSAL the persisted cache plus in-memory access tokens of accounts still in it', () => {
    const persisted = persistableCache(JSON.stringify({ Account: { a: { home_account_id: 'u.t' } } }));
    const token = (home: string) => ({ home_account_id: home, secret: `at-${home}` }) as never;
    const full = withAccessTokens(persisted, { kept: token('u.t'), gone: token('removed.t') });
    expect(Object.keys(full.AccessToken)).toEqual(['kept']);
    expect(full.Account).toBe(persisted.Account);
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
