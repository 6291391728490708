/**
 * The upstream work one GraphQL operation may cause, whatever its aliases: Microsoft Graph requests, token
 * requests to the identity platform, and provisioning items. The query cost limit (server/query-limits.ts) sees
 * only the document; this counts what the resolvers actually start. The budget rides with the operation in
 * AsyncLocalStorage (the gateway opens one per HTTP request and per WebSocket operation), so the charging
 * hooks in the Graph executor, the token provider and the provisioning writer stay one line each. Work done
 * outside an operation (sync rounds, CLIs) is not charged.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorCode, GatewayError } from './errors';

export type BudgetKind = 'graphRequests' | 'tokenRequests' | 'provisioningItems';
export type OperationLimits = Readonly<Record<BudgetKind, number>>;

/** The setting that raises each limit, and what it counts, for the error message. */
export const BUDGET_SETTINGS: Readonly<Record<BudgetKind, { setting: string; what: string }>> = {
  graphRequests: { setting: 'OPERATION_MAX_GRAPH_REQUESTS', what: 'Microsoft Graph requests' },
  tokenRequests: { setting: 'OPERATION_MAX_TOKEN_REQUESTS', what: 'token requests to the identity platform' },
  provisioningItems: { setting: 'OPERATION_MAX_PROVISIONING_ITEMS', what: 'provisioning items' },
};

/** Why spending `amount` more of `kind` breaks the limit (what was allowed, what the operation asked for), or null. */
export function budgetOverrun(kind: BudgetKind, used: number, amount: number, limit: number): string | null {
  if (used + amount <= limit) return null;
  const { setting, what } = BUDGET_SETTINGS[kind];
  return `this operation: expected at most ${limit} ${what} (${setting}), received work for ${used + amount}; split it into smaller operations (fewer aliases or items each)`;
}

export class OperationBudget {
  private readonly used: Record<BudgetKind, number> = { graphRequests: 0, tokenRequests: 0, provisioningItems: 0 };

  constructor(private readonly limits: OperationLimits) {}

  /** Spends `amount`, or throws LIMIT_EXCEEDED (naming the limit) and spends nothing. */
  charge(kind: BudgetKind, amount = 1): void {
    const overrun = budgetOverrun(kind, this.used[kind], amount, this.limits[kind]);
    if (overrun) throw new GatewayError(ErrorCode.LIMIT_EXCEEDED, overrun, { limit: BUDGET_SETTINGS[kind].setting, max: this.limits[kind] });
    this.used[kind] += amount;
  }

  spent(): Readonly<Record<BudgetKind, number>> {
    return { ...this.used };
  }
}

interface Scope {
  budget: OperationBudget;
  /** Inside work already paid for as provisioning items: its Graph requests are not charged again. */
  graphPrepaid: boolean;
}

const storage = new AsyncLocalStorage<Scope>();

export function runWithOperationBudget<T>(budget: OperationBudget, fn: () => T): T {
  return storage.run({ budget, graphPrepaid: false }, fn);
}

/** Charges the current operation, if there is one (throws LIMIT_EXCEEDED when over). */
export function chargeOperation(kind: BudgetKind, amount = 1): void {
  const scope = storage.getStore();
  if (!scope || (kind === 'graphRequests' && scope.graphPrepaid)) return;
  scope.budget.charge(kind, amount);
}

/**
 * Charges `items` provisioning items up front, then runs `work` with its Graph requests prepaid: a write that
 * has started must not be cut off half-way by the Graph budget (each item's Graph work is bounded by the
 * writer), and an over-budget operation is refused before anything is written.
 */
export async function spendOnProvisioning<T>(items: number, work: () => Promise<T>): Promise<T> {
  const scope = storage.getStore();
  if (!scope) return work();
  scope.budget.charge('provisioningItems', items);
  return storage.run({ budget: scope.budget, graphPrepaid: true }, work);
}
