/**
 * SSRF decisions for webhook URLs, as pure functions (table-tested in test/webhooks/ssrf.unit.test.ts).
 *
 * Outside development an endpoint must be https and every address its host resolves to must be a public unicast
 * address: private (RFC 1918, 100.64/10 CGNAT), loopback, link-local (169.254/16, which holds the cloud metadata
 * service 169.254.169.254, and fe80::/10), unique-local (fc00::/7), multicast, unspecified, reserved and
 * documentation ranges are refused, IPv4-mapped and NAT64/6to4 IPv6 forms are judged by the IPv4 inside. The check
 * runs at registration and again at every delivery (DNS can change), and the connection is pinned to the address
 * that was checked. In development http is allowed for localhost, 127.0.0.1 and [::1] only, and any address may be
 * used (a local receiver).
 */
import { isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

function ipv4Bytes(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

export function classifyIPv4(ip: string): AddressClass {
  const b = ipv4Bytes(ip);
  if (!b) return 'reserved';
  const [a, c] = b;
  if (a === 0) return 'unspecified';
  if (a === 10) return 'private';
  if (a === 100 && c >= 64 && c <= 127) return 'private'; // CGNAT 100.64.0.0/10
  if (a === 127) return 'loopback';
  if (a === 169 && c === 254) return 'link-local';
  if (a === 172 && c >= 16 && c <= 31) return 'private';
  if (a === 192 && c === 168) return 'private';
  if (a === 192 && c === 0 && (b[2] === 0 || b[2] === 2)) return 'reserved'; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (c === 18 || c === 19)) return 'reserved'; // benchmarking
  if (a === 198 && c === 51 && b[2] === 100) return 'reserved'; // TEST-NET-2
  if (a === 203 && c === 0 && b[2] === 113) return 'reserved'; // TEST-NET-3
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved'; // 240/4 and the broadcast address
  return 'public';
}

/** The 8 groups of an IPv6 address (with an embedded dotted IPv4 tail expanded), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    if (!b) return null;
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array(Math.max(fill, 0)).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}

export function classifyIPv6(ip: string): AddressClass {
  const g = ipv6Groups(ip);
  if (!g) return 'reserved';
  const embedded = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (deprecated), NAT64 64:ff9b::/96: judged by the IPv4.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return classifyIPv4(embedded(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embedded(g[6], g[7]));
  if (g[0] === 0x2002) return classifyIPv4(embedded(g[1], g[2])); // 6to4
  if ((g[0] & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xffc0) === 0xfec0) return 'reserved'; // deprecated site-local
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only
  return 'public';
}

export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip.replace(/%.*$/, ''));
  if (family === 4) return classifyIPv4(ip);
  if (family === 6) return classifyIPv6(ip);
  return 'reserved';
}

export type UrlDecision = { ok: true; url: URL; host: string } | { ok: false; reason: string };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The URL's form, before any DNS: scheme, no credentials, and (outside development) https only. */
export function checkEndpointUrl(raw: string, opts: { development: boolean }): UrlDecision {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `url: expected an absolute https URL, got ${JSON.stringify(raw.slice(0, 200))}` };
  }
  if (url.username || url.password) return { ok: false, reason: 'url: expected no user name or password in the URL (the payload is signed instead)' };
  if (url.hash) return { ok: false, reason: 'url: expected no #fragment' };
  if (url.protocol === 'https:') return { ok: true, url, host: url.hostname.replace(/^\[|\]$/g, '') };
  if (url.protocol === 'http:' && opts.development && LOCAL_HOSTS.has(url.hostname)) return { ok: true, url, host: url.hostname.replace(/^\[|\]$/g, '') };
  return {
    ok: false,
    reason: opts.development
      ? `url: expected https (or, in development, http://localhost, http://127.0.0.1 or http://[::1]), got ${url.protocol}//${url.host}`
      : `url: expected https, got ${url.protocol}//${url.host}`,
  };
}

export type AddressDecision = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

/**
 * Given what the host resolved to, the address to connect to: refused when ANY of them is not public (outside
 * development), so a name that resolves to a public and a private address cannot be used to reach the private one.
 */
export function chooseAddress(host: string, addresses: ReadonlyArray<{ address: string; family: number }>, opts: { development: boolean }): AddressDecision {
  if (addresses.length === 0) return { ok: false, reason: `url: ${host} resolves to no address` };
  if (!opts.development) {
    const refused = addresses.map((a) => ({ ...a, cls: classifyAddress(a.address) })).find((a) => a.cls !== 'public');
    if (refused) return { ok: false, reason: `url: ${host} resolves to ${refused.address}, a ${refused.cls} address; webhooks go to public addresses only` };
  }
  const first = addresses[0];
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}
