/**
 * Counts SQL round trips, not estimates them: every `query` call of a pg Client (pools, TypeORM's query runners
 * and named prepared statements all end there) whose application_name is the one asked for, so that one gateway's
 * statements are counted while another in the same process runs. Stop it when done.
 */
import { Client } from 'pg';

export interface StatementCounter {
  /** Statements sent since start (or the last reset). */
  readonly count: number;
  /** The SQL of each counted statement, in order (for the failure message). */
  readonly texts: string[];
  reset(): void;
  stop(): void;
}

export function countStatements(applicationName: string): StatementCounter {
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const texts: string[] = [];
  prototype.query = function counted(this: { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    if (this.connectionParameters?.application_name === applicationName) {
      const [first] = args;
      texts.push(typeof first === 'string' ? first : String((first as { text?: string; name?: string })?.name ?? (first as { text?: string })?.text));
    }
    return original.apply(this, args);
  };
  return {
    get count() {
      return texts.length;
    },
    texts,
    reset: () => void texts.splice(0),
    stop: () => {
      prototype.query = original;
    },
  };
}
