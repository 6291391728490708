/**
 * Where the OAuth callback may send the customer's browser afterwards. Only absolute http(s) URLs whose
 * origin is on the configured allow-list pass; everything else (other hosts, userinfo tricks such as
 * `https://allowed.example@evil.example`, `javascript:`, protocol-relative `//evil`, backslash confusions)
 * is refused before anything is stored.
 */
export type ReturnUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkReturnUrl(candidate: string, allowedOrigins: readonly string[]): ReturnUrlCheck {
  if (candidate.length > 2048) return { ok: false, reason: 'returnUrl is longer than 2048 characters' };
  if (/[\u0000-\u001f\\]/.test(candidate)) return { ok: false, reason: 'returnUrl contains control characters or backslashes' };
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return { ok: false, reason: 'returnUrl must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `returnUrl scheme ${url.protocol} is not allowed; expected https: or http:` };
  }
  if (url.username || url.password) return { ok: false, reason: 'returnUrl must not carry credentials' };
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  if (!allowed.has(url.origin)) {
    return { ok: false, reason: `returnUrl origin ${url.origin} is not in ALLOWED_RETURN_ORIGINS` };
  }
  return { ok: true, url: url.toString() };
}

/** The outcome appended to a validated return URL (query parameters, never a fragment the page can't read). */
export function withOutcome(returnUrl: string, outcome: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [k, v] of Object.entries(outcome)) url.searchParams.set(k, v);
  return url.toString();
}
