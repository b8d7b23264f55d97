import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
/** Where the console tests' screenshots go, to be looked at. */
const shots = path.join(root, 'test-results', 'console');

/** The bundle under test is the source under test (npm test's pretest builds it too). */
export function buildConsole() {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-console.ts'], { cwd: root, stdio: 'pipe' });
  mkdirSync(shots, { recursive: true });
}

/** What a test file's pages did: every request, those that left 127.0.0.1 (aborted), and the current page's script errors. */
export type Watch = { requested: string[]; outside: string[]; problems: string[] };
export const newWatch = (): Watch => ({ requested: [], outside: [], problems: [] });

/**
 * The console at `baseUrl` in a page whose every request is checked: loopback only (others aborted
 * and listed); its CSP reports and script errors listed in `watch.problems`. `clipboard`: the page
 * may read and write the clipboard, as a person's browser lets a click copy.
 */
export async function consolePage(
  browser: Browser,
  baseUrl: string,
  watch: Watch,
  { colorScheme = 'light', clipboard = false }: { colorScheme?: 'light' | 'dark'; clipboard?: boolean } = {},
): Promise<Page> {
  watch.problems.length = 0;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  if (clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  // The browser may be closing already (the file's end): a context it took with it needs no closing.
  page.on('close', () => void context.close().catch(() => undefined));
  // A request still in flight when a test closes its page (a panel's poll) cannot go on: no failure, unless the page is open.
  const unlessClosed = (error: unknown) => {
    if (!page.isClosed()) watch.problems.push(`route: ${error instanceof Error ? error.message : String(error)}`);
  };
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    watch.requested.push(url.href);
    if (url.hostname === '127.0.0.1') return route.continue().catch(unlessClosed);
    watch.outside.push(url.href);
    return route.abort().catch(unlessClosed);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx it loads: the gateway's refusals, which the console shows itself.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      watch.problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(`${baseUrl}/console`);
  return page;
}

export async function signIn(page: Page, key: string) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
