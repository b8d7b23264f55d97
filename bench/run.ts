import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfiles } from './profile.js';
import pg from 'pg';
import { openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { defaultConfig } from '../src/modules/configs/config-spec.js';
import { seedDataPlane } from './data-plane.js';
import { placementOf, type QueryMeasurement, sqlLoad } from './proxy.js';
import { captureCost } from './capture-cost.js';
import { adminQueryBody, adminWriteBody, tenantPageQuery, tenantQuery } from './operations.js';
import { seedTenants } from './seed.js';
import { gatewayEnv, operatorKey } from './gateway-env.js';

// npm run bench [-- --quick] [-- --tenants 100000] [-- --duration 10 --connections 20] [-- --profile]
// --profile: the gateway runs with --cpu-prof; its CPU profiles land in bench/results/profiles/
// and the top frames by package and by function are printed after the run.
// --scale 100000: after the main runs, on a fresh gateway at 1,000 tenants and again after seeding
// up to that many (ids drawn from all of them): W1U and W2U past the cache, then W1 once every
// answer is cached (hit rate, entries, bytes, evictions), with peak RSS.
// --only W6: just that workload, gateway against baseline, no report (a check that it runs);
// --only R1: tenant routes vs the upstream directly;
// --only scale [--scale N]: just the scale run; --only C1:
// what the change log costs a tenant's single-row write, without and with its triggers (issue 27).
// --ab KEY=VALUE[,…] [--workload W2]: one workload on the gateway as configured vs with those
// settings, side by side in alternating rounds (e.g. --ab GRAPHQL_JIT=off).
// --metering-only: just the metering and rate limiting on/off comparison (W1, alternating rounds).
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
    'metering-only': { type: 'boolean', default: false },
    ab: { type: 'string' },
    workload: { type: 'string', default: 'W1' },
    only: { type: 'string' },
    scale: { type: 'string' },
  },
});
const quick = options.quick!;
const tenantCount = Number(options.tenants ?? (quick ? 200 : 1000));
const duration = Number(options.duration ?? (quick ? 1 : 8));
const warmup = quick ? 0.5 : 3;
const connections = Number(options.connections);
const root = path.resolve(import.meta.dirname, '..');

const profileDir = path.join(root, 'bench/results/profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

type Server = { name: string; url: string; child: ChildProcess; metric: string; readyMs: number };

async function startProcess(name: string, args: string[], env: Record<string, string>, metric: string): Promise<Server> {
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // The last 64 KB of its log, for a failure's message: at info (the default) a line goes out per request.
  let output = '';
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-65_536)));
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
  return { name, url, child, metric, readyMs: Math.round(performance.now() - spawned) };
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

/** The process's own account of its memory (prom-client's default metrics): V8's heap, committed and used, and memory V8 tracks outside it. */
async function memorySplit(server: Server): Promise<{ heapBytes: number; heapUsedBytes: number; externalBytes: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    heapBytes: value('nodejs_heap_size_total_bytes'),
    heapUsedBytes: value('nodejs_heap_size_used_bytes'),
    externalBytes: value('nodejs_external_memory_bytes'),
  };
}

async function currentRss(server: Server): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * S1: how long a write on one replica leaves the other answering the old configuration from its
 * response cache. Each sample reads the tenant twice on `reader` (so its answer is cached), PUTs a
 * new value on `writer`, and from the PUT's acknowledgement polls `reader` until it answers the
 * new value: commit to first fresh read, polling included.
 */
async function measureStaleness(writer: Server, reader: Server, ids: string[], samples: number) {
  const headers = { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' };
  const pollMs = 1;
  const took: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const id = ids[sample % ids.length]!;
    const url = (server: Server) => `${server.url}/api/v1/tenants/${id}/config`;
    for (let read = 0; read < 2; read++) await (await fetch(url(reader), { headers })).text();
    const value = 1024 + sample;
    const put = await fetch(url(writer), { method: 'PUT', headers, body: JSON.stringify({ performance: { cache_size_mb: value } }) });
    if (put.status !== 200) throw new Error(`S1: PUT answered ${put.status}: ${await put.text()}`);
    const acknowledged = performance.now();
    for (;;) {
      const body = (await (await fetch(url(reader), { headers })).json()) as { performance: { cache_size_mb: number } };
      if (body.performance.cache_size_mb === value) break;
      if (performance.now() - acknowledged > 10_000) throw new Error('S1: the second replica still answered the old value after 10 s');
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    took.push(performance.now() - acknowledged);
  }
  took.sort((a, b) => a - b);
  const at = (fraction: number) => Math.round(took[Math.min(took.length - 1, Math.floor(took.length * fraction))]! * 10) / 10;
  return { samples, pollMs, p50: at(0.5), p99: at(0.99), max: at(1) };
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

/** `key`: the request's Bearer key when not the operator's (TenantsDB routes take a project key). */
type Mix = {
  weight: number;
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: string;
  anonymous?: boolean;
  key?: string;
  headers?: Record<string, string>;
}[];
type LoadResult = { requests: number; rps: number; p50: number; p99: number; errors: number; non2xx: number; generatorCpuMicros: number };

function loadOne(url: string, ids: string[], entry: Mix[number], clients: number, seconds: number, rate?: number): Promise<LoadResult> {
  const spec = {
    url,
    ids,
    connections: clients,
    duration: seconds,
    headers: {
      ...(entry.anonymous ? {} : { authorization: `Bearer ${entry.key ?? operatorKey}` }),
      'content-type': 'application/json',
      ...entry.headers,
    },
    mix: [entry],
    rate,
  };
  return generate<LoadResult>('load', spec, seconds);
}

/**
 * Runs a load generator (bench/<script>.ts, compiled) in its own process: the spec on stdin, its
 * JSON result from stdout. Killed, and the bench failed, if it outlives `seconds` by a minute.
 */
function generate<T>(script: string, spec: object, seconds: number): Promise<T> {
  return new Promise((resolve, reject) => {
    // The spec goes through stdin: a hostile body (1 MB) is beyond what argv may carry.
    const child = spawn(process.execPath, [path.join(root, `dist/bench/${script}.js`)], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin!.end(JSON.stringify(spec));
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const deadline = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (code === 0) resolve(JSON.parse(output) as T);
      else reject(new Error(`${script} exited with ${signal ?? code}${signal === 'SIGKILL' ? ` (still running ${seconds + 60} s after it started)` : ''}`));
    });
  });
}

/** A mixed workload runs one load process per request kind at once, connections split by weight. */
async function load(url: string, ids: string[], mix: Mix, seconds: number, rate?: number): Promise<LoadResult> {
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  const parts = await Promise.all(
    mix.map((entry) =>
      loadOne(url, ids, entry, Math.max(1, Math.round((connections * entry.weight) / total)), seconds, rate && Math.round((rate * entry.weight) / total)),
    ),
  );
  const requests = parts.reduce((sum, part) => sum + part.requests, 0);
  return {
    requests,
    rps: parts.reduce((sum, part) => sum + part.rps, 0),
    p50: Math.max(...parts.map((part) => part.p50)),
    p99: Math.max(...parts.map((part) => part.p99)),
    errors: parts.reduce((sum, part) => sum + part.errors, 0),
    non2xx: parts.reduce((sum, part) => sum + part.non2xx, 0),
    generatorCpuMicros: parts.reduce((sum, part) => sum + part.generatorCpuMicros, 0),
  };
}

type OpenLoopResult = {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  non2xx: number;
  generatorCpuMicros: number;
};

/** The gateway's garbage collections so far by kind (prom-client's `nodejs_gc_duration_seconds`): count and seconds. */
async function gcPauses(server: Server): Promise<Record<string, { count: number; seconds: number }>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const kinds: Record<string, { count: number; seconds: number }> = {};
  for (const [, field, kind, value] of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)/gm)) {
    const entry = (kinds[kind!] ??= { count: 0, seconds: 0 });
    if (field === 'sum') entry.seconds = Number(value);
    else entry.count = Number(value);
  }
  return kinds;
}

