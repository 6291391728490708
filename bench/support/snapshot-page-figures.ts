/**
 * What one page of a display-name prefix or of a search costs in PostgreSQL over the benchmark's snapshot, the
 * SQL the gateway sends (snapshot-sql.ts) against the queries it sent before (the baseline, below), in the same
 * run over the same rows: buffers touched and rows read per page (EXPLAIN ANALYZE, BUFFERS) and the median time
 * of the statement run alone.
 *
 * Baselines: for a prefix, the statement before migration 1796030000000 (a prefix page in id order: every match
 * read through the prefix range, then sorted); for a search (unchanged: the trigram index or an id-order scan,
 * as the planner judges), a plain page of the same list without any condition, what a page costs at best.
 */
import type pg from 'pg';
import { userPageSql, type Sql } from '../../src/directory/snapshot-sql';

const PAGE = 101; // first: 100, and the one that tells whether more follow
const RUNS = 30;
const COLUMNS = 'id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type';

/** The prefix page before: id order, so every match is read and sorted for each page. */
export function prefixBaselineSql(tenantId: string, prefix: string, afterId: string | null): Sql {
  const values: unknown[] = [tenantId, `${prefix.toLowerCase()}%`, PAGE];
  const after = afterId ? ` AND id > $4::uuid` : '';
  if (afterId) values.push(afterId);
  return {
    text: `SELECT ${COLUMNS} FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL AND (lower(display_name) COLLATE "C") LIKE $2${after} ORDER BY id LIMIT $3`,
    values,
  };
}

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

export interface PageCost {
  buffers: number;
  rowsRead: number;
  rows: number;
  p50Ms: number;
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

export async function pageCost(db: pg.Client, sql: Sql): Promise<PageCost> {
  const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, sql.values);
  const plan = (rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
  // Rows the scans produced or looked at and threw away (index entries of index-only scans included).
  const rowsRead = nodes(plan)
    .filter((n) => /Scan/.test(n['Node Type']) && !/Bitmap Index|CTE|WorkTable|Subquery/.test(n['Node Type']))
    .reduce((sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'], 0);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await db.query(sql.text, sql.values);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], rowsRead, rows: plan['Actual Rows'], p50Ms: times[Math.floor(times.length / 2)] };
}

export interface PageCase {
  key: string;
  label: string;
  now: Sql;
  before: Sql;
  baselineName: string;
}

const BEFORE = 'the statement before (id order: every match read, then sorted)';

/** Picks the cases from the data: a prefix of about 5,000 users, a common first name, the mail domain. */
export async function pageCases(db: pg.Client, tenantId: string): Promise<PageCase[]> {
  const { rows: prefixes } = await db.query(
    `SELECT p, count(*)::int AS n FROM (SELECT left(lower(display_name), k) AS p FROM snapshot_users, generate_series(1, 3) k WHERE tenant_id = $1 AND deleted_at IS NULL) x
      GROUP BY p ORDER BY abs(count(*) - 5000), p LIMIT 1`,
    [tenantId],
  );
  const prefix: string = prefixes[0].p;
  const { rows: middle } = await db.query(
    `SELECT id, lower(display_name) COLLATE "C" AS name FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL AND (lower(display_name) COLLATE "C") LIKE $2
      ORDER BY 2, id OFFSET $3 LIMIT 1`,
    [tenantId, `${prefix}%`, Math.floor(prefixes[0].n / 2)],
  );
  const { rows: middleById } = await db.query(
    `SELECT id FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL AND (lower(display_name) COLLATE "C") LIKE $2 ORDER BY id OFFSET $3 LIMIT 1`,
    [tenantId, `${prefix}%`, Math.floor(prefixes[0].n / 2)],
  );
  const { rows: names } = await db.query(
    `SELECT split_part(lower(display_name), ' ', 1) AS w, count(*)::int AS n FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    [tenantId],
  );
  const { rows: domains } = await db.query(`SELECT split_part(split_part(lower(mail), '@', 2), '.', 1) AS w FROM snapshot_users WHERE tenant_id = $1 AND mail IS NOT NULL LIMIT 1`, [tenantId]);
  const filter = { displayNameStartsWith: prefix };
  const plain = userPageSql(tenantId, null, null, { afterId: null, limit: PAGE });
  const search = (term: string, n?: number) => ({
    key: `search-${n === undefined ? 'domain' : 'name'}`,
    label: `search "${term}"${n === undefined ? ' (the mail domain: every user)' : ` (a first name: ${n.toLocaleString('en-US')} users)`}`,
    now: userPageSql(tenantId, null, term, { afterId: null, limit: PAGE }),
    before: plain,
    baselineName: 'a plain page without conditions',
  });
  return [
    {
      key: 'prefix-5000',
      label: `displayNameStartsWith "${prefix}" (${prefixes[0].n.toLocaleString('en-US')} users), first page`,
      now: userPageSql(tenantId, filter, null, { afterId: null, limit: PAGE }),
      before: prefixBaselineSql(tenantId, prefix, null),
      baselineName: BEFORE,
    },
    {
      key: 'prefix-5000-middle',
      label: `displayNameStartsWith "${prefix}", a page in the middle`,
      now: userPageSql(tenantId, filter, null, { afterId: middle[0].id, afterName: middle[0].name, limit: PAGE }),
      before: prefixBaselineSql(tenantId, prefix, middleById[0].id),
      baselineName: BEFORE,
    },
    search(names[0].w, names[0].n),
    search(domains[0].w),
  ];
}
