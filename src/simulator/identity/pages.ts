/**
 * The simulator's sign-in/consent page and its error page, as pure functions of a view. Everything that
 * comes from a request (app name, login hint, scope names, error text) is HTML-escaped: the page reflects
 * caller input and must not become an injection vector.
 */
import type { AadError } from './aad-error';

export interface ConsentPageView {
  heading: string;
  appName: string;
  /** Text above the permission list, e.g. "wants to access your data". */
  intro: string;
  permissions: { name: string; description: string; adminOnly: boolean }[];
  /** Where Accept/Cancel post. */
  action: string;
  transactionId: string;
  loginHint?: string;
  /** Shown above the form after a failed sign-in attempt. */
  error?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:Segoe UI,Arial,sans-serif;max-width:32rem;margin:3rem auto;color:#1b1b1b}
.error{color:#a80000}.admin{font-size:.8rem;color:#605e5c}button{margin-right:.5rem}</style></head>
<body>
<p class="banner">Microsoft Entra simulator (local test double)</p>
${body}
</body>
</html>
`;
}

export function renderConsentPage(view: ConsentPageView): string {
  const items = view.permissions
    .map(
      (p) =>
        `<li><strong>${escapeHtml(p.name)}</strong>: ${escapeHtml(p.description)}${p.adminOnly ? ' <span class="admin">(admin consent required)</span>' : ''}</li>`,
    )
    .join('\n');
  const error = view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>\n` : '';
  return page(
    view.heading,
    `<h1>${escapeHtml(view.heading)}</h1>
${error}<p><strong class="app-name">${escapeHtml(view.appName)}</strong> ${escapeHtml(view.intro)}</p>
<ul class="permissions">
${items}
</ul>
<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="transaction" value="${escapeHtml(view.transactionId)}">
<label for="login">Sign in (user principal name)</label>
<input id="login" name="login" type="text" autocomplete="username" value="${escapeHtml(view.loginHint ?? '')}">
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>`,
  );
}

/** Shown instead of redirecting when the redirect target itself cannot be trusted (unknown app or URI). */
export function renderErrorPage(err: AadError): string {
  return page(
    'Sign-in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" role="alert">${escapeHtml(err.message)}</p>
<p>error: <code>${escapeHtml(err.error)}</code></p>`,
  );
}

/** The end-session endpoint's answer when there is no registered post-logout redirect to follow. */
export function renderSignedOutPage(): string {
  return page('Signed out', '<h1>You signed out of your account.</h1>\n<p>The simulator keeps no browser session; you can close this window.</p>');
}
