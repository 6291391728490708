/**
 * One webhook POST: connects to the address the SSRF guard checked (pinned through `lookup`, so a DNS change
 * between the check and the connection cannot redirect it; TLS still verifies the certificate for the URL's host
 * name), never follows a redirect (a 3xx is a failure), gives up after `timeoutMs` overall, reads at most 64 KiB of
 * the answer.
 */
import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  status: number | null;
  latencyMs: number;
  error: string | null;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export function postPinned(url: URL, pinned: { address: string; family: 4 | 6 }, headers: Record<string, string>, body: string, timeoutMs: number, signal?: AbortSignal, agent?: http.Agent): Promise<PostResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ status, latencyMs: elapsed(), error });
    };
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'entra-gateway-webhooks/1' },
        lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
          else callback(null, pinned.address, pinned.family);
        }) as never,
        // A keep-alive agent of the caller's (one delivery round) or a fresh connection.
        agent: agent ?? false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? null;
        res.on('end', () => done(status, status !== null && status >= 300 && status < 400 ? `redirect to ${String(res.headers.location ?? '(none)').slice(0, 200)} not followed` : null));
        res.on('close', () => done(status, null));
        res.on('error', () => done(status, null));
      },
    );
    const timer = setTimeout(() => {
      done(null, `timed out after ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      done(null, 'aborted: the gateway is stopping');
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort);
    req.on('error', (error: NodeJS.ErrnoException) => done(null, error.code ? `${error.code}: ${error.message}` : error.message));
    req.end(body);
  });
}
