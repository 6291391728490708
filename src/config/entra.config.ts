/** The operator's multi-tenant Entra app registration and the cloud it lives in. */
import { z } from 'zod';
import { ENTRA_CLOUDS, type EntraCloud } from './clouds';
import { ConfigProblem } from './problems';
import { Env, envVar, nonEmpty, oneOf, parseSection, required, SectionContext, SectionResult, url } from './env';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const schema = z.object({
  ENTRA_CLOUD: oneOf(ENTRA_CLOUDS).default('global'),
  ENTRA_CLIENT_ID: envVar("a GUID (the app registration's Application (client) ID)", (raw) =>
    GUID.test(raw) ? raw.toLowerCase() : undefined,
  ).optional(),
  ENTRA_CLIENT_SECRET: nonEmpty("the app registration's client secret").optional(),
  // MSAL refuses http:// authorities, so a custom identity endpoint must be HTTPS.
  ENTRA_LOGIN_URL: url(['https'], 'https://127.0.0.1:8443').optional(),
  ENTRA_GRAPH_URL: url(['https'], 'https://127.0.0.1:8443').optional(),
  ENTRA_CA_CERT_PATH: nonEmpty('a path to a PEM file').optional(),
});

export interface EntraCredentials {
  clientId: string;
  clientSecret: string;
}

export interface EntraConfig {
  cloud: EntraCloud;
  /** Null when no app registration is configured (the simulator may provide one). */
  credentials: EntraCredentials | null;
  /** Only for the custom cloud; the known clouds' endpoints belong to the Graph client and MSAL. */
  loginUrl: string | null;
  graphUrl: string | null;
  /** An extra CA to trust for the identity and Graph endpoints (the simulator's self-signed CA). */
  caCertPath: string | null;
}

/** Whether the app registration is configured at all: decides SIMULATOR=auto. */
export function hasEntraCredentials(env: Env): boolean {
  return env.ENTRA_CLIENT_ID !== undefined || env.ENTRA_CLIENT_SECRET !== undefined;
}

function rules(env: Env, ctx: SectionContext, simulatorOn: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (env.ENTRA_CLIENT_ID !== undefined) {
    problems.push(...required(env, 'ENTRA_CLIENT_SECRET', 'ENTRA_CLIENT_ID is set', "the app registration's client secret"));
  }
  if (env.ENTRA_CLIENT_SECRET !== undefined) {
    problems.push(...required(env, 'ENTRA_CLIENT_ID', 'ENTRA_CLIENT_SECRET is set', "the app registration's client ID"));
  }
  if (ctx.production && !simulatorOn && !hasEntraCredentials(env)) {
    for (const variable of ['ENTRA_CLIENT_ID', 'ENTRA_CLIENT_SECRET']) {
      problems.push(...required(env, variable, 'NODE_ENV=production', 'the Entra app registration'));
    }
  }
  const custom = env.ENTRA_CLOUD === 'custom';
  for (const variable of ['ENTRA_LOGIN_URL', 'ENTRA_GRAPH_URL']) {
    if (custom) problems.push(...required(env, variable, 'ENTRA_CLOUD=custom', 'an https URL'));
    else if (env[variable] !== undefined) {
      problems.push({
        variable,
        expected: 'to be unset unless ENTRA_CLOUD=custom (the known clouds have fixed endpoints)',
        received: `a value while ENTRA_CLOUD is ${env.ENTRA_CLOUD ?? 'global (the default)'}`,
      });
    }
  }
  return problems;
}

export function entraSection(env: Env, ctx: SectionContext, simulatorOn: boolean): SectionResult<EntraConfig> {
  const parsed = parseSection(schema, env);
  const problems = [...(parsed.ok ? [] : parsed.problems), ...rules(env, ctx, simulatorOn)];
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  const v = parsed.value;
  return {
    ok: true,
    value: {
      cloud: v.ENTRA_CLOUD,
      credentials:
        v.ENTRA_CLIENT_ID && v.ENTRA_CLIENT_SECRET ? { clientId: v.ENTRA_CLIENT_ID, clientSecret: v.ENTRA_CLIENT_SECRET } : null,
      loginUrl: v.ENTRA_LOGIN_URL ?? null,
      graphUrl: v.ENTRA_GRAPH_URL ?? null,
      caCertPath: v.ENTRA_CA_CERT_PATH ?? null,
    },
  };
}

/** What the simulator hands the gateway in place of a real app registration. */
export interface SimulatedEntra {
  baseUrl: string;
  caCertPath: string | null;
  clientId: string;
  clientSecret: string;
}

/** The simulator serves the identity platform and Graph from one HTTPS origin: a custom cloud. */
export function simulatorEntraConfig(sim: SimulatedEntra): EntraConfig {
  return {
    cloud: 'custom',
    credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
    loginUrl: sim.baseUrl,
    graphUrl: sim.baseUrl,
    caCertPath: sim.caCertPath,
  };
}
