import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { buildConsole, consolePage as openConsole, newWatch, shot, signIn } from './support/console-browser.js';

// The console's TenantsDB screens (#/project) in headless Chromium against a real gateway process on
// PGlite: a project made through signup, a tenant-mode workspace whose blueprint has a deployed
// version and a change waiting, two tenants with databases and a query log, and a second project
// whose names must never show. The data is made here through /graphql, not by db:seed: a deployment
// is a job the gateway's own worker runs, and the seed runs no gateway. Every request that leaves
// 127.0.0.1 is refused; screenshots go to test-results/console/.
const available = chromiumAvailable;

let server: ServerProcess;
let browser: Browser;
let dataDir: string;
let projectKey: string;
let otherKey: string;
let tenantKey: string;
let password: string;
let receiver: Server;
const received: string[] = [];
const operatorKey = 'console-tenantsdb-operator-0123456';
const watch = newWatch();
const { outside, requested, problems } = watch;
const consolePage = (colorScheme: 'light' | 'dark' = 'light') => openConsole(browser, server.url, watch, { colorScheme, clipboard: true });

async function data<T = any>(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: T; errors?: unknown[] };
  if (answer.errors) throw new Error(`${query}\n${JSON.stringify(answer.errors, null, 2)}`);
  return answer.data!;
}

async function project(email: string, name: string, workspace: string, tenants: string[]) {
  const { signup } = await data('mutation ($input: SignupInput!) { signup(input: $input) { apiKey } }', {
    input: { email, password: 'correct horse battery', projectName: name },
  });
  const key = signup.apiKey as string;
  await data(
    'mutation ($name: String!) { createWorkspace(input: { name: $name, database: "PostgreSQL", mode: "tenant" }) { password } }',
    { name: workspace },
    key,
  );
  await data(
    'mutation ($w: String!) { runWorkspaceQuery(workspace: $w, query: "CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL)") { rowCount } }',
    { w: workspace },
    key,
  );
  await data('mutation ($b: String!) { deployBlueprint(input: { blueprintName: $b }) { id } }', { b: workspace }, key);
  for (const slug of tenants) {
    await data(
      'mutation ($slug: String!, $b: String!) { createTenant(input: { slug: $slug, name: $slug, databases: [{ blueprint: $b, isolation: SHARED }] }) { id } }',
      { slug: slug, b: workspace },
      key,
    );
  }
  return key;
}

