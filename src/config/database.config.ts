/** PostgreSQL: a given DATABASE_URL, or an embedded server in the data folder. */
import { join } from 'node:path';
import { z } from 'zod';
import { Env, nonEmpty, parseSection, port, SectionContext, SectionResult, url } from './env';

function schema(ctx: SectionContext) {
  return z.object({
    DATABASE_URL: url(['postgres', 'postgresql'], 'postgres://user:password@host:5432/database').optional(),
    EMBEDDED_PG_DIR: nonEmpty('a folder path').default(join(ctx.dataDir, 'postgres')),
    EMBEDDED_PG_PORT: port.default(54329),
  });
}

export interface DatabaseConfig {
  /** Null: start the embedded PostgreSQL. */
  url: string | null;
  embeddedDir: string;
  embeddedPort: number;
}

export function databaseSection(env: Env, ctx: SectionContext): SectionResult<DatabaseConfig> {
  const parsed = parseSection(schema(ctx), env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return { ok: true, value: { url: v.DATABASE_URL ?? null, embeddedDir: v.EMBEDDED_PG_DIR, embeddedPort: v.EMBEDDED_PG_PORT } };
}

/** `DATABASE_URL` without the password, for logs and banners. */
export function describeDatabaseUrl(databaseUrl: string): string {
  const parsed = new URL(databaseUrl);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
