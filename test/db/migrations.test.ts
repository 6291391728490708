import { pendingMigrations, runMigrations } from '../../src/db/data-source';
import { Tenant, TenantStatusChange } from '../../src/tenants/tenant.entity';
import { createTestDatabase, TestDatabase } from '../support/db';

describe('migrations', () => {
  it('run on a fresh database: every migration pending before, none after, a second run a no-op', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      expect(await pendingMigrations(db.dataSource)).toEqual(db.dataSource.migrations.map((m) => m.name));
      const applied = await runMigrations(db.dataSource);
      expect(applied).toContain('InitialSchema1764201600000');
      expect(await pendingMigrations(db.dataSource)).toEqual([]);
      expect(await runMigrations(db.dataSource)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

describe('the migrated schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('stores a tenant through the entity, with database defaults for id, arrays and timestamps', async () => {
    const tenants = db.dataSource.getRepository(Tenant);
    const saved = await tenants.save(
      tenants.create({
        displayName: 'Verafield Technologies',
        entraTenantId: null,
        cloud: 'global',
        authMode: 'DELEGATED',
        status: 'PENDING_CONSENT',
        grantedScopes: [],
        features: ['READ_DIRECTORY'],
        syncIntervalSeconds: 900,
      }),
    );
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    const loaded = await tenants.findOneByOrFail({ id: saved.id });
    expect(loaded).toMatchObject({ displayName: 'Verafield Technologies', entraTenantId: null, features: ['READ_DIRECTORY'] });
    expect(loaded.createdAt).toBeInstanceOf(Date);

    const changes = db.dataSource.getRepository(TenantStatusChange);
    await changes.save(changes.create({ tenantId: saved.id, fromStatus: null, toStatus: 'PENDING_CONSENT', reason: 'created', at: new Date() }));
    expect(await changes.countBy({ tenantId: saved.id })).toBe(1);
  });

  it('allows one Entra tenant per cloud, and any number still waiting for consent', async () => {
    const insert = (cloud: string, entraTenantId: string | null) =>
      db.dataSource.query(
        `INSERT INTO tenants (display_name, entra_tenant_id, cloud, auth_mode) VALUES ('t', $1, $2, 'APPLICATION')`,
        [entraTenantId, cloud],
      );
    const entraId = '9f1c2e3d-0000-4000-8000-000000000001';
    await insert('global', null);
    await insert('global', null);
    await insert('global', entraId);
    await insert('china', entraId);
    await expect(insert('global', entraId)).rejects.toThrow(/tenants_cloud_entra_tenant_id_key/);
  });

  it('rejects a status outside the life cycle', async () => {
    await expect(
      db.dataSource.query(`INSERT INTO tenants (display_name, cloud, auth_mode, status) VALUES ('t', 'global', 'DELEGATED', 'LOST')`),
    ).rejects.toThrow(/tenants_status_check/);
  });

  // The first load writes these tables in bulk: a row-level trigger (a foreign key's check is one) would run for
  // every row of it. Deleting a tenant still deletes its snapshot, by one statement-level trigger on tenants.
  const BULK_LOADED = ['snapshot_users', 'snapshot_groups', 'snapshot_memberships', 'snapshot_effective', 'snapshot_user_words'];

  it('the tables a first load writes in bulk run no row-level trigger on insert (no foreign key check per row)', async () => {
    const triggers: Array<{ table: string; name: string }> = await db.dataSource.query(
      `SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relname = ANY($1) AND (t.tgtype & 1) = 1 AND (t.tgtype & 4) = 4`,
      [BULK_LOADED],
    );
    expect(triggers).toEqual([]);
    // The check can fail: the tenants table's own row-level insert triggers are found by the same query.
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'sync_state' AND (t.tgtype & 1) = 1 AND (t.tgtype & 4) = 4`);
    expect(n).toBeGreaterThan(0);
  });

  it("deleting a tenant deletes its snapshot rows in every bulk-loaded table, and only its own", async () => {
    const tenant = async () =>
      ((await db.dataSource.query(`INSERT INTO tenants (display_name, cloud, auth_mode) VALUES ('t', 'global', 'APPLICATION') RETURNING id`)) as Array<{ id: string }>)[0].id;
    const gone = await tenant();
    const kept = await tenant();
    const user = '00000000-0000-4000-8000-000000000001';
    const group = '00000000-0000-4000-8000-000000000002';
    for (const t of [gone, kept]) {
      await db.dataSource.query(`INSERT INTO snapshot_users (tenant_id, id, display_name) VALUES ($1, $2, 'Ada')`, [t, user]);
      await db.dataSource.query(`INSERT INTO snapshot_groups (tenant_id, id, display_name) VALUES ($1, $2, 'G')`, [t, group]);
      await db.dataSource.query(`INSERT INTO snapshot_memberships (tenant_id, group_id, member_id, member_type) VALUES ($1, $2, $3, 'user')`, [t, group, user]);
      await db.dataSource.query(`INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path) VALUES ($1, $2::uuid, $3, ARRAY[$2::text])`, [t, group, user]);
      await db.dataSource.query(`INSERT INTO snapshot_user_words (tenant_id, word, user_id) VALUES ($1, 'ada', $2)`, [t, user]);
    }
    const counts = async (t: string) => {
      const out: Record<string, number> = {};
      for (const table of BULK_LOADED) out[table] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [t]))[0].n;
      return out;
    };
    const one = Object.fromEntries(BULK_LOADED.map((t) => [t, 1]));
    expect(await counts(gone)).toEqual(one);
    await db.dataSource.query(`DELETE FROM tenants WHERE id = $1`, [gone]);
    expect(await counts(gone)).toEqual(Object.fromEntries(BULK_LOADED.map((t) => [t, 0])));
    expect(await counts(kept)).toEqual(one);
  });
});
