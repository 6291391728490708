/**
 * The Graph endpoints' own request/response shapes. Express is only the outer adapter (router.ts); every
 * request, direct or inside a $batch, runs through the same dispatch (pipeline.ts) over these plain objects,
 * so routing, scopes, throttling and faults cannot differ between the two.
 */
import type { SimulatorContext } from '../context';
import type { SimTenant } from '../model';
import type { AccessTokenClaims } from '../tokens';
import type { Sealer } from './sealed';
import type { ThrottleState } from './throttle';

export interface GraphRequest {
  method: string;
  /** Path below /v1.0, starting with '/', not decoded twice. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: unknown;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** An object is sent as JSON; a string as text/plain; undefined means no body. */
  body?: unknown;
}

/** Per-router state: shared by direct requests and batch sub-requests. */
export interface GraphEnv {
  ctx: SimulatorContext;
  sealer: Sealer;
  throttle: ThrottleState;
  /** Deterministic PRNG in [0, 1) for injected server errors and batch response order. */
  random(): number;
  dispatch(claims: AccessTokenClaims, req: GraphRequest): Promise<GraphResponse>;
}

export interface Call {
  env: GraphEnv;
  ctx: SimulatorContext;
  tenant: SimTenant;
  claims: AccessTokenClaims;
  req: GraphRequest;
  /** Values of the template's {placeholders}. */
  params: Readonly<Record<string, string>>;
}

export type Handler = (call: Call) => GraphResponse | Promise<GraphResponse>;

export function json(status: number, body: object, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers: { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', ...headers }, body };
}

export function text(body: string): GraphResponse {
  return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body };
}

export function noContent(): GraphResponse {
  return { status: 204, headers: {} };
}

/** ConsistencyLevel: eventual, the header advanced queries need (graph-facts §2). */
export function isEventual(req: GraphRequest): boolean {
  return req.headers['consistencylevel']?.toLowerCase() === 'eventual';
}

export function graphRoot(call: { ctx: SimulatorContext }): string {
  return `${call.ctx.settings.baseUrl}/v1.0`;
}

export function contextUrl(call: { ctx: SimulatorContext }, fragment: string, select?: string[]): string {
  return `${graphRoot(call)}/$metadata#${fragment}${select ? `(${select.join(',')})` : ''}`;
}
