import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfiles } from './profile.js';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { applyMigrations } from '../src/db/schema-engine.js';
import { defaultConfig } from '../src/modules/configs/config-spec.js';
import { tenantPageQuery, tenantQuery } from './operations.js';
import { seedTenants } from './seed.js';

// npm run bench [-- --quick] [-- --tenants 100000] [-- --duration 10 --connections 20] [-- --profile]
// --profile: the gateway runs with --cpu-prof; its CPU profiles land in bench/results/profiles/
// and the top frames by package and by function are printed after the run.
// --hostile: a normal reader (W1 at a fixed rate) alone, then beside anonymous 1 MB documents and
// alias floods; reports the reader's p99 both ways and the gateway's memory before and after.
// The gateway (compiled, NODE_ENV=production) and a node:http + pg baseline, loaded in turn
// from a separate process on loopback, alternating which goes first.

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tenants: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
    hostile: { type: 'boolean', default: false },
  },
});
const quick = options.quick!;
const tenantCount = Number(options.tenants ?? (quick ? 200 : 1000));
const duration = Number(options.duration ?? (quick ? 1 : 8));
const warmup = quick ? 0.5 : 3;
const connections = Number(options.connections);
const root = path.resolve(import.meta.dirname, '..');
const operatorKey = 'bench-operator-key-0123456789abcdef';

