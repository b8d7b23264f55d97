import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { buildConsole, consolePage as openConsole, newWatch, shot, signIn } from './support/console-browser.js';

// The console (/console) in headless Chromium (Debian's package, as test/browser.test.ts) against a
// real gateway process on a data directory `npm run db:seed` loaded (the demo tenants and their five
// weeks of usage), every request that leaves 127.0.0.1 refused. Screenshots of each screen go to
// test-results/console/ to be looked at.
const available = chromiumAvailable;

const root = path.resolve(import.meta.dirname, '..');
const operatorKey = 'console-test-operator-key-0123456';
let server: ServerProcess;
let browser: Browser;
let tenantKey: string;
let dataDir: string;
const tenants: Record<string, string> = {};
const watch = newWatch();
const { outside, requested, problems } = watch;
const consolePage = (colorScheme: 'light' | 'dark' = 'light') => openConsole(browser, server.url, watch, { colorScheme });

async function call<T = any>(query: string, variables: Record<string, unknown> = {}, key = operatorKey): Promise<{ status: number; data?: T; errors?: any[] }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as { data?: T; errors?: any[] }) };
}

async function data<T = any>(query: string, variables: Record<string, unknown> = {}, key = operatorKey): Promise<T> {
  const result = await call<T>(query, variables, key);
  if (result.errors) throw new Error(`${query}\n${JSON.stringify(result.errors, null, 2)}`);
  return result.data!;
}

beforeAll(async () => {
  if (!available) return;
  buildConsole();
  dataDir = mkdtempSync(path.join(tmpdir(), 'console-test-'));
  const secretsKey = randomBytes(32).toString('hex');
  const { GATEWAY_ADMIN_KEY: _key, DATABASE_URL: _url, ...inherited } = process.env;
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/db-seed.ts'], {
    cwd: root,
    stdio: 'pipe',
    env: { ...inherited, DATABASE_URL: dataDir, SECRETS_KEY: secretsKey },
  });
  server = await startServerProcess({ DATABASE_URL: dataDir, GATEWAY_ADMIN_KEY: operatorKey, SECRETS_KEY: secretsKey });
  const create = 'mutation ($slug: String!, $name: String!, $tier: PlanTier) { createTenant(input: { slug: $slug, name: $name, tier: $tier }) { id } }';
  tenants.acme = (await data(create, { slug: 'acme-console', name: 'Acme Console Co', tier: 'PRO' })).createTenant.id;
  tenants.globex = (await data(create, { slug: 'globex-hidden', name: 'Globex Hidden Corp', tier: 'ENTERPRISE' })).createTenant.id;
  for (let index = 1; index <= 20; index++) await data(create, { slug: `filler-${index}`, name: `Filler ${String(index).padStart(2, '0')}` });
  tenantKey = (
    await data(
      'mutation ($tenant: ID!) { createApiKey(input: { name: "acme admin", tenant: $tenant, scopes: [TENANTS_READ, CONFIG_READ, USAGE_READ, KEYS_WRITE] }) { secret } }',
      { tenant: tenants.acme },
    )
  ).createApiKey.secret;
  const track = 'mutation ($tenant: ID, $input: ResourceAmountInput!) { trackUsage(tenant: $tenant, input: $input) { allowed } }';
  await data(track, { tenant: tenants.acme, input: { resource: 'llm', metric: 'tokens', amount: 1200 } });
  await data(track, { tenant: tenants.acme, input: { resource: 'bandwidth', metric: 'bytes', amount: 350_000 } });
  await data(track, { tenant: tenants.globex, input: { resource: 'llm', metric: 'tokens', amount: 99 } });
  for (let index = 0; index < 5; index++) await data('{ tenant { slug } }', {}, tenantKey);
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test.skipIf(!available)('the page and its files: strict CSP, hashed assets kept a year, / links it; the bundle stays under 150 KB compressed', async () => {
  const page = await fetch(`${server.url}/console`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const csp = page.headers.get('content-security-policy')!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("connect-src 'self'");
  const html = await page.text();
  expect(html).not.toMatch(/<script>|<style>|https?:\/\//);
  const script = /src="(\/console\/assets\/console-[A-Z0-9]+\.js)"/.exec(html)![1]!;
  const asset = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'br' } });
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect((await fetch(`${server.url}/console/assets/manifest.json`)).status).toBe(404);
  expect((await fetch(`${server.url}/console/assets/..%2Fmanifest.json`)).status).toBe(404);
  expect(await (await fetch(`${server.url}/`, { headers: { accept: 'text/html' } })).text()).toContain('<a href="/console">/console</a>');

  const built = readdirSync(path.join(root, 'dist', 'console')).filter((file) => /\.(js|css)$/.test(file));
  const bytes = built.map((file) => readFileSync(path.join(root, 'dist', 'console', file)));
  const size = (measure: (file: Buffer) => number) => bytes.reduce((total, file) => total + measure(file), 0);
  const raw = size((file) => file.byteLength);
  const gzip = size((file) => gzipSync(file, { level: 9 }).byteLength);
  const br = size((file) => brotliCompressSync(file).byteLength);
  console.info(`console bundle (JS+CSS): ${raw} bytes raw, ${gzip} gzip, ${br} br`);
  expect(gzip).toBeLessThan(150 * 1024);
});

