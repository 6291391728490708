import { checkReturnUrl, withOutcome } from '../../src/tenants/return-url';

const allowed = ['https://app.example.com', 'http://localhost:3000'];

describe('returnUrl allow-list', () => {
  it.each([
    'https://app.example.com/onboarding/done',
    'https://app.example.com:443/x?y=1',
    'http://localhost:3000/callback',
  ])('accepts %s', (url) => {
    expect(checkReturnUrl(url, allowed)).toMatchObject({ ok: true });
  });

  it.each([
    ['https://evil.example.com/', /origin https:\/\/evil.example.com is not in/],
    ['https://app.example.com.evil.example/', /not in ALLOWED_RETURN_ORIGINS/],
    ['https://app.example.com@evil.example/', /not in ALLOWED_RETURN_ORIGINS|credentials/],
    ['https://user:pw@app.example.com/', /credentials/],
    ['//evil.example/', /absolute URL/],
    ['/relative/path', /absolute URL/],
    ['javascript:alert(1)', /scheme javascript: is not allowed/],
    ['https://app.example.com\\@evil.example', /backslashes/],
    ['http://app.example.com/', /origin http:\/\/app.example.com is not in/],
    ['https://app.example.com/\n', /control characters/],
  ])('refuses %s', (url, reason) => {
    const result = checkReturnUrl(url, allowed);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('appends the outcome as query parameters', () => {
    expect(withOutcome('https://app.example.com/done?x=1', { status: 'ACTIVE', tenantId: 't1' })).toBe(
      'https://app.example.com/done?x=1&status=ACTIVE&tenantId=t1',
    );
  });
});
