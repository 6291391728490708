/**
 * Test helpers for the simulator's Graph endpoints: a running simulator (real HTTPS, Verafield tenant) and a
 * tiny Graph caller with JSON bodies. Access tokens are minted with the simulator's own key for most tests;
 * graph-scopes.test.ts gets real ones from the token endpoint.
 */
import https from 'node:https';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator, StartSimulatorOptions } from '../../src/simulator/server';
import { mintAccessToken } from '../../src/simulator/tokens';
import { startTestSimulator } from '../support/simulator';

export const ALL_PERMISSIONS = [
  'User.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'RoleManagement.Read.Directory',
  'Policy.Read.All',
  'Application.Read.All',
];

export interface GraphResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body (undefined when the body is empty or not JSON). */
  body: any;
}

export interface RequestInit {
  /** undefined = the default token; null = no Authorization header. */
  token?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as-is with content-type application/json (malformed payloads). */
  rawJson?: string;
  headers?: Record<string, string>;
}

export interface GraphSim {
  sim: RunningSimulator;
  token: string;
  /** A token for the product app in Verafield with exactly these application permissions. */
  tokenWith(roles: string[], appid?: string): Promise<string>;
  call(method: string, path: string, init?: RequestInit): Promise<GraphResult>;
  get(path: string, headers?: Record<string, string>): Promise<GraphResult>;
  close(): Promise<void>;
}

export async function startGraphSim(opts: StartSimulatorOptions = {}): Promise<GraphSim> {
  const sim = await startTestSimulator({ throttlingEnabled: false, ...opts });
  const tokenWith = async (roles: string[], appid = DEFAULT_PRODUCT_APP_ID) =>
    (await mintAccessToken(sim.ctx, { tid: VERAFIELD.tenantId, oid: VERAFIELD.apps.product.servicePrincipalId, appid, roles })).token;
  const token = await tokenWith(ALL_PERMISSIONS);
  const call: GraphSim['call'] = (method, path, init = {}) => graphRequest(sim, method, path, { ...init, token: init.token === undefined ? token : init.token });
  return { sim, token, tokenWith, call, get: (path, headers) => call('GET', path, { headers }), close: () => sim.close() };
}

/** `path` below /v1.0 ("/users?$top=5") or a full URL (a nextLink). */
export function graphRequest(
  sim: Pick<RunningSimulator, 'baseUrl' | 'caCertPem'>,
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<GraphResult> {
  const target = path.startsWith('https://') ? new URL(path) : new URL(`/v1.0${path}`, sim.baseUrl);
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const payload = init.rawJson ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(target, { method, headers, ca: sim.caCertPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Follows nextLinks to the end; returns every page. */
export async function allPages(g: GraphSim, first: string, headers?: Record<string, string>): Promise<GraphResult[]> {
  const pages = [await g.get(first, headers)];
  for (let next = pages[0].body['@odata.nextLink']; next; next = pages[pages.length - 1].body['@odata.nextLink']) {
    pages.push(await g.get(next, headers));
    if (pages[pages.length - 1].status !== 200) throw new Error(`page ${pages.length} answered ${pages[pages.length - 1].status}: ${pages[pages.length - 1].text}`);
  }
  return pages;
}
