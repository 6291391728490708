/** Configuration problems: each names the variable, what was expected and what arrived (never a secret). */

export interface ConfigProblem {
  variable: string;
  expected: string;
  received: string;
}

/** Variables whose values must never be printed, not even in an error about them. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'ENTRA_CLIENT_SECRET',
  'ENCRYPTION_KEYS',
  'ADMIN_API_KEY',
  'METRICS_TOKEN',
  // A connection URL usually carries a password.
  'DATABASE_URL',
]);

const MAX_ECHO = 80;

/** How a received value is shown in a problem: quoted, shortened, or only its length for secrets. */
export function describeReceived(variable: string, value: string | undefined): string {
  if (value === undefined) return 'nothing (unset)';
  if (SECRET_VARIABLES.has(variable)) return `a hidden value of ${value.length} characters`;
  const shown = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value;
  return JSON.stringify(shown);
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.variable}: expected ${problem.expected}, received ${problem.received}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
