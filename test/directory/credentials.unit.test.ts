import { CredentialSummary, summarizeCredentials } from '../../src/directory/credentials';

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

  it('no soonest expiry when every credential has expired, or there are none', () => {
    expect(summarizeCredentials({ passwordCredentials: [secret('old', -DAY)] }, NOW).soonestExpiry).toBeNull();
    expect(summarizeCredentials({}, NOW)).toEqual({ credentials: [], soonestExpiry: null });
    expect(summarizeCredentials({ passwordCredentials: null, keyCredentials: null }, NOW)).toEqual({ credentials: [], soonestExpiry: null });
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
