import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServerAdapter } from '@whatwg-node/server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDemoProject } from '../scripts/demo-project.js';
import type { Environment } from '../src/env.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// The README's first hour, run as written: its code blocks are read from README.md, the shell
// ones run by bash against a gateway on PGlite listening on a loopback port. Only the gateway's
// address (localhost:4000) and the stand-in upstream's port (8080) are swapped for free ones;
// the commands that start the gateway or seed it are done in-process, with the settings they name.

type Block = { language: string; text: string };

const readme = readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
const firstHour = /^## The first hour\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const blocks: Block[] = [...firstHour.matchAll(/^( *)```(\w+)\n([\s\S]*?)^ *```$/gm)].map(([, indent, language, text]) => ({
  language: language!,
  text: text!.replace(new RegExp(`^${indent}`, 'gm'), ''),
}));

/** A shell block's commands: a line that starts at the margin begins one; indented lines continue it. */
const commandsOf = (text: string) => text.split(/\n(?=\S)/).map((command) => command.trimEnd());
const startsOrSeeds = (command: string) => /\bnpm (start|run db:seed)\b/.test(command);
const shellBlocks = blocks.filter(({ language }) => language === 'sh').map(({ text }) => commandsOf(text));
const serverCommands = shellBlocks.flat().filter(startsOrSeeds);
// `VAR=value npm start`: the settings the gateway is started with.
const serverEnv = Object.fromEntries(
  serverCommands.flatMap((command) => [...command.matchAll(/\b([A-Z_]+)=(\S+) npm start\b/g)].map(([, name, value]) => [name, value])),
);

let gateway: TestGateway;
let server: http.Server;
let address: string;
let upstreamPort: number;

async function freePort() {
  const probe = http.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Runs shell commands as the README writes them, in one bash, and answers what each printed.
 * A command ending in `&` runs in the background until the script ends; the next command waits
 * for the stand-in upstream to listen, as a reader typing the next line would.
 */
async function runCommands(commands: string[]): Promise<string[]> {
  const script = ['set -e', "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"];
  commands.forEach((command, index) => {
    script.push(`printf '\\n@@@ ${index}\\n'`, command.replaceAll('localhost:4000', address).replace(/\b8080\b/g, String(upstreamPort)));
    if (command.endsWith('&')) script.push(`until (: >/dev/tcp/127.0.0.1/${upstreamPort}) 2>/dev/null; do sleep 0.05; done`);
  });
  const { stdout } = await promisify(execFile)('bash', ['-c', script.join('\n')], { env: { ...process.env, KEY: gateway.adminKey }, timeout: 30_000 });
  return stdout.split(/\n@@@ \d+\n/).slice(1);
}

/** What `curl -i` printed: the status, the headers and the body. */
function parseResponse(printed: string) {
  const [head = '', body = ''] = printed.split(/\r\n\r\n/, 2);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

beforeAll(async () => {
  gateway = await startGateway({ env: serverEnv as Partial<Environment> });
  if (serverCommands.some((command) => command.includes('npm run db:seed'))) await loadDemoProject(gateway.database.prisma, [], () => {});
  server = http.createServer(
    createServerAdapter<{ req: http.IncomingMessage }>((request, { req }) => gateway.app.fetch(request, { clientAddress: req.socket.remoteAddress })),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  upstreamPort = await freePort();
});

afterAll(async () => {
  server?.close();
  await gateway?.close();
});

test('the first hour has the steps this test runs, and starts the gateway only as it expects', () => {
  expect(blocks.map(({ language }) => language)).toEqual(['sh', 'json', 'graphql', 'sh', 'sh', 'sh']);
  expect(serverCommands).toEqual(['npm run db:seed && npm start', 'TENANT_ROUTES_ALLOW_PRIVATE=on npm start']);
});

test('step 3: the configuration change in GraphiQL, with the headers it shows, applies to the demo tenant', async () => {
  const headers: Record<string, string> = JSON.parse(blocks[1]!.text);
  headers.Authorization = headers.Authorization!.replace(/tgw_\S+/, gateway.adminKey);
  const response = await fetch(`http://${address}/graphql`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query: blocks[2]!.text }),
  });
  expect(await response.json()).toEqual({
    data: { updateTenantConfig: { updatedCount: 1, updatedFields: ['performance.cache_size_mb'], config: { version: 3, performance: { cacheSizeMb: 2048 } } } },
  });
});

test('step 4: the legacy REST route answers the configuration', async () => {
  const [printed] = await runCommands(shellBlocks[1]!);
  // Step 3's change, as the Tenant Configuration API shows it.
  expect(JSON.parse(printed!)).toMatchObject({ tenant_id: expect.stringMatching(/^[0-9a-f-]{36}$/), performance: { cache_size_mb: 2048 } });
});

test("step 6: a tenant's route reaches the upstream with the tenant's credential, is kept, and is metered", async () => {
  const commands = [...shellBlocks[2]!, ...shellBlocks[3]!].filter((command) => !startsOrSeeds(command));
  // The demo seed recorded weeks of usage: what the route adds is measured from here.
  const before = await (
    await fetch(`http://${address}/usage/summary`, { headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': 'acme' } })
  ).json();
  const printed = await runCommands(commands);
  const [secret, config, first, second, usage] = printed.filter((_, index) => commands[index]!.startsWith('curl'));
  expect(JSON.parse(secret!)).toMatchObject({ success: true });
  expect(JSON.parse(config!)).toMatchObject({ success: true });
  const miss = parseResponse(first!);
  expect(miss).toMatchObject({ status: 200, body: { path: '/greet/world', auth: 'Bearer sk_live_123' } });
  expect(miss.headers.get('x-cache')).toBe('MISS');
  const hit = parseResponse(second!);
  expect(hit).toMatchObject({ status: 200, body: { path: '/greet/world', auth: 'Bearer sk_live_123' } });
  expect(hit.headers.get('x-cache')).toBe('HIT');
  expect(hit.headers.get('age')).toMatch(/^\d+$/);
  const summary = JSON.parse(usage!);
  expect(summary).toMatchObject({ tenant_id: 'acme' });
  expect(summary.api_calls).toBeGreaterThan(before.api_calls);
  // Both answers' bodies, the kept one's too.
  expect(summary.bandwidth_bytes - before.bandwidth_bytes).toBe(2 * JSON.stringify(miss.body).length);
});
