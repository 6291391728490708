/**
 * Restarting `npm start` in simulator mode changes nothing (issue 12, item 5): the simulator keeps its state in the
 * data folder, so the gateway's stored refresh token and deltaLinks still work. A user provisioned in the first run
 * is still there in the second, the next sync round is INCREMENTAL with no change events, and the event log gains
 * nothing at all (a quiet round writes no SYNC_COMPLETED): no USER_DELETED, MEMBERSHIP_REMOVED or TENANT_STATUS_CHANGED.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { freePort, npmStart, type NpmStart } from './npm-start';

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string }>;
}

async function gql<T>(start: NpmStart, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(start.banner.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${start.banner.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as Answer<T>;
  if (answer.errors?.length) throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.data!;
}

interface SyncResult {
  ran: boolean;
  mode: string | null;
  events: number | null;
  error: string | null;
  skippedReason: string | null;
}

/** One round run now; a round the scheduler holds the lease for is waited out. */
async function syncNow(start: NpmStart, tenantId: string): Promise<SyncResult> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const { syncNow: result } = await gql<{ syncNow: SyncResult }>(
      start,
      'mutation($t: ID!) { syncNow(tenantId: $t) { ran mode events error skippedReason } }',
      { t: tenantId },
    );
    if (result.ran) return result;
    if (result.skippedReason !== 'LEASE_HELD') throw new Error(`syncNow did not run: ${result.skippedReason}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('syncNow: the lease stayed held for 30 s');
}

interface EventNode {
  type: string;
  subjectId: string | null;
  cursor: string;
}

async function eventsAfter(start: NpmStart, tenantId: string, after: string | null): Promise<EventNode[]> {
  const events: EventNode[] = [];
  let cursor = after;
  for (;;) {
    const { events: page } = await gql<{ events: { edges: Array<{ node: EventNode }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
      start,
      'query($t: ID!, $after: String) { events(tenantId: $t, after: $after, first: 1000) { edges { node { type subjectId cursor } } pageInfo { hasNextPage endCursor } } }',
      { t: tenantId, after: cursor },
    );
    events.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return events;
    cursor = page.pageInfo.endCursor;
  }
}

describe('npm start, stopped and started again on the same data folder', () => {
  let database: TestDatabase;
  let dataDir: string;
  let start: NpmStart | undefined;
  // As SIMULATOR_PORT stays 8443 between a user's runs: the gateway's token cache and deltaLinks name its address.
  const env: Record<string, string> = {};

  beforeAll(async () => {
    env.SIMULATOR_PORT = String(await freePort());
    database = await createTestDatabase({ migrate: false });
    dataDir = await mkdtemp(join(tmpdir(), 'entra-gateway-restart-'));
  });

  afterAll(async () => {
    await start?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps a provisioned user and appends no event: the next round finds nothing changed', async () => {
    start = await npmStart({ database, dataDir, env });
    const tenantId = start.banner.tenantId;
    await syncNow(start, tenantId);
    const upn = 'restart.kept@verafield.com';
    const { provisionUsers } = await gql<{ provisionUsers: { created?: number; items?: Array<{ result: { user?: { id: string } } }> } }>(
      start,
      `mutation($t: ID!) { provisionUsers(tenantId: $t, idempotencyKey: "restart-test", users: [
         { displayName: "Kept Across Restarts", userPrincipalName: "${upn}", usageLocation: "GB" }]) {
         ... on ProvisionedUsers { created items { result { ... on CreatedUser { user { id } } } } } } }`,
      { t: tenantId },
    );
    expect(provisionUsers.created).toBe(1);
    const userId = provisionUsers.items![0].result.user!.id;
    const round = await syncNow(start, tenantId);
    expect(round).toMatchObject({ ran: true, mode: 'INCREMENTAL', error: null });
    const before = await eventsAfter(start, tenantId, null);
    expect(before.filter((e) => e.type === 'USER_CREATED').map((e) => e.subjectId)).toContain(userId);
    const stopped = await start.stop();
    expect(stopped.code).toBe(0);

    start = await npmStart({ database, dataDir, env });
    expect(start.banner.tenantId).toBe(tenantId);
    // The stored refresh token still works: no re-consent.
    expect(start.output().stdout).not.toMatch(/needs consent again/);
    const after = await syncNow(start, tenantId);
    expect(after).toMatchObject({ ran: true, mode: 'INCREMENTAL', events: 0, error: null });
    const appended = await eventsAfter(start, tenantId, before[before.length - 1].cursor);
    expect(appended).toEqual([]);

    const { tenant } = await gql<{ tenant: { status: string; user: { id: string } | null } }>(
      start,
      'query($t: ID!, $upn: String!) { tenant(id: $t) { status user(userPrincipalName: $upn) { id } } }',
      { t: tenantId, upn },
    );
    expect(tenant).toEqual({ status: 'ACTIVE', user: { id: userId } });
  }, 240_000);
});
