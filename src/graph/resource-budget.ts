/**
 * A tenant's resource-unit budget as the client sees it (graph-facts §5): every response reports its cost
 * (x-ms-resource-unit) and, above 80% of the tenant's limit, how full the 10 s window is
 * (x-ms-throttle-limit-percentage). When the tenant nears its limit, new requests wait until enough of our own
 * recent usage has left the window, so a busy tenant slows down before Graph throttles it. One budget per
 * tenant: its waits never touch another tenant's requests.
 */

export interface BudgetOptions {
  windowMs: number;
  /** Fraction of the limit above which new requests wait (0.8: where Graph starts reporting percentages). */
  slowDownAt: number;
  /**
   * The tenant's limit per window when known (3,500 / 5,000 / 8,000 by size); lets the client slow down on its
   * own count between responses. Without it only Graph's percentage header is used.
   */
  resourceUnitLimit?: number;
}

export const DEFAULT_BUDGET_OPTIONS: Readonly<BudgetOptions> = { windowMs: 10_000, slowDownAt: 0.8 };

export interface UnitUsage {
  at: number;
  units: number;
}

/** The last x-ms-throttle-limit-percentage, with our own units in the window when it arrived. */
export interface ThrottleReport {
  at: number;
  percentage: number;
  unitsInWindow: number;
}

/**
 * How long a new request should wait (ms). Graph's percentage p says the window is p of the limit while we had
 * U units in it; bringing the tenant to `slowDownAt` means our share must drop to U * slowDownAt / p (other
 * gateway instances may share the tenant: scaling our share keeps the arithmetic honest for them too).
 */
export function budgetDelay(usages: readonly UnitUsage[], report: ThrottleReport | undefined, now: number, options: BudgetOptions): number {
  const live = usages.filter((u) => u.at > now - options.windowMs);
  const delays: number[] = [0];
  if (report && report.at > now - options.windowMs && report.percentage > options.slowDownAt) {
    if (report.unitsInWindow > 0) {
      delays.push(untilAtMost(live, (report.unitsInWindow * options.slowDownAt) / report.percentage, now, options.windowMs));
    } else {
      // Nothing of ours to age out (another instance filled the window): wait the window's excess share.
      delays.push(report.at + options.windowMs * (1 - options.slowDownAt / report.percentage) - now);
    }
  }
  if (options.resourceUnitLimit !== undefined) {
    delays.push(untilAtMost(live, options.resourceUnitLimit * options.slowDownAt, now, options.windowMs));
  }
  return Math.min(options.windowMs, Math.max(...delays.map((d) => Math.ceil(d))));
}

/** Time until the oldest usages have left the window so that at most `target` units remain. */
function untilAtMost(live: readonly UnitUsage[], target: number, now: number, windowMs: number): number {
  let remaining = live.reduce((sum, u) => sum + u.units, 0);
  for (const usage of live) {
    if (remaining <= target) break;
    remaining -= usage.units;
    if (remaining <= target) return usage.at + windowMs - now;
  }
  return 0;
}

/** The mutable side: one per tenant, fed by every response, asked before every request. */
export class ResourceBudget {
  private usages: UnitUsage[] = [];
  private report: ThrottleReport | undefined;

  constructor(private readonly options: BudgetOptions = DEFAULT_BUDGET_OPTIONS) {}

  /** `percentage` undefined means Graph reported none: the tenant was below 80% when it answered. */
  record(units: number | undefined, percentage: number | undefined, now: number): void {
    this.usages = this.usages.filter((u) => u.at > now - this.options.windowMs);
    if (units !== undefined && units > 0) this.usages.push({ at: now, units });
    const unitsInWindow = this.usages.reduce((sum, u) => sum + u.units, 0);
    this.report = percentage === undefined ? undefined : { at: now, percentage, unitsInWindow };
  }

  delayMs(now: number): number {
    return budgetDelay(this.usages, this.report, now, this.options);
  }
}
