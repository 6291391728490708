/**
 * The development explorer in a real browser (Debian's chromium, driven by playwright-core): the page loads with
 * nothing from outside this machine, the development key is pre-filled, a query runs over HTTP and a subscription
 * over graphql-ws. Saves a screenshot to test/artifacts/explorer.png (git-ignored). Skipped, saying why, only where
 * no Chromium is installed (CI installs it: .ci/run).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { explorerBuilt } from '../../src/server/explorer';
import { startTestGateway, TestGateway } from '../support/gateway';

// Functions given to page.evaluate run in the browser; this file is type-checked without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`explorer browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
const describeWithBrowser = haveChromium ? describe : describe.skip;

/** The query editor is CodeMirror 5: its wrapper element carries the editor instance. */
async function setQuery(page: Page, query: string): Promise<void> {
  await page.evaluate((text) => {
    const wrapper = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as { CodeMirror: { setValue(v: string): void } };
    wrapper.CodeMirror.setValue(text);
  }, query);
}

/** Sets the query, waits until GraphiQL took it (its tab is named after the operation), runs it. */
async function run(page: Page, query: string, operationName: string): Promise<void> {
  await setQuery(page, query);
  await page.waitForFunction((name) => [...document.querySelectorAll('.graphiql-tab')].some((tab: any) => tab.textContent?.includes(name)), operationName, { timeout: 30_000 });
  // The keyboard shortcut a person uses: it runs the operation under the cursor. (A click on the execute button
  // opens GraphiQL's operation menu whenever it counts more than one operation while it re-parses.)
  await page.click('.graphiql-query-editor .CodeMirror');
  await page.keyboard.press('Control+Enter');
}

/** Waits until the response editor's text contains `text`. */
async function responseContaining(page: Page, text: string): Promise<string> {
  await page.waitForFunction(
    (expected) => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes(expected),
    text,
    { timeout: 30_000, polling: 100 },
  );
  return response(page);
}

async function response(page: Page): Promise<string> {
  return page.evaluate(() => {
    const wrapper = document.querySelector('.graphiql-response .CodeMirror') as unknown as { CodeMirror: { getValue(): string } } | null;
    return wrapper?.CodeMirror.getValue() ?? '';
  });
}

describeWithBrowser('the development explorer', () => {
  let gw: TestGateway;
  let dataDir: string;
  let key: string;
  let browser: Browser;
  const external: string[] = [];

  beforeAll(async () => {
    if (!explorerBuilt()) {
      // npm install builds it (prepare); a checkout without that gets it built here.
      await (require('../../scripts/build-explorer') as { bundle(): Promise<void> }).bundle();
    }
    dataDir = await mkdtemp(join(tmpdir(), 'entra-gateway-explorer-'));
    gw = await startTestGateway({ env: { DATA_DIR: dataDir, GRAPHQL_SANDBOX: 'true' } });
    key = await gw.mintKey();
    await writeFile(join(dataDir, 'dev-api-key'), `${key}\n`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('GET / answers with links to the explorer and Apollo Sandbox, and shows a consent outcome', async () => {
    const home = await fetch(`${gw.url}/?tenantId=abc&status=ACTIVE`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('href="/graphql"');
    expect(html).toContain('https://studio.apollographql.com/sandbox/explorer?endpoint=');
    expect(html).toContain('status = <code>ACTIVE</code>');
    // Not a browser: /graphql stays the API.
    const api = await fetch(`${gw.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(api.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('loads offline with the key pre-filled, runs a query and a subscription', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Anything not served by this gateway is refused and recorded: the page must not need it.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(gw.url) || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gw.url}/graphql`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 60_000 });

    const editors = await page.evaluate(() =>
      ([...document.querySelectorAll('.CodeMirror')] as unknown as Array<{ CodeMirror: { getValue(): string } }>).map((e) => e.CodeMirror.getValue()),
    );
    const settings = await page.evaluate(() => document.getElementById('explorer-settings')?.textContent ?? '');
    expect({ settings, editors }).toEqual({ settings: expect.stringContaining(`Bearer ${key}`), editors: expect.arrayContaining([expect.stringContaining(`Bearer ${key}`)]) });

    // A field that needs the credential: UNAUTHENTICATED would show if the header were not sent.
    await run(page, 'query Tenants { tenants(first: 5) { edges { node { id } } } }', 'Tenants');
    expect(JSON.parse(await responseContaining(page, '"tenants"'))).toEqual({ data: { tenants: { edges: [] } } });

    // Ticks 1, 2, 3 arrive one by one over the WebSocket; the pane shows the latest.
    await run(page, 'subscription Ticks { heartbeat(count: 3, intervalMs: 1000) { sequence } }', 'Ticks');
    expect(JSON.parse(await responseContaining(page, '"sequence": 3'))).toEqual({ data: { heartbeat: { sequence: 3 } } });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png') });
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  }, 120_000);
});