/** W1 at a steady `rate` (bench/open-loop.ts): latency from when each request was due. */
function openLoop(server: Server, ids: string[], rate: number, warmupSeconds: number, seconds: number): Promise<OpenLoopResult> {
  const spec = {
    url: server.url,
    ids,
    path: workloads.W1!.mix[0]!.path,
    headers: { authorization: `Bearer ${operatorKey}` },
    rate,
    warmupSeconds,
    seconds,
    connections,
  };
  return generate<OpenLoopResult>('open-loop', spec, warmupSeconds + seconds);
}

/**
 * Latency at half of W1's peak: open loop (evenly spaced requests, latency from when each was due)
 * on the gateway and, at the same rate, on the baseline; and autocannon's rate-limited run, kept
 * beside it for comparison with earlier reports (it sends each second's budget in a burst).
 */
async function latencyAtHalfPeak(gateway: Server, baseline: Server, ids: string[], peakRps: number) {
  const rate = Math.max(1, Math.round(peakRps / 2));
  const gcBefore = await gcPauses(gateway);
  const steady = await openLoop(gateway, ids, rate, warmup, duration);
  const gcAfter = await gcPauses(gateway);
  // What the collector paused the gateway for over the run (warm-up included): scavenges and full collections.
  const gc = Object.fromEntries(
    Object.entries(gcAfter).map(([kind, after]) => {
      const count = after.count - (gcBefore[kind]?.count ?? 0);
      const ms = (after.seconds - (gcBefore[kind]?.seconds ?? 0)) * 1000;
      return [kind, { count, meanMs: count ? Math.round((ms / count) * 100) / 100 : 0 }];
    }),
  );
  const baselineSteady = await openLoop(baseline, ids, rate, warmup, duration);
  const bursty = await measure(gateway, ids, workloads.W1!.mix, rate);
  return { rate, gateway: { ...steady, gc }, baseline: baselineSteady, bursty: { p99: bursty.p99, rps: bursty.rps } };
}

const describeHalfPeak = (half: Awaited<ReturnType<typeof latencyAtHalfPeak>>) =>
  `p99 ${half.gateway.p99} ms (p50 ${half.gateway.p50}, p90 ${half.gateway.p90}, p99.9 ${half.gateway.p999}, max ${half.gateway.max} ms; ${Math.round(half.gateway.rps)} req/s achieved, ${half.gateway.non2xx + half.gateway.errors} failed; garbage collections ${Object.entries(
    half.gateway.gc,
  )
    .filter(([, taken]) => taken.count > 0)
    .map(([kind, taken]) => `${taken.count} ${kind} (mean ${taken.meanMs} ms)`)
    .join(
      ', ',
    )}); baseline at the same rate p99 ${half.baseline.p99} ms (p50 ${half.baseline.p50}, p99.9 ${half.baseline.p999}); autocannon's bursty rate limit p99 ${half.bursty.p99} ms`;

/** What else the run cost the machine: the load generator's CPU a request, and how busy all cores were. */
const machineShare = (measured: Measurement) =>
  `load generator ${Math.round(measured.generatorCpuMicrosPerRequest)} µs CPU/request, machine ${Math.round(measured.machineBusy * 100)} % busy`;

/** Busy and total CPU time of the whole machine so far (all cores, from /proc/stat), in clock ticks. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => 'cpu 0 0 0 0')).split('\n')[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, tick) => sum + tick, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
async function cpuSeconds(server: Server): Promise<number> {
  const stat = await readFile(`/proc/${server.child.pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th of those.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

// CPU per request is the cost a process pays for each request, which holds steady when other
// work shares the machine; requests a second do not. `machineBusy`: the share of all cores busy
// during the run; near 1, requests a second are bounded by the machine (the load generator, the
// database and the server share its cores), not by the server alone.
type Measurement = LoadResult & {
  statementsPerRequest: number;
  peakRssBytes: number;
  cpuMicrosPerRequest: number;
  generatorCpuMicrosPerRequest: number;
  machineBusy: number;
};

async function measure(server: Server, ids: string[], mix: Mix, rate?: number): Promise<Measurement> {
  await load(server.url, ids, mix, warmup, rate);
  const [before, cpuBefore, machineBefore] = [await counter(server), await cpuSeconds(server), await machineTicks()];
  const result = await load(server.url, ids, mix, duration, rate);
  const [after, cpuAfter, machineAfter] = [await counter(server), await cpuSeconds(server), await machineTicks()];
  return {
    ...result,
    statementsPerRequest: result.requests ? (after - before) / result.requests : 0,
    cpuMicrosPerRequest: result.requests ? ((cpuAfter - cpuBefore) * 1e6) / result.requests : 0,
    generatorCpuMicrosPerRequest: result.requests ? result.generatorCpuMicros / result.requests : 0,
    machineBusy: (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total),
    peakRssBytes: await peakRss(server),
  };
}

/**
 * The gateway as configured ("on") against the same gateway with `offEnv` ("off"): both
 * processes run side by side and are loaded in alternating rounds (off, on, on, off, …) after a
 * priming round that is not counted, so drift in the machine's load and the order of measurement
 * fall on both alike. Throughput is summed over the rounds; CPU per request is reported beside it.
 */
