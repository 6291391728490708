/** The operation budget's decisions (issue 11, item 7): what fits, what is refused, and where charges land. */
import { budgetOverrun, chargeOperation, OperationBudget, runWithOperationBudget, spendOnProvisioning } from '../../src/core/operation-budget';

const LIMITS = { graphRequests: 10, tokenRequests: 2, provisioningItems: 5 };

describe('budgetOverrun', () => {
  it.each([
    ['within', 'graphRequests', 3, 7, 10, null],
    ['exactly at the limit', 'tokenRequests', 1, 1, 2, null],
    ['one over', 'tokenRequests', 2, 1, 2, 'this operation: expected at most 2 token requests to the identity platform (OPERATION_MAX_TOKEN_REQUESTS), received work for 3'],
    ['a batch over at once', 'graphRequests', 0, 2000, 1000, 'this operation: expected at most 1000 Microsoft Graph requests (OPERATION_MAX_GRAPH_REQUESTS), received work for 2000'],
    ['items', 'provisioningItems', 4, 4, 5, 'this operation: expected at most 5 provisioning items (OPERATION_MAX_PROVISIONING_ITEMS), received work for 8'],
  ] as const)('%s', (_name, kind, used, amount, limit, expected) => {
    const overrun = budgetOverrun(kind, used, amount, limit);
    if (expected === null) expect(overrun).toBeNull();
    else expect(overrun).toBe(`${expected}; split it into smaller operations (fewer aliases or items each)`);
  });
});

describe('OperationBudget', () => {
  it('spends nothing on a refused charge, and names the limit in the error', () => {
    const budget = new OperationBudget(LIMITS);
    budget.charge('graphRequests', 8);
    expect(() => budget.charge('graphRequests', 3)).toThrow(expect.objectContaining({ extensions: { code: 'LIMIT_EXCEEDED', limit: 'OPERATION_MAX_GRAPH_REQUESTS', max: 10 } }));
    budget.charge('graphRequests', 2);
    expect(budget.spent()).toEqual({ graphRequests: 10, tokenRequests: 0, provisioningItems: 0 });
  });
});

describe('chargeOperation and spendOnProvisioning', () => {
  it('charge nothing outside an operation (sync rounds, CLIs)', async () => {
    expect(() => chargeOperation('graphRequests', 1_000_000)).not.toThrow();
    await expect(spendOnProvisioning(1_000_000, async () => 'done')).resolves.toBe('done');
  });

  it('charge the operation they run in, across awaits, and only that one', async () => {
    const first = new OperationBudget(LIMITS);
    const second = new OperationBudget(LIMITS);
    await Promise.all([
      runWithOperationBudget(first, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        chargeOperation('graphRequests', 4);
      }),
      runWithOperationBudget(second, async () => chargeOperation('tokenRequests')),
    ]);
    expect(first.spent()).toEqual({ graphRequests: 4, tokenRequests: 0, provisioningItems: 0 });
    expect(second.spent()).toEqual({ graphRequests: 0, tokenRequests: 1, provisioningItems: 0 });
  });

  it('prepay the Graph requests of provisioning work (charged as items), but not its token requests', async () => {
    const budget = new OperationBudget(LIMITS);
    await runWithOperationBudget(budget, () =>
      spendOnProvisioning(3, async () => {
        chargeOperation('graphRequests', 500);
        chargeOperation('tokenRequests');
      }),
    );
    expect(budget.spent()).toEqual({ graphRequests: 0, tokenRequests: 1, provisioningItems: 3 });
    await expect(runWithOperationBudget(budget, () => spendOnProvisioning(3, async () => 'written'))).rejects.toThrow(/OPERATION_MAX_PROVISIONING_ITEMS/);
  });
});
