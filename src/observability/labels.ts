/**
 * Label rules for the metrics: every label value a caller or Graph can influence goes through one of these,
 * so a series count stays bounded whatever arrives.
 */

/** At most this many distinct GraphQL operation names get series of their own; later ones share "other". */
export const OPERATION_NAME_LIMIT = 200;

/** Keeps the first `limit` distinct values; every later one is "other". 0: everything is "other". */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(public limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** A GraphQL name as the spec allows it, not longer than anyone would name an operation. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * The `operation` label: the operation's name; "anonymous" for an unnamed one; "unknown" when the document did
 * not get as far as naming one (unparsable, no operation) or the name is not a plain GraphQL name; "other"
 * once `names` is full.
 */
export function operationLabel(name: string | null | undefined, names: BoundedLabel): string {
  if (name === null) return 'anonymous';
  if (name === undefined || !OPERATION_NAME.test(name)) return 'unknown';
  return names.of(name);
}

/** Top-level Graph resources the gateway calls; anything else is "other". */
const KNOWN_ROOTS = new Set([
  'users',
  'groups',
  'directoryRoles',
  'servicePrincipals',
  'applications',
  'subscriptions',
  'organization',
  'directoryObjects',
  'me',
]);

/** Navigations worth their own class (memberships are most of a tenant's requests). */
const NAVIGATIONS = new Set(['members', 'transitiveMembers', 'memberOf', 'transitiveMemberOf', 'owners']);

/**
 * The `endpoint` label of a Graph request from its URL or path (below /v1.0, query ignored): `batch`,
 * `<root>` (users, groups, ...), `<root>.delta`, `<root>.<navigation>` (groups.members, ...),
 * `conditionalAccess`, or `other`. Ids never reach the label.
 */
export function endpointClass(pathOrUrl: string): string {
  const path = pathOrUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const segments = path.split('?')[0].split('/').filter(Boolean);
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  const [first, ...rest] = segments;
  if (first === undefined) return 'other';
  // An alternate key (servicePrincipals(appId='...')) is an id like any other.
  const root = first.replace(/\(.*$/, '');
  if (root === '$batch') return 'batch';
  if (root === 'identity' && rest[0] === 'conditionalAccess') return 'conditionalAccess';
  if (!KNOWN_ROOTS.has(root)) return 'other';
  if (rest.some((segment) => segment === 'delta' || segment.startsWith('delta('))) return `${root}.delta`;
  const navigation = rest.find((segment) => NAVIGATIONS.has(segment));
  return navigation ? `${root}.${navigation}` : root;
}