async function compareVariants(
  title: string,
  offEnv: Record<string, string>,
  databaseUrl: string,
  ids: string[],
  servers: Server[],
  mix: Mix = workloads.W1!.mix,
) {
  log(`${title}: off and on, side by side, in alternating rounds`);
  const tag = title.replace(/\W+/g, '-').toLowerCase();
  const profileArgs = (label: string) => (options.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, `${tag}-${label}`)}`] : []);
  const variants: Record<'off' | 'on', Server> = {
    off: await startProcess(
      'gateway (off)',
      [...profileArgs('off'), path.join(root, 'dist/src/server.js')],
      gatewayEnv(databaseUrl, offEnv),
      'gateway_sql_statements_total',
    ),
    on: await startProcess(
      'gateway (on)',
      [...profileArgs('on'), path.join(root, 'dist/src/server.js')],
      gatewayEnv(databaseUrl),
      'gateway_sql_statements_total',
    ),
  };
  servers.push(variants.off, variants.on);
  const rounds = quick ? 2 : 4;
  const sums = { off: { requests: 0, seconds: 0, cpu: 0 }, on: { requests: 0, seconds: 0, cpu: 0 } };
  const last: Partial<Record<'off' | 'on', Measurement>> = {};
  const perRound: number[] = [];
  for (const label of ['off', 'on'] as const) await measure(variants[label], ids, mix);
  for (let round = 0; round < rounds; round++) {
    const order: Array<'off' | 'on'> = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const label of order) {
      const measured = await measure(variants[label], ids, mix);
      sums[label].requests += measured.rps * duration;
      sums[label].seconds += duration;
      sums[label].cpu += (measured.cpuMicrosPerRequest * measured.rps * duration) / 1e6;
      last[label] = measured;
    }
    perRound.push(1 - last.on!.rps / last.off!.rps);
  }
  for (const label of ['off', 'on'] as const) {
    await stop(variants[label]);
    servers.splice(servers.indexOf(variants[label]), 1);
  }
  if (options.profile) {
    for (const label of ['off', 'on'] as const) {
      const { byOrigin, byFunction } = await summarizeProfiles(path.join(profileDir, `${tag}-${label}`), 25);
      log(`CPU profile, ${title} ${label}, self time:`);
      for (const [origin, percent] of byOrigin) log(`  ${String(percent).padStart(5)} %  ${origin}`);
      for (const [name, percent] of byFunction) log(`  ${String(percent).padStart(5)} %  ${name}`);
    }
  }
  const rps = (label: 'off' | 'on') => sums[label].requests / sums[label].seconds;
  const cpu = (label: 'off' | 'on') => (sums[label].cpu * 1e6) / sums[label].requests;
  const result = {
    on: { ...last.on!, rps: rps('on'), cpuMicrosPerRequest: cpu('on') },
    off: { ...last.off!, rps: rps('off'), cpuMicrosPerRequest: cpu('off') },
    throughputLost: 1 - rps('on') / rps('off'),
    cpuAdded: cpu('on') / cpu('off') - 1,
    perRound,
  };
  log(`  on vs off, lost per round: ${perRound.map((lost) => `${(lost * 100).toFixed(1)} %`).join(', ')}`);
  log(
    `  on: ${Math.round(result.on.rps)} req/s, ${Math.round(result.on.cpuMicrosPerRequest)} µs CPU/request; off: ${Math.round(result.off.rps)} req/s, ${Math.round(result.off.cpuMicrosPerRequest)} µs`,
  );
  return result;
}

const compareMetering = (databaseUrl: string, ids: string[], servers: Server[]) =>
  compareVariants('W1 with metering and rate limiting', { METERING: 'off', RATE_LIMITS: 'off' }, databaseUrl, ids, servers);

/** Named values from the process's /metrics. */
async function metricValues(server: Server, names: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Object.fromEntries(names.map((name) => [name, Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0)]));
}

/** Reads `path` once for every id (32 at a time): the cache then holds every tenant's answer, if it fits. */
async function readEach(server: Server, ids: string[], pathTemplate: string): Promise<number> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const response = await fetch(`${server.url}${pathTemplate.replace('{id}', ids[next++]!)}`, { headers: { authorization: `Bearer ${operatorKey}` } });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return (Date.now() - started) / 1000;
}

const cacheMetrics = ['gateway_response_cache_hits_total', 'gateway_response_cache_misses_total', 'gateway_response_cache_evicted_total'];

/**
 * The same gateway at the seeded tenants and after seeding up to `target`, each on a fresh
 * process, compared like with like: first its code warmed (a fresh process's first seconds run
 * unoptimised), then reads past the cache (W1U, W2U: what the data's size costs), then W1 after
 * every tenant's answer was read once (hits at this scale, if they fit the cache's budget; the
 * hit rate of the run is reported). Random ids over 100,000 tenants in a 10-second run are
 * nearly all first reads: measured cold, W1 would compare misses at one scale with hits at the other.
 */
async function scaleRun(databaseUrl: string, ids: string[], target: number, servers: Server[]) {
  const runAt = async (label: string, pool: string[]) => {
    const gateway = await startProcess(`gateway (${label})`, [path.join(root, 'dist/src/server.js')], gatewayEnv(databaseUrl), 'gateway_sql_statements_total');
    servers.push(gateway);
    log(`  ${label}: warming the gateway's code (15 s of W1U)`);
    await load(gateway.url, pool, workloads.W1U!.mix, 15);
    const W1U = await measure(gateway, pool, workloads.W1U!.mix);
    const W2U = await measure(gateway, pool, workloads.W2U!.mix);
    log(`  ${label}: reading each of ${pool.length} tenants' configuration once`);
    const filledSeconds = await readEach(gateway, pool, '/api/v1/tenants/{id}/config');
    const before = await metricValues(gateway, cacheMetrics);
    const W1 = await measure(gateway, pool, workloads.W1!.mix);
    const after = await metricValues(gateway, [...cacheMetrics, 'gateway_response_cache_entries', 'gateway_response_cache_bytes']);
    const [hits, misses] = cacheMetrics.slice(0, 2).map((name) => after[name]! - before[name]!);
    const cache = {
      hitRate: hits! / Math.max(1, hits! + misses!),
      entries: after.gateway_response_cache_entries!,
      bytes: after.gateway_response_cache_bytes!,
      evicted: after.gateway_response_cache_evicted_total!,
      filledSeconds,
    };
    log(
      `  ${label}: W1 ${Math.round(W1.rps)} req/s (hit rate ${(cache.hitRate * 100).toFixed(1)} %, ${cache.entries} answers in ${mb(cache.bytes)}, ${cache.evicted} evicted), W1U ${Math.round(W1U.rps)}, W2U ${Math.round(W2U.rps)}`,
    );
    const measured = { tenants: pool.length, W1, W1U, W2U, cache };
    await stop(gateway);
    servers.splice(servers.indexOf(gateway), 1);
    return measured;
  };
  log(`scale: W1, W1U and W2U at ${ids.length} tenants on a fresh gateway`);
  const small = await runAt('small', ids);
  log(`scale: seeding up to ${target} tenants`);
  const seeded = Date.now();
  const more = await seedTenants(databaseUrl, target - ids.length, (done) => done % 20_000 === 0 && log(`  ${done} more tenants`), ids.length);
  const seedSeconds = (Date.now() - seeded) / 1000;
  log(`scale: seeded ${more.length} tenants in ${seedSeconds.toFixed(1)} s; the same at ${ids.length + more.length} tenants`);
  const large = await runAt('large', [...ids, ...more]);
  return {
    small,
    large,
    seedSeconds,
    W1: large.W1.rps / small.W1.rps,
    W1U: large.W1U.rps / small.W1U.rps,
    W2U: large.W2U.rps / small.W2U.rps,
  };
}

