/**
 * The hosted admin portal's HTTP side (the express adapter over PortalService):
 *   GET /portal/open?tenant=&token=  exchanges a link for a session cookie, once, then 303 to /portal/ (the token
 *                                    leaves the address bar); a refused link gets a page saying why.
 *   GET /portal/                      the wizard's page (its CSRF token in a meta tag), or a page saying there is no session.
 *   GET /portal/brand.css             the accent colour as a CSS variable (no inline style needed).
 *   GET /portal/assets/*              the bundle built at install time (scripts/build-portal.js), nothing from a CDN.
 * Every page carries a Content-Security-Policy without inline scripts, and is never cached.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Response } from 'express';
import type { PortalConfig } from '../config';
import type { Logger } from '../logging';
import { consentOutcomeMessage, csrfTokenFor, portalContentSecurityPolicy, sessionCookie } from './portal-decisions';
import { PORTAL_PATH, type PortalService } from './portal.service';

/** dist/portal, from the compiled gateway (dist/src/portal) or from the sources (src/portal, under jest). */
export function portalAssetsDir(): string | undefined {
  const candidates = [join(__dirname, '..', '..', 'portal'), join(__dirname, '..', '..', 'dist', 'portal')];
  return candidates.find((dir) => existsSync(join(dir, 'portal.js')));
}

export function portalBuilt(): boolean {
  return portalAssetsDir() !== undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(config: PortalConfig, title: string, body: string, head = ''): string {
  const name = escapeHtml(config.branding.productName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${name}</title>
<link rel="stylesheet" href="${PORTAL_PATH}/assets/portal.css">
<link rel="stylesheet" href="${PORTAL_PATH}/brand.css">
${head}</head>
<body>
${body}
</body>
</html>
`;
}

function messagePage(config: PortalConfig, title: string, message: string): string {
  return page(
    config,
    title,
    `<main class="message" id="main"><header class="brand"><span class="product">${escapeHtml(config.branding.productName)}</span></header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`,
  );
}

export function portalRouter(deps: { portal: PortalService; config: PortalConfig; logger: Logger }): Router {
  const { portal, config, logger } = deps;
  const router = Router();
  const csp = portalContentSecurityPolicy(config.branding.logoUrl);
  const headers = (res: Response) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };

  router.get(`${PORTAL_PATH}/open`, async (req, res) => {
    headers(res);
    const tenant = typeof req.query.tenant === 'string' ? req.query.tenant : '';
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    try {
      const outcome = await portal.open(tenant, token, (res.locals.requestId as string | undefined) ?? null);
      if (!outcome.ok) {
        logger.info({ status: outcome.refusal.status, reason: outcome.refusal.title }, 'portal link refused');
        res.status(outcome.refusal.status).type('html').send(messagePage(config, outcome.refusal.title, outcome.refusal.message));
        return;
      }
      logger.info({ tenantId: outcome.session.tenantId, sessionId: outcome.session.id, steps: outcome.session.steps }, 'portal session opened');
      res.setHeader('Set-Cookie', sessionCookie(outcome.secret, { secure: config.secureCookies, maxAgeSeconds: config.sessionTtlSeconds }));
      res.redirect(303, `${PORTAL_PATH}/`);
    } catch (err) {
      logger.error({ err }, 'portal link could not be opened');
      res.status(500).type('html').send(messagePage(config, 'Something went wrong', 'The portal could not be opened. Try again later.'));
    }
  });

  router.get(`${PORTAL_PATH}/brand.css`, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    // accentColor is validated #rrggbb (src/config/portal.config.ts): nothing else reaches the stylesheet.
    res.type('text/css').send(`:root { --accent: ${config.branding.accentColor}; }\n`);
  });

  const assets = portalAssetsDir();
  if (assets) router.use(`${PORTAL_PATH}/assets`, express.static(assets, { index: false, fallthrough: false, maxAge: '1h' }));

  router.get([PORTAL_PATH, `${PORTAL_PATH}/`], async (req, res) => {
    headers(res);
    if (!assets) {
      res.status(503).type('html').send(messagePage(config, 'The portal is not built', 'Run npm install (or npm run build) to build the portal.'));
      return;
    }
    const secret = portal.secretIn(req.headers.cookie);
    const session = secret ? await portal.sessionFor(secret) : null;
    if (!secret || !session) {
      res
        .status(401)
        .type('html')
        .send(messagePage(config, 'No portal session', 'Open the portal from the link the application gave you. Links are short-lived and open once; your session may also have ended.'));
      return;
    }
    // Back from Microsoft's consent screen (the callback's redirect): what happened, in words, for the page to show.
    const text = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const outcome = consentOutcomeMessage({ status: text('status'), error: text('error') });
    const outcomeMeta = outcome ? `<meta name="portal-consent-outcome" content="${escapeHtml(JSON.stringify(outcome))}">\n` : '';
    res.type('html').send(
      page(
        config,
        'Connect Microsoft Entra ID',
        '<div id="app"><main class="message"><p>Loading the portal…</p></main></div>',
        `<meta name="portal-csrf" content="${csrfTokenFor(secret)}">\n${outcomeMeta}<script type="module" src="${PORTAL_PATH}/assets/portal.js"></script>\n`,
      ),
    );
  });
  return router;
}
