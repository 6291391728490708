/** accessTier's per-process facts cache: keys, freshness, and what every invalidation signal drops. */
import { InvalidationDispatcher } from '../../src/core/invalidation';
import { factsKey, freshness, SnapshotFactsCache, type CachedUserFacts } from '../../src/sync/snapshot-facts-cache';

const T1 = '6f1c2e3d-0000-4000-8000-0000000000a1';
const T2 = '6f1c2e3d-0000-4000-8000-0000000000a2';
const facts = (id: string): CachedUserFacts => ({
  user: { id, displayName: id, userPrincipalName: `${id}@x.example`, accountEnabled: true },
  groups: [{ id: 'g', displayName: 'G' }],
});
const AS_OF = new Date(1_000_000);
const held = (id: string, asOf = AS_OF) => ({ facts: facts(id), asOf });
const byId = (value: string) => ({ kind: 'id' as const, value });
const byUpn = (value: string) => ({ kind: 'userPrincipalName' as const, value });

describe('factsKey', () => {
  it.each([
    [T1, byId('AB'), `${T1}|id|ab`],
    [T1.toUpperCase(), byUpn('Ann@X.example'), `${T1}|upn|ann@x.example`],
  ])('%s %p -> %s', (tenant, ref, key) => expect(factsKey(tenant, ref)).toBe(key));

  it('keeps ids and UPNs apart', () => expect(factsKey(T1, byId('a'))).not.toBe(factsKey(T1, byUpn('a'))));
});

describe('freshness', () => {
  const asOf = new Date(1_000_000);
  it.each([
    // [ms since asOf, max age s, fresh, age s]
    [0, 60, true, 0],
    [59_999, 60, true, 59],
    [60_000, 60, false, 60],
    [90_500, 60, false, 90],
    [1_000, 0, false, 1],
    [-500, 60, true, 0], // a clock slightly behind the database's: age 0, never negative
  ])('%i ms after, bound %i s: fresh %p, age %i s', (after, maxAge, fresh, age) => {
    expect(freshness(asOf, maxAge, asOf.getTime() + after)).toEqual({ fresh, ageSeconds: age });
  });
});

describe('SnapshotFactsCache', () => {
  function live(): { bus: InvalidationDispatcher; cache: SnapshotFactsCache } {
    const bus = new InvalidationDispatcher();
    bus.connected();
    return { bus, cache: new SnapshotFactsCache(bus, 3) };
  }

  it('serves only while the bus is live and it is enabled', () => {
    const bus = new InvalidationDispatcher();
    const cache = new SnapshotFactsCache(bus, 3);
    cache.set(T1, byId('a'), facts('a'), AS_OF, cache.version);
    expect(cache.get(T1, byId('a'))).toBeUndefined();
    bus.connected();
    cache.set(T1, byId('a'), facts('a'), AS_OF, cache.version);
    expect(cache.get(T1, byId('A'))).toEqual(held('a'));
    cache.enabled = false;
    expect(cache.get(T1, byId('a'))).toBeUndefined();
    cache.enabled = true;
    bus.disconnected();
    expect(cache.get(T1, byId('a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("a tenant's snapshot or tenant signal drops that tenant's entries only; '*' drops all", () => {
    const { bus, cache } = live();
    const fill = () => {
      cache.set(T1, byId('a'), facts('a'), AS_OF, cache.version);
      cache.set(T1, byUpn('a@x.example'), facts('a'), AS_OF, cache.version);
      cache.set(T2, byId('b'), facts('b'), AS_OF, cache.version);
    };
    for (const payload of [`snapshot:${T1.toUpperCase()}`, `tenant:${T1}`]) {
      fill();
      bus.deliver(payload);
      expect([cache.get(T1, byId('a')), cache.get(T1, byUpn('a@x.example')), cache.get(T2, byId('b'))]).toEqual([undefined, undefined, held('b')]);
    }
    for (const payload of ['snapshot:*', 'tenant:*']) {
      fill();
      bus.deliver(payload);
      expect(cache.size).toBe(0);
    }
    fill();
    bus.deliver(`mappings:${T1}`);
    bus.deliver(`tier:*`);
    expect(cache.size).toBe(3);
  });

  it('a read that started before a signal does not store what it read, even for a tenant it held nothing of', () => {
    const { bus, cache } = live();
    const version = cache.version;
    bus.deliver(`snapshot:${T1}`);
    cache.set(T1, byId('a'), facts('a'), AS_OF, version);
    expect(cache.get(T1, byId('a'))).toBeUndefined();
  });

  it('is bounded, least recently used out first', () => {
    const { cache } = live();
    for (const id of ['a', 'b', 'c']) cache.set(T1, byId(id), facts(id), AS_OF, cache.version);
    cache.get(T1, byId('a'));
    cache.set(T1, byId('d'), facts('d'), AS_OF, cache.version);
    expect(cache.size).toBe(3);
    expect(cache.get(T1, byId('b'))).toBeUndefined();
    expect(cache.get(T1, byId('a'))).toEqual(held('a'));
  });

  it("a quiet round's freshness keeps the tenant's facts and moves their completion time, older ones included", () => {
    const { bus, cache } = live();
    cache.set(T1, byId('a'), facts('a'), AS_OF, cache.version);
    cache.set(T2, byId('b'), facts('b'), AS_OF, cache.version);
    const later = new Date(AS_OF.getTime() + 60_000);
    bus.deliver(`freshness:${T1.toUpperCase()}@${later.getTime()}`);
    expect([cache.get(T1, byId('a')), cache.get(T2, byId('b'))]).toEqual([held('a', later), held('b')]);
    // Set back by hand (tests, an operator): the age must grow, so that the max-age bound sees it.
    const earlier = new Date(0);
    bus.deliver(`freshness:${T1}@0`);
    expect(cache.get(T1, byId('a'))).toEqual(held('a', earlier));
    // After a freshness signal, a changing round still drops the tenant's facts.
    bus.deliver(`snapshot:${T1}`);
    expect(cache.get(T1, byId('a'))).toBeUndefined();
    // A completion time never held is not invented: facts are read (and the time with them) first.
    bus.deliver(`freshness:${T1}@${later.getTime()}`);
    expect(cache.get(T1, byId('a'))).toBeUndefined();
  });

  it('a read that started before a freshness signal stores nothing (it may carry the previous completion time)', () => {
    const { bus, cache } = live();
    cache.set(T1, byId('a'), facts('a'), AS_OF, cache.version);
    const version = cache.version;
    bus.deliver(`freshness:${T1}@${AS_OF.getTime() + 5_000}`);
    cache.set(T1, byId('b'), facts('b'), AS_OF, version);
    expect(cache.get(T1, byId('b'))).toBeUndefined();
    expect(cache.get(T1, byId('a'))).toEqual(held('a', new Date(AS_OF.getTime() + 5_000)));
  });
});