const graphqlBody = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
/** W6 reads the data plane's tenants, with its project's key: filled in once they are seeded. */
const dataPlane = { key: '', slugs: [] as string[], connectionString: '' };
const workloads: Record<string, { title: string; mix: Mix; ids?: () => string[] }> = {
  W1: { title: 'REST GET /api/v1/tenants/{id}/config', mix: [{ weight: 1, method: 'GET', path: '/api/v1/tenants/{id}/config' }] },
  W2: {
    title: 'GraphQL tenant(id) { config features }',
    mix: [{ weight: 1, method: 'POST', path: '/graphql', body: graphqlBody(tenantQuery, { id: '{id}' }) }],
  },
  // The same reads past the response cache: `Cache-Control: no-cache` reads the database (the baseline ignores it).
  W1U: {
    title: 'W1 uncached (Cache-Control: no-cache)',
    mix: [{ weight: 1, method: 'GET', path: '/api/v1/tenants/{id}/config', headers: { 'cache-control': 'no-cache' } }],
  },
  W2U: {
    title: 'W2 uncached (Cache-Control: no-cache)',
    mix: [{ weight: 1, method: 'POST', path: '/graphql', body: graphqlBody(tenantQuery, { id: '{id}' }), headers: { 'cache-control': 'no-cache' } }],
  },
  W3: {
    title: 'GraphQL page of 50 tenants with config and features',
    mix: [{ weight: 1, method: 'POST', path: '/graphql', body: graphqlBody(tenantPageQuery) }],
  },
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
  W6: {
    title: 'TenantsDB POST /admin/query: a row by key from one tenant database',
    get mix(): Mix {
      return [{ weight: 1, method: 'POST', path: '/admin/query', body: adminQueryBody, key: dataPlane.key }];
    },
    ids: () => dataPlane.slugs,
  },
  W6W: {
    title: 'TenantsDB POST /admin/query: a row updated in one tenant database (its change logged)',
    get mix(): Mix {
      return [{ weight: 1, method: 'POST', path: '/admin/query', body: adminWriteBody, key: dataPlane.key }];
    },
    ids: () => dataPlane.slugs,
  },
};
/**
 * P1, the TenantsDB database proxy: `SELECT id, name FROM users WHERE id = $1` on one tenant
 * database, over the same number of connections, through the proxy (the connection string POST
 * /tenants answered, as the tenant's login; plaintext, SCRAM) and directly to the PostgreSQL
 * server (its superuser, the same database and table). Alternated twice; the better run of each counts.
 */
async function proxyWorkload(gateway: Server, gatewayDatabaseUrl: string, serverUrl: string) {
  const through = new URL(dataPlane.connectionString);
  through.searchParams.set('sslmode', 'disable');
  const placed = await placementOf(gatewayDatabaseUrl, dataPlane.slugs[0]!);
  const direct = new URL(serverUrl);
  direct.pathname = `/${placed.database}`;
  const quoted = `"${placed.schema.replace(/"/g, '""')}"`;
  const settings = { connections: Math.min(connections, 10), seconds: duration, warmupSeconds: warmup };
  const runs = { proxy: [] as (QueryMeasurement & { gatewayCpuMicrosPerQuery: number })[], direct: [] as QueryMeasurement[] };
  for (let round = 0; round < 2; round++) {
    log(`P1 round ${round + 1}: through the proxy, then directly`);
    const before = await cpuSeconds(gateway);
    const measured = await sqlLoad(through.toString(), 'SELECT id, name FROM users WHERE id = $1', (n) => n % 100, settings);
    // The gateway's CPU over the run (warm-up and the query log's flushes included) per measured query.
    const gatewayCpuMicrosPerQuery = measured.queries ? (((await cpuSeconds(gateway)) - before) * 1e6) / measured.queries : 0;
    runs.proxy.push({ ...measured, gatewayCpuMicrosPerQuery });
    runs.direct.push(await sqlLoad(direct.toString(), `SELECT id, name FROM ${quoted}.users WHERE id = $1`, (n) => n % 100, settings));
  }
  const best = <T extends QueryMeasurement>(list: T[]) => list.reduce((a, b) => (b.qps > a.qps ? b : a));
  const result = { proxy: best(runs.proxy), direct: best(runs.direct), connections: settings.connections };
  return { ...result, ratio: result.proxy.qps / result.direct.qps };
}

/**
 * R1, tenant routes: a GET of a ~1 KB item from a loopback upstream (bench/upstream.ts), sent to
 * the upstream directly and through a route of the first tenant (`/gw/items/{id}`, the operator
 * key and X-Tenant-ID, no credential), then through a cached route of the same upstream
 * (`/gw/cached/{id}`: after the warm-up every id's answer is kept). Same connections, same ids
 * (1,000 of them). Ratios against direct.
 */
