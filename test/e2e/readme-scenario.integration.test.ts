/**
 * README.md's walk-through ("The scenario, end to end") as written, against a started gateway (simulator mode): the
 * tier definitions it names, its GraphQL blocks (the subscription over graphql-ws, the rest over HTTP), its shell
 * commands (`npm run sim -- ...`, run as a user types them, in the gateway's data folder), and then the subscription
 * must deliver exactly the events its step 4 lists, in that order. Only the README's documented placeholders are
 * filled in: the banner's tenant id, the group ids `npm run sim -- groups` prints, the tier ids the definitions return.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kind, OperationDefinitionNode, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { npmStart, type NpmStart } from './npm-start';
import { blockDefining, sectionBlocks } from './readme';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const run = promisify(execFile);

interface ReceivedEvent {
  sequence: string;
  type: string;
  subjectId: string | null;
  payload: Record<string, any>;
}

/** One line per event, in the README's step-4 format. */
export function describeEvent(event: Pick<ReceivedEvent, 'type' | 'payload'>): string {
  if (event.type === 'ACCESS_TIER_CHANGED') return `ACCESS_TIER_CHANGED  ${event.payload.old?.name ?? 'none'} -> ${event.payload.new?.name ?? 'none'}`;
  if (event.type.startsWith('MEMBERSHIP_')) return `${event.type.padEnd(20)} ${String(event.payload.scope).padEnd(10)} ${event.payload.groupDisplayName}`;
  return event.type;
}

const normalise = (line: string) => line.trim().replace(/\s+/g, ' ');

