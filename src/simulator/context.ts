/**
 * The simulator's shared state, handed to each of its three routers (identity platform, Graph, control).
 * Owned by the simulator alone: the gateway never imports from src/simulator except to start it in
 * development and tests (src/simulator/server.ts: startSimulator).
 */
import { generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { IdentityGrants } from './identity/grants';
import type { SimStore } from './store';

/** An app registration of the publisher (the SaaS product): a multi-tenant app the gateway signs in as. */
export interface RegisteredApp {
  clientId: string;
  displayName: string;
  /** Valid client secrets (plain text; the simulator is a test double). */
  secrets: { secretText: string; endDateTime: string }[];
  /** Exact-match redirect URIs. An empty list means "any https/http loopback URI is accepted" = NO: it means none. */
  redirectUris: string[];
  /** Application permissions (Graph app-role values) the app requests with /.default, e.g. User.Read.All. */
  applicationPermissions: string[];
}

/** Consent of one tenant for one client app. Revoked consent makes refresh_token / client_credentials fail. */
export interface ConsentRecord {
  tenantId: string;
  clientId: string;
  /** Delegated scopes consented (Graph scope values, e.g. User.Read.All, offline_access). */
  delegatedScopes: Set<string>;
  /** Application permissions granted by an admin (Graph app-role values). */
  applicationPermissions: Set<string>;
  revoked: boolean;
  /** Incremented on revocation; refresh tokens minted before carry the old generation and die. */
  generation: number;
}

/** Fault injection, set through the control API. Probabilities in [0, 1]. */
export interface FaultSettings {
  /** Fraction of Graph requests (and batch sub-requests) answered 503/504. */
  serverErrorRate: number;
  /** While > 0, every Graph request is answered 429 with Retry-After = retryAfterSeconds; counts down. */
  throttleNextRequests: number;
  retryAfterSeconds: number;
  /** Added latency in ms for each Graph request. */
  latencyMs: number;
  /** After a create, reads of (and member adds for) the new object answer 404 for this many ms. */
  replicationLagMs: number;
  /** Fraction of token endpoint calls answered 503 (transient identity-platform failure). */
  tokenServerErrorRate: number;
}

export interface Counters {
  requests: number;
  /** "GET /users", "POST /$batch", "GET /groups/{id}/members" ... (path templates, not concrete ids) */
  byEndpoint: Record<string, number>;
  batches: number;
  subRequests: number;
  resourceUnits: number;
  throttled: number;
  tokenRequests: Record<string, number>; // by grant_type
  /** Group member lists delta pages built (graph/delta/route.ts): a page builds only those of its own groups. */
  deltaMemberLists: number;
  /** Member entries in those lists. */
  deltaMemberEntries: number;
}

export interface SimulatorSettings {
  /** Public base URL, e.g. https://127.0.0.1:8443 (no trailing slash). Login and Graph share the host. */
  baseUrl: string;
  /** Lifetime of access tokens in seconds (Entra: ~3599). Tests shorten it to exercise silent refresh. */
  accessTokenLifetimeSeconds: number;
  /** Key for the control API (header `x-simulator-key`). */
  controlKey: string;
  /** Whether resource-unit throttling (graph-facts §5) is enforced. */
  throttlingEnabled: boolean;
  /** Lifetime of delta tokens in ms (Entra: about 7 days). */
  deltaTokenLifetimeMs: number;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SimulatorContext {
  settings: SimulatorSettings;
  store: SimStore;
  apps: Map<string, RegisteredApp>;
  /** key: `${tenantId}:${clientId}` */
  consents: Map<string, ConsentRecord>;
  faults: FaultSettings;
  counters: Counters;
  signingKey: SigningKey;
  /** AES-256 key sealing $skiptoken and $deltatoken (graph/sealed.ts); kept with the state so deltaLinks survive a restart. */
  sealKey: Buffer;
  /** Consent-page transactions, authorization codes and refresh tokens the identity platform issued. */
  identityGrants: IdentityGrants;
  /** Clock used for token lifetimes and expiries; tests may move it forward through the control API. */
  now(): number;
  /** Shift the clock forward (ms). */
  advanceClock(ms: number): void;
}

export function emptyCounters(): Counters {
  return { requests: 0, byEndpoint: {}, batches: 0, subRequests: 0, resourceUnits: 0, throttled: 0, tokenRequests: {}, deltaMemberLists: 0, deltaMemberEntries: 0 };
}

export function defaultFaults(): FaultSettings {
  return {
    serverErrorRate: 0,
    throttleNextRequests: 0,
    retryAfterSeconds: 1,
    latencyMs: 0,
    replicationLagMs: 0,
    tokenServerErrorRate: 0,
  };
}

export function consentKey(tenantId: string, clientId: string): string {
  return `${tenantId.toLowerCase()}:${clientId.toLowerCase()}`;
}

/** Keys made fresh unless given (a restored snapshot gives the ones its tokens were made with). */
export function createSimulatorContext(store: SimStore, settings: SimulatorSettings, keys: { signingKey?: SigningKey; sealKey?: Buffer } = {}): SimulatorContext {
  let offset = 0;
  const now = () => Date.now() + offset;
  return {
    settings,
    store,
    apps: new Map(),
    consents: new Map(),
    faults: defaultFaults(),
    counters: emptyCounters(),
    signingKey: keys.signingKey ?? newSigningKey(),
    sealKey: keys.sealKey ?? randomBytes(32),
    identityGrants: new IdentityGrants(now),
    now,
    advanceClock: (ms: number) => {
      offset += ms;
    },
  };
}

function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, publicKey };
}
