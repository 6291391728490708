/**
 * HTTP to Graph over node:https (or node:http for a plain local endpoint): one keep-alive agent per base URL
 * and CA, an extra CA trusted beside Node's roots for that agent only (the process's trust is untouched), and
 * a cap on body size. Knows nothing about Graph's semantics; the executor interprets what comes back.
 *
 * The extra CA goes in through one TLS secure context per CA bundle (secureContextTrusting), never as the
 * agent's `ca` option: https.Agent names its connection pools by concatenating its TLS options, `ca` included,
 * on EVERY request, and Node's ~150 roots plus ours make that a ~216 KB string each time (~0.9 ms of CPU per
 * request and as much garbage; issue 9). A secureContext is not part of the name, and is built once.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { protocolError } from './response';
import type { RawResponse } from './types';

/** Larger answers are refused: a $batch of 20 full pages is a few MiB; beyond this something is wrong. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** sha256 of a CA PEM -> a context trusting Node's roots and that CA; a process trusts few distinct CAs. */
const secureContexts = new Map<string, tls.SecureContext>();

/**
 * The TLS secure context that trusts Node's root certificates and `caPem`, made once per CA for the process
 * (building one parses every root: a few ms). `ca` replaces the default roots rather than adding to them, so
 * the roots are listed too.
 */
export function secureContextTrusting(caPem: string): tls.SecureContext {
  const key = createHash('sha256').update(caPem).digest('hex');
  let context = secureContexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
    secureContexts.set(key, context);
  }
  return context;
}

export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly options: { maxSockets?: number } = {}) {}

  agentFor(baseUrl: string, caPem?: string): http.Agent {
    const { protocol, origin } = new URL(baseUrl);
    const key = `${origin}|${caPem ? createHash('sha256').update(caPem).digest('hex') : 'system'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const shared = { keepAlive: true, maxSockets: this.options.maxSockets ?? 32 };
      agent = protocol === 'https:' ? new https.Agent({ ...shared, ...(caPem && { secureContext: secureContextTrusting(caPem) }) }) : new http.Agent(shared);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes pooled connections; later requests open new agents. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  agent: http.Agent;
  maxBodyBytes?: number;
}

/** Resolves with any status; rejects on network failure, abort or an oversized body. */
export function sendHttp(req: HttpRequest): Promise<RawResponse> {
  const url = new URL(req.url);
  const transport = url.protocol === 'https:' ? https : http;
  const limit = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const headers = { ...req.headers, ...(req.body !== undefined && { 'content-length': String(Buffer.byteLength(req.body)) }) };
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: req.method, headers, agent: req.agent, signal: req.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          // Not a network failure: asking again would fetch the same oversized body. Settles the promise first,
          // so the errors that tearing down the socket raises afterwards are ignored.
          reject(protocolError(`Graph ${req.method} ${url.pathname}`, `a body of at most ${limit} bytes`, `more than ${limit} bytes`));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(req.body);
  });
}
