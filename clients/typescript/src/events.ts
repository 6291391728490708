/**
 * `events(tenantId, { types, after })`: the tenant's change events as an async iterator that outlives disconnects
 * and gateway restarts. Each attempt is one graphql-ws subscription from the cursor of the last event handed out;
 * when it ends, decide() (stream-policy.ts) says whether to resubscribe after a back-off or to stop with a typed
 * EventsError. The gateway replays what happened after the cursor, then streams live, so nothing is lost or
 * repeated across the seam. The iterator keeps no state beyond that cursor, and every event carries its own
 * `cursor`: persist the cursor of the last event you have processed and pass it as `after` when you start again.
 */
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { toGatewayError } from './errors';
import { DirectoryEventsDocument, type DirectoryEventType, type EventFieldsFragment } from './generated/graphql';
import { backoffDelay, decide, DEFAULT_RETRY, type Decision, type EventsErrorCode, type RetryPolicy, type StreamEnd } from './stream-policy';

export type GatewayEvent = EventFieldsFragment;

export interface EventsOptions {
  /** Only these types; all when absent or empty. */
  types?: DirectoryEventType[];
  /** The cursor of the last event you processed. Absent or null: only events from now on. */
  after?: string | null;
  retry?: Partial<RetryPolicy>;
  /** Aborting ends the iteration (as `close()` does). */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log why the stream is reconnecting. */
  onRetry?(info: RetryInfo): void;
  /**
   * Events received but not yet taken by the loop, beyond which the subscription is dropped and taken up again
   * from the cursor once the loop has caught up (default 10,000). Bounds memory for a slow consumer.
   */
  maxBuffered?: number;
}

export interface RetryInfo {
  /** Consecutive failed attempts so far (0 for an immediate resume after the buffer drained). */
  attempt: number;
  delayMs: number;
  why: string;
  /**
   * The cursor the next attempt resumes after. Null before the first event of a stream started without `after`:
   * that attempt can only take events from its own start, so events of the outage are not replayed.
   */
  resumeAfter: string | null;
}

/** Why the iteration stopped. `resumeAfter` is the cursor of the last event handed out (null if none). */
export class EventsError extends Error {
  readonly code: EventsErrorCode;
  readonly resumeAfter: string | null;
  readonly closeCode?: number;
  readonly extensions: Readonly<Record<string, unknown>>;
  constructor(decision: Omit<Extract<Decision, { action: 'fail' }>, 'action'>, resumeAfter: string | null) {
    super(decision.message);
    this.name = 'EventsError';
    this.code = decision.code;
    this.resumeAfter = resumeAfter;
    this.extensions = decision.extensions ?? {};
    if (decision.closeCode !== undefined) this.closeCode = decision.closeCode;
  }
}

/** An async iterable of events; `close()` ends it (a pending `next()` resolves as done). */
export interface EventStream extends AsyncIterable<GatewayEvent> {
  close(): void;
}

export interface SocketOptions {
  url: string;
  webSocketImpl: unknown;
  connectionParams: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The credential is asked for again on each connection (see decide()). */
  refreshableCredential?: boolean;
}

type Item = { event: GatewayEvent } | { end: StreamEnd } | { aborted: true };

export function eventStream(socket: SocketOptions, tenantId: string, options: EventsOptions = {}): EventStream {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  return {
    close: () => controller.abort(),
    [Symbol.asyncIterator]: () => run(socket, tenantId, options, signal),
  };
}

