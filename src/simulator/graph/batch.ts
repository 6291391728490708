/**
 * POST /$batch (graph-facts §3). The envelope is validated as a whole (400 for any malformed, duplicate or
 * dangling step); then each step runs through the same dispatch as a direct request (routing, scopes,
 * throttling, faults, counters). Steps run in dependsOn order; a step whose dependency failed gets 424.
 *
 * Responses are returned in a deliberately shuffled order (deterministic PRNG): Graph does not guarantee
 * request order and clients must match by id.
 */
import { SimGraphError } from '../errors';
import { json, type Call, type GraphRequest, type GraphResponse } from './http';
import type { RouteDef } from './route';

export const MAX_BATCH_STEPS = 20;
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

export interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const invalid = (message: string) => new SimGraphError(400, 'BadRequest', message);

/** Pure validation of the envelope; throws the whole-batch 400. */
export function parseBatch(body: unknown): BatchStep[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw invalid(`Invalid batch payload: expected {"requests":[...]}, got ${JSON.stringify(body)?.slice(0, 100)}.`);
  if (requests.length === 0) throw invalid('Invalid batch payload: "requests" is empty.');
  if (requests.length > MAX_BATCH_STEPS) {
    throw invalid(`Invalid batch payload: ${requests.length} requests; the maximum number of requests in a batch is ${MAX_BATCH_STEPS}.`);
  }
  const steps = requests.map(parseStep);
  // Request ids are not case-sensitive (graph-facts §12): 'a' and 'A' are the same id, so a batch holding both
  // is refused with Graph's own wording (seen in msgraph-sdk-java issue 559 for ids differing only in case).
  const ids = new Map<string, string>();
  for (const step of steps) {
    const key = step.id.toLowerCase();
    if (ids.has(key)) throw invalid(`Request Id ${step.id} has to be unique in a batch.`);
    ids.set(key, step.id);
  }
  for (const step of steps) {
    const unknown = step.dependsOn.find((d) => !ids.has(d.toLowerCase()));
    if (unknown !== undefined) throw invalid(`Request id '${step.id}' dependsOn '${unknown}', which is not a request id in this batch.`);
    // dependsOn names the step as it was spelt in its own id, so the run order can look it up.
    step.dependsOn = step.dependsOn.map((d) => ids.get(d.toLowerCase())!);
  }
  return steps;
}

function parseStep(raw: unknown, index: number): BatchStep {
  const r = (raw ?? {}) as Record<string, unknown>;
  const where = `requests[${index}]`;
  if (typeof r.id !== 'string' || r.id === '') throw invalid(`${where}: 'id' must be a non-empty string, got ${JSON.stringify(r.id)}.`);
  if (typeof r.method !== 'string' || !METHODS.includes(r.method.toUpperCase())) {
    throw invalid(`Request id '${r.id}': 'method' must be one of ${METHODS.join(', ')}, got ${JSON.stringify(r.method)}.`);
  }
  if (typeof r.url !== 'string' || r.url === '' || /^[a-z]+:\/\//i.test(r.url) || /^\/?\$batch\b/i.test(r.url)) {
    throw invalid(`Request id '${r.id}': 'url' must be a relative URL such as '/users' or 'users?$top=5', got ${JSON.stringify(r.url)}.`);
  }
  const headers = parseHeaders(r.headers, r.id);
  if (r.body !== undefined && !Object.keys(headers).includes('content-type')) {
    throw invalid(`Write request id : ${r.id} does not contain Content-Type header or body.`);
  }
  const dependsOn = r.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string')) {
    throw invalid(`Request id '${r.id}': 'dependsOn' must be an array of request ids, got ${JSON.stringify(r.dependsOn)}.`);
  }
  return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn };
}

function parseHeaders(raw: unknown, id: string): Record<string, string> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`Request id '${id}': 'headers' must be an object.`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalid(`Request id '${id}': header '${name}' must be a string, got ${JSON.stringify(value)}.`);
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** Order in which steps may run: each after everything it depends on. A cycle is a malformed batch. */
export function executionOrder(steps: BatchStep[]): BatchStep[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const ordered: BatchStep[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: BatchStep) => {
    if (state.get(step.id) === 'done') return;
    if (state.get(step.id) === 'visiting') throw invalid(`Request id '${step.id}' is part of a dependsOn cycle.`);
    state.set(step.id, 'visiting');
    for (const d of step.dependsOn) visit(byId.get(d)!);
    state.set(step.id, 'done');
    ordered.push(step);
  };
  steps.forEach(visit);
  return ordered;
}

export function toSubRequest(step: BatchStep, outerHeaders: Readonly<Record<string, string>>): GraphRequest {
  const url = new URL(step.url.startsWith('/') ? step.url : `/${step.url}`, 'https://batch.invalid');
  return {
    method: step.method,
    path: url.pathname,
    query: url.searchParams,
    // The client request id travels with the batch; everything else (ConsistencyLevel...) is per step.
    headers: { ...pick(outerHeaders, 'client-request-id'), ...step.headers },
    body: step.body,
  };
}

function pick(headers: Readonly<Record<string, string>>, name: string): Record<string, string> {
  return headers[name] === undefined ? {} : { [name]: headers[name] };
}

/** Fisher-Yates with the router's PRNG; never the request order when there is more than one response. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  if (out.length > 1 && out.every((item, i) => item === items[i])) out.push(out.shift()!);
  return out;
}

async function runBatch(call: Call): Promise<GraphResponse> {
  const steps = parseBatch(call.req.body);
  const order = executionOrder(steps);
  call.ctx.counters.batches += 1;
  call.ctx.counters.subRequests += steps.length;
  const responses = new Map<string, SubResponse>();
  for (const step of order) {
    const failed = step.dependsOn.find((d) => responses.get(d)!.status >= 400);
    if (failed !== undefined) {
      responses.set(step.id, failedDependency(step.id, failed));
      continue;
    }
    const response = await call.env.dispatch(call.claims, toSubRequest(step, call.req.headers));
    responses.set(step.id, {
      id: step.id,
      status: response.status,
      headers: canonicalHeaders(response.headers),
      ...(response.body === undefined ? {} : { body: response.body }),
    });
  }
  const ordered = steps.map((s) => responses.get(s.id)!);
  return json(200, { responses: shuffle(ordered, call.env.random) });
}

/** Sub-response headers as Graph spells them ("Retry-After", "Content-Type"); x-ms-* stay lower-case. */
function canonicalHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name.startsWith('x-ms-') ? name : name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
      value,
    ]),
  );
}

function failedDependency(id: string, dependency: string): SubResponse {
  return {
    id,
    status: 424,
    headers: { 'Content-Type': 'application/json' },
    body: { error: { code: 'FailedDependency', message: `The request depends on request '${dependency}', which failed.` } },
  };
}

export const batchRoutes: RouteDef[] = [{ method: 'POST', template: '/$batch', permission: 'none', envelope: true, handler: runBatch }];
