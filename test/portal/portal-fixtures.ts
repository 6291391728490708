/**
 * The portal's bench: Verafield connected through the real consent flow (directory, policies and apps), the
 * product's tiers, and helpers that play the portal's browser over plain HTTP: ask for a link with the product's
 * key, open it (the cookie it sets), and call /graphql with the cookie and the page's CSRF token.
 */
import { GraphQLClient } from 'graphql-request';
import { csrfTokenFor } from '../../src/portal/portal-decisions';
import { connectVerafield, tenantReader, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';
import { bearer } from '../support/gateway';
import { startConsentBench } from '../tenants/consent-fixtures';

export { VERAFIELD };

export const FEATURES = ['READ_DIRECTORY', 'READ_POLICIES', 'READ_APPS'];
export const ALL_STEPS = ['CONNECT', 'MAP_GROUPS', 'STATUS'];

export interface PortalBench extends DirectoryBench {
  tiers: { finance: string; engineering: string };
}

export async function startPortalBench(env: Record<string, string> = {}): Promise<PortalBench> {
  const bench = await startConsentBench({ env });
  try {
    const tenantId = await connectVerafield(bench, { features: FEATURES });
    const key = await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [tenantId] });
    const reader = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(key) });
    const define = async (name: string, rank: number) =>
      (await bench.admin.request<{ defineAccessTier: { id: string } }>(`mutation($i: DefineAccessTierInput!) { defineAccessTier(input: $i) { id } }`, { i: { name, rank } }))
        .defineAccessTier.id;
    const tiers = { engineering: await define('Engineering', 30), finance: await define('Finance', 20) };
    return { ...bench, tenantId, reader, read: tenantReader(reader, tenantId), tiers };
  } catch (err) {
    await bench.stop();
    throw err;
  }
}

export interface LinkInput {
  tenantId: string;
  steps?: string[];
  returnUrl: string;
  expiresInSeconds?: number;
}

export async function createLink(client: GraphQLClient, input: LinkInput): Promise<{ url: string; tenantId: string; steps: string[]; expiresAt: string }> {
  const data = await client.request<{ createPortalLink: { url: string; tenantId: string; steps: string[]; expiresAt: string } }>(
    `mutation($i: CreatePortalLinkInput!) { createPortalLink(input: $i) { url tenantId steps expiresAt } }`,
    { i: { steps: ALL_STEPS, ...input } },
  );
  return data.createPortalLink;
}

export interface OpenedLink {
  status: number;
  location: string | null;
  setCookie: string | null;
  body: string;
  /** The session cookie's secret, when one was set. */
  secret: string | null;
}

export async function openLink(url: string): Promise<OpenedLink> {
  const res = await fetch(url, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie');
  const secret = setCookie ? (/^portal_session=([^;]+)/.exec(setCookie)?.[1] ?? null) : null;
  return { status: res.status, location: res.headers.get('location'), setCookie, body: await res.text(), secret };
}

/** A GraphQL call as the portal page makes it: the cookie, and (unless left out) the CSRF header. */
export async function asPortal(
  graphqlUrl: string,
  secret: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { csrf?: string | null } = {},
): Promise<{ data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', cookie: `portal_session=${secret}` };
  const csrf = options.csrf === undefined ? csrfTokenFor(secret) : options.csrf;
  if (csrf !== null) headers['x-portal-csrf'] = csrf;
  const res = await fetch(graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return res.json() as never;
}
