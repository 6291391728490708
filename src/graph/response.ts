/**
 * Reading Graph's answers as hostile input: bodies are decoded by content type, and collection pages are
 * checked field by field (value array, link strings under our Graph root, a whole-number count) so that a
 * malformed answer fails here, clearly, instead of deep inside a resolver.
 */
import { GraphProtocolError } from './errors';
import { headerValue, type HeaderBag } from './headers';
import type { GraphPage } from './types';
import type { GraphRoot } from './urls';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type DecodedBody = { ok: true; value: unknown } | { ok: false; text: string };

/** JSON when the content type says so (or the text is empty); other types (text/plain $count) as text. */
export function decodeBody(text: string, headers: HeaderBag): DecodedBody {
  if (text === '') return { ok: true, value: undefined };
  const type = headerValue(headers, 'content-type') ?? '';
  if (!/json/i.test(type)) return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, text };
  }
}

export function protocolError(where: string, expected: string, got: unknown, status = 0): GraphProtocolError {
  return new GraphProtocolError({ status, code: 'MalformedResponse', message: `${where}: expected ${expected}, got ${describe(got)}` });
}

/**
 * One page of a collection or delta round. Links must stay under `root`: they are followed with the tenant's
 * token. `where` names the request in error messages.
 */
export function readPage<T>(body: unknown, root: GraphRoot, where: string): GraphPage<T> {
  if (!isRecord(body)) throw protocolError(where, 'a JSON object with a "value" array', body);
  if (!Array.isArray(body.value)) throw protocolError(where, '"value" to be an array', body.value);
  const page: GraphPage<T> = { items: body.value as T[] };
  const nextLink = optionalLink(body, '@odata.nextLink', root, where);
  const deltaLink = optionalLink(body, '@odata.deltaLink', root, where);
  if (nextLink !== undefined) page.nextLink = nextLink;
  if (deltaLink !== undefined) page.deltaLink = deltaLink;
  const count = body['@odata.count'];
  if (count !== undefined) {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw protocolError(where, '"@odata.count" to be a whole number', count);
    page.count = count;
  }
  return page;
}

function optionalLink(body: Record<string, unknown>, name: string, root: GraphRoot, where: string): string | undefined {
  const link = body[name];
  if (link === undefined || link === null) return undefined;
  if (typeof link !== 'string') throw protocolError(where, `"${name}" to be a string`, link);
  root.assertUnder(link, `${name} of ${where}`);
  return link;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).slice(0, 8).join(', ')}]`;
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`;
}
