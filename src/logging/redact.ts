/**
 * Keeping secrets out of logs, twice: pino's redact paths for the usual places (fast, exact), and a deep
 * pass over every logged object for keys that look secret at any depth (defensive: catches what the paths miss).
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'secret',
  'password',
  'code_verifier',
  'refresh_token',
  'client_secret',
  'access_token',
  'id_token',
  'apiKey',
];

/** pino `redact.paths`: each key at the top level and up to three levels down (e.g. req.headers.cookie). */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return ['', '*', '*.*', '*.*.*'].map((prefix) => `${prefix}${segment}`.replace(/^\./, ''));
});

/** Any key containing one of these words, in any case or spelling (apiKey, api_key, X-Api-Key, clientSecret). */
const SECRET_KEY_PATTERN = /authorization|cookie|token|secret|password|passwd|code_?verifier|api_?key|x-api-key/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key.replace(/-/g, '_'));
}

const MAX_DEPTH = 12;

/**
 * A copy of `value` with secret-looking keys replaced. Errors become plain objects (name, message, stack and
 * their own fields) so that their fields are checked too. Cycles and very deep values are cut, not followed.
 */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, seen));
  const source = value instanceof Error ? { ...value, type: value.name, message: value.message, stack: value.stack } : value;
  return Object.fromEntries(
    Object.entries(source).map(([key, inner]) => [key, isSecretKey(key) ? REDACTED : redactDeep(inner, depth + 1, seen)]),
  );
}
