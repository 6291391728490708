/**
 * Snapshot reads stay O(page) on a 100,000-user tenant: the query plans of the SQL the resolvers send
 * (snapshot-sql.ts), run with EXPLAIN ANALYZE against real PostgreSQL after the read-index migration, over a
 * generated tenant beside another tenant of the same size. Proven by the plan (index scans, no sequential scan,
 * no sort of the tenant, rows read bounded by the page; a prefix with other conditions bounded by the rows of one
 * of them), never by wall time.
 */
import { groupMembersSql, groupPageSql, SEARCH_ALL_ENTRIES, SEARCH_MERGE_WORDS, userCountSql, userGroupsSql, userPageSql, type Sql } from '../../src/directory/snapshot-sql';
import { buildUserWords, DROP_STAGED_WORDS_SQL } from '../../src/sync/user-words';
import { GroupKind } from '../../src/directory/directory-object.types';
import { UserTypeValue } from '../../src/directory/directory.inputs';
import { createTestDatabase, type TestDatabase } from '../support/db';

const USERS = 100_000;
const GROUPS = 2_000;
const PAGE = 101; // first: 100, plus the one that tells whether more follow

let db: TestDatabase;
let tenant: string;
const q = <T = any>(text: string, values: unknown[] = []): Promise<T[]> => db.dataSource.query(text, values);

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function explain(sql: Sql): Promise<{ all: PlanNode[]; types: string[]; indexes: string[]; rowsRead: number }> {
  const [row] = await q<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`, sql.values);
  // Only what ran: a branch behind a one-time filter that did not run is no cost (a search alone plans both its
  // word and its trigram branches, snapshot-sql.ts searchPageSql).
  const all = nodes(row['QUERY PLAN'][0].Plan).filter((n) => n['Actual Loops'] > 0);
  const scans = all.filter((n) => /Scan/.test(n['Node Type']) && !/Bitmap Index/.test(n['Node Type']));
  return {
    all,
    // A search alone reads its tenant's row of sync_state (whether its words are current): a table of one row per
    // tenant, two here, which the planner rightly reads whole; that is not a scan of the tenant's objects.
    types: all.map((n) => (n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'sync_state' ? 'Seq Scan of sync_state' : n['Node Type'])),
    indexes: all.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
    // Rows the scans produced or looked at and threw away: what a page costs.
    rowsRead: scans.reduce((sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'], 0),
  };
}

async function seedTenant(label: string): Promise<string> {
  const [{ id }] = await q(`INSERT INTO tenants (display_name, entra_tenant_id, cloud, auth_mode, status) VALUES ($1, gen_random_uuid(), 'custom', 'APPLICATION', 'ACTIVE') RETURNING id`, [label]);
  // Users: 20 given names x a hash, 12 departments, 1 in 50 disabled, 1 in 40 a guest, 1 in 100 deleted.
  await q(
    `INSERT INTO snapshot_users (tenant_id, id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type, deleted_at)
     SELECT $1, gen_random_uuid(),
            (ARRAY['Avery','Blake','Casey','Dana','Eli','Finley','Gray','Harper','Indy','Jordan','Kai','Lane','Morgan','Noa','Oakley','Parker','Quinn','Reese','Sage','Tatum'])[1 + i % 20] || ' ' || substr(md5(i::text), 1, 8),
            'user' || i || '@scale.example', 'user' || i || '@scale.example',
            (ARRAY['Sales','Engineering','Finance','HR','IT','Legal','Marketing','Operations','Support','Research','Design','Executive'])[1 + i % 12],
            'Title ' || (i % 200), i % 50 <> 0, CASE WHEN i % 40 = 0 THEN 'Guest' ELSE 'Member' END,
            CASE WHEN i % 100 = 0 THEN now() END
       FROM generate_series(1, ${USERS}) AS i`,
    [id],
  );
  await q(
    `INSERT INTO snapshot_groups (tenant_id, id, display_name, group_types, security_enabled, mail_enabled)
     SELECT $1, gen_random_uuid(), 'Group ' || i, CASE WHEN i % 5 = 0 THEN ARRAY['Unified'] ELSE '{}' END, i % 5 <> 0, i % 5 = 0 FROM generate_series(1, ${GROUPS}) AS i`,
    [id],
  );
  // Group k holds users whose row number is k mod GROUPS (about 50 each); the first group holds everyone.
  await q(
    `WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM snapshot_users WHERE tenant_id = $1),
          g AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM snapshot_groups WHERE tenant_id = $1)
     INSERT INTO snapshot_memberships (tenant_id, group_id, member_id, member_type)
     SELECT $1, g.id, u.id, 'user' FROM u JOIN g ON g.n = 1 + u.n % ${GROUPS} OR g.n = 1`,
    [id],
  );
  await q(`INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path) SELECT tenant_id, group_id, member_id, ARRAY[group_id::text] FROM snapshot_memberships WHERE tenant_id = $1`, [id]);
  return id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  tenant = await seedTenant('scale A');
  await seedTenant('scale B');
  await q(`ANALYZE`);
}, 600_000);

afterAll(async () => {
  await db?.drop();
});

const one = (parentId: string) => [{ parentId, afterId: null }];
const biggestGroup = async () => (await q<{ group_id: string }>(`SELECT group_id FROM snapshot_memberships WHERE tenant_id = $1 GROUP BY group_id ORDER BY count(*) DESC LIMIT 1`, [tenant]))[0].group_id;

const noSeqScanOrSort = (types: string[]) => expect(types.filter((t) => t === 'Seq Scan' || t === 'Sort')).toEqual([]);

describe('a page costs O(page)', () => {
  it.each([
    ['users, first page', () => userPageSql(tenant, null, null, { afterId: null, limit: PAGE })],
    ['users, a page in the middle', async () => userPageSql(tenant, null, null, { afterId: (await q(`SELECT id FROM snapshot_users WHERE tenant_id = $1 ORDER BY id OFFSET 50000 LIMIT 1`, [tenant]))[0].id, limit: PAGE })],
    ['users by department (any case)', () => userPageSql(tenant, { department: 'engineering' }, null, { afterId: null, limit: PAGE })],
    ['users by job title', () => userPageSql(tenant, { jobTitle: 'Title 7' }, null, { afterId: null, limit: PAGE })],
    ['guests', () => userPageSql(tenant, { userType: UserTypeValue.GUEST }, null, { afterId: null, limit: PAGE })],
    ['disabled accounts', () => userPageSql(tenant, { accountEnabled: false }, null, { afterId: null, limit: PAGE })],
    ['department and enabled', () => userPageSql(tenant, { department: 'Sales', accountEnabled: true }, null, { afterId: null, limit: PAGE })],
    ['groups', () => groupPageSql(tenant, null, { afterId: null, limit: PAGE })],
    ['a display-name prefix matching 5,000 users (in name order)', () => userPageSql(tenant, { displayNameStartsWith: 'quinn' }, null, { afterId: null, limit: PAGE })],
    ['a display-name prefix of one letter', () => userPageSql(tenant, { displayNameStartsWith: 'Q' }, null, { afterId: null, limit: PAGE })],
    ['a display-name prefix, a page in the middle of its 5,000 matches', async () => {
      const [row] = await q(`SELECT id, lower(display_name) COLLATE "C" AS name FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL AND lower(display_name) LIKE 'quinn%' ORDER BY 2, id OFFSET 2500 LIMIT 1`, [tenant]);
      return userPageSql(tenant, { displayNameStartsWith: 'Quinn' }, null, { afterId: row.id, afterName: row.name, limit: PAGE });
    }],
    ['a group-name prefix (in name order)', () => groupPageSql(tenant, { nameStartsWith: 'group 1' }, { afterId: null, limit: PAGE })],
    ['members of the group holding everyone', async () => groupMembersSql(tenant, one(await biggestGroup()), false, PAGE)],
  ])('%s: index scans in the list\'s order (id, or name for a prefix alone), no sequential scan or sort, at most a page of rows read', async (_name, build) => {
    const plan = await explain(await build());
    noSeqScanOrSort(plan.types);
    expect(plan.indexes.length).toBeGreaterThan(0);
    // A page of rows (+ the 1 in 100 deleted, + rows of other conditions skipped), never the tenant's 100,000.
    expect(plan.rowsRead).toBeLessThanOrEqual(PAGE * 4);
  });

  it('transitive members of the group holding everyone: a merge of the nested lists, a page of rows read, not its 100,000 members', async () => {
    const plan = await explain(groupMembersSql(tenant, one(await biggestGroup()), true, PAGE));
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.rowsRead).toBeLessThanOrEqual(PAGE * 4);
  });

  it.each([false, true])('a page of 50 groups, the one holding everyone among them, with their members (transitive %p): one statement, O(groups x page) rows', async (transitive) => {
    const groups = await q<{ id: string }>(`SELECT id FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT 49`, [tenant]);
    const parents = [await biggestGroup(), ...groups.map((g) => g.id)].map((parentId) => ({ parentId, afterId: null }));
    const nestedPage = 11; // members(first: 10)
    const plan = await explain(groupMembersSql(tenant, parents, transitive, nestedPage));
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.rowsRead).toBeLessThanOrEqual(parents.length * nestedPage * 4);
  });

  it('a page of 50 users with their groups (transitive): one statement, O(users x page) rows', async () => {
    const users = await q<{ id: string }>(`SELECT id FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT 50`, [tenant]);
    const plan = await explain(userGroupsSql(tenant, users.map((u) => ({ parentId: u.id, afterId: null })), true, 11));
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.indexes).toContain('snapshot_effective_user_group');
    expect(plan.rowsRead).toBeLessThanOrEqual(50 * 11 * 3);
  });

  it("a user's groups, direct and transitive: from the member index, in group id order", async () => {
    const [{ id }] = await q(`SELECT id FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL LIMIT 1`, [tenant]);
    for (const transitive of [false, true]) {
      const plan = await explain(userGroupsSql(tenant, one(id), transitive, PAGE));
      expect(plan.types).not.toContain('Seq Scan');
      expect(plan.indexes).toContain(transitive ? 'snapshot_effective_user_group' : 'snapshot_memberships_member_group');
      expect(plan.rowsRead).toBeLessThanOrEqual(10);
    }
  });
});

describe('a prefix with other conditions, and search, read the matching rows through their indexes, not the tenant', () => {
  // In id order (snapshot-sql.ts PageOrder): the planner picks the cheaper of an equality index read in id order
  // until the page is full and the prefix's rows sorted. The seeded names, departments and titles are correlated
  // (both follow i), as real ones are: 'quinn' users are in 3 of the 12 departments and 10 of the 200 titles.
  const count = async (where: string) => (await q(`SELECT count(*)::int AS n FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL AND ${where}`, [tenant]))[0].n as number;
  it.each([
    ['quinn in Sales (a third of them)', { displayNameStartsWith: 'Quinn', department: 'Sales' }, `lower(department) = 'sales'`],
    ['quinn in Engineering (none of them)', { displayNameStartsWith: 'Quinn', department: 'Engineering' }, `lower(department) = 'engineering'`],
    ['quinn with title 16 (all of its holders)', { displayNameStartsWith: 'Quinn', jobTitle: 'Title 16' }, `lower(job_title) = 'title 16'`],
    ['quinn with title 7 (none)', { displayNameStartsWith: 'Quinn', jobTitle: 'Title 7' }, `lower(job_title) = 'title 7'`],
    ['quinn guests (none)', { displayNameStartsWith: 'Quinn', userType: UserTypeValue.GUEST }, `lower(user_type) = 'guest'`],
    ['avery guests (every guest)', { displayNameStartsWith: 'Avery', userType: UserTypeValue.GUEST }, `lower(user_type) = 'guest'`],
    ['quinn, enabled', { displayNameStartsWith: 'Quinn', accountEnabled: true }, `account_enabled`],
    ['quinn, disabled', { displayNameStartsWith: 'Quinn', accountEnabled: false }, `NOT account_enabled`],
    ['quinn 0 in Sales', { displayNameStartsWith: 'Quinn 0', department: 'Sales' }, `lower(department) = 'sales'`],
  ])('%s: no sequential scan, at most the rows of one of its conditions', async (_name, filter, other) => {
    const plan = await explain(userPageSql(tenant, filter, null, { afterId: null, limit: PAGE }));
    expect(plan.types).not.toContain('Seq Scan');
    const prefix = await count(`lower(display_name) LIKE '${filter.displayNameStartsWith.toLowerCase()}%'`);
    expect(plan.rowsRead).toBeLessThanOrEqual(Math.max(prefix, await count(other)) + PAGE);
  });

  it.each([
    ['a search term, words not built (a word of a name)', () => userPageSql(tenant, null, '3f2a', { afterId: null, limit: PAGE }), 'snapshot_users_search'],
    ['a search term, words not built (with a separator)', () => userPageSql(tenant, null, 'quinn 3', { afterId: null, limit: PAGE }), 'snapshot_users_search'],
    ['a search term, words not built (a sign-in name)', () => userPageSql(tenant, null, 'user4242', { afterId: null, limit: PAGE }), 'snapshot_users_search'],
    ['a search term and a prefix', () => userPageSql(tenant, { displayNameStartsWith: 'Quinn' }, 'user4', { afterId: null, limit: PAGE }), 'snapshot_users_search'],
    ['a group-name prefix and a kind', () => groupPageSql(tenant, { nameStartsWith: 'group 19', kind: GroupKind.SECURITY }, { afterId: null, limit: PAGE }), 'snapshot_groups_name_page'],
  ])('%s: no sequential scan, read through its index', async (_name, build, index) => {
    const plan = await explain(build());
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.indexes).toContain(index);
    expect(plan.rowsRead).toBeLessThan(USERS / 20);
  });

  it('totalCount of a filtered list counts from an index, not a sequential scan', async () => {
    const plan = await explain(userCountSql(tenant, { department: 'Finance' }, null));
    expect(plan.types).not.toContain('Seq Scan');
  });
});

describe('once the words are built: a search alone reads user ids from the words index, then only the page of users', () => {
  const ids = async (sql: Sql) => (await q<{ id: string }>(sql.text, sql.values)).map((r) => r.id);
  const trigramAnswers = new Map<string, string[]>();
  // [term, whether it finds anyone]: '@scale' starts no value (a term with separators must start one).
  const TERMS: Array<[string, boolean]> = [['quinn', true], ['scale', true], ['q', true], ['3f2a', true], ['user4242', true], ['user42', true], ['user4', true], ['quinn 3', true], ['user4242@scale', true], ['@scale', false]];

  beforeAll(async () => {
    for (const [term] of TERMS) trigramAnswers.set(term, await ids(userPageSql(tenant, null, term, { afterId: null, limit: PAGE })));
    await q(`INSERT INTO sync_state (tenant_id, snapshot_generation) VALUES ($1, 3)`, [tenant]);
    const runner = db.dataSource.createQueryRunner();
    try {
      expect(await buildUserWords(runner, tenant)).toBe(true);
      expect(await buildUserWords(runner, tenant)).toBe(false); // current: nothing to do
    } finally {
      await runner.release();
    }
    await q(`ANALYZE snapshot_user_words`);
  }, 600_000);

  it.each(TERMS)('%s: the same page as through the trigram index (finds some: %p)', async (term, found) => {
    const sql = userPageSql(tenant, null, term, { afterId: null, limit: PAGE });
    expect((await explain(sql)).indexes).toContain('snapshot_user_words_pkey');
    expect(await ids(sql)).toEqual(trigramAnswers.get(term));
    expect(trigramAnswers.get(term)!.length > 0).toBe(found);
  });

  const afterHalf = async (term: string) =>
    (await q(`SELECT DISTINCT user_id FROM snapshot_user_words WHERE tenant_id = $1 AND word LIKE $2 ORDER BY user_id OFFSET 2000 LIMIT 1`, [tenant, `${term}%`]))[0].user_id as string;
  it.each([
    ['a first name (one word, 5,000 users)', 'quinn', null],
    ['a first name, a page in the middle', 'quinn', 'quinn'],
    ['the mail domain (one word, every user)', 'scale', null],
    ['the mail domain, a page in the middle', 'scale', 'scale'],
    ['one letter of a first name (a few words)', 'q', null],
    ['a word of a name (a few users)', '3f2a', null],
    ['a sign-in name (a few words of one user each)', 'user4242', null],
  ])('%s: merged from the matching words in id order, a page of rows and entries', async (_name, term, after) => {
    const plan = await explain(userPageSql(tenant, null, term, { afterId: after ? await afterHalf(after) : null, limit: PAGE }));
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.indexes).toContain('snapshot_user_words_pkey');
    expect(plan.indexes).not.toContain('snapshot_users_search');
    // Word entries and user rows together: the page (and one more word's look-up), not the matches.
    expect(plan.rowsRead).toBeLessThanOrEqual(PAGE * 4);
  });

  it(`a prefix of ${SEARCH_MERGE_WORDS}+ words with fewer than ${SEARCH_ALL_ENTRIES} entries (user42: 1,111 sign-in names): every entry from the index, a page of rows`, async () => {
    const plan = await explain(userPageSql(tenant, null, 'user42', { afterId: null, limit: PAGE }));
    expect(plan.types).not.toContain('Seq Scan');
    const users = plan.all.filter((n) => n['Index Name'] === 'snapshot_users_page').reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
    expect(users).toBeLessThanOrEqual(PAGE);
    expect(plan.rowsRead).toBeLessThanOrEqual(SEARCH_ALL_ENTRIES + SEARCH_MERGE_WORDS + PAGE * 2);
  });

  it('a short prefix of many words and many matches (user4: 11,111 sign-in names): users in id order, about page x users / matches rows', async () => {
    const plan = await explain(userPageSql(tenant, null, 'user4', { afterId: null, limit: PAGE }));
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.rowsRead).toBeLessThanOrEqual(SEARCH_MERGE_WORDS + SEARCH_ALL_ENTRIES + PAGE * 20);
  });

  it('words of an older generation (a full round committed since): the trigram index again, the same page', async () => {
    await q(`UPDATE sync_state SET snapshot_generation = snapshot_generation + 1 WHERE tenant_id = $1`, [tenant]);
    try {
      const sql = userPageSql(tenant, null, 'quinn', { afterId: null, limit: PAGE });
      const plan = await explain(sql);
      expect(plan.indexes).toContain('snapshot_users_search');
      expect(plan.indexes).not.toContain('snapshot_user_words_pkey');
      expect(await ids(sql)).toEqual(trigramAnswers.get('quinn'));
    } finally {
      await q(`UPDATE sync_state SET words_generation = snapshot_generation WHERE tenant_id = $1`, [tenant]);
    }
  });

  it("a delta round's delete of its staged users' words probes the words index per word, while the planner expects dozens of staged users", async () => {
    const round = '00000000-0000-4000-8000-00000000d31a';
    const stage = (n: number, query: (text: string, values: unknown[]) => Promise<unknown>) =>
      query(
        `INSERT INTO sync_stage_users (tenant_id, round_id, id, removed, fields)
         SELECT tenant_id, $2, id, NULL, '{}' FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT ${n}`,
        [tenant, round],
      );
    // Statistics taken when the staging table held a round of 100 users (as autovacuum may take them), the rows since
    // cleared: the planner expects a page of such rows, ~70 staged users, where 5 are.
    await stage(100, q);
    await q(`ANALYZE sync_stage_users`);
    await q(`DELETE FROM sync_stage_users WHERE tenant_id = $1`, [tenant]);
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await stage(5, (text, values) => runner.query(text, values));
      const [row] = await runner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${DROP_STAGED_WORDS_SQL}`, [tenant, round]);
      const all = nodes(row['QUERY PLAN'][0].Plan).filter((n) => n['Actual Loops'] > 0);
      const words = all.filter((n) => n['Relation Name'] === 'snapshot_user_words' && /Scan/.test(n['Node Type']));
      expect(words.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Scan', 'snapshot_user_words_pkey']]);
      // One probe per staged word (a few words for each of 5 users), each finding its row: not the tenant's ~600k words.
      const read = words.reduce((sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'], 0);
      expect(read).toBeGreaterThanOrEqual(5);
      expect(read).toBeLessThanOrEqual(5 * 20);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
