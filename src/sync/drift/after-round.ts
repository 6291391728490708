/**
 * Whether the drift rules must run after a sync round (pure). The rules read the snapshot, the tenant's record,
 * its tier mappings, its Graph subscriptions' failures, the round's failure count and, on their own cadence
 * (DRIFT_POLICY_INTERVAL_SECONDS), conditional-access policies and the product's app credentials. After a round
 * that changed nothing in the snapshot, none of these moved unless the failure count did, an invalidation said one
 * did (the tenant's memo is dropped then: DriftService), or the cadence came due; running the rules then would
 * read ten statements' worth to write nothing. Without a live invalidation bus nothing can be known: they run.
 */
export interface QuietMemo {
  /** The failure count the last evaluation after a round saw. */
  failures: number;
  /** When policies and apps are next due (epoch ms). */
  policiesDueAt: number;
}

export interface AfterRoundFacts {
  /** The round changed the snapshot (staged objects, or a full load), or failed. */
  changed: boolean;
  failures: number;
  memo: QuietMemo | undefined;
  now: number;
  invalidationLive: boolean;
}

export function driftNeededAfterRound(f: AfterRoundFacts): boolean {
  if (f.changed || !f.invalidationLive || f.memo === undefined) return true;
  return f.memo.failures !== f.failures || f.now >= f.memo.policiesDueAt;
}
