/**
 * Collections and delta rounds: follow @odata.nextLink as the full URL Graph gave (never parsed or rebuilt),
 * re-sending the caller's headers (ConsistencyLevel and Prefer are not carried by the link) on every page.
 * Delta rounds ask for Graph's largest pages (`Prefer: odata.maxpagesize`) on every request of the round.
 */
import { GraphProtocolError } from './errors';
import type { GraphExecutor } from './executor';
import { readPage } from './response';
import type { GraphCallOptions, GraphPage, GraphResponse } from './types';
import { pathOf } from './classify';

export interface PageOptions extends GraphCallOptions {
  /** Asks for @odata.count (page 1 only): adds $count=true and ConsistencyLevel: eventual. */
  count?: boolean;
}

export interface ListOptions extends PageOptions {
  /** Stop collecting after this many items. */
  max?: number;
}

export interface ListResult<T> {
  items: T[];
  count?: number;
  /** True when `max` cut the listing short. */
  truncated: boolean;
}

export async function* pages<T>(exec: GraphExecutor, path: string, opts: PageOptions = {}): AsyncGenerator<GraphPage<T>> {
  const { count, ...call } = opts;
  const first = count ? withCount(path) : path;
  yield* followLinks<T>(exec, first, count ? { ...call, consistencyLevel: 'eventual' } : call);
}

export async function list<T>(exec: GraphExecutor, path: string, opts: ListOptions = {}): Promise<ListResult<T>> {
  const { max = Number.POSITIVE_INFINITY, ...pageOpts } = opts;
  const items: T[] = [];
  let count: number | undefined;
  let first = true;
  for await (const page of pages<T>(exec, path, pageOpts)) {
    // Graph sends @odata.count on page 1 only; a count on a later page is not the query's.
    if (first) count = page.count;
    first = false;
    items.push(...page.items);
    if (items.length >= max && (items.length > max || page.nextLink !== undefined)) {
      return { items: items.slice(0, max), count, truncated: true };
    }
  }
  return { items, count, truncated: false };
}

/**
 * The largest delta page Graph serves (graph-facts §12, Microsoft Q&A answers by Microsoft staff): 200 objects
 * and 500 directory-link entries ("members@delta") a page; a larger odata.maxpagesize is capped to these, so
 * asking for 500 gets both caps (200 would also cap the member entries at 200 where Graph counts them against
 * the same number [unverified]). Without the header Graph may serve smaller pages.
 */
export const DELTA_MAX_PAGE_SIZE = 500;

/**
 * The headers with `odata.maxpagesize=size` added to Prefer (kept beside the caller's own preferences, such as
 * return=minimal). A caller that already asks for a page size keeps its own.
 */
export function withMaxPageSize(headers: Readonly<Record<string, string>> | undefined, size: number): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  const name = Object.keys(out).find((key) => key.toLowerCase() === 'prefer');
  const current = name === undefined ? '' : out[name].trim();
  if (/(^|[,\s])odata\.maxpagesize\s*=/i.test(current)) return out;
  if (name !== undefined) delete out[name];
  out.Prefer = current ? `${current}, odata.maxpagesize=${size}` : `odata.maxpagesize=${size}`;
  return out;
}

/** The delta page size option of GraphClient: a positive integer, or false to send no page-size preference. */
export function checkDeltaPageSize(value: unknown): number | false {
  if (value === false || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1_000_000)) return value;
  throw new RangeError(`GraphClient: expected deltaPageSize to be a whole number from 1 to 1000000 or false, got ${typeof value === 'number' ? value : JSON.stringify(value) ?? String(value)}`);
}

/**
 * One delta round from a start URL or a stored deltaLink: every page goes to `onPage` in order; returns the
 * round's @odata.deltaLink. A token Graph no longer honours surfaces as DeltaResyncRequiredError.
 */
export async function deltaRound<T>(
  exec: GraphExecutor,
  startUrlOrDeltaLink: string,
  onPage: (page: GraphPage<T>) => void | Promise<void>,
  opts: GraphCallOptions = {},
): Promise<string> {
  let last: GraphPage<T> | undefined;
  for await (const page of followLinks<T>(exec, startUrlOrDeltaLink, opts)) {
    await onPage(page);
    last = page;
  }
  if (last?.deltaLink === undefined) {
    throw new GraphProtocolError({
      status: 200,
      code: 'MalformedResponse',
      message: `Delta round from ${pathOf(startUrlOrDeltaLink)}: expected the last page to carry @odata.deltaLink, got a page with neither link`,
    });
  }
  return last.deltaLink;
}

async function* followLinks<T>(exec: GraphExecutor, first: string, call: GraphCallOptions): AsyncGenerator<GraphPage<T>> {
  // A hostile or broken service could hand back a link already followed; without this the loop never ends.
  const seen = new Set<string>();
  for (let url: string | undefined = first; url !== undefined; ) {
    const response: GraphResponse = await exec.send({ ...call, method: 'GET', url });
    const page: GraphPage<T> = readPage<T>(response.body, exec.root, `GET ${pathOf(url)}`);
    yield page;
    seen.add(url);
    url = page.nextLink;
    if (url !== undefined && seen.has(url)) {
      throw new GraphProtocolError({ status: response.status, code: 'MalformedResponse', message: `GET ${pathOf(url)}: @odata.nextLink repeats a page already read` });
    }
  }
}

function withCount(path: string): string {
  if (/[?&]\$count=/i.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}$count=true`;
}
