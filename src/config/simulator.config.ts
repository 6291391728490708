/** The local Entra simulator: on, off, or on when no app registration is configured (auto). */
import { z } from 'zod';
import { ConfigProblem } from './problems';
import { Env, oneOf, parseSection, port, SectionContext, SectionResult } from './env';
import { hasEntraCredentials } from './entra.config';

const SIMULATOR_MODES = ['auto', 'on', 'off'] as const;

const schema = z.object({
  SIMULATOR: oneOf(SIMULATOR_MODES).default('auto'),
  SIMULATOR_PORT: port.default(8443),
});

export interface SimulatorConfig {
  enabled: boolean;
  port: number;
}

/** auto = on when no Entra credentials are configured, except in production, which must name a real app. */
export function simulatorEnabled(env: Env, ctx: SectionContext): boolean {
  const mode = env.SIMULATOR ?? 'auto';
  return mode === 'on' || (mode === 'auto' && !ctx.production && !hasEntraCredentials(env));
}

function rules(env: Env): ConfigProblem[] {
  if (env.SIMULATOR !== 'on' || !hasEntraCredentials(env)) return [];
  return [{
    variable: 'SIMULATOR',
    expected: 'auto or off while ENTRA_CLIENT_ID/ENTRA_CLIENT_SECRET are set (the simulator brings its own app)',
    received: '"on"',
  }];
}

export function simulatorSection(env: Env, ctx: SectionContext): SectionResult<SimulatorConfig> {
  const parsed = parseSection(schema, env);
  const problems = [...(parsed.ok ? [] : parsed.problems), ...rules(env)];
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { enabled: simulatorEnabled(env, ctx), port: parsed.value.SIMULATOR_PORT } };
}