test.skipIf(!available)(
  'an operator signs in, sees its scope and every tenant, searches and pages; signing out forgets the key',
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await shot(page, '01-sign-in');
    await page.getByLabel('API key').fill('tgw_not_a_key_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/key/i);
    await shot(page, '02-sign-in-refused');
    await signIn(page, operatorKey);
    expect(await page.locator('.badge').textContent()).toBe('operator');
    await page.getByRole('link', { name: 'Acme Console Co' }).waitFor();
    expect(await page.locator('table.tenants tbody tr').count()).toBe(20);
    // The 4 demo tenants of the seed, then this test's 22.
    expect(await page.locator('.pager span').textContent()).toBe('1–20 of 26');
    expect(await page.evaluate(() => ({ stored: Object.values(sessionStorage), cookie: document.cookie, href: location.href }))).toEqual({
      stored: [operatorKey],
      cookie: '',
      href: `${server.url}/console`,
    });
    await shot(page, '03-tenants-operator');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.locator('.pager span').textContent()).toBe('21–26 of 26');
    expect(await page.locator('table.tenants tbody td:first-child').allTextContents()).toEqual([
      'Filler 15',
      'Filler 16',
      'Filler 17',
      'Filler 18',
      'Filler 19',
      'Filler 20',
    ]);
    await page.getByLabel('Search tenants by name or slug').fill('GLOBEX');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('table.tenants tbody td:first-child').allTextContents()).toEqual(['Globex Retail', 'Globex Hidden Corp']);
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '04-tenants-search-dark');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "a tenant key sees only its tenant (no other tenant's name anywhere in the page) and its usage charts; what it may not do is not offered",
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, tenantKey);
    expect(await page.locator('.badge').textContent()).toBe('tenant');
    await page.getByRole('link', { name: 'Acme Console Co' }).waitFor();
    expect(await page.locator('table.tenants tbody tr').count()).toBe(1);
    await shot(page, '05-tenants-tenant-key');
    await page.getByRole('link', { name: 'Acme Console Co' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page.locator('.chart canvas').nth(2).waitFor();
    expect(await page.locator('.chart figcaption').allTextContents()).toEqual([
      'API calls by day',
      'LLM tokens by day, this month',
      'Bandwidth by day, this month',
    ]);
    expect(await page.locator('.figures dd').nth(1).textContent()).toBe((1200).toLocaleString('en-US'));
    // Read-only on the configuration: it is shown, no change or restore is offered.
    await page.getByRole('heading', { name: /Configuration/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Save change' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Restore/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Day' }).count();
    await page.getByLabel('Week').check();
    await expect.poll(() => page.locator('.chart figcaption').first().textContent()).toBe('API calls by week');
    await shot(page, '06-tenant-page-tenant-key');
    // Its audit trail (the configuration read key sees it) holds only its own events.
    await page.locator('.timeline > li').first().waitFor();
    expect(await page.locator('.timeline .action').allTextContents()).toContain('tenant.created');
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    // No feature, limit or backup scope: those sections are not offered.
    expect(await page.getByRole('heading', { name: /^(Features|Resource limits|Backups)/ }).count()).toBe(0);
    await page.getByText('This tenant has no API key.').or(page.locator('table.keys tbody tr').first()).waitFor();
    const html = await page.content();
    expect(html).not.toMatch(/globex|filler|initech|hooli|acme health/i);
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "a configuration change and a revision restore round-trip, each confirmed; a stale version shows the gateway's message",
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, operatorKey);
    await page.goto(`${server.url}/console#/tenants/acme-console`);
    const change = page.getByLabel('Change');
    await change.waitFor();
    await change.fill('{ "performance": { "cacheSizeMb": 4096 }, "customSettings": { "theme": "dark" } }');
    await page.getByRole('button', { name: 'Save change' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Saved as version 2: performance.cache_size_mb, custom_settings.theme.');
    await expect.poll(() => page.locator('pre.current').textContent()).toContain('"cache_size_mb": 4096');
    // Version 1 against version 2, line by line: exactly what the change set.
    expect((await page.locator('pre.diff .removed').allTextContents()).join('')).toBe('-   "custom_settings": {},\n-     "cache_size_mb": 1024,\n');
    expect((await page.locator('pre.diff .added').allTextContents()).join('')).toBe(
      '+   "custom_settings": {\n+     "theme": "dark"\n+   },\n+     "cache_size_mb": 4096,\n',
    );
    await shot(page, '07-configuration-diff');

    await page.getByRole('button', { name: 'Restore version 1' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('The whole configuration of acme-console becomes what version 1 held, saved as version 3. Custom');
    await shot(page, '08-restore-confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await data('query ($t: ID!) { tenantConfig(tenant: $t) { version } }', { t: tenants.acme })).tenantConfig.version).toBe(2);
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await dialog.getByRole('button', { name: 'Restore version 1' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Revision 1 restored as version 3.');
    const restored = await data('query ($t: ID!) { tenantConfig(tenant: $t) { version performance { cacheSizeMb } customSettings } }', { t: tenants.acme });
    expect(restored.tenantConfig).toEqual({ version: 3, performance: { cacheSizeMb: 1024 }, customSettings: {} });
    await expect.poll(() => page.locator('pre.current').textContent()).toContain('"cache_size_mb": 1024');

    // Someone else changes it behind the console's back: the console's save names the conflict as the gateway does.
    await data('mutation ($t: ID!) { updateTenantConfig(tenant: $t, input: { performance: { cacheSizeMb: 512 } }) { updatedCount } }', { t: tenants.acme });
    await page.getByRole('button', { name: 'Save change' }).click();
    const refused = await call(
      'mutation ($t: ID!) { updateTenantConfig(tenant: $t, input: { expectedVersion: 3, performance: { cacheSizeMb: 1 } }) { updatedCount } }',
      {
        t: tenants.acme,
      },
    );
    await expect.poll(() => page.locator('.error').textContent()).toBe(refused.errors![0].message);
    await shot(page, '09-configuration-conflict');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  'a tenant key creates a key (its secret shown once, and working) and revokes it after a confirmation',
  { timeout: 90_000 },
  async () => {
    const page = await consolePage('dark');
    await signIn(page, tenantKey);
    await page.goto(`${server.url}/console#/tenants/acme-console`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    // Only the scopes this key holds are offered.
    expect(await page.locator('.new-key .check').allTextContents()).toEqual(['tenants:read', 'config:read', 'usage:read', 'keys:write']);
    await page.getByLabel('Name').fill('ci reader');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('.secret-value').textContent())!;
    expect(secret).toMatch(/^tgw_/);
    await page.getByRole('cell', { name: 'ci reader', exact: true }).waitFor();
    await shot(page, '10-key-created-dark');
    expect((await data('{ viewer { label tenantId scopes } }', {}, secret)).viewer).toEqual({
      label: expect.stringContaining('ci reader'),
      tenantId: tenants.acme,
      scopes: ['TENANTS_READ'],
    });
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.locator('.secret-value').count()).toBe(0);

    await page.getByRole('button', { name: 'Revoke ci reader' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('stops working at once for every caller using it');
    await shot(page, '11-revoke-confirmation-dark');
    await dialog.getByRole('button', { name: 'Revoke ci reader' }).click();
    await page.locator('tr.revoked', { hasText: 'ci reader' }).waitFor();
    expect((await call('{ viewer { label } }', {}, secret)).status).toBe(401);
    await shot(page, '12-key-revoked-dark');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "after db:seed, the demo tenant's page shows five weeks of usage, its limits as gauges, its features, audit timeline, backups and deliveries",
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, operatorKey);
    await page.getByRole('link', { name: 'Acme Health' }).click();
    await page.locator('.chart canvas').nth(2).waitFor();
    const acme = (await data('{ tenant(id: "acme") { id } }')).tenant.id as string;
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const usage = await data(
      'query ($t: ID, $from: DateTime!, $to: DateTime!) { usageMetrics(tenant: $t, from: $from, to: $to, granularity: DAY) { calls series { start } } usageSummary(tenant: $t) { llmTokens } }',
      { t: acme, from: from.toISOString(), to: to.toISOString() },
    );
    // A bar a day for the last 30 days, and the month's figures as the gateway counts them.
    expect(usage.usageMetrics.series.length).toBeGreaterThanOrEqual(30);
    expect(usage.usageSummary.llmTokens).toBeGreaterThan(0);
    expect(await page.locator('.figures dd').nth(1).textContent()).toBe(usage.usageSummary.llmTokens.toLocaleString('en-US'));
    await page.getByLabel('Week').check();
    await expect.poll(() => page.locator('.chart figcaption').first().textContent()).toBe('API calls by week');

    // Limits against their budgets: what resourceUsage answers, drawn as meters.
    const limits = (await data('query ($t: ID) { resourceUsage(tenant: $t) { resource metric period current limit } }', { t: acme })).resourceUsage;
    expect(limits).toHaveLength(2);
    await page.locator('.gauge meter').nth(1).waitFor();
    for (const limit of limits) {
      const meter = page.getByLabel(`${limit.resource} ${limit.metric} per ${limit.period.toLowerCase()}`);
      expect(Number(await meter.getAttribute('max'))).toBe(limit.limit);
      expect(Number(await meter.getAttribute('value'))).toBe(Math.min(limit.current, limit.limit));
    }
    // The seed's switches, on.
    expect(await page.getByRole('switch', { name: 'ml_features' }).isChecked()).toBe(true);
    expect(await page.getByRole('switch', { name: 'scim_provisioning' }).isChecked()).toBe(true);
    // The audit timeline, then filtered to configuration changes.
    await page.locator('.timeline > li').first().waitFor();
    const actions = await page.locator('.timeline .action').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['tenant.created', 'config.updated']));
    await page.getByLabel('Action').fill('config.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => new Set(await page.locator('.timeline .action').allTextContents())).toEqual(new Set(['config.updated']));
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    await page.getByText(/No webhook delivery for acme yet|Loading deliveries/).waitFor();
    await shot(page, '13-demo-tenant-page');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '14-demo-tenant-page-dark');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)('a feature switched on and off round-trips; turning it off asks first and names it', { timeout: 90_000 }, async () => {
  const before = (await data('query ($t: ID!) { tenantFeatures(tenant: $t) { features { name available enabled } } }', { t: tenants.acme })).tenantFeatures
    .features;
  const feature = before.find((entry: { available: boolean; enabled: boolean }) => entry.available && !entry.enabled).name as string;
  const enabled = async () =>
    (await data('query ($t: ID!) { tenantFeatures(tenant: $t) { features { name enabled } } }', { t: tenants.acme })).tenantFeatures.features.find(
      (entry: { name: string }) => entry.name === feature,
    ).enabled;
  const page = await consolePage();
  await signIn(page, operatorKey);
  await page.goto(`${server.url}/console#/tenants/acme-console`);
  // Exactly this tenant's keys (apiKeys(tenant:)), newest first: the operator manages every tenant's.
  await expect.poll(() => page.locator('table.keys tbody td:first-child').allTextContents()).toEqual(['ci reader', 'acme admin']);
  expect((await data('query ($t: ID) { apiKeys(first: 100, tenant: $t) { edges { node { name } } } }', { t: 'globex-hidden' })).apiKeys.edges).toEqual([]);
  expect((await call('{ apiKeys(first: 5, tenant: "globex-hidden") { edges { node { id } } } }', {}, tenantKey)).errors![0].message).toBe(
    'Tenant does not exist',
  );
  const toggle = page.getByRole('switch', { name: feature });
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect.poll(() => toggle.isChecked()).toBe(true);
  expect(await enabled()).toBe(true);
  await toggle.click();
  const dialog = page.getByRole('dialog');
  expect(await dialog.textContent()).toContain(`${feature} stops for acme-console at once`);
  await shot(page, '15-feature-off-confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(await enabled()).toBe(true);
  await toggle.click();
  await dialog.getByRole('button', { name: `Turn off ${feature}` }).click();
  await expect.poll(() => toggle.isChecked()).toBe(false);
  expect(await enabled()).toBe(false);
  // A feature above the tenant's plan is shown, not offered.
  const locked = before.find((entry: { available: boolean }) => !entry.available)?.name as string | undefined;
  if (locked) expect(await page.getByRole('switch', { name: locked }).isDisabled()).toBe(true);
  expect(problems).toEqual([]);
  await page.close();
});

test.skipIf(!available)(
  'a backup taken and restored from the console: the confirmation names it, the restore runs to its end',
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, operatorKey);
    await page.goto(`${server.url}/console#/tenants/globex-hidden`);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('.notice', { hasText: /^Backup of .* taken/ }).waitFor();
    const [backup] = (await data('query ($t: ID!) { tenantBackups(tenant: $t) { createdAt status } }', { t: tenants.globex })).tenantBackups;
    expect(backup.status).toBe('COMPLETED');
    await page.locator('table.backups tbody tr').first().waitFor();
    // Changed since the backup: the restore takes it back.
    await data('mutation ($t: ID!) { updateTenantConfig(tenant: $t, input: { performance: { cacheSizeMb: 777 } }) { updatedCount } }', { t: tenants.globex });
    const taken = new Date(backup.createdAt).toLocaleString('en-US');
    await page.getByRole('button', { name: `Restore the backup of ${taken}` }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`globex-hidden returns to its state of ${taken}`);
    await shot(page, '16-restore-backup-confirmation');
    await dialog.getByRole('button', { name: 'Restore this backup' }).click();
    // Within the request: globex has no database rows to copy, so no job (test/console-tenantsdb.test.ts follows one).
    await page.locator('.notice', { hasText: 'globex-hidden restored' }).waitFor();
    expect(await page.locator('#restore-progress').count()).toBe(0);
    expect(
      (await data('query ($t: ID!) { tenantConfig(tenant: $t) { performance { cacheSizeMb } } }', { t: tenants.globex })).tenantConfig.performance.cacheSizeMb,
    ).not.toBe(777);
    await expect.poll(() => page.locator('pre.current').textContent()).not.toContain('"cache_size_mb": 777');
    // The safety backup of the state just before is listed.
    await expect.poll(() => page.locator('table.backups tbody td:nth-child(3)').allTextContents()).toContain('safety');
    await shot(page, '17-backup-restored');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)('every request stayed on 127.0.0.1, and no key was ever in a URL', () => {
  expect(requested.length).toBeGreaterThan(20);
  expect(outside).toEqual([]);
  expect(requested.filter((url) => url.includes(operatorKey) || url.includes(tenantKey))).toEqual([]);
});
