/**
 * MSAL's network module over node:https, so an extra CA (the simulator's self-signed certificate) is trusted for
 * the identity platform's requests only: no NODE_EXTRA_CA_CERTS, no global agent change. The CA reaches the
 * agent as one TLS secure context, not as its `ca` option, for the reason given in src/graph/transport.ts (an
 * agent's `ca` list is turned into a ~216 KB pool name on every request).
 */
import { injectTraceContext } from '../observability/tracing';
import { createHash } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import {
  AuthError,
  ServerError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

export interface HttpsNetworkClientOptions {
  /** PEM of a CA to trust in addition to the system's roots. */
  caPem?: string;
  /** How long a request's socket may stay silent before the request fails (default 10 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export class HttpsNetworkClient implements INetworkModule {
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;

  constructor(options: HttpsNetworkClientOptions = {}) {
    this.agent = new https.Agent({
      keepAlive: true,
      ...(options.caPem && { secureContext: secureContextTrusting(options.caPem) }),
    });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const target = describeEndpoint(method, url);
    const response = await this.exchange(method, url, options, timeout ?? this.timeoutMs, target);
    const body = parseJson(response.text);
    /*
     * 429 and 5xx are thrown, not returned: MSAL would otherwise record a client-side throttle for the request
     * and answer every repeat of it from that record for up to an hour, defeating our own bounded retries.
     */
    if (response.status === 429 || response.status >= 500) {
      throw serverFailure(target, response.status, body);
    }
    if (body === undefined) {
      const contentType = response.headers['content-type'] ?? 'no content type';
      throw new ServerError(
        'invalid_response',
        '',
        `${target}: expected a JSON body, got ${contentType} (HTTP ${response.status})`,
        undefined,
        undefined,
        response.status,
      );
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }

  private exchange(
    method: string,
    url: string,
    options: NetworkRequestOptions | undefined,
    timeoutMs: number,
    target: string,
  ): Promise<RawResponse> {
    // The token request's span travels to the identity platform as a W3C traceparent (when tracing is on).
    const headers = { ...options?.headers };
    injectTraceContext(headers);
    return new Promise((resolve, reject) => {
      const request = https.request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(networkFailure(target, err)));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no complete response within ${timeoutMs} ms`)));
      request.on('error', (err) => reject(networkFailure(target, err)));
      request.end(method === 'POST' ? (options?.body ?? '') : undefined);
    });
  }
}

// The URL without its query: a GET's query names only public endpoints, but nothing is gained by logging it.
/** sha256 of a CA PEM -> its context: every client of a process trusting the same CA shares one. */
const secureContexts = new Map<string, tls.SecureContext>();

/** Node's roots and `caPem` (`ca` replaces the default roots rather than adding to them, so the roots are listed too). */
function secureContextTrusting(caPem: string): tls.SecureContext {
  const key = createHash('sha256').update(caPem).digest('hex');
  let context = secureContexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
    secureContexts.set(key, context);
  }
  return context;
}

function describeEndpoint(method: string, url: string): string {
  const { origin, pathname } = new URL(url);
  return `${method} ${origin}${pathname}`;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function serverFailure(target: string, status: number, body: Record<string, unknown> | undefined): ServerError {
  const codes = body?.error_codes;
  const errorNo = Array.isArray(codes) && codes.length > 0 ? String(codes[0]) : undefined;
  const error = typeof body?.error === 'string' ? body.error : status === 429 ? 'throttled' : 'server_error';
  return new ServerError(error, '', `${target} answered HTTP ${status}`, undefined, errorNo, status);
}

function networkFailure(target: string, err: Error): AuthError {
  const code = (err as NodeJS.ErrnoException).code;
  return new AuthError('network_error', '', `${target} failed: ${code ?? err.message}`);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
