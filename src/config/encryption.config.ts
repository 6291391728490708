/** Keys for secrets at rest. Production must configure them; development falls back to a generated key. */
import { z } from 'zod';
import { ENCRYPTION_KEYS_FORMAT, EncryptionKey, parseEncryptionKeys } from './encryption-keys';
import { Env, envVar, parseSection, required, SectionContext, SectionResult } from './env';

const schema = z.object({
  ENCRYPTION_KEYS: envVar(ENCRYPTION_KEYS_FORMAT, parseEncryptionKeys).optional(),
});

export interface EncryptionConfig {
  /** Null: use the development key kept in the data folder (see loadOrCreateDevelopmentKeys). */
  keys: readonly EncryptionKey[] | null;
}

export function encryptionSection(env: Env, ctx: SectionContext): SectionResult<EncryptionConfig> {
  const parsed = parseSection(schema, env);
  const problems = [
    ...(parsed.ok ? [] : parsed.problems),
    ...(ctx.production
      ? required(env, 'ENCRYPTION_KEYS', 'NODE_ENV=production', ENCRYPTION_KEYS_FORMAT)
      : []),
  ];
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { keys: parsed.value.ENCRYPTION_KEYS ?? null } };
}