beforeAll(async () => {
  if (!available) return;
  buildConsole();
  dataDir = mkdtempSync(path.join(tmpdir(), 'console-tenantsdb-'));
  // Signup projects are FREE: 60 requests a minute per project, which these tests' page loads pass
  // within a minute (each panel loads on its own); the limit itself is tested elsewhere.
  server = await startServerProcess({
    DATABASE_URL: dataDir,
    GATEWAY_ADMIN_KEY: operatorKey,
    TENANTSDB_PROXY_PORT: '0',
    RATE_LIMIT_TIER_PER_MINUTE: '1000,1000,1000,5000',
    // The webhook receiver of the deliveries test listens on 127.0.0.1; a failed attempt is retried once, soon.
    WEBHOOK_ALLOW_PRIVATE: 'on',
    WEBHOOK_POLL_MS: '100',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_MAX_ATTEMPTS: '2',
    // The restore test's backups are the ones it takes: no scheduled backup of north comes between them.
    BACKUP_SCHEDULER: 'off',
  });
  receiver = createServer((request, response) => {
    received.push(request.url!);
    request.resume();
    request.on('end', () => {
      response.statusCode = request.url === '/hooks/ok' ? 200 : 500;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  projectKey = await project('shop-owner@example.com', 'Shop', 'shop', ['north', 'south']);
  otherKey = await project('rival@example.com', 'Rival', 'rivalry', ['hidden_rival']);
  // A change waiting in the workspace: the console offers to deploy it as version 2.
  await data('mutation { runWorkspaceQuery(workspace: "shop", query: "ALTER TABLE orders ADD COLUMN note text") { rowCount } }', {}, projectKey);
  const admin = 'mutation ($q: String!) { runAdminQuery(input: { blueprint: "shop", tenant: "north", query: $q }) { durationMs } }';
  await data(admin, { q: 'INSERT INTO orders (total) VALUES (42)' }, projectKey);
  await data(admin, { q: 'SELECT count(*) FROM orders' }, projectKey);
  await expect(data(admin, { q: 'SELECT * FROM missing_table' }, projectKey)).rejects.toThrow('relation \\"missing_table\\" does not exist');
  tenantKey = (await data('mutation { createApiKey(input: { name: "north reader", tenant: "north", scopes: [TENANTS_READ] }) { secret } }', {}, projectKey))
    .createApiKey.secret;
  password = (await data('{ tenant(id: "north") { databasePassword } }', {}, projectKey)).tenant.databasePassword;
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await browser?.close();
  await server?.stop();
  // The embedded data plane (tenant and workspace databases) lives beside the gateway's directory.
  for (const directory of dataDir ? [dataDir, `${dataDir}-data-plane`] : []) rmSync(directory, { recursive: true, force: true });
});

const rows = (page: Page, table: string) =>
  page.locator(`table.${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));

test.skipIf(!available)(
  "a project key sees its workspaces, blueprint versions, deployments, tenant databases and query logs as the gateway answers them; the password stays masked until revealed, and only in the page's memory",
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, projectKey);
    await page.getByRole('link', { name: 'TenantsDB project' }).click();
    await page.getByRole('heading', { name: 'TenantsDB project' }).waitFor();

    const answer = await data(
      '{ workspaces { name mode databaseName blueprintName version undeployedChanges } blueprintVersions(name: "shop") { number statements } schemaRollouts { version status tenantsTotal } }',
      {},
      projectKey,
    );
    await page.locator('table.workspaces tbody tr').first().waitFor();
    expect((await rows(page, 'workspaces')).map((cells) => cells.slice(0, 6))).toEqual(
      answer.workspaces.map((workspace: any) => [
        workspace.name,
        workspace.mode.toLowerCase(),
        `${workspace.databaseName} (PostgreSQL)`,
        workspace.blueprintName,
        String(workspace.version),
        String(workspace.undeployedChanges),
      ]),
    );
    expect(answer.workspaces[0].undeployedChanges).toBe(1);
    await page.locator('details.blueprint summary', { hasText: 'shop' }).click();
    await page.locator('.versions li').first().waitFor();
    expect(await page.locator('.versions pre.ddl').allTextContents()).toEqual(answer.blueprintVersions.map((version: any) => version.statements.join(';\n')));
    expect(await page.locator('.versions strong').allTextContents()).toEqual(answer.blueprintVersions.map((version: any) => `Version ${version.number}`));
    // The first deployment ran before the tenants existed: version 1 to no tenant, completed.
    await page.locator('.deployments > li').first().waitFor();
    expect(await page.locator('.deployments .job label').allTextContents()).toEqual(
      answer.schemaRollouts.map((rollout: any) => `shop version ${rollout.version}: ${rollout.status.toLowerCase()}`),
    );

    // The databases, each tenant's password masked; nothing of the other project anywhere.
    await page.locator('.database-tenant').nth(1).waitFor();
    expect(await rows(page, 'databases')).toEqual([
      ['shop__north', 'shop', 'shared', 'eu-central', 'ready'],
      ['shop__south', 'shop', 'shared', 'eu-central', 'ready'],
    ]);
    const north = page.getByLabel(/^Password of north/);
    expect(await north.textContent()).toBe('••••••••');
    // Each database's connection string as the gateway names it (the proxy's host and the port it listens on), the password masked.
    const connections = (await data('{ tenants(first: 10) { edges { node { databases { connectionString } } } } }', {}, projectKey)).tenants.edges.flatMap(
      (edge: any) => edge.node.databases.map((database: any) => database.connectionString as string),
    );
    expect(connections[0]).toMatch(/^postgresql:\/\/tdb_[0-9a-f]{8}@localhost:[1-9]\d*\/shop__north\?sslmode=require$/);
    const masked = connections.map((connection: string) => connection.replace('@', ':••••••••@'));
    expect(await page.locator('.connection-strings code').allTextContents()).toEqual(masked);
    expect(await page.content()).not.toContain(password);
    await page.locator('table.query-log tbody tr').first().waitFor();
    await shot(page, '20-tenantsdb-project');

    await page.getByRole('button', { name: 'Reveal the password of north' }).click();
    await expect.poll(() => north.textContent()).toBe(password);
    expect(await page.locator('.connection-strings code').first().textContent()).toBe(connections[0].replace('@', `:${password}@`));
    expect(await page.locator('.connection-strings code').nth(1).textContent()).toBe(masked[1]);
    expect(await page.getByLabel(/^Password of south/).textContent()).toBe('••••••••');
    await shot(page, '21-tenantsdb-password-revealed');
    expect(await page.evaluate(() => ({ stored: Object.values(sessionStorage), local: localStorage.length, href: location.href }))).toEqual({
      stored: [projectKey],
      local: 0,
      href: `${server.url}/console#/project`,
    });
    await page.getByRole('button', { name: 'Hide the password of north' }).click();
    expect(await north.textContent()).toBe('••••••••');
    expect(await page.content()).not.toContain(password);
    // Copy puts it on the clipboard without showing it.
    await page.getByRole('button', { name: 'Copy the password of south' }).click();
    await page.getByRole('status').filter({ hasText: 'The database password of south is on the clipboard.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    await page.getByRole('button', { name: 'Copy the connection string of shop__south' }).click();
    await page.getByRole('status').filter({ hasText: 'The connection string of shop__south is on the clipboard.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(connections[1].replace('@', `:${password}@`));
    expect(await page.locator('.connection-strings code').allTextContents()).toEqual(masked);
    expect(await page.content()).not.toContain(password);

    // The query log of north, newest first, as tenantQueryLogs answers; then its failed queries only.
    const logs = (await data('{ tenantQueryLogs(tenant: "north") { entries { query success error } } }', {}, projectKey)).tenantQueryLogs.entries;
    expect(logs).toHaveLength(3);
    expect((await rows(page, 'query-log')).map((cells) => [cells[4], cells[3]])).toEqual(
      logs.map((entry: any) => [entry.query, entry.success ? 'ok' : `failed: ${entry.error}`]),
    );
    await page.getByLabel('Show').selectOption('ERROR');
    await expect.poll(async () => (await rows(page, 'query-log')).map((cells) => cells[4])).toEqual(['SELECT * FROM missing_table']);
    await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'south' });
    await page.getByText('No query logged for south with this filter.').waitFor();

    const html = await page.content();
    expect(html).not.toMatch(/rival/i);
    expect(server.stdout + server.stderr).not.toContain(password);
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "a deployment from the console: the confirmation names the version and the tenants, Cancel leaves it undone, the run is followed to each tenant's result; a refusal shows the gateway's message",
  { timeout: 90_000 },
  async () => {
    const deployments = async () => (await data('{ schemaRollouts { version status tenantsCompleted tenantsTotal } }', {}, projectKey)).schemaRollouts;
    expect(await deployments()).toHaveLength(1);
    const page = await consolePage('dark');
    await signIn(page, projectKey);
    await page.goto(`${server.url}/console#/project`);
    await page.getByLabel('Blueprint with undeployed changes').waitFor();
    expect(await page.getByLabel('Blueprint with undeployed changes').locator('option').allTextContents()).toEqual(['shop (1 change)']);
    await page.getByRole('button', { name: 'Deploy…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('The 1 undeployed change of shop becomes version 2 and is applied to the databases of 2 tenants');
    await shot(page, '22-tenantsdb-deploy-confirmation-dark');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await deployments()).toHaveLength(1);

    await page.getByRole('button', { name: 'Deploy…' }).click();
    await dialog.getByRole('button', { name: 'Deploy version 2' }).click();
    await page.locator('.notice', { hasText: 'Version 2 of shop deployed: 2 of 2 tenants at it.' }).waitFor();
    const [latest] = await deployments();
    expect(latest).toEqual({ version: 2, status: 'COMPLETED', tenantsCompleted: 2, tenantsTotal: 2 });
    const progress = page.locator('.job progress').first();
    expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual(['2', '2']);
    expect(await page.locator('.job').first().locator('.targets li code').allTextContents()).toEqual(['north', 'south']);
    expect(await page.locator('.job').first().locator('.targets li').allTextContents()).toEqual([
      expect.stringMatching(/^north completed in \d+ ms$/),
      expect.stringMatching(/^south completed in \d+ ms$/),
    ]);
    // The workspace's queue is empty now, and the page says so.
    await page.getByText('Every blueprint is deployed: nothing waits in a workspace.').waitFor();
    await expect.poll(async () => (await rows(page, 'workspaces'))[0]?.slice(4, 6)).toEqual(['2', '0']);
    await shot(page, '23-tenantsdb-deployed-dark');

    // Another change; someone deploys it behind the console's back: the console's deploy is refused in the gateway's words.
    await data('mutation { runWorkspaceQuery(workspace: "shop", query: "CREATE INDEX orders_total ON orders (total)") { rowCount } }', {}, projectKey);
    await page.reload();
    await page.getByRole('button', { name: 'Deploy…' }).click();
    await data('mutation { deployBlueprint(input: { blueprintName: "shop" }) { id } }', {}, projectKey);
    const refused = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${projectKey}` },
      body: JSON.stringify({ query: 'mutation { deployBlueprint(input: { blueprintName: "shop" }) { id } }' }),
    });
    const message = ((await refused.json()) as { errors: { message: string }[] }).errors[0]!.message;
    expect(message).toContain('no undeployed changes');
    await dialog.getByRole('button', { name: 'Deploy version 3' }).click();
    await expect.poll(() => page.locator('.error').first().textContent()).toBe(message);
    // And the page loads again to what is true now: version 3 deployed, nothing waiting.
    await expect.poll(() => page.locator('.deployments .job label').first().textContent()).toBe('shop version 3: completed');
    await page.getByText('Every blueprint is deployed: nothing waits in a workspace.').waitFor();
    await shot(page, '24-tenantsdb-deploy-refused-dark');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "a tenant key sees its own database and query log, nothing of another tenant, no password and nothing of the project's; another project's key sees nothing of this one",
  { timeout: 90_000 },
  async () => {
    const page = await consolePage();
    await signIn(page, tenantKey);
    await page.getByRole('link', { name: 'Databases' }).click();
    await page.getByRole('heading', { name: 'Databases', level: 1 }).waitFor();
    await page.locator('table.query-log tbody tr').first().waitFor();
    expect(await rows(page, 'databases')).toEqual([['shop__north', 'shop', 'shared', 'eu-central', 'ready']]);
    expect(await page.getByRole('button', { name: /Reveal|Copy/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: /^(Workspaces|Blueprints|Deployments)$/ }).count()).toBe(0);
    expect(await page.locator('table.query-log tbody tr').count()).toBe(3);
    await shot(page, '25-tenantsdb-tenant-key');
    const html = await page.content();
    expect(html).not.toMatch(/south|rival/i);
    expect(html).not.toContain(password);
    expect(problems).toEqual([]);
    await page.close();

    const other = await consolePage();
    await signIn(other, otherKey);
    await other.getByRole('link', { name: 'TenantsDB project' }).click();
    await other.locator('table.workspaces tbody tr').first().waitFor();
    await other.locator('.database-tenant').first().waitFor();
    await other.locator('.deployments > li').first().waitFor();
    expect((await rows(other, 'workspaces')).map((cells) => cells[0])).toEqual(['rivalry']);
    expect(await other.content()).not.toMatch(/north|south|shop/);
    await shot(other, '26-tenantsdb-other-project');
    expect(problems).toEqual([]);
    await other.close();
  },
);

test.skipIf(!available)(
  "webhook deliveries to a real receiver on 127.0.0.1: one delivered, one failed after its retry with the receiver's answer, as webhookDeliveries has them",
  { timeout: 90_000 },
  async () => {
    const hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await data('mutation { createTenant(input: { slug: "hooked", name: "Hooked Inc" }) { id } }', {}, operatorKey);
    await data(
      'mutation ($ok: String!, $fail: String!) { saveGatewayConfig(tenant: "hooked", input: { webhooks: [{ url: $ok, events: [GATEWAY_CONFIG_UPDATED] }, { url: $fail, events: [GATEWAY_CONFIG_UPDATED] }] }) { updatedFields } }',
      { ok: `${hooks}/ok`, fail: `${hooks}/fail` },
      operatorKey,
    );
    const deliveries = async () =>
      (
        await data('{ webhookDeliveries(tenant: "hooked", first: 25) { edges { node { event url status attempts lastError } } } }', {}, operatorKey)
      ).webhookDeliveries.edges.map((edge: any) => edge.node);
    await expect.poll(async () => (await deliveries()).map((delivery: any) => delivery.status).sort(), { timeout: 20_000 }).toEqual(['DELIVERED', 'FAILED']);
    expect(received.filter((url) => url === '/hooks/ok')).toHaveLength(1);
    expect(received.filter((url) => url === '/hooks/fail')).toHaveLength(2);
    const expected = (await deliveries()).map((delivery: any) => [
      delivery.event,
      delivery.url,
      `${delivery.status.toLowerCase()}${delivery.lastError ? ` · ${delivery.lastError}` : ''}`,
      String(delivery.attempts),
    ]);

    const page = await consolePage();
    await signIn(page, operatorKey);
    await page.goto(`${server.url}/console#/tenants/hooked`);
    await page.locator('table.deliveries tbody tr').nth(1).waitFor();
    expect((await rows(page, 'deliveries')).map((cells) => cells.slice(1))).toEqual(expected);
    expect(await page.locator('td.delivery-delivered').count()).toBe(1);
    expect(await page.locator('td.delivery-failed').count()).toBe(1);
    await page.getByRole('heading', { name: 'Webhook deliveries' }).scrollIntoViewIfNeeded();
    await shot(page, '27-webhook-deliveries');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  "a restore of a tenant whose database holds rows is a job: backed up from the console, restored through the confirmation, shown running while north's own transaction holds its rows, then done with the row added since gone",
  { timeout: 90_000 },
  async () => {
    const admin = 'mutation ($q: String!) { runAdminQuery(input: { blueprint: "shop", tenant: "north", query: $q }) { results { rows } } }';
    const orders = async () => (await data(admin, { q: 'SELECT id, total FROM orders ORDER BY id' }, projectKey)).runAdminQuery.results[0].rows;
    const before = await orders();
    expect(before).toEqual([[1, 42]]);
    const page = await consolePage();
    await signIn(page, operatorKey);
    await page.goto(`${server.url}/console#/tenants/north`);
    await page.getByRole('button', { name: 'Back up now' }).click();
    // north's database holds rows, so a job writes the backup (the answer is PENDING): the panel follows it until it is written.
    await page.locator('.notice', { hasText: /^Backup of .* taken \(completed\)\.$/ }).waitFor();
    const [backup] = (await data('{ tenantBackups(tenant: "north") { createdAt status trigger } }', {}, operatorKey)).tenantBackups;
    expect(backup).toMatchObject({ status: 'COMPLETED', trigger: 'MANUAL' });
    // Changed since the backup: a row more, which the restore takes back.
    await data(admin, { q: 'INSERT INTO orders (total) VALUES (7)' }, projectKey);
    expect(await orders()).toEqual([...before, [2, 7]]);

    // north's own client holds its orders in a transaction through the proxy: the restore's job
    // cannot replace them (on the embedded data plane: cannot reach the database at all) until it ends.
    const { connectionString } = (await data('{ tenant(id: "north") { databases { connectionString } } }', {}, projectKey)).tenant.databases[0];
    const holder = new pg.Client({
      connectionString: `${connectionString.replace('@localhost:', `:${password}@127.0.0.1:`)}&uselibpqcompat=true`,
    });
    await holder.connect();
    const status = page.locator('.job[role=status]');
    const progress = status.locator('progress');
    let jobId = '';
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM orders FOR UPDATE');
      const taken = new Date(backup.createdAt).toLocaleString('en-US');
      await page.getByRole('button', { name: `Restore the backup of ${taken}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Restore this backup' }).click();
      // The job runs (a worker took it) and cannot end: the panel says so, as jobProgress does.
      await status.locator('label', { hasText: /^Restore running$/ }).waitFor();
      const [job] = (await data('{ tenantBackupJobs(tenant: "north", limit: 1) { id kind status } }', {}, operatorKey)).tenantBackupJobs;
      expect(job).toMatchObject({ kind: 'ROLLBACK', status: 'RUNNING' });
      jobId = job.id;
      const running = (await data('query ($id: ID!) { jobProgress(id: $id) { state done total finished } }', { id: jobId }, operatorKey)).jobProgress;
      expect(running).toEqual({ state: 'RUNNING', done: 0, total: 1, finished: false });
      expect((await data('{ tenant(id: "north") { status } }', {}, operatorKey)).tenant.status).toBe('RESTORING');
      await page.locator('.facts .state', { hasText: /^restoring$/ }).waitFor();
      // Nothing done yet: the bar moves (no value) rather than standing empty.
      expect(await progress.getAttribute('value')).toBeNull();
      expect(await status.locator('span').textContent()).toBe('0 of 1 steps');
      // Nothing else is offered while it runs: another restore would be refused (north is restoring).
      expect(await page.getByRole('button', { name: 'Back up now' }).isDisabled()).toBe(true);
      expect(
        await page
          .getByRole('button', { name: /^Restore the backup of/ })
          .evaluateAll((buttons) => buttons.every((button) => (button as HTMLButtonElement).disabled)),
      ).toBe(true);
      await status.scrollIntoViewIfNeeded();
      await shot(page, '28-restore-job-running');
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }

    await status.locator('.notice', { hasText: 'north restored; its state just before is kept as a safety backup.' }).waitFor();
    expect((await data('query ($id: ID!) { jobProgress(id: $id) { state done total finished } }', { id: jobId }, operatorKey)).jobProgress).toEqual({
      state: 'SUCCEEDED',
      done: 1,
      total: 1,
      finished: true,
    });
    expect(await status.locator('label').textContent()).toBe('Restore succeeded');
    expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual(['1', '1']);
    // The row added since the backup is gone; north is live again, and its state before the restore is kept.
    expect(await orders()).toEqual(before);
    expect((await data('{ tenant(id: "north") { status } }', {}, operatorKey)).tenant.status).toBe('ACTIVE');
    await page.locator('.facts .state', { hasText: /^ready$/ }).waitFor();
    await expect.poll(() => page.locator('table.backups tbody td:nth-child(3)').allTextContents(), { timeout: 10_000 }).toEqual(['safety', 'manual']);
    expect(await page.getByRole('button', { name: 'Back up now' }).isDisabled()).toBe(false);
    await shot(page, '29-restore-job-done');
    expect(problems).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)('every request stayed on 127.0.0.1, and no key or password was ever in a URL', () => {
  expect(requested.length).toBeGreaterThan(20);
  expect(outside).toEqual([]);
  expect(requested.filter((url) => [projectKey, otherKey, tenantKey, password].some((secret) => url.includes(secret)))).toEqual([]);
});
