/** The optional bootstrap API key that lets an operator create the first real API keys. */
import { z } from 'zod';
import { Env, envVar, parseSection, SectionResult } from './env';

const MIN_LENGTH = 32;

const schema = z.object({
  ADMIN_API_KEY: envVar(`a random string of at least ${MIN_LENGTH} characters`, (raw) =>
    raw.length >= MIN_LENGTH ? raw : undefined,
  ).optional(),
});

export interface AdminConfig {
  apiKey: string | null;
}

export function adminSection(env: Env): SectionResult<AdminConfig> {
  const parsed = parseSection(schema, env);
  return parsed.ok ? { ok: true, value: { apiKey: parsed.value.ADMIN_API_KEY ?? null } } : parsed;
}
