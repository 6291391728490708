/**
 * Citus-ready (issue 9): every table of the migrated schema either has tenant_id in its primary key (so it can
 * be distributed by tenant) or is on the allow-list below with the reason it is product-wide. A new table
 * fails here until its author decides which it is.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';

/** Product-wide tables: not owned by one tenant (reference tables, or kept on the coordinator, in Citus). */
const PRODUCT_WIDE: Record<string, string> = {
  tenants: 'the tenant registry itself (its id is the distribution value; a reference table)',
  access_tiers: 'tier definitions shared by every tenant (tier_mappings, per tenant, maps groups to them)',
  api_keys: "a caller's key may span several tenants (tenant_ids array) or all of them",
  api_key_changes: 'the audit of api_keys changes: product-wide as the keys are (kept beside them)',
  oauth_states:
    'short-lived consent transactions found by the opaque state alone at the callback, before the tenant is known; keep on the coordinator',
  schema_migrations: "TypeORM's record of applied migrations",
  webhook_endpoints:
    'an endpoint covers a list of tenants or every tenant (tenant_ids NULL), like an API key; its per-tenant state (webhook_cursors, webhook_deliveries) is keyed by tenant',
};

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

it('every tenant-owned table has tenant_id in its primary key', async () => {
  const tables: Array<{ table: string; key: string[] | null; has_tenant_id: boolean }> = await db.dataSource.query(`
    SELECT t.table_name AS table,
           (SELECT array_agg(k.column_name::text ORDER BY k.ordinal_position)
              FROM information_schema.table_constraints c
              JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema AND k.table_name = c.table_name
             WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY') AS key,
           EXISTS (SELECT 1 FROM information_schema.columns col WHERE col.table_schema = t.table_schema AND col.table_name = t.table_name AND col.column_name = 'tenant_id') AS has_tenant_id
      FROM information_schema.tables t
     WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
     ORDER BY t.table_name`);
  expect(tables.length).toBeGreaterThan(10);
  const failing = tables.filter((t) => !(t.table in PRODUCT_WIDE) && !(t.key ?? []).includes('tenant_id')).map((t) => `${t.table} (key: ${(t.key ?? []).join(', ') || 'none'})`);
  expect(failing).toEqual([]);
  // The allow-list names only tables that exist, and none of them is keyed by tenant after all.
  const names = new Set(tables.map((t) => t.table));
  expect(Object.keys(PRODUCT_WIDE).filter((t) => !names.has(t))).toEqual([]);
  expect(tables.filter((t) => t.table in PRODUCT_WIDE && (t.key ?? []).includes('tenant_id')).map((t) => t.table)).toEqual([]);
});
