/**
 * Where requests may go. Every URL the client requests is under one Graph root (`{graphBaseUrl}/v1.0/`):
 * relative paths are joined to it, and absolute URLs (nextLinks, deltaLinks, a 410's Location) must stay
 * under it. A link to another host would carry the tenant's bearer token there, so it is refused.
 */
import { GraphProtocolError } from './errors';

export const GRAPH_VERSION = 'v1.0';

export class GraphRoot {
  /** e.g. https://graph.microsoft.com/v1.0 (no trailing slash) */
  readonly url: string;
  private readonly origin: string;
  private readonly prefix: string;

  constructor(graphBaseUrl: string) {
    const base = new URL(graphBaseUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError(`graphBaseUrl must be an http(s) URL, got ${graphBaseUrl}`);
    if (base.username || base.password || base.search || base.hash) {
      throw new TypeError(`graphBaseUrl must be an origin with an optional path, got ${graphBaseUrl}`);
    }
    this.origin = base.origin;
    this.prefix = `${base.pathname.replace(/\/+$/, '')}/${GRAPH_VERSION}`;
    this.url = `${this.origin}${this.prefix}`;
  }

  /** `/users?$top=5` -> the full URL; an absolute URL must already be under this root. */
  resolve(pathOrUrl: string, what = 'request URL'): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) {
      this.assertUnder(pathOrUrl, what);
      return pathOrUrl;
    }
    if (!pathOrUrl.startsWith('/')) throw new TypeError(`A Graph path must start with '/', got ${JSON.stringify(pathOrUrl)}`);
    // Checked too: dot segments ("/users/../..") would otherwise climb out of the version root.
    const joined = `${this.url}${pathOrUrl}`;
    this.assertUnder(joined, what);
    return joined;
  }

  /** Refuses a link that leaves this root: another scheme, host, port, version, or embedded credentials. */
  assertUnder(link: string, what: string): void {
    let url: URL | undefined;
    try {
      url = new URL(link);
    } catch {
      url = undefined;
    }
    const inside = url !== undefined && url.origin === this.origin && !url.username && !url.password && url.pathname.startsWith(`${this.prefix}/`);
    if (!inside) {
      throw new GraphProtocolError({
        status: 0,
        code: 'UntrustedLink',
        message: `Refused ${what}: expected a URL under ${this.url}/, got ${JSON.stringify(truncate(link))}`,
      });
    }
  }

  /** The path below the root, for $batch sub-requests, which take relative URLs. */
  relative(pathOrUrl: string): string {
    return this.resolve(pathOrUrl).slice(this.url.length);
  }
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}