const profileDir = path.join(root, 'bench/results/profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

type Server = { name: string; url: string; child: ChildProcess; metric: string };

async function startProcess(name: string, args: string[], env: Record<string, string>, metric: string): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  return { name, url, child, metric };
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

async function counter(server: Server): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`^${server.metric} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

async function currentRss(server: Server): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** A normal reader alone, then beside anonymous 1 MB documents and 1,000-alias floods. */
async function hostileLoad(server: Server, ids: string[]) {
  const reader: Mix = [{ weight: 1, method: 'GET', path: '/api/v1/tenants/{id}/config' }];
  const hugeDocument = JSON.stringify({ query: `{ ${'__typename '.repeat(100_000)}}` });
  const aliasFlood = JSON.stringify({ query: `{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: tenant(id: "x") { config { version } }`).join(' ')} }` });
  const rate = 100;
  const quiet = await load(server.url, ids, reader, duration, rate);
  const rssBefore = await currentRss(server);
  const [beside, huge, aliases] = await Promise.all([
    load(server.url, ids, reader, duration, rate),
    load(server.url, ids, [{ weight: 1, method: 'POST', path: '/graphql', body: hugeDocument, anonymous: true }], duration),
    load(server.url, ids, [{ weight: 1, method: 'POST', path: '/graphql', body: aliasFlood, anonymous: true }], duration),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const rssAfter = await currentRss(server);
  return {
    readerRate: rate,
    readerP99Alone: quiet.p99,
    readerP99UnderAttack: beside.p99,
    readerFailures: beside.errors + beside.non2xx,
    hugeDocuments: { sent: huge.requests, refused: huge.non2xx },
    aliasFloods: { sent: aliases.requests, refused: aliases.non2xx },
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
  };
}

async function peakRss(server: Server): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

type Mix = { weight: number; method: 'GET' | 'PUT' | 'POST'; path: string; body?: string; anonymous?: boolean }[];
type LoadResult = { requests: number; rps: number; p50: number; p99: number; errors: number; non2xx: number };

function loadOne(url: string, ids: string[], entry: Mix[number], clients: number, seconds: number, rate?: number): Promise<LoadResult> {
  const spec = {
    url,
    ids,
    connections: clients,
    duration: seconds,
    headers: entry.anonymous ? { 'content-type': 'application/json' } : { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    mix: [entry],
    rate,
  };
  return new Promise((resolve, reject) => {
    // The spec goes through stdin: a hostile body (1 MB) is beyond what argv may carry.
    const child = spawn(process.execPath, [path.join(root, 'dist/bench/load.js')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin!.end(JSON.stringify(spec));
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(`load exited with ${code}`))));
  });
}

/** A mixed workload runs one load process per request kind at once, connections split by weight. */
async function load(url: string, ids: string[], mix: Mix, seconds: number, rate?: number): Promise<LoadResult> {
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  const parts = await Promise.all(
    mix.map((entry) => loadOne(url, ids, entry, Math.max(1, Math.round((connections * entry.weight) / total)), seconds, rate && Math.round((rate * entry.weight) / total))),
  );
  const requests = parts.reduce((sum, part) => sum + part.requests, 0);
  return {
    requests,
    rps: parts.reduce((sum, part) => sum + part.rps, 0),
    p50: Math.max(...parts.map((part) => part.p50)),
    p99: Math.max(...parts.map((part) => part.p99)),
    errors: parts.reduce((sum, part) => sum + part.errors, 0),
    non2xx: parts.reduce((sum, part) => sum + part.non2xx, 0),
  };
}

type Measurement = LoadResult & { statementsPerRequest: number; peakRssBytes: number };

async function measure(server: Server, ids: string[], mix: Mix, rate?: number): Promise<Measurement> {
  await load(server.url, ids, mix, warmup, rate);
  const before = await counter(server);
  const result = await load(server.url, ids, mix, duration, rate);
  const after = await counter(server);
  return { ...result, statementsPerRequest: result.requests ? (after - before) / result.requests : 0, peakRssBytes: await peakRss(server) };
}

const graphqlBody = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const workloads: Record<string, { title: string; mix: Mix }> = {
  W1: { title: 'REST GET /api/v1/tenants/{id}/config', mix: [{ weight: 1, method: 'GET', path: '/api/v1/tenants/{id}/config' }] },
  W2: { title: 'GraphQL tenant(id) { config features }', mix: [{ weight: 1, method: 'POST', path: '/graphql', body: graphqlBody(tenantQuery, { id: '{id}' }) }] },
  W3: { title: 'GraphQL page of 50 tenants with config and features', mix: [{ weight: 1, method: 'POST', path: '/graphql', body: graphqlBody(tenantPageQuery) }] },
  W4: {
    title: 'REST PUT /api/v1/tenants/{id}/config',
    mix: [{ weight: 1, method: 'PUT', path: '/api/v1/tenants/{id}/config', body: '{"performance":{"cache_size_mb":{n}}}' }],
  },
  W5: {
    title: 'mixed: 90 % W1, 10 % W4',
    mix: [
      { weight: 9, method: 'GET', path: '/api/v1/tenants/{id}/config' },
      { weight: 1, method: 'PUT', path: '/api/v1/tenants/{id}/config', body: '{"performance":{"cache_size_mb":{n}}}' },
    ],
  },
};
const graphqlConfigRead: Mix = [
  {
    weight: 1,
    method: 'POST',
    path: '/graphql',
    body: graphqlBody(
      `query BenchConfig($tenant: ID!) { tenantConfig(tenant: $tenant) { tenantId version updatedAt performance { cacheSizeMb maxParallelWorkers enableQueryOptimization enableResultCaching enableAdaptiveIndexing queryTimeoutSecs queryMemoryLimitMb collectQueryStats } security { encryptionAtRest encryptionInTransit encryptionAlgorithm kmsKeyId enableRls enableColumnEncryption passwordComplexity sessionTimeoutMins requireMfa allowedIps enableAuditLog auditRetentionDays } backup { enabled frequencyHours retentionDays fullBackupInterval destinations { destinationType bucket region path credentialsId } enablePitr pitrRetentionDays encryptBackups compressBackups } replication { enabled mode regions consistencyLevel maxLagSeconds enableAutoFailover failoverPriority } compliance { gdpr hipaa soc2 pciDss dataResidency enableRetentionPolicies defaultRetentionDays enableAnonymization enableRtbf } customSettings } }`,
      { tenant: '{id}' },
    ),
  },
];

const gatewayEnv = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  GATEWAY_ADMIN_KEY: operatorKey,
  LOG_LEVEL: 'warn',
  // The load is requests; scheduled backups of every seeded tenant would be another workload.
  BACKUP_SCHEDULER: 'off',
  SECRETS_KEY: '0'.repeat(64),
  // Limits are raised so the load measures the work, not the refusals; the checks still run.
  RATE_LIMIT_IP_PER_SECOND: '100000000',
  RATE_LIMIT_CONFIG_READS_PER_MINUTE: '100000000',
  RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: '100000000',
  RATE_LIMIT_FEATURE_QUERIES_PER_MINUTE: '100000000',
  ...extra,
});

