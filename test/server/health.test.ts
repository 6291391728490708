import { runMigrations } from '../../src/db/data-source';
import { startTestGateway, TestGateway } from '../support/gateway';

describe('/healthz and /readyz', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ migrate: false });
  });

  afterAll(async () => {
    await gw.stop();
  });

  it('/healthz answers 200 whatever the database state', async () => {
    const response = await fetch(`${gw.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 503 naming the pending migrations, then 200 once they ran', async () => {
    const before = await fetch(`${gw.url}/readyz`);
    expect(before.status).toBe(503);
    const names = gw.database.dataSource.migrations.map((migration) => migration.name);
    expect(await before.json()).toEqual({ status: 'unavailable', reason: `${names.length} pending migration(s): ${names.join(', ')}` });

    await runMigrations(gw.database.dataSource);

    const after = await fetch(`${gw.url}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready' });
  });
});
