/**
 * Pages of one round that remove and re-add the same object or link (graph-facts §4: the same entity may
 * appear more than once, in any order, and changes may be replayed) end in Graph's final state, last page
 * wins, on both write paths: the staging tables of a delta round (stream.ts, stagePage) and the snapshot of a
 * first load (load-direct.ts, loadPage). The simulator folds a round's changes per object (its round window
 * is fixed), so it never sends such a sequence; the pages are written here as Graph may send them, each
 * folded by DeltaBuffer as the stream does, into a real PostgreSQL inside a transaction that is rolled back.
 */
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { DeltaBuffer } from '../../src/sync/delta-buffer';
import { loadPage } from '../../src/sync/load-direct';
import { newMeter, Sql } from '../../src/sync/sql';
import { stagePage, type Resource } from '../../src/sync/stream';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let runner: QueryRunner;
let sql: Sql;
let tenantId: string;

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const G1 = id(1);
const U1 = id(11);
const U2 = id(12);
const U3 = id(13);
const member = (u: string, removed = false) => ({ '@odata.type': '#microsoft.graph.user', id: u, ...(removed && { '@removed': { reason: 'deleted' } }) });
const gone = (objectId: string, reason = 'deleted') => ({ id: objectId, '@removed': { reason } });

type Page = { resource: Resource; items: unknown[] };
const fold = (page: Page) => {
  const buffer = new DeltaBuffer();
  if (page.resource === 'users') buffer.addUsers(page.items);
  else buffer.addGroups(page.items);
  return buffer;
};

/** A stream's writes when every page arrives while the previous write runs: each resource's pages folded into one buffer, in order. */
const coalesced = (pages: Page[]): Array<{ resource: Resource; buffer: DeltaBuffer }> =>
  (['users', 'groups'] as const)
    .map((resource) => ({ resource, items: pages.filter((p) => p.resource === resource) }))
    .filter((r) => r.items.length > 0)
    .map(({ resource, items }) => {
      const buffer = new DeltaBuffer();
      for (const page of items) {
        if (resource === 'users') buffer.addUsers(page.items);
        else buffer.addGroups(page.items);
      }
      return { resource, buffer };
    });

/** Each case: pages in order, and what Graph's final state is. */
const cases: Array<{ name: string; pages: Page[]; users: Record<string, string>; groups: Record<string, string>; members: string[] }> = [
  {
    name: 'a group removed on a later page and listed again after it, in the same page',
    pages: [
      { resource: 'groups', items: [{ id: G1, displayName: 'Old', 'members@delta': [member(U1), member(U2)] }] },
      { resource: 'groups', items: [gone(G1, 'changed'), { id: G1, displayName: 'Back', 'members@delta': [member(U3)] }] },
    ],
    users: {},
    groups: { [G1]: 'Back' },
    members: [`${G1}/${U3}`],
  },
  {
    name: 'a group removed on one page and listed again on the next',
    pages: [
      { resource: 'groups', items: [{ id: G1, displayName: 'Old', 'members@delta': [member(U1)] }] },
      { resource: 'groups', items: [gone(G1)] },
      { resource: 'groups', items: [{ id: G1, displayName: 'Back', 'members@delta': [member(U2)] }] },
    ],
    users: {},
    groups: { [G1]: 'Back' },
    members: [`${G1}/${U2}`],
  },
  {
    name: 'a group listed, then removed for good',
    pages: [
      { resource: 'groups', items: [{ id: G1, displayName: 'Old', 'members@delta': [member(U1)] }] },
      { resource: 'groups', items: [gone(G1)] },
    ],
    users: {},
    groups: {},
    members: [],
  },
  {
    name: 'a member removed and re-added across pages, another added and removed',
    pages: [
      { resource: 'groups', items: [{ id: G1, displayName: 'G', 'members@delta': [member(U1), member(U2)] }] },
      { resource: 'groups', items: [{ id: G1, 'members@delta': [member(U1, true), member(U2, true)] }] },
      { resource: 'groups', items: [{ id: G1, 'members@delta': [member(U1)] }] },
    ],
    users: {},
    groups: { [G1]: 'G' },
    members: [`${G1}/${U1}`],
  },
  {
    name: 'a member listed again on a later page (a replayed change) beside a new one',
    pages: [
      { resource: 'groups', items: [{ id: G1, displayName: 'G', 'members@delta': [member(U1)] }] },
      { resource: 'groups', items: [{ id: G1, 'members@delta': [member(U1), member(U2)] }] },
    ],
    users: {},
    groups: { [G1]: 'G' },
    members: [`${G1}/${U1}`, `${G1}/${U2}`].sort(),
  },
  {
    name: 'a user removed and listed again: only what follows the removal counts',
    pages: [
      { resource: 'users', items: [{ id: U1, displayName: 'Old', jobTitle: 'Old title' }, { id: U2, displayName: 'Stays' }] },
      { resource: 'users', items: [gone(U1, 'changed'), { id: U1, displayName: 'Back' }, gone(U2)] },
    ],
    users: { [U1]: 'Back|' },
    groups: {},
    members: [],
  },
];

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantId }] = await db.dataSource.query(
    `INSERT INTO tenants (display_name, entra_tenant_id, cloud, auth_mode, status) VALUES ('pages', gen_random_uuid(), 'custom', 'APPLICATION', 'ACTIVE') RETURNING id`,
  );
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  runner = db.dataSource.createQueryRunner();
  await runner.startTransaction();
  sql = new Sql(runner, newMeter());
});

