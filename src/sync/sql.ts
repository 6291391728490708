/**
 * The sync's one door to PostgreSQL: every statement of a round goes through a Sql, which counts statements
 * and rows returned or affected (RoundResult.sql), so a test can prove that a round's database work follows
 * the change rather than the tenant without timing anything.
 */
import type { QueryRunner } from 'typeorm';

export interface SqlMeter {
  statements: number;
  /** Rows returned to us (SELECT, RETURNING). */
  rowsReturned: number;
  /** Rows written (INSERT, UPDATE, DELETE row counts). */
  rowsWritten: number;
  /**
   * With SYNC_SQL_PROFILE=1 (the sync bench's profile): milliseconds, statements and rows per statement shape
   * (its first words), to see where a round's database time goes.
   */
  profile?: Record<string, { statements: number; ms: number; rows: number }>;
}

export const newMeter = (): SqlMeter => ({ statements: 0, rowsReturned: 0, rowsWritten: 0, ...(process.env.SYNC_SQL_PROFILE === '1' && { profile: {} }) });

/** A statement's shape for the profile: its first 90 characters, whitespace folded. */
const shape = (sql: string): string => sql.replace(/\s+/g, ' ').trim().slice(0, 90);

function profiled(meter: SqlMeter, sql: string, started: number, rows: number): void {
  if (!meter.profile) return;
  const entry = (meter.profile[shape(sql)] ??= { statements: 0, ms: 0, rows: 0 });
  entry.statements++;
  entry.ms += performance.now() - started;
  entry.rows += rows;
}

export class Sql {
  constructor(
    readonly runner: QueryRunner,
    readonly meter: SqlMeter,
  ) {}

  /** Rows of a SELECT or of a statement with RETURNING. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async rows<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const started = performance.now();
    const result = await this.runner.query(sql, params, true);
    const records = (result.records ?? []) as T[];
    this.meter.statements++;
    this.meter.rowsReturned += records.length;
    if (!/^\s*(SELECT|WITH)/i.test(sql)) this.meter.rowsWritten += result.affected ?? 0;
    profiled(this.meter, sql, started, records.length);
    return records;
  }

  /** Rows written by an INSERT, UPDATE or DELETE (no RETURNING). */
  async exec(sql: string, params: unknown[] = []): Promise<number> {
    const started = performance.now();
    const result = await this.runner.query(sql, params, true);
    const affected = result.affected ?? 0;
    this.meter.statements++;
    this.meter.rowsWritten += affected;
    profiled(this.meter, sql, started, affected);
    return affected;
  }
}

/** Rows per statement built from JS arrays (parameters are arrays, so this bounds statement size). */
export const CHUNK = 5_000;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
