// The portal's one way to the gateway: its own GraphQL API at /graphql, authenticated by the session cookie
// (HttpOnly, sent by the browser) and the page's CSRF token (x-portal-csrf), never by an API key.
const csrf = document.querySelector('meta[name="portal-csrf"]')?.getAttribute('content') ?? '';

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-portal-csrf': csrf },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The gateway could not be reached. Check your connection and try again.', 'NETWORK');
  }
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) {
    const first = body.errors[0];
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED') throw new ApiError('Your portal session has ended. Ask the application for a new link.', code);
    throw new ApiError(first.message, code);
  }
  if (!response.ok) throw new ApiError(`The gateway answered ${response.status}.`, 'HTTP');
  return body.data;
}

/** "3 minutes ago", for lags and ages. */
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
