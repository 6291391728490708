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
});
