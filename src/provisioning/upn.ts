/** Entra's rule for a userPrincipalName, as a pure function (checked before Graph is asked, and to read Graph's answer). */

/**
 * Entra's userPrincipalName rule (graph-facts §12; the user resource's userPrincipalName description and the
 * "password policies and account restrictions" page): the part before "@" holds only A-Z a-z 0-9 ' . - _ ! # ^ ~
 * (not the wider RFC 5322 set: / = ? { } | * + $ % & and ` are refused), no period right before the "@",
 * at most 64 characters before it, 48 after, 113 in all; the domain is a DNS name.
 */
const NOT_LOCAL = /[^A-Za-z0-9'.\-_!#^~]/g;
const UPN_DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
// 64 + "@" + 48 = 113, Entra's cap on the whole UPN.
const UPN_MAX = { local: 64, domain: 48 } as const;

/** What is wrong with a userPrincipalName by Entra's rule, or null when it is well formed. */
export function upnProblem(upn: string): string | null {
  const at = upn.indexOf('@');
  if (at < 0) return 'expected local-part@domain, got no "@"';
  if (upn.indexOf('@', at + 1) >= 0) return 'expected exactly one "@"';
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  if (local.length === 0 || local.length > UPN_MAX.local) return `expected 1 to ${UPN_MAX.local} characters before the "@", got ${local.length}`;
  const bad = [...new Set(local.match(NOT_LOCAL) ?? [])];
  if (bad.length > 0) {
    return `the part before the "@" may hold only letters, digits and ' . - _ ! # ^ ~, got ${bad.map((c) => JSON.stringify(c)).join(' ')}`;
  }
  if (local.endsWith('.')) return 'a period may not come right before the "@"';
  if (domain.length === 0 || domain.length > UPN_MAX.domain || !UPN_DOMAIN.test(domain)) {
    return `expected a domain name of at most ${UPN_MAX.domain} characters after the "@", got ${JSON.stringify(domain.slice(0, 60))}`;
  }
  return null;
}
