import { credentialFilterProblem, CredentialSummary, matchesCredentialFilter, summarizeCredentials, type CredentialFilter } from '../../src/directory/credentials';

const NOW = new Date('2026-11-27T12:00:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

function secret(name: string, endsInMs: number | null) {
  return { displayName: name, keyId: `key-${name}`, hint: 'abc', startDateTime: at(-400 * DAY), endDateTime: endsInMs === null ? null : at(endsInMs) };
}

describe('summarizeCredentials', () => {
  it('summarizes secrets and certificates, soonest end first', () => {
    const certificate = { ...secret('CN=signing', 10 * DAY), type: 'AsymmetricX509Cert', usage: 'Verify', key: null };
    const summary = summarizeCredentials({ passwordCredentials: [secret('ci', 90 * DAY)], keyCredentials: [certificate] }, NOW);
    expect(summary.credentials).toEqual<CredentialSummary[]>([
      {
        type: 'CERTIFICATE',
        displayName: 'CN=signing',
        keyId: 'key-CN=signing',
        startsAt: new Date(at(-400 * DAY)),
        endsAt: new Date(at(10 * DAY)),
        expiresInDays: 10,
        status: 'EXPIRING_SOON',
      },
      {
        type: 'PASSWORD',
        displayName: 'ci',
        keyId: 'key-ci',
        startsAt: new Date(at(-400 * DAY)),
        endsAt: new Date(at(90 * DAY)),
        expiresInDays: 90,
        status: 'VALID',
      },
    ]);
    expect(summary.soonestExpiry).toBe(summary.credentials[0]);
  });

  it.each([
    ['long before the threshold', 31 * DAY, 31, 'VALID'],
    ['exactly 30 days left', 30 * DAY, 30, 'VALID'],
    ['just under 30 days left', 30 * DAY - 1, 29, 'EXPIRING_SOON'],
    ['one hour left', HOUR, 0, 'EXPIRING_SOON'],
    ['ending now', 0, 0, 'EXPIRED'],
    ['ended an hour ago', -HOUR, -1, 'EXPIRED'],
    ['ended 3.5 days ago', -3.5 * DAY, -4, 'EXPIRED'],
  ] as const)('%s (ends in %i ms): %i days, %s', (_name, endsIn, days, status) => {
    const [credential] = summarizeCredentials({ passwordCredentials: [secret('s', endsIn)] }, NOW).credentials;
    expect(credential).toMatchObject({ expiresInDays: days, status });
  });

  it('takes the expiring-soon threshold as a parameter', () => {
    const app = { passwordCredentials: [secret('s', 45 * DAY)] };
    expect(summarizeCredentials(app, NOW).credentials[0].status).toBe('VALID');
    expect(summarizeCredentials(app, NOW, 60).credentials[0].status).toBe('EXPIRING_SOON');
  });

  it('the soonest expiry is the next one ahead: expired credentials are left out', () => {
    const summary = summarizeCredentials({ passwordCredentials: [secret('old', -200 * DAY), secret('next', 40 * DAY), secret('later', 300 * DAY)] }, NOW);
    expect(summary.credentials.map((credential) => credential.displayName)).toEqual(['old', 'next', 'later']);
    expect(summary.soonestExpiry?.displayName).toBe('next');
  });

  it('when every credential has expired, the soonest expiry is the one that expired last (EXPIRED), not null', () => {
    const summary = summarizeCredentials({ passwordCredentials: [secret('ancient', -500 * DAY), secret('recent', -DAY)], keyCredentials: [secret('cert', -201 * DAY)] }, NOW);
    expect(summary.soonestExpiry).toMatchObject({ displayName: 'recent', status: 'EXPIRED', expiresInDays: -1 });
    expect(summary.expired.map((c) => [c.displayName, c.type])).toEqual([['recent', 'PASSWORD'], ['cert', 'CERTIFICATE'], ['ancient', 'PASSWORD']]);
  });

  it('expired lists every expired secret and certificate, most recently expired first, also next to live ones', () => {
    const cert = { ...secret('old cert', -201 * DAY), type: 'AsymmetricX509Cert' };
    const summary = summarizeCredentials({ passwordCredentials: [secret('live', 40 * DAY), secret('old secret', -3 * DAY)], keyCredentials: [cert] }, NOW);
    expect(summary.expired.map((c) => [c.displayName, c.type, c.expiresInDays])).toEqual([
      ['old secret', 'PASSWORD', -3],
      ['old cert', 'CERTIFICATE', -201],
    ]);
    expect(summary.soonestExpiry?.displayName).toBe('live');
  });

  it('no soonest expiry and nothing expired when there are no credentials', () => {
    expect(summarizeCredentials({}, NOW)).toEqual({ credentials: [], soonestExpiry: null, expired: [] });
    expect(summarizeCredentials({ passwordCredentials: null, keyCredentials: null }, NOW)).toEqual({ credentials: [], soonestExpiry: null, expired: [] });
  });

  it('is robust to null, missing and unreadable dates and fields', () => {
    const summary = summarizeCredentials(
      {
        passwordCredentials: [secret('no end', null), { endDateTime: 'not a date', startDateTime: null }, null as never, secret('soon', DAY)],
        keyCredentials: [{}],
      },
      NOW,
    );
    expect(summary.credentials.map((credential) => [credential.displayName, credential.endsAt, credential.expiresInDays, credential.status])).toEqual([
      ['soon', new Date(at(DAY)), 1, 'EXPIRING_SOON'],
      ['no end', null, null, 'VALID'],
      [null, null, null, 'VALID'],
      [null, null, null, 'VALID'],
      [null, null, null, 'VALID'],
    ]);
    expect(summary.credentials[2]).toMatchObject({ type: 'PASSWORD', keyId: null, startsAt: null });
    expect(summary.credentials[4].type).toBe('CERTIFICATE');
    expect(summary.soonestExpiry?.displayName).toBe('soon');
  });
});

describe('the application list filter', () => {
  const app = (...ends: Array<number | null>) => summarizeCredentials({ passwordCredentials: ends.map((end, i) => secret(`s${i}`, end)) }, NOW);
  it.each<[string, ReturnType<typeof app>, CredentialFilter, boolean]>([
    ['no filter keeps every app', app(), {}, true],
    ['no filter keeps an app without credentials', app(), { expiringWithinDays: null, expired: false }, true],
    ['within 30 days: a secret ending in 10 days', app(10 * DAY), { expiringWithinDays: 30 }, true],
    ['within 30 days: ending exactly at the horizon', app(30 * DAY), { expiringWithinDays: 30 }, true],
    ['within 30 days: ending just after the horizon', app(30 * DAY + 1), { expiringWithinDays: 30 }, false],
    ['within 30 days: an expired secret only', app(-5 * DAY), { expiringWithinDays: 30 }, false],
    ['within 0 days: nothing ahead ends now', app(HOUR), { expiringWithinDays: 0 }, false],
    ['within 30 days: no end date', app(null), { expiringWithinDays: 30 }, false],
    ['expired: one expired next to a live one', app(-201 * DAY, 300 * DAY), { expired: true }, true],
    ['expired: none expired', app(300 * DAY), { expired: true }, false],
    ['expired: false is no filter', app(300 * DAY), { expired: false }, true],
    ['either: expiring', app(5 * DAY), { expiringWithinDays: 7, expired: true }, true],
    ['either: expired', app(-DAY), { expiringWithinDays: 7, expired: true }, true],
    ['either: neither', app(60 * DAY), { expiringWithinDays: 7, expired: true }, false],
    ['an app without credentials never matches a filter', app(), { expiringWithinDays: 3650, expired: true }, false],
  ])('%s', (_name, summary, filter, kept) => {
    expect(matchesCredentialFilter(summary, filter, NOW)).toBe(kept);
  });

  it.each<[number | null, string | null]>([
    [null, null],
    [0, null],
    [3650, null],
    [-1, 'expiringWithinDays: expected a whole number of days from 0 to 3650, got -1'],
    [3651, 'expiringWithinDays: expected a whole number of days from 0 to 3650, got 3651'],
  ])('expiringWithinDays %p -> %p', (days, problem) => {
    expect(credentialFilterProblem({ expiringWithinDays: days })).toBe(problem);
  });
});