async function* run(socket: SocketOptions, tenantId: string, options: EventsOptions, signal: AbortSignal): AsyncGenerator<GatewayEvent, void, undefined> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const maxBuffered = options.maxBuffered ?? 10_000;
  let after = options.after ?? null;
  let failures = 0;
  let lastEndWasErrors = false;
  while (!signal.aborted) {
    const attempt = openAttempt(socket, { tenantId, types: options.types, after, maxBuffered, signal }, () => {
      // A connection that works again resets the back-off, unless the subscription itself keeps failing on it.
      if (!lastEndWasErrors) failures = 0;
    });
    let end: StreamEnd | null = null;
    try {
      for (;;) {
        const item = await attempt.next();
        if ('aborted' in item) return;
        if ('end' in item) {
          end = item.end;
          break;
        }
        failures = 0;
        lastEndWasErrors = false;
        after = item.event.cursor;
        yield item.event;
      }
    } finally {
      await attempt.dispose();
    }
    if (!end) return;
    const decision = decide(end, { refreshableCredential: socket.refreshableCredential ?? false });
    if (decision.action === 'fail') throw new EventsError(decision, after);
    lastEndWasErrors = end.kind === 'errors';
    if (!decision.immediate) failures++;
    if (failures > policy.maxAttempts) {
      throw new EventsError({ code: 'RETRIES_EXHAUSTED', message: `gave up after ${policy.maxAttempts} failed attempts; the last: ${decision.why}` }, after);
    }
    const delayMs = decision.immediate ? 0 : backoffDelay(failures, policy);
    options.onRetry?.({ attempt: failures, delayMs, why: decision.why, resumeAfter: after });
    if (delayMs > 0) await sleep(delayMs, signal);
  }
}

interface Attempt {
  next(): Promise<Item>;
  dispose(): Promise<void>;
}

function openAttempt(
  socket: SocketOptions,
  args: { tenantId: string; types?: DirectoryEventType[]; after: string | null; maxBuffered: number; signal: AbortSignal },
  onConnected: () => void,
): Attempt {
  const queue: Item[] = [];
  let waiter: ((item: Item) => void) | null = null;
  let ended = false;
  const push = (item: Item): void => {
    if (waiter) {
      const resolve = waiter;
      waiter = null;
      resolve(item);
    } else {
      queue.push(item);
    }
  };
  const end = (streamEnd: StreamEnd): void => {
    if (ended) return;
    ended = true;
    push({ end: streamEnd });
  };
  const onAbort = (): void => {
    queue.length = 0;
    push({ aborted: true });
  };
  args.signal.addEventListener('abort', onAbort, { once: true });

  const client: Client = createClient({
    url: socket.url,
    webSocketImpl: socket.webSocketImpl,
    connectionParams: socket.connectionParams,
    lazy: true,
    // The iterator retries itself, from the cursor it has handed out; graphql-ws would resubscribe with the
    // variables of the first attempt.
    retryAttempts: 0,
    on: { connected: () => onConnected() },
  });
  const stop = (): void => unsubscribe();
  const unsubscribe = client.subscribe<{ directoryEvents: GatewayEvent }>(
    { query: print(DirectoryEventsDocument), variables: { tenantId: args.tenantId, types: args.types ?? null, after: args.after } },
    {
      next: (result) => {
        if (ended) return;
        if (result.errors?.length) return end({ kind: 'errors', errors: result.errors.map((e) => toGatewayError(e)) });
        const event = result.data?.directoryEvents;
        if (!event) return end({ kind: 'errors', errors: [toGatewayError({ message: `expected data.directoryEvents, got ${JSON.stringify(result)}` })] });
        if (queue.length >= args.maxBuffered) {
          // Stop the flow now; what is queued is handed out, then the next attempt resumes after the last of it.
          end({ kind: 'overflow' });
          return stop();
        }
        push({ event });
      },
      error: (error) => end(streamEndOf(error)),
      complete: () => end({ kind: 'completed' }),
    },
  );
  return {
    next: () => (args.signal.aborted ? Promise.resolve({ aborted: true }) : queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => (waiter = resolve))),
    async dispose() {
      args.signal.removeEventListener('abort', onAbort);
      ended = true;
      unsubscribe();
      await client.dispose();
    },
  };
}

/** What graphql-ws hands to `error`: GraphQL errors (an array), a CloseEvent, or an Error/ErrorEvent. */
export function streamEndOf(error: unknown): StreamEnd {
  if (Array.isArray(error)) return { kind: 'errors', errors: error.map((e) => toGatewayError(e as never)) };
  if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'number' && 'reason' in error) {
    const { code, reason } = error as unknown as { code: number; reason: unknown };
    return { kind: 'closed', code, reason: String(reason ?? '') };
  }
  const message = error instanceof Error ? error.message : error && typeof error === 'object' && 'message' in error ? String((error as { message: unknown }).message) : String(error);
  return { kind: 'unreachable', message };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
