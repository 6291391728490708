/**
 * How many objects and member entries a delta page carries, from the request's Prefer header. Pure; route.ts
 * reads the header on every request, since Graph wants the Prefer header on each request of a round (it is not
 * carried by the nextLink).
 *
 * The facts relied on (graph-facts §4 and §12; Microsoft Q&A answers by Microsoft staff):
 * - `Prefer: odata.maxpagesize=N` is honoured by directory delta up to 200 objects a page and 500
 *   directory-link entries a page (a group's "members@delta" entries); a larger N is capped to these.
 * - Without the header users/delta and groups/delta pages hold at most 200 objects (verified).
 * - Without the header, member entries per page: 100, the simulator's default kept as it was. [unverified: the
 *   Q&A answer says Graph then uses the caps, i.e. 500; the default is kept so rounds without the header look
 *   as they did, and a client that wants large pages asks for them.]
 * - N below the caps bounds both the objects and the member entries of a page. [unverified: Microsoft states
 *   only the two caps.]
 * - The answer carries `Preference-Applied: odata.maxpagesize=M`, M the number applied (N capped at the larger
 *   cap that applies to the resource: 500 when membership is tracked, else 200). [unverified: which number Graph
 *   echoes when it caps.]
 * - A value that is not a positive integer is ignored (no Preference-Applied), as RFC 7240 lets a server ignore
 *   a preference it cannot honour. [unverified for Graph]
 * - Graph may return fewer items than asked when an internal timeout hits; the simulator never does.
 */
import type { PageLimits } from './changes';

/** Graph's caps for directory delta pages. */
export const DELTA_PAGE_CAPS: Readonly<PageLimits> = { objects: 200, members: 500 };
/** Without odata.maxpagesize (see the header for which part is unverified). */
export const DELTA_PAGE_DEFAULT: Readonly<PageLimits> = { objects: 200, members: 100 };

export interface DeltaPageSize {
  limits: PageLimits;
  /** The value for Preference-Applied (odata.maxpagesize=...); undefined when the header asked nothing usable. */
  applied?: number;
}

/**
 * The preferences of a Prefer header value (RFC 7240): comma-separated `name[=value][; param...]`, names
 * case-insensitive, values optionally quoted. Several Prefer headers arrive joined by ", ". The first
 * occurrence of a name wins, as the RFC says.
 */
export function parsePrefer(header: string | undefined): Map<string, string> {
  const preferences = new Map<string, string>();
  if (!header) return preferences;
  for (const part of header.split(',')) {
    const [head] = part.split(';');
    const eq = head.indexOf('=');
    const name = (eq < 0 ? head : head.slice(0, eq)).trim().toLowerCase();
    if (!name || preferences.has(name)) continue;
    const raw = eq < 0 ? '' : head.slice(eq + 1).trim();
    preferences.set(name, raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
  }
  return preferences;
}

/** The page limits for one delta request; `tracksMembers`: groups/delta with members@delta. */
export function deltaPageSize(preferences: ReadonlyMap<string, string>, tracksMembers: boolean): DeltaPageSize {
  const raw = preferences.get('odata.maxpagesize');
  const asked = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
  if (asked < 1) return { limits: { ...DELTA_PAGE_DEFAULT } };
  const limits = { objects: Math.min(asked, DELTA_PAGE_CAPS.objects), members: Math.min(asked, DELTA_PAGE_CAPS.members) };
  return { limits, applied: tracksMembers ? limits.members : limits.objects };
}
