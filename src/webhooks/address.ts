/** The effectful edge of the SSRF guard: resolve the host, decide (ssrf.ts), return the address to pin. */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { chooseAddress, checkEndpointUrl, type AddressDecision } from './ssrf';

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = async (host) => (isIP(host) ? [{ address: host, family: isIP(host) }] : dnsLookup(host, { all: true, verbatim: true }));

export async function resolveEndpoint(rawUrl: string, opts: { development: boolean; resolve: Resolver }): Promise<(AddressDecision & { ok: true; url: URL }) | { ok: false; reason: string }> {
  const form = checkEndpointUrl(rawUrl, opts);
  if (!form.ok) return form;
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await opts.resolve(form.host);
  } catch (error) {
    return { ok: false, reason: `url: ${form.host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})` };
  }
  const chosen = chooseAddress(form.host, addresses, opts);
  return chosen.ok ? { ...chosen, url: form.url } : chosen;
}