async function routeWorkload(gateway: Server, tenant: string, servers: Server[]) {
  const upstream = await startProcess('upstream', [path.join(root, 'dist/bench/upstream.js')], {}, 'upstream_requests_total');
  servers.push(upstream);
  const headers = { authorization: `Bearer ${operatorKey}`, 'x-tenant-id': tenant, 'content-type': 'application/json' };
  const saved = await fetch(`${gateway.url}/tenant/config`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      routes: [
        { path: '/items/{id}', method: 'GET', upstream: { url: `${upstream.url}/items/{id}` } },
        { path: '/cached/{id}', method: 'GET', upstream: { url: `${upstream.url}/items/{id}` } },
      ],
      cache: { enabled: true, ttlSeconds: 3600, maxEntries: 100_000, routes: [{ path: '/cached/{id}' }] },
    }),
  });
  if (saved.status !== 200) throw new Error(`R1: saving the routes answered ${saved.status}: ${await saved.text()}`);
  const ids = Array.from({ length: 1000 }, (_, n) => String(n));
  const via = (route: string): Mix => [{ weight: 1, method: 'GET', path: `/gw/${route}/{id}`, headers: { 'x-tenant-id': tenant } }];
  log('R1: GET of an item directly from the upstream, through a tenant route, through a cached route');
  const direct = await measure(upstream, ids, [{ weight: 1, method: 'GET', path: '/items/{id}', anonymous: true }]);
  const routed = await measure(gateway, ids, via('items'));
  const cached = await measure(gateway, ids, via('cached'));
  await stop(upstream);
  servers.splice(servers.indexOf(upstream), 1);
  return { direct, routed, cached, ratio: routed.rps / direct.rps, cachedRatio: cached.rps / direct.rps };
}

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