describe('README.md: the scenario, end to end', () => {
  let start: NpmStart;
  let client: Client | undefined;

  beforeAll(async () => {
    // Every round writes SYNC_COMPLETED here (heartbeat 0): a quiet round's tells the test its subscription is live.
    start = await npmStart({ env: { SYNC_COMPLETED_HEARTBEAT_SECONDS: '0' } });
  }, 120_000);

  afterAll(async () => {
    await client?.dispose();
    await start?.cleanup();
  });

  async function post(query: string, operationName: string | undefined, variables: Record<string, unknown>): Promise<Record<string, any>> {
    const response = await fetch(start.banner.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${start.banner.apiKey}` },
      body: JSON.stringify({ query, operationName, variables }),
    });
    const answer = (await response.json()) as { data?: Record<string, any>; errors?: Array<{ message: string }> };
    if (answer.errors?.length) throw new Error(`${operationName}: ${answer.errors.map((e) => e.message).join('; ')}`);
    return answer.data!;
  }

  /** A README command, as a user types it in the repository, against this gateway's data folder. */
  async function shell(command: string): Promise<string> {
    const { stdout } = await run('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, DATA_DIR: start.dataDir } });
    return stdout;
  }

  it('delivers exactly the events step 4 lists', async () => {
    const blocks = sectionBlocks(README, '#### The scenario, end to end');
    const expected = blocks.filter((b) => b.lang === 'text').flatMap((b) => b.text.split('\n')).filter((l) => l.trim()).map(normalise);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const values: Record<string, string> = { tenantId: start.banner.tenantId };

    // Step 1's inputs: the group ids `npm run sim -- groups` prints, the tier ids DefineFinance/DefineEngineering return.
    const groups = new Map((await shell('npm run --silent sim -- groups')).split('\n').map((line) => line.trim().split(/\s+/) as [string, string]));
    values.fin = groups.get('finance')!;
    values.eng = groups.get('engineering')!;
    expect(values.fin).toMatch(/^[0-9a-f-]{36}$/);
    values.finTier = (await post(blockDefining(README, 'DefineFinance'), 'DefineFinance', {})).defineAccessTier.id;
    values.engTier = (await post(blockDefining(README, 'DefineEngineering'), 'DefineEngineering', {})).defineAccessTier.id;

    const received: ReceivedEvent[] = [];
    const failures: unknown[] = [];
    const waiters: Array<() => void> = [];
    const until = (test: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited 60 s for ${what}; received ${JSON.stringify(received.map(describeEvent))}`)), 60_000);
        const check = () => {
          if (failures.length) {
            clearTimeout(timer);
            reject(new Error(`the subscription failed while waiting for ${what}: ${JSON.stringify(failures)}`));
            return;
          }
          if (!test()) return;
          clearTimeout(timer);
          resolve();
        };
        waiters.push(check);
        check();
      });

    let primed = -1;
    for (const block of blocks) {
      if (block.lang === 'sh') {
        for (const command of block.text.split('\n').filter((l) => l.trim().startsWith('npm '))) await shell(command);
        continue;
      }
      if (block.lang !== 'graphql') continue;
      for (const operation of parse(block.text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
        const name = operation.name!.value;
        const variables = Object.fromEntries((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, values[v.variable.name.value]]));
        if (operation.operation !== 'subscription') {
          // A round the scheduler is running holds the lease: then it does the work, and syncNow runs after it.
          for (let attempt = 0; attempt < 120; attempt++) {
            const data = await post(block.text, name, variables);
            if (data.syncNow?.ran !== false) break;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          continue;
        }
        client = createClient({ url: start.banner.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${start.banner.apiKey}` } });
        client.subscribe<{ directoryEvents: ReceivedEvent }>(
          { query: block.text, operationName: name, variables },
          {
            next: (result) => {
              if (result.errors) failures.push(...result.errors);
              if (result.data) received.push(result.data.directoryEvents);
              for (const waiter of waiters) waiter();
            },
            error: (error) => {
              failures.push(error instanceof Error ? error.message : error);
              for (const waiter of waiters) waiter();
            },
            complete: () => undefined,
          },
        );
        // The subscription is live once it delivers: with the heartbeat at 0 a round with nothing to do emits SYNC_COMPLETED.
        // graphql-ws does not say when a subscription is live: ask for a round every 2 s until one reaches it.
        const nudge = setInterval(() => void post('mutation($t: ID!) { syncNow(tenantId: $t) { ran } }', undefined, { t: values.tenantId }).catch(() => undefined), 2_000);
        await post('mutation($t: ID!) { syncNow(tenantId: $t) { ran } }', undefined, { t: values.tenantId });
        await until(() => received.some((e) => e.type === 'SYNC_COMPLETED'), 'a SYNC_COMPLETED on the new subscription').finally(() => clearInterval(nudge));
        primed = received.length;
      }
    }
    expect(primed).toBeGreaterThan(0);

    // The round that saw the move ends with its SYNC_COMPLETED, after its change events.
    await until(() => {
      const tierChange = received.findIndex((e, i) => i >= primed && e.type === 'ACCESS_TIER_CHANGED');
      return tierChange >= 0 && received.slice(tierChange).some((e) => e.type === 'SYNC_COMPLETED');
    }, 'the ACCESS_TIER_CHANGED and its round’s SYNC_COMPLETED');
    const round = received.slice(primed);
    const changes = round.slice(0, round.findIndex((e, i) => e.type === 'SYNC_COMPLETED' && round.slice(0, i).some((x) => x.type === 'ACCESS_TIER_CHANGED')));
    const nora = (await post('query($t: ID!) { tenant(id: $t) { user(userPrincipalName: "nora.finch@verafield.com") { id } } }', undefined, { t: values.tenantId })).tenant.user.id;
    expect(changes.filter((e) => e.type !== 'SYNC_COMPLETED').map((e) => `${e.subjectId === nora ? '' : `(not Nora: ${e.subjectId}) `}${normalise(describeEvent(e))}`)).toEqual(expected);

    // And accessTier answers Engineering, as step 4 says.
    const login = await post(blockDefining(README, 'Login'), 'Login', { tenantId: values.tenantId });
    expect(login.accessTier.tier.name).toBe('Engineering');
  }, 240_000);
});
