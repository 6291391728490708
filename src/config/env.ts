/**
 * Building blocks for the per-concern schemas: every environment variable is a string that one small
 * parser turns into a typed value, or into an issue saying what was expected.
 */
import { z } from 'zod';
import { ConfigProblem, describeReceived } from './problems';

export type Env = Readonly<Record<string, string | undefined>>;

/** A parse failure; `received` replaces the echoed value when a finer description helps (e.g. for secrets). */
export interface Invalid {
  /** What was expected. */
  invalid: string;
  received?: string;
}

export function invalid(expected: string, received?: string): Invalid {
  return { invalid: expected, received };
}

function isInvalid(value: unknown): value is Invalid {
  return typeof value === 'object' && value !== null && 'invalid' in value;
}

/** One variable: `parse` returns the value, or `undefined` / an Invalid when the text is not acceptable. */
export function envVar<T>(expected: string, parse: (raw: string) => T | Invalid | undefined) {
  return z.string().transform((raw, ctx): T => {
    const value = parse(raw.trim());
    const failure: Invalid | undefined = value === undefined ? invalid(expected) : isInvalid(value) ? value : undefined;
    if (failure) {
      ctx.addIssue({ code: 'custom', message: failure.invalid, params: { received: failure.received } });
      return z.NEVER;
    }
    return value as T;
  });
}

export function oneOf<const T extends string>(values: readonly T[]) {
  return envVar(`one of ${values.join(', ')}`, (raw) => (values as readonly string[]).includes(raw) ? (raw as T) : undefined);
}

export function integer(min: number, max: number, what = 'an integer') {
  return envVar(`${what} from ${min} to ${max}`, (raw) => {
    if (!/^-?\d+$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= min && value <= max ? value : undefined;
  });
}

export const port = integer(0, 65535, 'a port number');

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
export const flag = envVar('true or false (also 1/0, yes/no, on/off)', (raw) => {
  const lower = raw.toLowerCase();
  return TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined;
});

export function url(protocols: readonly string[], example: string) {
  return envVar(`a URL (${protocols.join(' or ')}) such as ${example}`, (raw) => {
    const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
    return parsed && protocols.includes(parsed.protocol.replace(/:$/, '')) ? raw.replace(/\/+$/, '') : undefined;
  });
}

export const nonEmpty = (expected: string) => envVar(expected, (raw) => (raw.length > 0 ? raw : undefined));

/** Environment files often hold `NAME=` for "unset": treat empty values as absent. */
export function withoutEmptyValues(env: NodeJS.ProcessEnv): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/** What the other sections need to know about the runtime. */
export interface SectionContext {
  production: boolean;
  dataDir: string;
}

export type SectionResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Parses one concern; issues become problems that name the variable and never echo a secret. */
export function parseSection<S extends z.ZodType>(schema: S, env: Env): SectionResult<z.output<S>> {
  const result = schema.safeParse(env);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(configuration)');
      const params = issue.code === 'custom' ? issue.params : undefined;
      return {
        variable,
        expected: issue.message,
        received: typeof params?.received === 'string' ? params.received : describeReceived(variable, env[variable]),
      };
    }),
  };
}

/** A variable that another setting makes necessary. */
export function required(env: Env, variable: string, because: string, expected: string): ConfigProblem[] {
  return env[variable] === undefined ? [{ variable, expected: `${expected} (${because})`, received: 'nothing (unset)' }] : [];
}