async function sameBytes(gateway: Server, baseline: Server, id: string): Promise<Record<string, boolean>> {
  const get = (server: Server, init: RequestInit & { path: string }) =>
    fetch(`${server.url}${init.path}`, { ...init, headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' } }).then((response) =>
      response.text(),
    );
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
        data: batch.map((entry) => ({
          id: entry.id,
          slug: `bench_${entry.n}`,
          name: `Bench ${entry.n}`,
          tier: entry.tier,
          region: 'eu-central',
          maxUsers: 100,
          maxApiCallsPerMonth: 1_000_000,
          maxStorageMb: 102_400,
        })),
      });
      await database.prisma.tenantConfig.createMany({
        data: batch.map((entry) => ({ tenantId: entry.id, document: entry.document, version: 2, updatedBy: 'bench' })),
      });
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

    if (options.ab) {
      // --ab KEY=VALUE[,KEY=VALUE]: the gateway as configured ("on") vs with these settings ("off").
      const offEnv = Object.fromEntries(options.ab.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
      await compareVariants(`${options.workload} with vs without ${options.ab}`, offEnv, databaseUrl, ids, servers, workloads[options.workload!]!.mix);
      return;
    }
    if (options.only === 'scale') {
      // Just the scale run (`--only scale --scale 100000`): its lines above are the result.
      const scale = await scaleRun(databaseUrl, ids, Number(options.scale ?? 100_000), servers);
      log(
        `scale: W1 ${times(scale.W1)}, W1U ${times(scale.W1U)}, W2U ${times(scale.W2U)}; peak RSS ${mb(Math.max(scale.large.W1.peakRssBytes, scale.large.W1U.peakRssBytes))}`,
      );
      return;
    }
    if (options['metering-only']) {
      const compared = await compareMetering(databaseUrl, ids, servers);
      log(
        `metering and rate limiting cost ${(compared.throughputLost * 100).toFixed(1)} % of W1 throughput (${Math.round(compared.on.rps)} vs ${Math.round(compared.off.rps)} req/s)`,
      );
      log(
        `  and ${(compared.cpuAdded * 100).toFixed(1)} % more gateway CPU per request (${Math.round(compared.on.cpuMicrosPerRequest)} vs ${Math.round(compared.off.cpuMicrosPerRequest)} µs)`,
      );
      return;
    }
    const baseline = await startProcess(
      'baseline',
      [path.join(root, 'dist/bench/baseline.js')],
      { BASELINE_DATABASE_URL: databaseUrl },
      'baseline_sql_statements_total',
    );
    const gatewayArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const gateway = await startProcess(
      'gateway',
      [...gatewayArgs, path.join(root, 'dist/src/server.js')],
      gatewayEnv(databaseUrl),
      'gateway_sql_statements_total',
    );
    servers.push(baseline, gateway);
    // Production start on PostgreSQL: spawn to listening, then resident memory after 2 s idle.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const startup = {
      readyMs: gateway.readyMs,
      idleRssBytes: await currentRss(gateway),
      baselineIdleRssBytes: await currentRss(baseline),
      idleMemory: await memorySplit(gateway),
    };
    log(
      `gateway ready in ${startup.readyMs} ms, idle RSS ${mb(startup.idleRssBytes)} (baseline ${mb(startup.baselineIdleRssBytes)}): V8 heap ${mb(startup.idleMemory.heapBytes)} committed (${mb(startup.idleMemory.heapUsedBytes)} used), external ${mb(startup.idleMemory.externalBytes)}, the rest (code, native allocations) ${mb(startup.idleRssBytes - startup.idleMemory.heapBytes - startup.idleMemory.externalBytes)}`,
    );
    const dataPlaneTenants = quick ? 10 : 50;
    log(`seeding the data plane: a project with ${dataPlaneTenants} tenant databases of blueprint main`);
    Object.assign(dataPlane, await seedDataPlane(gateway.url, dataPlaneTenants, operatorKey));
    const identical = await sameBytes(gateway, baseline, ids[0]!);
    log(`same response bytes: ${JSON.stringify(identical)}`);

    const results: Record<string, { title: string; gateway: Measurement; baseline: Measurement; ratio: number }> = {};
    const chosen = Object.entries(workloads).filter(([name]) => !options.only || name === options.only);
    for (const [index, [name, workload]] of chosen.entries()) {
      const order = index % 2 === 0 ? [gateway, baseline] : [baseline, gateway];
      const measured: Record<string, Measurement> = {};
      for (const server of order) {
        log(`${name} on ${server.name}`);
        measured[server.name] = await measure(server, workload.ids?.() ?? ids, workload.mix);
      }
      // A baseline that answers errors is cheaper than one that does the work: no ratio from it (NaN, printed "n/a").
      const baselineFailed = measured.baseline!.non2xx > 0;
      if (baselineFailed) log(`${name}: the baseline answered ${measured.baseline!.non2xx} non-2xx responses: no ratio`);
      results[name] = {
        title: workload.title,
        gateway: measured.gateway!,
        baseline: measured.baseline!,
        ratio: baselineFailed ? Number.NaN : measured.gateway!.rps / measured.baseline!.rps,
      };
    }
    let proxy: Report['proxy'] = null;
    if (!options.only || options.only === 'P1') {
      proxy = await proxyWorkload(gateway, databaseUrl, serverUrl!);
      log(
        `P1: proxy ${Math.round(proxy.proxy.qps)} q/s (p50 ${proxy.proxy.p50} ms, p99 ${proxy.proxy.p99} ms, ${proxy.proxy.errors} errors, ${Math.round(proxy.proxy.gatewayCpuMicrosPerQuery)} µs gateway CPU/query); direct ${Math.round(proxy.direct.qps)} q/s (p50 ${proxy.direct.p50} ms, p99 ${proxy.direct.p99} ms); ratio ${proxy.ratio.toFixed(2)}×`,
      );
    }
    let routes: Report['routes'] = null;
    if (!options.only || options.only === 'R1') {
      routes = await routeWorkload(gateway, ids[0]!, servers);
      log(
        `R1: direct ${Math.round(routes.direct.rps)} req/s (p50 ${routes.direct.p50} ms, p99 ${routes.direct.p99} ms); routed ${Math.round(routes.routed.rps)} req/s (p50 ${routes.routed.p50} ms, p99 ${routes.routed.p99} ms, non-2xx ${routes.routed.non2xx}, ${routes.routed.statementsPerRequest.toFixed(2)} SQL/request, ${Math.round(routes.routed.cpuMicrosPerRequest)} µs CPU/request) ${times(routes.ratio)}; cached ${Math.round(routes.cached.rps)} req/s (non-2xx ${routes.cached.non2xx}, ${routes.cached.statementsPerRequest.toFixed(2)} SQL/request, ${Math.round(routes.cached.cpuMicrosPerRequest)} µs CPU/request) ${times(routes.cachedRatio)}`,
      );
    }
    let changeCapture: Report['changeCapture'] = null;
    if (!options.only || options.only === 'C1') {
      log('C1: single-row writes in a tenant role without, then with, the change log (two rounds)');
      changeCapture = await captureCost(serverUrl!, { seconds: duration, connections: Math.min(connections, 4) });
      log(
        `C1: ${changeCapture.writesPerSecond.without} writes/s without the change log, ${changeCapture.writesPerSecond.with} with it (${times(changeCapture.ratio)}; ${changeCapture.microsPerWrite.without} vs ${changeCapture.microsPerWrite.with} µs per write over ${changeCapture.connections} sessions; ${changeCapture.logged} changes logged)`,
      );
    }
    let staleness: Report['staleness'] = null;
    if (!options.only || options.only === 'S1') {
      log('S1: staleness across two replicas (a PUT on one, the first fresh GET on the other)');
      const other = await startProcess(
        'gateway (second replica)',
        [path.join(root, 'dist/src/server.js')],
        gatewayEnv(databaseUrl),
        'gateway_sql_statements_total',
      );
      servers.push(other);
      staleness = await measureStaleness(gateway, other, ids, quick ? 30 : 200);
      await stop(other);
      servers.splice(servers.indexOf(other), 1);
      log(
        `S1: p50 ${staleness.p50} ms, p99 ${staleness.p99} ms, max ${staleness.max} ms over ${staleness.samples} writes (polling every ${staleness.pollMs} ms)`,
      );
    }
    if (options.only) {
      if (results.W1) log(`p99 at half of peak W1 throughput: ${describeHalfPeak(await latencyAtHalfPeak(gateway, baseline, ids, results.W1.gateway.rps))}`);
      for (const [name, result] of Object.entries(results)) {
        // CPU per request holds steady when other work shares the machine; requests a second do not.
        log(
          `${name}: gateway ${Math.round(result.gateway.rps)} req/s (p50 ${result.gateway.p50} ms, p99 ${result.gateway.p99} ms, non-2xx ${result.gateway.non2xx}, ${result.gateway.statementsPerRequest.toFixed(1)} SQL/request, ${Math.round(result.gateway.cpuMicrosPerRequest)} µs CPU/request; ${machineShare(result.gateway)})`,
        );
        log(
          `${name}: baseline ${Math.round(result.baseline.rps)} req/s (p50 ${result.baseline.p50} ms, p99 ${result.baseline.p99} ms, non-2xx ${result.baseline.non2xx}, ${Math.round(result.baseline.cpuMicrosPerRequest)} µs CPU/request; ${machineShare(result.baseline)}); ratio ${times(result.ratio)}`,
        );
      }
      return;
    }

    log('W1 through /graphql on the gateway');
    const graphqlRead = await measure(gateway, ids, graphqlConfigRead);
    log('p99 at half of peak W1 throughput');
    const halfPeak = await latencyAtHalfPeak(gateway, baseline, ids, results.W1!.gateway.rps);
    log(`  ${describeHalfPeak(halfPeak)}`);
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
      meteringAndRateLimits = await compareMetering(databaseUrl, ids, servers);

      log('W1-W3 on the embedded PGlite default');
      const pgliteDir = path.join(scratch, 'pglite');
      await mkdir(pgliteDir);
      const pgliteIds = await seedPglite(pgliteDir, Math.min(tenantCount, 1000));
      const embedded = await startProcess('gateway (PGlite)', [path.join(root, 'dist/src/server.js')], gatewayEnv(pgliteDir), 'gateway_sql_statements_total');
      servers.push(embedded);
      for (const name of ['W1', 'W2', 'W3']) pglite[name] = await measure(embedded, pgliteIds, workloads[name]!.mix);
    }

    const scale = options.scale ? await scaleRun(databaseUrl, ids, Number(options.scale), servers) : null;

    const report = {
      date: new Date().toISOString(),
      commit: commit(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.type()} ${os.release()}`,
      },
      settings: { tenants: tenantCount, durationSeconds: duration, warmupSeconds: warmup, connections, quick },
      identicalResponses: identical,
      workloads: results,
      graphqlConfigRead: { ...graphqlRead, restOverGraphql: results.W1!.gateway.rps / graphqlRead.rps },
      meteringAndRateLimits,
      halfPeak,
      hostile,
      pglite,
      proxy,
      routes,
      changeCapture,
      staleness,
      startup,
      scale,
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
  meteringAndRateLimits: { on: Measurement; off: Measurement; throughputLost: number; cpuAdded: number; perRound: number[] } | null;
  halfPeak: Awaited<ReturnType<typeof latencyAtHalfPeak>>;
  hostile: Awaited<ReturnType<typeof hostileLoad>> | null;
  pglite: Record<string, Measurement>;
  proxy: { proxy: QueryMeasurement & { gatewayCpuMicrosPerQuery: number }; direct: QueryMeasurement; connections: number; ratio: number } | null;
  routes: { direct: Measurement; routed: Measurement; cached: Measurement; ratio: number; cachedRatio: number } | null;
  changeCapture: Awaited<ReturnType<typeof captureCost>> | null;
  staleness: Awaited<ReturnType<typeof measureStaleness>> | null;
  startup: {
    readyMs: number;
    idleRssBytes: number;
    baselineIdleRssBytes: number;
    idleMemory: { heapBytes: number; heapUsedBytes: number; externalBytes: number };
  };
  scale: Awaited<ReturnType<typeof scaleRun>> | null;
  elapsedSeconds: number;
};

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const fixed = (value: number, digits = 2) => (Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
/** A ratio as printed: `1.42×`, or `n/a` where there is none. */
const times = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(2)}×`);

