/**
 * Building Graph URLs from untrusted text (graph-facts §2). String literals double their single quotes, so
 * `' or 1 eq 1` stays inside its literal; control characters and broken UTF-16 are refused outright, as no
 * directory value needs them. Path segments are percent-encoded whole (`#EXT#` UPNs), and query values too
 * (a raw `#` or `&` would end the filter early). Property names are checked, never escaped.
 */

export type ODataLiteral = string | number | boolean | null;

// C0 and C1 controls, DEL included.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const QUERY_NAME = /^\$?[A-Za-z][A-Za-z0-9]*$/;
const PROPERTY_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A quoted OData string literal: `O'Brien` -> `'O''Brien'`. */
export function odataString(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`odataString: expected a string, got ${typeof value}`);
  const control = CONTROL_CHARACTERS.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new RangeError(`odataString: control character U+${code} at index ${control.index} is not allowed in an OData literal`);
  }
  if (LONE_SURROGATE.test(value)) throw new RangeError('odataString: the value holds an unpaired UTF-16 surrogate');
  return `'${value.replace(/'/g, "''")}'`;
}

export function odataLiteral(value: ODataLiteral): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return odataString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`odataLiteral: expected a string, finite number, boolean or null, got ${String(value)}`);
}

/** A property name or path (`displayName`, `assignedLicenses/skuId`); refuses anything else. */
export function odataProperty(name: string): string {
  if (!PROPERTY_PATH.test(name)) throw new RangeError(`Expected an OData property name like "displayName", got ${JSON.stringify(name)}`);
  return name;
}

export function filterEq(property: string, value: ODataLiteral): string {
  return `${odataProperty(property)} eq ${odataLiteral(value)}`;
}

export function startsWith(property: string, value: string): string {
  return `startsWith(${odataProperty(property)},${odataString(value)})`;
}

/** A $select value from requested names, each of which must be in `allowed` (the entity's selectable properties). */
export function selectList(properties: Iterable<string>, allowed: ReadonlySet<string>): string {
  const wanted = [...new Set(properties)];
  if (wanted.length === 0) throw new RangeError('$select needs at least one property');
  const unknown = wanted.filter((p) => !allowed.has(p));
  if (unknown.length > 0) {
    throw new RangeError(`$select: ${unknown.map((p) => JSON.stringify(p)).join(', ')} not selectable; expected any of ${[...allowed].join(', ')}`);
  }
  return wanted.join(',');
}

/** One path segment, percent-encoded (`a#EXT#@x.com` -> `a%23EXT%23%40x.com`); dot segments would climb. */
export function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..') throw new RangeError(`Expected a path segment, got ${JSON.stringify(value)}`);
  return encodeURIComponent(value);
}

/** graphPath`/users/${upn}/memberOf`: every interpolated value becomes one encoded segment. */
export function graphPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((path, text, i) => path + text + (i < values.length ? pathSegment(values[i]) : ''), '');
}

/** `?$top=5&$filter=...` with values percent-encoded and names kept literal ($ is legal there). Undefined is left out. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const badName = Object.keys(params).find((name) => !QUERY_NAME.test(name));
  if (badName !== undefined) throw new RangeError(`Expected a query option name like "$filter", got ${JSON.stringify(badName)}`);
  const pairs = Object.entries(params).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return pairs.length === 0 ? '' : `?${pairs.map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`).join('&')}`;
}
