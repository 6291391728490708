/** Which kind of deployment this is, and where local state (embedded database, dev keys, simulator certs) lives. */
import { z } from 'zod';
import { Env, oneOf, nonEmpty, parseSection, SectionResult } from './env';

export const NODE_ENVS = ['development', 'test', 'production'] as const;

const schema = z.object({
  NODE_ENV: oneOf(NODE_ENVS).default('development'),
  DATA_DIR: nonEmpty('a folder path').default('.data'),
});

export interface RuntimeConfig {
  env: (typeof NODE_ENVS)[number];
  production: boolean;
  dataDir: string;
}

export function runtimeSection(env: Env): SectionResult<RuntimeConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const { NODE_ENV, DATA_DIR } = parsed.value;
  return { ok: true, value: { env: NODE_ENV, production: NODE_ENV === 'production', dataDir: DATA_DIR } };
}
