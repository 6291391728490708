/**
 * RoundTrigger: turns notifications for a tenant into delta rounds, through the sync service's own entry point
 * (services.sync.syncNow -> the engine's runRound, the same lease and round code as the scheduler; there is no
 * second sync path). A burst coalesces into one round after a short debounce; notifications arriving while a
 * round runs ask for one more round after it; a round refused with LEASE_HELD is retried a few times, since the
 * round holding the lease may have read Graph before the change. The state machine is triggerStep (decisions.ts).
 *
 * Multi-instance: Graph delivers a notification to one instance; if another instance is running the tenant's
 * round, this one sees LEASE_HELD and retries after it, so the change is read once by whichever round runs next.
 */
import type { Logger } from '../logging';
import { triggerStep, type TriggerEvent, type TriggerSettings, type TriggerState } from './decisions';

export type RoundOutcome = 'ran' | 'failed' | 'leaseHeld' | 'skipped';

export interface RoundTriggerStats {
  notified: number;
  rounds: number;
  leaseHeld: number;
  failed: number;
}

interface Slot {
  state: TriggerState;
  timer?: NodeJS.Timeout;
}

export class RoundTrigger {
  readonly stats: RoundTriggerStats = { notified: 0, rounds: 0, leaseHeld: 0, failed: 0 };
  private readonly slots = new Map<string, Slot>();
  private closed = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(
    private readonly opts: {
      runRound: (tenantId: string) => Promise<RoundOutcome>;
      settings: TriggerSettings;
      logger: Logger;
    },
  ) {}

  /** A notification (or a lifecycle event) says the tenant changed. Never waits for the round. */
  notify(tenantId: string): void {
    if (this.closed) return;
    this.stats.notified += 1;
    this.apply(tenantId, { kind: 'notified' });
  }

  /** True when no tenant is waiting for or running a triggered round (tests and benchmarks wait on it). */
  idle(): boolean {
    return this.slots.size === 0;
  }

  whenIdle(): Promise<void> {
    return this.idle() ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    this.slots.clear();
    this.wakeIdle();
  }

  private apply(tenantId: string, event: TriggerEvent): void {
    const slot = this.slots.get(tenantId) ?? { state: { kind: 'idle' } };
    const { state, action } = triggerStep(slot.state, event, this.opts.settings);
    slot.state = state;
    if (state.kind === 'idle') this.slots.delete(tenantId);
    else this.slots.set(tenantId, slot);
    if (action.kind === 'startTimer') {
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (!this.closed) this.apply(tenantId, { kind: 'timer' });
      }, action.ms);
      slot.timer.unref();
    } else if (action.kind === 'runRound') {
      void this.run(tenantId);
    }
    if (this.slots.size === 0) this.wakeIdle();
  }

  private async run(tenantId: string): Promise<void> {
    let outcome: RoundOutcome;
    try {
      outcome = await this.opts.runRound(tenantId);
    } catch (error) {
      // The engine recorded the failure (and its back-off) on sync_state; polling stays the safety net.
      this.opts.logger.warn({ component: 'notifications', tenantId, err: error }, 'notification-triggered sync round failed');
      outcome = 'failed';
    }
    if (outcome === 'ran') this.stats.rounds += 1;
    if (outcome === 'leaseHeld') this.stats.leaseHeld += 1;
    if (outcome === 'failed') this.stats.failed += 1;
    if (!this.closed) this.apply(tenantId, { kind: 'roundDone', outcome });
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters) wake();
    this.idleWaiters.clear();
  }
}