async function sameBytes(gateway: Server, baseline: Server, id: string): Promise<Record<string, boolean>> {
  const get = (server: Server, init: RequestInit & { path: string }) =>
    fetch(`${server.url}${init.path}`, { ...init, headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' } }).then((response) => response.text());
  const checks: Record<string, RequestInit & { path: string }> = {
    W1: { path: `/api/v1/tenants/${id}/config` },
    W2: { path: '/graphql', method: 'POST', body: graphqlBody(tenantQuery, { id }) },
    W3: { path: '/graphql', method: 'POST', body: graphqlBody(tenantPageQuery) },
  };
  const result: Record<string, boolean> = {};
  for (const [name, init] of Object.entries(checks)) result[name] = (await get(gateway, init)) === (await get(baseline, init));
  return result;
}

async function seedPglite(dataDir: string, count: number): Promise<string[]> {
  const database = openDatabase(dataDir);
  try {
    await applyMigrations(database.adapterFactory);
    const ids: string[] = [];
    const tiers = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const;
    for (let offset = 0; offset < count; offset += 500) {
      const batch = Array.from({ length: Math.min(500, count - offset) }, (_unused, index) => {
        const n = offset + index;
        const document = defaultConfig();
        document.performance.cache_size_mb = 1024 + (n % 1000);
        return { id: crypto.randomUUID(), n, tier: tiers[n % 4]!, document };
      });
      ids.push(...batch.map((entry) => entry.id));
      await database.prisma.tenant.createMany({
        data: batch.map((entry) => ({ id: entry.id, slug: `bench_${entry.n}`, name: `Bench ${entry.n}`, tier: entry.tier, region: 'eu-central', maxUsers: 100, maxApiCallsPerMonth: 1_000_000, maxStorageMb: 102_400 })),
      });
      await database.prisma.tenantConfig.createMany({ data: batch.map((entry) => ({ tenantId: entry.id, document: entry.document, version: 2, updatedBy: 'bench' })) });
    }
    return ids;
  } finally {
    await database.close();
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const started = Date.now();
  log('building the gateway (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

  let clusterDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl?.startsWith('postgres')) {
    log('starting a throwaway PostgreSQL 15 cluster on loopback');
    [clusterDir, serverUrl] = execFileSync('bash', [path.join(root, 'scripts/postgres-cluster.sh'), 'start'], { stdio: ['ignore', 'pipe', 'inherit'] })
      .toString()
      .trim()
      .split(' ') as [string, string];
  }
  const servers: Server[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'gateway-bench-'));
  try {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS gateway_bench WITH (FORCE)');
    await admin.query('CREATE DATABASE gateway_bench');
    await admin.end();
    const benchUrl = new URL(serverUrl!);
    benchUrl.pathname = '/gateway_bench';
    const databaseUrl = benchUrl.toString();

    const migrator = openDatabase(databaseUrl);
    await applyMigrations(migrator.adapterFactory);
    await migrator.close();
    log(`seeding ${tenantCount} tenants`);
    const ids = await seedTenants(databaseUrl, tenantCount, (done) => done % 20_000 === 0 && log(`  ${done} tenants`));

    const baseline = await startProcess('baseline', [path.join(root, 'dist/bench/baseline.js')], { BASELINE_DATABASE_URL: databaseUrl }, 'baseline_sql_statements_total');
    const gatewayArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const gateway = await startProcess('gateway', [...gatewayArgs, path.join(root, 'dist/src/server.js')], gatewayEnv(databaseUrl), 'gateway_sql_statements_total');
    servers.push(baseline, gateway);
    const identical = await sameBytes(gateway, baseline, ids[0]!);
    log(`same response bytes: ${JSON.stringify(identical)}`);

    const results: Record<string, { title: string; gateway: Measurement; baseline: Measurement; ratio: number }> = {};
    for (const [index, [name, workload]] of Object.entries(workloads).entries()) {
      const order = index % 2 === 0 ? [gateway, baseline] : [baseline, gateway];
      const measured: Record<string, Measurement> = {};
      for (const server of order) {
        log(`${name} on ${server.name}`);
        measured[server.name] = await measure(server, ids, workload.mix);
      }
      results[name] = { title: workload.title, gateway: measured.gateway!, baseline: measured.baseline!, ratio: measured.gateway!.rps / measured.baseline!.rps };
    }

    log('W1 through /graphql on the gateway');
    const graphqlRead = await measure(gateway, ids, graphqlConfigRead);
    log('p99 at half of peak W1 throughput');
    const halfPeak = await measure(gateway, ids, workloads.W1!.mix, Math.max(1, Math.round(results.W1!.gateway.rps / 2)));
    let hostile: Awaited<ReturnType<typeof hostileLoad>> | null = null;
    if (options.hostile) {
      log('hostile load: anonymous 1 MB documents and alias floods beside a normal reader');
      hostile = await hostileLoad(gateway, ids);
      log(`  ${JSON.stringify(hostile)}`);
    }
    await Promise.all([stop(gateway), stop(baseline)]);
    servers.splice(0, servers.length);

    let meteringAndRateLimits: Report['meteringAndRateLimits'] = null;
    const pglite: Record<string, Measurement> = {};
    if (!quick) {
      log('W1 with metering and rate limiting off, then on again, in fresh processes');
      const variants: Record<string, Measurement> = {};
      for (const [label, extra] of [['off', { METERING: 'off', RATE_LIMITS: 'off' }], ['on', {}]] as const) {
        const variant = await startProcess(`gateway (${label})`, [path.join(root, 'dist/src/server.js')], gatewayEnv(databaseUrl, extra), 'gateway_sql_statements_total');
        servers.push(variant);
        variants[label] = await measure(variant, ids, workloads.W1!.mix);
        await stop(variant);
        servers.splice(servers.indexOf(variant), 1);
      }
      meteringAndRateLimits = { on: variants.on!, off: variants.off!, throughputLost: 1 - variants.on!.rps / variants.off!.rps };

      log('W1-W3 on the embedded PGlite default');
      const pgliteDir = path.join(scratch, 'pglite');
      await mkdir(pgliteDir);
      const pgliteIds = await seedPglite(pgliteDir, Math.min(tenantCount, 1000));
      const embedded = await startProcess('gateway (PGlite)', [path.join(root, 'dist/src/server.js')], gatewayEnv(pgliteDir), 'gateway_sql_statements_total');
      servers.push(embedded);
      for (const name of ['W1', 'W2', 'W3']) pglite[name] = await measure(embedded, pgliteIds, workloads[name]!.mix);
    }

    const report = {
      date: new Date().toISOString(),
      commit: commit(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
      settings: { tenants: tenantCount, durationSeconds: duration, warmupSeconds: warmup, connections, quick },
      identicalResponses: identical,
      workloads: results,
      graphqlConfigRead: { ...graphqlRead, restOverGraphql: results.W1!.gateway.rps / graphqlRead.rps },
      meteringAndRateLimits,
      halfPeak: { rate: Math.round(results.W1!.gateway.rps / 2), p99: halfPeak.p99, achievedRps: halfPeak.rps },
      hostile,
      pglite,
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
    };
    await writeReport(report);
  } finally {
    await Promise.all(servers.map(stop));
    if (options.profile) {
      const { byOrigin, byFunction } = await summarizeProfiles(profileDir);
      log(`CPU profile of the gateway (${profileDir}), self time:`);
      for (const [origin, percent] of byOrigin) log(`  ${String(percent).padStart(5)} %  ${origin}`);
      log('top functions:');
      for (const [name, percent] of byFunction) log(`  ${String(percent).padStart(5)} %  ${name}`);
    }
    await rm(scratch, { recursive: true, force: true });
    if (clusterDir) execFileSync('bash', [path.join(root, 'scripts/postgres-cluster.sh'), 'stop', clusterDir], { stdio: 'ignore' });
  }
}

type Report = {
  date: string;
  commit: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  identicalResponses: Record<string, boolean>;
  workloads: Record<string, { title: string; gateway: Measurement; baseline: Measurement; ratio: number }>;
  graphqlConfigRead: Measurement & { restOverGraphql: number };
  meteringAndRateLimits: { on: Measurement; off: Measurement; throughputLost: number } | null;
  halfPeak: { rate: number; p99: number; achievedRps: number };
  hostile: Awaited<ReturnType<typeof hostileLoad>> | null;
  pglite: Record<string, Measurement>;
  elapsedSeconds: number;
};

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const fixed = (value: number, digits = 2) => value.toFixed(digits);

function markdown(report: Report): string {
  const rows = Object.entries(report.workloads).map(
    ([name, entry]) =>
      `| ${name} | ${entry.title} | ${Math.round(entry.gateway.rps)} | ${Math.round(entry.baseline.rps)} | **${fixed(entry.ratio)}×** | ${entry.gateway.p50} / ${entry.gateway.p99} | ${entry.baseline.p50} / ${entry.baseline.p99} | ${fixed(entry.gateway.statementsPerRequest)} / ${fixed(entry.baseline.statementsPerRequest)} | ${mb(entry.gateway.peakRssBytes)} / ${mb(entry.baseline.peakRssBytes)} | ${entry.gateway.non2xx} |`,
  );
  const pglite = Object.entries(report.pglite).map(
    ([name, entry]) => `| ${name} (PGlite) | ${Math.round(entry.rps)} | ${fixed(entry.rps / report.workloads[name]!.baseline.rps)}× | ${entry.p50} / ${entry.p99} | ${fixed(entry.statementsPerRequest)} | ${mb(entry.peakRssBytes)} |`,
  );
  return [
    `# Benchmark ${report.date} (commit ${report.commit})`,
    '',
    `Machine: ${report.machine.cpus} × ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ` +
      `${report.settings.tenants} tenants, ${report.settings.connections} connections, ${report.settings.durationSeconds} s per run after ${report.settings.warmupSeconds} s warm-up. ` +
      `PostgreSQL 15 on loopback; load from a separate process (autocannon). Same response bytes as the baseline: ${Object.entries(report.identicalResponses).map(([name, same]) => `${name} ${same ? 'yes' : 'no'}`).join(', ')}.`,
    '',
    '| workload | what | gateway req/s | baseline req/s | ratio | gateway p50/p99 ms | baseline p50/p99 ms | SQL/request (gateway / baseline) | peak RSS (gateway / baseline) | gateway non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(pglite.length
      ? ['| embedded | req/s | vs PostgreSQL baseline | p50/p99 ms | SQL/request | peak RSS |', '|---|---|---|---|---|---|', ...pglite]
      : ['PGlite runs are skipped in --quick.']),
    '',
    '| goal | target | measured |',
    '|---|---|---|',
    `| SQL statements per request, W3 | constant, ≤ 1 per nesting level | ${fixed(report.workloads.W3!.gateway.statementsPerRequest)} (the page with configuration and features joined in one statement) |`,
    `| W1 vs baseline | ≥ 1.0× | ${fixed(report.workloads.W1!.ratio)}× |`,
    `| W2 vs baseline | ≥ 0.5× | ${fixed(report.workloads.W2!.ratio)}× |`,
    `| W1 vs the same read through /graphql | ≥ 0.9× | ${fixed(report.graphqlConfigRead.restOverGraphql)}× (${Math.round(report.graphqlConfigRead.rps)} req/s through /graphql) |`,
    report.meteringAndRateLimits
      ? `| metering and rate limiting on vs off (W1) | ≤ 5 % lost | ${fixed(report.meteringAndRateLimits.throughputLost * 100, 1)} % (${Math.round(report.meteringAndRateLimits.on.rps)} vs ${Math.round(report.meteringAndRateLimits.off.rps)} req/s) |`
      : '| metering and rate limiting on vs off | ≤ 5 % lost | not measured in --quick |',
    `| p99 at half of peak throughput (W1 at ${report.halfPeak.rate} req/s) | ≤ 20 ms | ${report.halfPeak.p99} ms |`,
    ...(report.hostile
      ? [
          `| reader p99 beside anonymous 1 MB documents and alias floods (W1 at ${report.hostile.readerRate} req/s) | < 100 ms | ${report.hostile.readerP99UnderAttack} ms (alone ${report.hostile.readerP99Alone} ms; ${report.hostile.readerFailures} failed) |`,
          `| memory after the hostile load | within 20 % of before | ${Math.round(report.hostile.rssAfterBytes / 2 ** 20)} MB vs ${Math.round(report.hostile.rssBeforeBytes / 2 ** 20)} MB (${Math.round((report.hostile.rssAfterBytes / Math.max(report.hostile.rssBeforeBytes, 1) - 1) * 100)} %) |`,
        ]
      : []),
    '',
    `Reproduce: \`npm run bench\`${report.settings.quick ? ' -- --quick' : ''}${report.settings.tenants !== 1000 && !report.settings.quick ? ` -- --tenants ${report.settings.tenants}` : ''}. Took ${report.elapsedSeconds} s.`,
    '',
  ].join('\n');
}

async function writeReport(report: Report) {
  const directory = path.join(root, 'bench/results');
  await mkdir(directory, { recursive: true });
  const stem = `${report.date.slice(0, 19).replace(/[:T]/g, '-')}-${report.commit}${report.settings.quick ? '-quick' : ''}-${report.settings.tenants}`;
  const text = markdown(report);
  await writeFile(path.join(directory, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(directory, `${stem}.md`), text);
  process.stdout.write(`${text}\nWritten to bench/results/${stem}.{json,md}\n`);
}

await main();