function reproduceFlags(report: Report): string {
  const flags = [
    ...(report.settings.quick ? ['--quick'] : []),
    ...(report.settings.tenants !== (report.settings.quick ? 200 : 1000) ? [`--tenants ${report.settings.tenants}`] : []),
    ...(report.hostile ? ['--hostile'] : []),
    ...(report.scale ? [`--scale ${report.scale.large.tenants}`] : []),
  ];
  return flags.length ? ` -- ${flags.join(' ')}` : '';
}

function markdown(report: Report): string {
  const rows = Object.entries(report.workloads).map(
    ([name, entry]) =>
      `| ${name} | ${entry.title} | ${Math.round(entry.gateway.rps)} | ${Math.round(entry.baseline.rps)} | **${times(entry.ratio)}** | ${entry.gateway.p50} / ${entry.gateway.p99} | ${entry.baseline.p50} / ${entry.baseline.p99} | ${fixed(entry.gateway.statementsPerRequest)} / ${fixed(entry.baseline.statementsPerRequest)} | ${Math.round(entry.gateway.cpuMicrosPerRequest)} / ${Math.round(entry.baseline.cpuMicrosPerRequest)} | ${mb(entry.gateway.peakRssBytes)} / ${mb(entry.baseline.peakRssBytes)} | ${entry.gateway.non2xx} |`,
  );
  const pglite = Object.entries(report.pglite).map(
    ([name, entry]) =>
      `| ${name} (PGlite) | ${Math.round(entry.rps)} | ${fixed(entry.rps / report.workloads[name]!.baseline.rps)}× | ${entry.p50} / ${entry.p99} | ${fixed(entry.statementsPerRequest)} | ${mb(entry.peakRssBytes)} |`,
  );
  return [
    `# Benchmark ${report.date} (commit ${report.commit})`,
    '',
    `Machine: ${report.machine.cpus} × ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ` +
      `${report.settings.tenants} tenants, ${report.settings.connections} connections, ${report.settings.durationSeconds} s per run after ${report.settings.warmupSeconds} s warm-up. ` +
      `PostgreSQL 15 on loopback; load from a separate process (autocannon). Same response bytes as the baseline: ${Object.entries(report.identicalResponses)
        .map(([name, same]) => `${name} ${same ? 'yes' : 'no'}`)
        .join(', ')}.`,
    '',
    '| workload | what | gateway req/s | baseline req/s | ratio | gateway p50/p99 ms | baseline p50/p99 ms | SQL/request (gateway / baseline) | CPU µs/request (gateway / baseline) | peak RSS (gateway / baseline) | gateway non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(pglite.length
      ? ['| embedded | req/s | vs PostgreSQL baseline | p50/p99 ms | SQL/request | peak RSS |', '|---|---|---|---|---|---|', ...pglite]
      : ['PGlite runs are skipped in --quick.']),
    '',
    '| goal | target | measured |',
    '|---|---|---|',
    `| SQL statements per request, W3 | constant, ≤ 1 per nesting level | ${fixed(report.workloads.W3!.gateway.statementsPerRequest)} (the page with configuration and features joined in one statement) |`,
    `| W1 cached REST config read vs baseline | ≥ 1.5× | ${times(report.workloads.W1!.ratio)} (${fixed(report.workloads.W1!.gateway.statementsPerRequest)} SQL/request; CPU ${Math.round(report.workloads.W1!.gateway.cpuMicrosPerRequest)} vs ${Math.round(report.workloads.W1!.baseline.cpuMicrosPerRequest)} µs; ${machineShare(report.workloads.W1!.gateway)} on the gateway's run, ${Math.round(report.workloads.W1!.baseline.machineBusy * 100)} % on the baseline's) |`,
    `| W2 GraphQL tenant+config+features, cached | ≥ 1.2× | ${times(report.workloads.W2!.ratio)} |`,
    `| W1 uncached (no-cache) | measured | ${times(report.workloads.W1U!.ratio)} (CPU ${Math.round(report.workloads.W1U!.gateway.cpuMicrosPerRequest)} vs ${Math.round(report.workloads.W1U!.baseline.cpuMicrosPerRequest)} µs) |`,
    `| W2 uncached | ≥ 0.5× (CPU per request ≤ 2× the baseline's) | ${times(report.workloads.W2U!.ratio)} (CPU ${Math.round(report.workloads.W2U!.gateway.cpuMicrosPerRequest)} vs ${Math.round(report.workloads.W2U!.baseline.cpuMicrosPerRequest)} µs, ${fixed(report.workloads.W2U!.gateway.cpuMicrosPerRequest / report.workloads.W2U!.baseline.cpuMicrosPerRequest)}×) |`,
    `| W3 page of 50 | ≥ 0.6× | ${times(report.workloads.W3!.ratio)} |`,
    `| W4 config write | ≥ 0.4×, ≤ 3 statements | ${times(report.workloads.W4!.ratio)}, ${fixed(report.workloads.W4!.gateway.statementsPerRequest)} |`,
    report.staleness
      ? `| staleness across two replicas (PUT acknowledged on one → first fresh GET on the other) | p99 ≤ 50 ms | p50 ${report.staleness.p50} ms, p99 ${report.staleness.p99} ms (${report.staleness.samples} writes) |`
      : '| staleness across two replicas | p99 ≤ 50 ms | not measured |',
    `| W1 vs the same read through /graphql | ≥ 0.9× | ${fixed(report.graphqlConfigRead.restOverGraphql)}× (${Math.round(report.graphqlConfigRead.rps)} req/s through /graphql) |`,
    report.meteringAndRateLimits
      ? `| metering and rate limiting on vs off (W1) | ≤ 5 % lost | ${fixed(report.meteringAndRateLimits.throughputLost * 100, 1)} % (${Math.round(report.meteringAndRateLimits.on.rps)} vs ${Math.round(report.meteringAndRateLimits.off.rps)} req/s; CPU per request +${fixed(report.meteringAndRateLimits.cpuAdded * 100, 1)} %) |`
      : '| metering and rate limiting on vs off | ≤ 5 % lost | not measured in --quick |',
    report.proxy
      ? `| P1: SELECT by key through the TenantsDB proxy vs directly (${report.proxy.connections} connections) | ≥ 0.7× | ${times(report.proxy.ratio)} (${Math.round(report.proxy.proxy.qps)} vs ${Math.round(report.proxy.direct.qps)} queries/s; p99 ${report.proxy.proxy.p99} vs ${report.proxy.direct.p99} ms; ${Math.round(report.proxy.proxy.gatewayCpuMicrosPerQuery)} µs of gateway CPU per query) |`
      : '| P1: the TenantsDB proxy vs directly | ≥ 0.7× | not measured |',
    report.routes
      ? `| R1: GET through a tenant route vs the upstream directly; a cached route | ≥ 0.7×; cached ≥ 2× | ${times(report.routes.ratio)} (${Math.round(report.routes.routed.rps)} vs ${Math.round(report.routes.direct.rps)} req/s; p99 ${report.routes.routed.p99} vs ${report.routes.direct.p99} ms; ${fixed(report.routes.routed.statementsPerRequest)} SQL and ${Math.round(report.routes.routed.cpuMicrosPerRequest)} µs of gateway CPU per request); cached ${times(report.routes.cachedRatio)} (${Math.round(report.routes.cached.rps)} req/s, ${fixed(report.routes.cached.statementsPerRequest)} SQL/request) |`
      : '| R1: tenant routes vs the upstream directly | ≥ 0.7× | not measured |',
    report.changeCapture
      ? `| C1: a tenant's single-row write with the change log vs without (${report.changeCapture.connections} sessions) | measured | ${times(report.changeCapture.ratio)} (${report.changeCapture.writesPerSecond.with} vs ${report.changeCapture.writesPerSecond.without} writes/s; ${report.changeCapture.microsPerWrite.with} vs ${report.changeCapture.microsPerWrite.without} µs per write) |`
      : '| C1: the change log per write | measured | not measured |',
    `| p99 at half of peak throughput (W1 at ${report.halfPeak.rate} req/s, open loop) | ≤ 10 ms | ${describeHalfPeak(report.halfPeak)} |`,
    `| idle RSS, production start on PostgreSQL | < 150 MB | ${mb(report.startup.idleRssBytes)} (baseline ${mb(report.startup.baselineIdleRssBytes)}; V8 heap ${mb(report.startup.idleMemory.heapBytes)} committed, ${mb(report.startup.idleMemory.heapUsedBytes)} used; external ${mb(report.startup.idleMemory.externalBytes)}; the rest ${mb(report.startup.idleRssBytes - report.startup.idleMemory.heapBytes - report.startup.idleMemory.externalBytes)}) |`,
    `| production start to ready (spawn to listening) | < 2 s | ${fixed(report.startup.readyMs / 1000, 1)} s |`,
    ...(report.scale
      ? [
          `| ${report.scale.large.tenants} tenants vs ${report.scale.small.tenants}, cached (every answer read once first) | within 10 % | W1 ${times(report.scale.W1)} (${Math.round(report.scale.large.W1.rps)} vs ${Math.round(report.scale.small.W1.rps)} req/s; hit rate ${fixed(report.scale.large.cache.hitRate * 100, 1)} % vs ${fixed(report.scale.small.cache.hitRate * 100, 1)} %, ${report.scale.large.cache.entries} answers in ${mb(report.scale.large.cache.bytes)}, ${report.scale.large.cache.evicted} evicted); seeded in ${Math.round(report.scale.seedSeconds)} s |`,
          `| ${report.scale.large.tenants} tenants vs ${report.scale.small.tenants}, uncached (no-cache) | within 10 % | W1U ${times(report.scale.W1U)} (${Math.round(report.scale.large.W1U.rps)} vs ${Math.round(report.scale.small.W1U.rps)} req/s; CPU ${Math.round(report.scale.large.W1U.cpuMicrosPerRequest)} vs ${Math.round(report.scale.small.W1U.cpuMicrosPerRequest)} µs), W2U ${times(report.scale.W2U)} (${Math.round(report.scale.large.W2U.rps)} vs ${Math.round(report.scale.small.W2U.rps)}) |`,
          `| RSS under load at ${report.scale.large.tenants} tenants | < 300 MB | ${mb(Math.max(report.scale.large.W1.peakRssBytes, report.scale.large.W1U.peakRssBytes, report.scale.large.W2U.peakRssBytes))} (peak, every answer cached) |`,
        ]
      : [`| 100,000 tenants vs 1,000 | within 10 % | not measured (\`-- --scale 100000\`) |`]),
    ...(report.hostile
      ? [
          `| reader p99 beside anonymous 1 MB documents and alias floods (W1 at ${report.hostile.readerRate} req/s) | < 100 ms | ${report.hostile.readerP99UnderAttack} ms (alone ${report.hostile.readerP99Alone} ms; ${report.hostile.readerFailures} failed) |`,
          `| memory after the hostile load | within 20 % of before | ${Math.round(report.hostile.rssAfterBytes / 2 ** 20)} MB vs ${Math.round(report.hostile.rssBeforeBytes / 2 ** 20)} MB (${Math.round((report.hostile.rssAfterBytes / Math.max(report.hostile.rssBeforeBytes, 1) - 1) * 100)} %) |`,
        ]
      : []),
    '',
    `Reproduce: \`npm run bench${reproduceFlags(report)}\`. Took ${report.elapsedSeconds} s.`,
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
