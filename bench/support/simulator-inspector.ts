/**
 * What a benchmark reads of the simulator's directory beyond its control API (the ids it changes, the scale
 * tenant's administrator), the same whether the simulator runs in the benchmark's process (read from its store)
 * or in a process of its own (asked over IPC: bench/support/simulator-process.ts).
 */
import type { SimStore } from '../../src/simulator/store';

export interface SimulatorInspector {
  /** The tenant's first user: a scale tenant's global administrator. */
  firstUser(tenantId: string): Promise<{ id: string; userPrincipalName: string; accountEnabled: boolean }>;
  /** Ids of the tenant's users or groups at these positions (the directory's order); undefined past its end. */
  idsAt(tenantId: string, kind: 'users' | 'groups', positions: number[]): Promise<Array<string | undefined>>;
  directMembers(tenantId: string, groupId: string): Promise<string[]>;
}

export function storeInspector(store: SimStore): SimulatorInspector {
  return {
    async firstUser(tenantId) {
      const user = store.requireTenant(tenantId).users.values().next().value;
      if (!user) throw new Error(`simulated tenant ${tenantId} has no user`);
      return { id: user.id, userPrincipalName: user.userPrincipalName, accountEnabled: user.accountEnabled };
    },
    async idsAt(tenantId, kind, positions) {
      const ids = [...store.requireTenant(tenantId)[kind].keys()];
      return positions.map((p) => ids[p]);
    },
    async directMembers(tenantId, groupId) {
      return store.directMembers(tenantId, groupId);
    },
  };
}
