/** Seeding and client helpers for the event tests: tenants, committed events, graphql-ws subscribers. */
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { createDataSource } from '../../src/db/data-source';
import { appendEvents, type StoredEvent } from '../../src/events/event-log';
import { DirectoryEventType } from '../../src/events/event.types';
import { Tenant } from '../../src/tenants/tenant.entity';
import type { TestDatabase } from '../support/db';
import { bearer } from '../support/gateway';

export async function seedTenant(dataSource: DataSource, displayName = 'Events tenant'): Promise<string> {
  const tenant = await dataSource.getRepository(Tenant).save({
    displayName,
    entraTenantId: null,
    cloud: 'custom',
    authMode: 'APPLICATION',
    status: 'ACTIVE',
    grantedScopes: [],
    features: [],
    syncIntervalSeconds: 300,
  });
  return tenant.id;
}

/** Commits one event per `n` (payload { n }), each in its own transaction, and returns them. */
export async function commitEvents(
  dataSource: DataSource,
  tenantId: string,
  ns: number[],
  type: DirectoryEventType = DirectoryEventType.USER_UPDATED,
): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = [];
  for (const n of ns) {
    stored.push(...(await dataSource.transaction((manager) => appendEvents(manager, [{ tenantId, type, subjectId: `user-${n}`, payload: { n } }]))));
  }
  return stored;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * A second handle on an existing test database (its own DataSource, as a second process would have), for
 * startTestGateway({ database }); its drop() closes only its own DataSource, the owner drops the database.
 */
export async function secondHandle(database: TestDatabase): Promise<TestDatabase> {
  const dataSource = createDataSource(database.url, { poolSize: 4, applicationName: 'entra-gateway-test-2' });
  await dataSource.initialize();
  return {
    url: database.url,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

export interface ReceivedEvent {
  cursor: string;
  sequence: string;
  type: string;
  tenantId: string;
  subjectId: string | null;
  occurredAt: string;
  payload: { n?: number } & Record<string, unknown>;
}

type Result = FormattedExecutionResult<{ directoryEvents: ReceivedEvent }, unknown>;

export const EVENT_FIELDS = 'cursor sequence type tenantId subjectId occurredAt payload';

/**
 * A directoryEvents subscription over a real graphql-ws connection. `received` fills as events come;
 * `until(predicate)` resolves when an event satisfies it (no sleeps: waits for what the server sends).
 */
export class Subscriber {
  readonly received: ReceivedEvent[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly client: Client;
  private readonly waiters: Array<{ test: () => boolean }> = [];
  private unsubscribe: (() => void) | null = null;

  constructor(
    graphqlUrl: string,
    key: string,
    private readonly onEvent?: (event: ReceivedEvent, subscriber: Subscriber) => void,
  ) {
    this.client = createClient({ url: graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: bearer(key), lazy: true });
  }

  start(variables: { tenantId: string; after?: string | null; types?: string[] }): this {
    this.unsubscribe = this.client.subscribe<{ directoryEvents: ReceivedEvent }>(
      {
        query: `subscription($tenantId: ID!, $after: String, $types: [DirectoryEventType!]) { directoryEvents(tenantId: $tenantId, after: $after, types: $types) { ${EVENT_FIELDS} } }`,
        variables,
      },
      {
        next: (result: Result) => {
          if (result.errors) this.errors.push(...result.errors);
          if (result.data?.directoryEvents) {
            this.received.push(result.data.directoryEvents);
            this.onEvent?.(result.data.directoryEvents, this);
          }
          this.check();
        },
        error: (error) => {
          this.errors.push(error);
          this.completed = true;
          this.check();
        },
        complete: () => {
          this.completed = true;
          this.check();
        },
      },
    );
    return this;
  }

  /** Resolves when `test` holds (checked after each message); rejects if the subscription ends first. */
  until(test: (subscriber: Subscriber) => boolean, what = 'the expected events'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (test(this)) {
          resolve();
          return true;
        }
        if (this.completed) {
          reject(new Error(`subscription ended before ${what}; received n=${JSON.stringify(this.ns())}, errors ${JSON.stringify(this.errors)}`));
          return true;
        }
        return false;
      };
      if (!check()) this.waiters.push({ test: check });
    });
  }

  untilN(n: number): Promise<void> {
    return this.until((s) => s.ns().includes(n), `the event n=${n}`);
  }

  untilEnded(): Promise<void> {
    return this.until((s) => s.completed, 'its end');
  }

  ns(): number[] {
    return this.received.map((event) => event.payload.n ?? -1);
  }

  last(): ReceivedEvent {
    return this.received[this.received.length - 1];
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.client.dispose();
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) this.waiters.splice(this.waiters.indexOf(waiter), 1);
    }
  }
}
