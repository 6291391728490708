/**
 * Determinism for the generator: a seeded PRNG for choices and name-derived object ids. Ids come from a hash
 * of (namespace, label) rather than from the PRNG stream, so a well-known object keeps its id however the
 * objects generated before it change, and fixtures can name ids without generating the tenant.
 */
import { createHash } from 'node:crypto';

/** mulberry32: tiny, fast, good enough for test data; not for anything secret. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** Returns a function giving a stable, GUID-shaped (version 4 layout) id for each label in the namespace. */
export function idFactory(namespace: string): (label: string) => string {
  return (label) => {
    const h = createHash('sha1').update(namespace).update('\0').update(label).digest('hex');
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}

/** Stable base64url id of the shape Entra uses for grants and role assignments (not GUIDs). */
export function linkIdFactory(namespace: string): (label: string) => string {
  return (label) => createHash('sha256').update(namespace).update('\0').update(label).digest('base64url').slice(0, 43);
}
