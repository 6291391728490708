/**
 * The scheduler: every tick, the ACTIVE tenants whose next run is due and whose lease is free get a round
 * (at most `concurrency` at once in this process). The lease (sync-engine.ts) keeps two processes from
 * syncing one tenant; next_run_at (interval with jitter, or capped back-off after failures) spreads rounds.
 */
import type { DataSource } from 'typeorm';
import type { Logger } from '../logging';
import { nextTickDelayMs } from './schedule';
import type { SyncEngine } from './sync-engine';

export interface SyncSchedulerOptions {
  engine: SyncEngine;
  dataSource: DataSource;
  logger: Logger;
  /** How often due tenants are looked for, on average (each wait drawn within +-50%: schedule.ts); default 5 s. */
  tickMs?: number;
  /** Rounds at once in this process; default 2. */
  concurrency?: number;
}

export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private ticking: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: SyncSchedulerOptions) {}

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** No new rounds; rounds in flight are aborted by the engine's close() and awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled(this.running.values());
  }

  /** One look for due tenants (also what tests call instead of waiting for the timer). */
  async tick(): Promise<void> {
    const free = (this.opts.concurrency ?? 2) - this.running.size;
    if (free <= 0) return;
    const due: Array<{ id: string }> = await this.opts.dataSource.query(
      `SELECT t.id FROM tenants t LEFT JOIN sync_state s ON s.tenant_id = t.id
        WHERE t.status = 'ACTIVE'
          AND (s.next_run_at IS NULL OR s.next_run_at <= now())
          AND (s.lease_expires_at IS NULL OR s.lease_expires_at < now())
        ORDER BY s.next_run_at NULLS FIRST
        LIMIT $1`,
      [free + this.running.size],
    );
    for (const { id } of due) {
      if (this.stopped || this.running.size >= (this.opts.concurrency ?? 2) || this.running.has(id)) continue;
      const round = this.opts.engine
        .runRound(id)
        .then(() => undefined)
        // The engine logged and recorded the failure (back-off included); the scheduler carries on.
        .catch(() => undefined)
        .finally(() => this.running.delete(id));
      this.running.set(id, round);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.opts.logger.error({ err: error, component: 'sync' }, 'sync scheduler tick failed'))
        .finally(() => {
          this.ticking = undefined;
          this.schedule(nextTickDelayMs(this.opts.tickMs ?? 5_000, Math.random()));
        });
    }, delayMs);
    this.timer.unref();
  }
}
