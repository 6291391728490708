/**
 * The 'scale' preset: a large synthetic tenant (default 100,000 users, 5,000 groups) for load and paging
 * tests. Group sizes follow a Pareto law (most groups small, a few huge, the first always the largest
 * allowed), some security groups nest inside earlier ones (a DAG, so every nesting chain ends).
 * Built in one pass without intermediate copies, so time and memory grow linearly with the counts.
 */
import type { SimTenant } from '../model';
import { TenantBuilder } from './builder';
import { DEPARTMENTS, GIVEN_NAMES, LICENSES, OFFICES, ROLES, SURNAMES } from './catalog';
import { Random } from './random';

export interface ScaleOptions {
  tenantId: string;
  seed: number;
  users: number;
  groups: number;
  now: number;
}

export const SCALE_DEFAULTS = { users: 100_000, groups: 5_000 } as const;
export const MIN_GROUP_SIZE = 2;
export const MAX_GROUP_SIZE = 20_000;
/** Pareto shape: with 5,000 groups about 83% have fewer than 20 members and ~300,000 memberships in all. */
const SIZE_SHAPE = 0.8;
const NESTING_PROBABILITY = 0.05;
const UNIFIED_EVERY = 10;
const TEAM_NOUNS = ['Team', 'Project', 'Guild', 'Squad', 'Committee', 'Access', 'Readers', 'Approvers'] as const;

export function scaleDomain(tenantId: string): string {
  return `scale${tenantId.slice(0, 8)}.onmicrosoft.com`;
}

export function generateScale(opts: ScaleOptions): SimTenant {
  if (!Number.isInteger(opts.users) || opts.users < MIN_GROUP_SIZE) {
    throw new RangeError(`scale preset: users must be an integer >= ${MIN_GROUP_SIZE}, got ${opts.users}`);
  }
  if (!Number.isInteger(opts.groups) || opts.groups < 1) {
    throw new RangeError(`scale preset: groups must be an integer >= 1, got ${opts.groups}`);
  }
  const rng = new Random(opts.seed);
  const b = new TenantBuilder({
    tenantId: opts.tenantId,
    displayName: `Scale Test Organization ${opts.seed}`,
    domains: [scaleDomain(opts.tenantId)],
    seed: opts.seed,
    now: opts.now,
  });
  const userIds = addUsers(b, rng, opts.users);
  addGroups(b, rng, userIds, opts.groups);
  b.addGraphServicePrincipal();
  b.defineRoles(Object.values(ROLES));
  b.assignRole(ROLES.globalAdministrator, [userIds[0]]);
  b.tenant.generatedBy = { preset: 'scale', seed: opts.seed };
  return b.tenant;
}

function addUsers(b: TenantBuilder, rng: Random, count: number): string[] {
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const givenName = rng.pick(GIVEN_NAMES);
    const surname = rng.pick(SURNAMES);
    const dept = rng.pick(DEPARTMENTS);
    ids[i] = b.addUser({
      label: `user:${i}`,
      givenName,
      surname,
      // The index keeps UPNs unique without a lookup table.
      upnLocal: `${givenName}.${surname}.${i}`.toLowerCase(),
      department: dept.name,
      jobTitle: rng.pick(dept.titles),
      officeLocation: rng.pick(OFFICES),
      accountEnabled: !rng.chance(0.02),
      licenses: [LICENSES.microsoft365E3],
      createdDaysAgo: 1 + rng.int(3000),
    }).id;
  }
  return ids;
}

function addGroups(b: TenantBuilder, rng: Random, userIds: string[], count: number): void {
  const maxSize = Math.min(MAX_GROUP_SIZE, userIds.length);
  const groupIds: string[] = [];
  const nestable: boolean[] = [];
  for (let g = 0; g < count; g++) {
    const unified = g % UNIFIED_EVERY === UNIFIED_EVERY - 1;
    const id = b.addGroup({
      label: `group:${g}`,
      displayName: `${rng.pick(DEPARTMENTS).name} ${rng.pick(TEAM_NOUNS)} ${g}`,
      kind: unified ? 'unified' : 'security',
      createdDaysAgo: 1 + rng.int(3000),
    }).id;
    const size = g === 0 ? maxSize : groupSize(rng, maxSize);
    b.addMembers(id, pickDistinct(rng, userIds, size));
    // Microsoft 365 groups cannot contain groups, so only security groups nest.
    if (!unified && g > 0 && rng.chance(NESTING_PROBABILITY)) {
      const parent = rng.int(g);
      if (nestable[parent]) b.addMembers(groupIds[parent], [id]);
    }
    groupIds.push(id);
    nestable.push(!unified);
  }
}

/** Pareto-distributed size in [MIN_GROUP_SIZE, maxSize]. */
export function groupSize(rng: Random, maxSize: number): number {
  const u = 1 - rng.next(); // (0, 1]: never divides by zero
  return Math.max(MIN_GROUP_SIZE, Math.min(maxSize, Math.floor(MIN_GROUP_SIZE / Math.pow(u, 1 / SIZE_SHAPE))));
}

/**
 * `size` distinct items in O(size): walk the array from a random start with a stride coprime to its length,
 * which visits every index once before repeating.
 */
export function* pickDistinct<T>(rng: Random, items: readonly T[], size: number): Generator<T> {
  const n = items.length;
  if (size > n) throw new RangeError(`pickDistinct: cannot pick ${size} distinct items out of ${n}`);
  let stride = 1 + rng.int(Math.max(1, n - 1));
  while (gcd(stride, n) !== 1) stride = (stride % n) + 1;
  let index = rng.int(n);
  for (let i = 0; i < size; i++) {
    yield items[index];
    index = (index + stride) % n;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