afterEach(async () => {
  await runner.rollbackTransaction();
  await runner.release();
});

const q = (text: string, params: unknown[] = []) => runner.query(text, params);

describe.each(cases)('$name', ({ pages, users, groups, members }) => {
  it.each([
    ['page by page', () => pages.map((page) => ({ resource: page.resource, buffer: fold(page) }))],
    ['with the pages folded into one write per resource', () => coalesced(pages)],
  ])('first load, written straight into the snapshot %s: the final state', async (_how, writes) => {
    for (const w of writes()) await loadPage(sql, tenantId, w.resource, w.buffer);
    const u = await q(`SELECT id, display_name || '|' || coalesce(job_title, '') AS v FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL`, [tenantId]);
    expect(Object.fromEntries(u.map((r: any) => [r.id, r.v]))).toEqual(users);
    const g = await q(`SELECT id, display_name FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL`, [tenantId]);
    expect(Object.fromEntries(g.map((r: any) => [r.id, r.display_name]))).toEqual(groups);
    const m = await q(`SELECT group_id || '/' || member_id AS k FROM snapshot_memberships WHERE tenant_id = $1 ORDER BY 1`, [tenantId]);
    expect(m.map((r: any) => r.k)).toEqual(members);
    // Depth-0 effective rows follow the user edges.
    const e = await q(`SELECT group_id || '/' || user_id AS k FROM snapshot_effective WHERE tenant_id = $1 ORDER BY 1`, [tenantId]);
    expect(e.map((r: any) => r.k)).toEqual(members);
  });

  it.each([
    ['page by page', () => pages.map((page) => ({ resource: page.resource, buffer: fold(page) }))],
    ['with the pages folded into one write per resource', () => coalesced(pages)],
  ])('delta round, staged %s: the final state', async (_how, writes) => {
    const roundId = randomUUID();
    for (const w of writes()) await stagePage(sql, tenantId, roundId, w.resource, w.buffer);
    const u = await q(`SELECT id, fields FROM sync_stage_users WHERE tenant_id = $1 AND round_id = $2 AND removed IS NULL`, [tenantId, roundId]);
    expect(Object.fromEntries(u.map((r: any) => [r.id, `${r.fields.displayName}|${r.fields.jobTitle ?? ''}`]))).toEqual(users);
    const g = await q(`SELECT id, fields FROM sync_stage_groups WHERE tenant_id = $1 AND round_id = $2 AND removed IS NULL`, [tenantId, roundId]);
    expect(Object.fromEntries(g.map((r: any) => [r.id, r.fields.displayName]))).toEqual(groups);
    const m = await q(`SELECT group_id || '/' || member_id AS k FROM sync_stage_members WHERE tenant_id = $1 AND round_id = $2 AND NOT removed ORDER BY 1`, [tenantId, roundId]);
    expect(m.map((r: any) => r.k)).toEqual(members);
  });
});
