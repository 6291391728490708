import { driftNeededAfterRound, type AfterRoundFacts } from '../../src/sync/drift/after-round';

const NOW = 1_000_000;
const memo = { failures: 0, policiesDueAt: NOW + 60_000 };
const quiet: AfterRoundFacts = { changed: false, failures: 0, memo, now: NOW, invalidationLive: true };

it.each<[string, Partial<AfterRoundFacts>, boolean]>([
  ['a quiet round, nothing moved since the last run here', {}, false],
  ['the round changed the snapshot (or failed)', { changed: true }, true],
  ['no memo: never run here, or an invalidation dropped it', { memo: undefined }, true],
  ['the bus is down: changes elsewhere cannot be known', { invalidationLive: false }, true],
  ['the failure count moved', { failures: 1 }, true],
  ['the failure count moved back', { failures: 0, memo: { failures: 2, policiesDueAt: NOW + 60_000 } }, true],
  ['policies and apps came due', { now: NOW + 60_000 }, true],
  ['policies and apps not due yet', { now: NOW + 59_999 }, false],
])('%s: %s', (_name, change, needed) => {
  expect(driftNeededAfterRound({ ...quiet, ...change })).toBe(needed);
});
