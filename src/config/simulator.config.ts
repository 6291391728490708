/**
 * The local Entra simulator: on (in this process), off, or on when no app registration is configured (auto); or a
 * simulator running as its own service (SIMULATOR_URL, the compose `dev` profile), which the gateway uses as its
 * custom cloud and connects its Verafield tenant through, as it does with its own.
 */
import { z } from 'zod';
import { ConfigProblem } from './problems';
import { Env, nonEmpty, oneOf, parseSection, port, SectionContext, SectionResult, url } from './env';
import { hasEntraCredentials } from './entra.config';

const SIMULATOR_MODES = ['auto', 'on', 'off'] as const;

const schema = z.object({
  SIMULATOR: oneOf(SIMULATOR_MODES).default('auto'),
  SIMULATOR_PORT: port.default(8443),
  SIMULATOR_URL: url(['https'], 'https://simulator:8443').optional(),
  SIMULATOR_CA_CERT_PATH: nonEmpty('a path to the simulator CA certificate (PEM)').optional(),
  SIMULATOR_CLIENT_SECRET: nonEmpty("the secret the simulator's product app was started with (its SIMULATOR_CLIENT_SECRET)").optional(),
});

/** A simulator the gateway does not start: where it is, the CA it is signed by, the product app's secret in it. */
export interface ExternalSimulator {
  url: string;
  caCertPath: string;
  clientSecret: string;
}

export interface SimulatorConfig {
  enabled: boolean;
  port: number;
  external: ExternalSimulator | null;
}

/** auto = on when no Entra credentials are configured, except in production, which must name a real app. */
export function simulatorEnabled(env: Env, ctx: SectionContext): boolean {
  if (env.SIMULATOR_URL !== undefined) return false;
  const mode = env.SIMULATOR ?? 'auto';
  return mode === 'on' || (mode === 'auto' && !ctx.production && !hasEntraCredentials(env));
}

function rules(env: Env, ctx: SectionContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (env.SIMULATOR === 'on' && hasEntraCredentials(env)) {
    problems.push({
      variable: 'SIMULATOR',
      expected: 'auto or off while ENTRA_CLIENT_ID/ENTRA_CLIENT_SECRET are set (the simulator brings its own app)',
      received: '"on"',
    });
  }
  if (env.SIMULATOR_URL === undefined) return problems;
  for (const variable of ['SIMULATOR_CA_CERT_PATH', 'SIMULATOR_CLIENT_SECRET'] as const) {
    if (env[variable] === undefined) problems.push({ variable, expected: 'a value while SIMULATOR_URL is set', received: 'nothing' });
  }
  if (env.SIMULATOR === 'on') {
    problems.push({ variable: 'SIMULATOR', expected: 'auto or off while SIMULATOR_URL names a simulator running elsewhere', received: '"on"' });
  }
  if (hasEntraCredentials(env)) {
    problems.push({ variable: 'SIMULATOR_URL', expected: 'to be unset while ENTRA_CLIENT_ID/ENTRA_CLIENT_SECRET are set', received: JSON.stringify(env.SIMULATOR_URL) });
  }
  if (ctx.production) {
    problems.push({ variable: 'SIMULATOR_URL', expected: 'to be unset in production (NODE_ENV=production): a simulator is for development', received: JSON.stringify(env.SIMULATOR_URL) });
  }
  return problems;
}

export function simulatorSection(env: Env, ctx: SectionContext): SectionResult<SimulatorConfig> {
  const parsed = parseSection(schema, env);
  const problems = [...(parsed.ok ? [] : parsed.problems), ...rules(env, ctx)];
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  const v = parsed.value;
  return {
    ok: true,
    value: {
      enabled: simulatorEnabled(env, ctx),
      port: v.SIMULATOR_PORT,
      external: v.SIMULATOR_URL ? { url: v.SIMULATOR_URL.replace(/\/+$/, ''), caCertPath: v.SIMULATOR_CA_CERT_PATH!, clientSecret: v.SIMULATOR_CLIENT_SECRET! } : null,
    },
  };
}
