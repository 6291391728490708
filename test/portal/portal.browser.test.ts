/**
 * The hosted admin portal in a real browser (Debian's chromium, driven by playwright-core), against the simulator:
 * the product asks for a link for a new connection; the admin opens it, reads what will be asked for, consents on
 * the simulator's consent page, maps Verafield's Finance and Engineering groups with the preview showing the counts
 * the directory itself gives, saves, and sees the status page. A declined consent is explained; a reused link, an
 * expired link and a link under another tenant are refused, and the session cannot reach another tenant. Saves a
 * screenshot of each step to test/artifacts/portal/ (git-ignored); with UPDATE_SCREENSHOTS=1 to docs/portal/, the
 * copies the README shows, so an ordinary run leaves the tree clean. Skipped, saying why, only where no Chromium is
 * installed.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { portalBuilt } from '../../src/portal/portal.router';
import { VERAFIELD } from '../../src/simulator/generator';
import { GLOBAL_ADMIN, startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';
import { FEATURES } from './portal-fixtures';

// Functions given to page.evaluate run in the browser; this file is type-checked without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'portal') : join(__dirname, '..', 'artifacts', 'portal');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`portal browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
const describeWithBrowser = haveChromium ? describe : describe.skip;

interface Link {
  url: string;
  tenantId: string;
}

describeWithBrowser('the hosted admin portal', () => {
  let bench: ConsentBench;
  let browser: Browser;
  let context: BrowserContext;
  let tiers: { engineering: string; finance: string };
  const external: string[] = [];
  const pageErrors: string[] = [];

  const newConnectionLink = async (displayName: string): Promise<Link> =>
    (
      await bench.admin.request<{ createPortalLinkForNewConnection: Link }>(
        `mutation($i: CreatePortalLinkForNewConnectionInput!) { createPortalLinkForNewConnection(input: $i) { url tenantId } }`,
        { i: { displayName, authMode: 'APPLICATION', features: FEATURES, steps: ['MAP_GROUPS', 'STATUS'], returnUrl: bench.product.url() } },
      )
    ).createPortalLinkForNewConnection;
  const linkFor = async (tenantId: string, steps = ['CONNECT', 'MAP_GROUPS', 'STATUS']): Promise<Link> =>
    (
      await bench.admin.request<{ createPortalLink: Link }>(`mutation($i: CreatePortalLinkInput!) { createPortalLink(input: $i) { url tenantId } }`, {
        i: { tenantId, steps, returnUrl: bench.product.url() },
      })
    ).createPortalLink;

  async function newPage(width = 1100, height = 900): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize({ width, height });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The portal must load nothing from elsewhere; the simulator (Microsoft's consent screen) is the one other origin.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(bench.gw.url) || url.startsWith(bench.sim.baseUrl) || url.startsWith(bench.product.origin) || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** Users who would hold a tier through `groupId`: its enabled transitive members, read through the directory API. */
  async function enabledMembers(tenantId: string, groupId: string): Promise<Set<string>> {
    const data = await bench.admin.request<{ tenant: { group: { members: { edges: Array<{ node: { __typename: string; id?: string; accountEnabled?: boolean } }> } } } }>(
      `query($t: ID!, $g: ID!) { tenant(id: $t) { group(id: $g) { members(transitive: true, first: 999) { edges { node { __typename ... on User { id accountEnabled } } } } } } }`,
      { t: tenantId, g: groupId },
    );
    return new Set(data.tenant.group.members.edges.map((e) => e.node).filter((n) => n.__typename === 'User' && n.accountEnabled).map((n) => n.id!));
  }

  async function chooseTier(page: Page, search: string, groupName: string, tierName: string): Promise<void> {
    await page.getByLabel('Search groups').fill(search);
    const select = page.getByLabel(`Tier for ${groupName}`, { exact: true });
    await select.waitFor({ timeout: 30_000 }).catch(async (err) => {
      throw new Error(`${err.message}\npage: ${await page.locator('main').textContent()}`);
    });
    await select.selectOption({ label: tierName });
  }

  async function previewRow(page: Page, tier: string): Promise<{ now: number; after: number }> {
    const row = page.locator(`.preview tr[data-tier="${tier}"]`);
    return { now: Number(await row.locator('td.now').textContent()), after: Number(await row.locator('td.after').textContent()) };
  }

  beforeAll(async () => {
    if (!portalBuilt()) await (require('../../scripts/build-portal') as { bundle(): Promise<void> }).bundle();
    await mkdir(SHOTS, { recursive: true });
    bench = await startConsentBench({ env: { PORTAL_PRODUCT_NAME: 'Acme Analytics', PORTAL_ACCENT_COLOR: '#5b2a86' } });
    const define = async (name: string, rank: number) =>
      (await bench.admin.request<{ defineAccessTier: { id: string } }>(`mutation($i: DefineAccessTierInput!) { defineAccessTier(input: $i) { id } }`, { i: { name, rank } }))
        .defineAccessTier.id;
    tiers = { engineering: await define('Engineering', 30), finance: await define('Finance', 20) };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    // The simulator's certificate is its own CA's; the gateway here is plain http on loopback.
    context = await browser.newContext({ ignoreHTTPSErrors: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bench?.stop();
  });

  let tenantId: string;

  it('connects: the link opens the Connect step, which names every permission; the simulator\'s consent screen; back in the portal, connected', async () => {
    const link = await newConnectionLink('Verafield Technologies');
    tenantId = link.tenantId;
    const page = await newPage();
    await page.goto(link.url);
    expect(new URL(page.url()).pathname).toBe('/portal/'); // the token left the address bar
    await page.getByRole('heading', { name: 'Connect Microsoft Entra ID' }).waitFor();
    expect(await page.locator('.permissions dt').allTextContents()).toEqual(['Application.Read.All', 'GroupMember.Read.All', 'Policy.Read.All', 'User.Read.All']);
    expect(await page.locator('.product').textContent()).toBe('Acme Analytics');
    expect(await page.locator('.step.current').textContent()).toContain('Connect');
    await shot(page, '1-connect');

    await page.getByRole('button', { name: 'Connect with Microsoft' }).click();
    await page.waitForURL((url) => url.toString().startsWith(bench.sim.baseUrl));
    await page.locator('#login').fill(GLOBAL_ADMIN);
    await shot(page, '2-consent-screen');
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${bench.gw.url}/portal/`);
    await page.getByText('Connected: Microsoft granted the permissions.').waitFor();
    expect(await page.getByRole('button', { name: 'Consent again' }).isVisible()).toBe(true);
    await shot(page, '3-connected');
    const tenant = await bench.admin.request<{ tenant: { status: string; entraTenantId: string } }>(`query($t: ID!) { tenant(id: $t) { status entraTenantId } }`, { t: tenantId });
    expect(tenant.tenant).toEqual({ status: 'ACTIVE', entraTenantId: VERAFIELD.tenantId });

    // Map groups: Finance and Engineering, the preview agreeing with the directory.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Map groups to access tiers' }).waitFor();
    await chooseTier(page, 'Finance', 'Finance', 'Finance');
    await chooseTier(page, 'Engineering', 'Engineering', 'Engineering');
    await page.locator('.preview[data-ready="true"] tr[data-tier="Engineering"] td.after').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.summary li').length === 2 && document.querySelector('.preview')?.getAttribute('data-ready') === 'true');
    const engineering = await enabledMembers(tenantId, VERAFIELD.groups.engineering);
    const finance = new Set([...(await enabledMembers(tenantId, VERAFIELD.groups.finance))].filter((id) => !engineering.has(id)));
    expect(engineering.size).toBeGreaterThan(10);
    expect(finance.size).toBeGreaterThan(3);
    expect({ engineering: await previewRow(page, 'Engineering'), finance: await previewRow(page, 'Finance') }).toEqual({
      engineering: { now: 0, after: engineering.size },
      finance: { now: 0, after: finance.size },
    });
    expect(await page.locator('.changes-count strong').textContent()).toBe(String(engineering.size + finance.size));
    // Each group row says what it is and how many members it has.
    const row = (name: string) => page.locator('.group').filter({ has: page.locator('.group-name', { hasText: new RegExp(`^${name}$`) }) });
    expect(await row('Engineering').locator('.badges').textContent()).toMatch(/^Security\d+ direct members$/);
    expect(await row('Finance').locator('.badges').textContent()).toMatch(/^Security\d+ direct members$/);
    await shot(page, '4-map-groups-preview');

    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Saved. Your mapping applies from now on.').waitFor();
    const saved = await bench.admin.request<{ tierMappings: Array<{ groupId: string; tier: { name: string }; createdBy: string }> }>(
      `query($t: ID!) { tierMappings(tenantId: $t) { groupId tier { name } createdBy } }`,
      { t: tenantId },
    );
    expect(saved.tierMappings.map((m) => [m.groupId, m.tier.name, m.createdBy.split(':')[0]])).toEqual([
      [VERAFIELD.groups.engineering, 'Engineering', 'portal'],
      [VERAFIELD.groups.finance, 'Finance', 'portal'],
    ]);
    await shot(page, '5-saved');

    // Status, after a sync round (the test gateway runs no scheduler).
    await bench.admin.request(`mutation($t: ID!) { syncNow(tenantId: $t) { ran } }`, { t: tenantId });
    await page.getByRole('button', { name: 'Continue to status' }).click();
    await page.getByRole('heading', { name: 'Connection status' }).waitFor();
    await page.locator('.last-sync').waitFor();
    expect(await page.locator('.state').textContent()).toBe('Connected');
    expect(await page.locator('.last-sync').textContent()).toMatch(/ago/);
    await page.locator('.mfa').waitFor();
    expect(await page.locator('.history li').count()).toBeGreaterThanOrEqual(2);
    await shot(page, '6-status');

    // The session reaches its own tenant only, even from its own page with its own CSRF token.
    const other = await bench.admin.request<{ connectTenant: { tenant: { id: string } } }>(
      `mutation($i: ConnectTenantInput!) { connectTenant(input: $i) { tenant { id } } }`,
      { i: { displayName: 'Contoso', cloud: 'CUSTOM', authMode: 'APPLICATION', features: ['READ_DIRECTORY'], returnUrl: bench.product.url() } },
    );
    const foreign = (await page.evaluate(async (otherId: string) => {
      const csrf = document.querySelector('meta[name="portal-csrf"]').getAttribute('content');
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-portal-csrf': csrf }, body: JSON.stringify({ query: `{ tenant(id: "${otherId}") { id } }` }) });
      return res.json();
    }, other.connectTenant.tenant.id)) as { errors: Array<{ extensions: { code: string } }> };
    expect(foreign.errors[0].extensions.code).toBe('FORBIDDEN');

    // At 375 px wide the wizard still works: one column, nothing cut off.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole('button', { name: 'Map groups' }).click();
    await page.getByRole('heading', { name: 'Map groups to access tiers' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, '7-narrow-375px');
    await page.close();
  }, 180_000);

  it('explains a declined consent in words', async () => {
    const link = await newConnectionLink('Verafield (declined)');
    const page = await newPage();
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Connect with Microsoft' }).click();
    await page.waitForURL((url) => url.toString().startsWith(bench.sim.baseUrl));
    await page.locator('#login').fill(GLOBAL_ADMIN);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${bench.gw.url}/portal/`);
    await page.getByRole('alert').filter({ hasText: 'The permissions were declined' }).waitFor();
    await shot(page, '8-declined');
    await page.close();
  }, 120_000);

  it('refuses a reused link, an expired link and a link under another tenant', async () => {
    const page = await newPage(900, 500);
    const reused = await linkFor(tenantId);
    await page.goto(reused.url);
    await page.getByRole('heading', { name: 'Map groups to access tiers' }).waitFor();
    const again = await page.goto(reused.url);
    expect(again?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This link was already used');
    await shot(page, '9-refused-reused');

    const expired = await linkFor(tenantId);
    // The link's lifetime (PORTAL_LINK_TTL_SECONDS) has passed: its expiry moved into the past.
    await bench.gw.database.dataSource.query(`UPDATE portal_links SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    expect((await page.goto(expired.url))?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This link has expired');
    await shot(page, '10-refused-expired');

    const another = await linkFor(tenantId);
    const swapped = new URL(another.url);
    const contoso = (await bench.admin.request<{ tenants: { edges: Array<{ node: { id: string; displayName: string } }> } }>(`{ tenants(first: 50) { edges { node { id displayName } } } }`)).tenants.edges
      .map((e) => e.node)
      .find((t) => t.displayName === 'Contoso');
    if (!contoso) throw new Error('expected the Contoso tenant the first test connects');
    swapped.searchParams.set('tenant', contoso.id);
    expect((await page.goto(swapped.toString()))?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('This link is for another organisation');
    await shot(page, '11-refused-other-tenant');
    await page.close();
  }, 120_000);

  it('offers re-consent on the status page when Microsoft no longer grants the permissions, and reconnects', async () => {
    await bench.sim.control.revokeConsent(VERAFIELD.tenantId, bench.sim.apps[0]!.clientId);
    const check = await bench.admin.request<{ verifyTenantConnection: { tenant: { status: string } } }>(`mutation($t: ID!) { verifyTenantConnection(id: $t) { tenant { status } } }`, { t: tenantId });
    expect(check.verifyTenantConnection.tenant.status).toBe('RECONSENT_REQUIRED');
    const page = await newPage();
    await page.goto((await linkFor(tenantId, ['STATUS'])).url);
    await page.getByRole('heading', { name: 'Connection status' }).waitFor();
    expect(await page.locator('.state').textContent()).toBe('Consent needed again');
    await shot(page, '12-reconsent-needed');
    await page.getByRole('button', { name: 'Consent again' }).click();
    await page.waitForURL((url) => url.toString().startsWith(bench.sim.baseUrl));
    await page.locator('#login').fill(GLOBAL_ADMIN);
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${bench.gw.url}/portal/`);
    await page.getByRole('heading', { name: 'Connection status' }).waitFor();
    await page.locator('.state').waitFor();
    expect(await page.locator('.state').textContent()).toBe('Connected');
    await shot(page, '13-reconsented');
    // Asking for consent through the portal is audited with the session as principal.
    const audit = await bench.admin.request<{ auditLog: { edges: Array<{ node: { principal: string; operation: string } }> } }>(
      `query($t: ID!) { auditLog(tenantId: $t, first: 50) { edges { node { principal operation } } } }`,
      { t: tenantId },
    );
    expect(audit.auditLog.edges.map((e) => e.node).filter((n) => n.operation === 'REQUEST_CONSENT').every((n) => n.principal.startsWith('portal:'))).toBe(true);
    expect(audit.auditLog.edges.filter((e) => e.node.operation === 'REQUEST_CONSENT')).toHaveLength(2);
    await page.close();
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  }, 120_000);
});
