/** The per-tenant resource-unit budget: when new requests wait, and that tenants never share a wait. */
import { budgetDelay, ResourceBudget, type BudgetOptions } from '../../src/graph';

const OPTIONS: BudgetOptions = { windowMs: 10_000, slowDownAt: 0.8 };
const T0 = 1_000_000;

describe('budgetDelay', () => {
  test('no percentage reported (below 80%) and no known limit: no wait', () => {
    expect(budgetDelay([{ at: T0, units: 4_000 }], undefined, T0 + 1, OPTIONS)).toBe(0);
  });

  test('at 100% with 1,000 of our units: wait until our share is down to 800 (the oldest 200 aged out)', () => {
    const usages = [
      { at: T0, units: 100 },
      { at: T0 + 1_000, units: 100 },
      { at: T0 + 2_000, units: 800 },
    ];
    const report = { at: T0 + 2_000, percentage: 1.0, unitsInWindow: 1_000 };
    expect(budgetDelay(usages, report, T0 + 3_000, OPTIONS)).toBe(8_000);
  });

  test('at 90%: only the first usage must leave', () => {
    const usages = [
      { at: T0, units: 200 },
      { at: T0 + 1_000, units: 700 },
    ];
    const report = { at: T0 + 1_000, percentage: 0.9, unitsInWindow: 900 };
    // target 900 * 0.8 / 0.9 = 800; dropping the first 200 leaves 700
    expect(budgetDelay(usages, report, T0 + 2_000, OPTIONS)).toBe(8_000);
  });

  test('the wait shrinks as time passes, and ends once the window has moved on', () => {
    const usages = [{ at: T0, units: 100 }, { at: T0 + 5_000, units: 10 }];
    const report = { at: T0 + 5_000, percentage: 0.95, unitsInWindow: 110 };
    expect(budgetDelay(usages, report, T0 + 6_000, OPTIONS)).toBe(4_000);
    expect(budgetDelay(usages, report, T0 + 9_000, OPTIONS)).toBe(1_000);
    expect(budgetDelay(usages, report, T0 + 10_001, OPTIONS)).toBe(0);
  });

  test('a percentage reported while none of our units were in the window: wait its excess share of the window', () => {
    const report = { at: T0, percentage: 1.6, unitsInWindow: 0 };
    expect(budgetDelay([], report, T0, OPTIONS)).toBe(5_000);
  });

  test('a report older than the window is ignored', () => {
    const report = { at: T0, percentage: 1.2, unitsInWindow: 0 };
    expect(budgetDelay([], report, T0 + 10_000, OPTIONS)).toBe(0);
  });

  test('a known limit slows down on our own count before Graph reports anything', () => {
    const usages = [{ at: T0, units: 50 }, { at: T0 + 1_000, units: 40 }];
    const withLimit = { ...OPTIONS, resourceUnitLimit: 100 };
    expect(budgetDelay(usages, undefined, T0 + 2_000, withLimit)).toBe(8_000);
    expect(budgetDelay(usages.slice(1), undefined, T0 + 2_000, withLimit)).toBe(0);
  });

  test('the wait is never longer than the window', () => {
    const report = { at: T0, percentage: 1.8, unitsInWindow: 10 };
    expect(budgetDelay([{ at: T0, units: 10 }], report, T0, OPTIONS)).toBeLessThanOrEqual(10_000);
  });
});

describe('ResourceBudget', () => {
  test('a response without a percentage clears the slow-down (Graph says the tenant is below 80%)', () => {
    const budget = new ResourceBudget(OPTIONS);
    budget.record(500, 0.95, T0);
    expect(budget.delayMs(T0 + 1)).toBeGreaterThan(0);
    budget.record(1, undefined, T0 + 2);
    expect(budget.delayMs(T0 + 3)).toBe(0);
  });

  test("one tenant's budget never slows another's", () => {
    const busy = new ResourceBudget(OPTIONS);
    const quiet = new ResourceBudget(OPTIONS);
    for (let i = 0; i < 10; i++) busy.record(400, 0.8 + i * 0.05, T0 + i * 100);
    quiet.record(2, undefined, T0 + 1_000);
    expect(busy.delayMs(T0 + 1_000)).toBeGreaterThan(0);
    expect(quiet.delayMs(T0 + 1_000)).toBe(0);
  });
});
