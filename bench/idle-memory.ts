import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { gatewayEnv } from './gateway-env.js';

// npm run bench:idle [-- --rounds 3] [-- --settle 2] [-- --pglite] [-- --no-build]
//   [-- --node-flags "--max-semi-space-size=1"] [-- --env KEY=VALUE,…] [-- --heap-snapshot]
// The full bench's startup figure alone, in a minute: the compiled gateway (NODE_ENV=production)
// started on a migrated database, `--settle` seconds idle (the bench waits 2), then its resident
// memory from /proc (anonymous and file-backed) and its own account from /metrics (V8's heap by
// space, memory V8 tracks outside it). The median of `--rounds` fresh starts, beside the
// node:http + pg baseline's RSS. PostgreSQL from DATABASE_URL or a throwaway cluster
// (scripts/postgres-cluster.sh); `--pglite` measures the embedded default instead.
// `--heap-snapshot` writes one snapshot of the last round's idle gateway to bench/results/heap/.

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    settle: { type: 'string', default: '2' },
    pglite: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    env: { type: 'string', default: '' },
    'heap-snapshot': { type: 'boolean', default: false },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const log = (message: string) => process.stderr.write(`[idle] ${message}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const extraEnv = Object.fromEntries(
  options
    .env!.split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);

type Started = { child: ChildProcess; url: string };

function start(args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 300_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

function stop({ child }: Started): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function status(pid: number) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

async function metrics(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const spaces = Object.fromEntries(
    [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\d+)/gm)].map((match) => [match[1]!, Number(match[2])]),
  );
  return {
    heap: value('nodejs_heap_size_total_bytes'),
    heapUsed: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
    spaces,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, Number(options.settle) * 1000));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  if (!options['no-build']) {
    log('building the gateway (npm run build)');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'gateway-idle-'));
  let clusterDir: string | undefined;
  try {
    let databaseUrl: string;
    if (options.pglite) {
      databaseUrl = path.join(scratch, 'pglite');
    } else {
      let serverUrl = process.env.DATABASE_URL;
      if (!serverUrl?.startsWith('postgres')) {
        log('starting a throwaway PostgreSQL 15 cluster on loopback');
        [clusterDir, serverUrl] = execFileSync('bash', [path.join(root, 'scripts/postgres-cluster.sh'), 'start'], { stdio: ['ignore', 'pipe', 'inherit'] })
          .toString()
          .trim()
          .split(' ') as [string, string];
      }
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query('DROP DATABASE IF EXISTS gateway_idle WITH (FORCE)');
      await admin.query('CREATE DATABASE gateway_idle');
      await admin.end();
      const url = new URL(serverUrl!);
      url.pathname = '/gateway_idle';
      databaseUrl = url.toString();
    }
    // Migrated beforehand, as a restarted production gateway finds its database: a start that
    // applies migrations also compiles the schema engine's WebAssembly.
    const migrator = openDatabase(databaseUrl);
    await applyMigrations(migrator.adapterFactory);
    await migrator.close();

    const nodeFlags = options['node-flags']!.split(' ').filter(Boolean);
    const rounds: Array<Awaited<ReturnType<typeof status>> & Awaited<ReturnType<typeof metrics>> & { baseline?: number }> = [];
    for (let round = 1; round <= Number(options.rounds); round++) {
      const last = round === Number(options.rounds);
      const snapshotDir = path.join(root, 'bench/results/heap');
      const snapshotFlags = last && options['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
      const gateway = await start([...nodeFlags, ...snapshotFlags, path.join(root, 'dist/src/server.js')], gatewayEnv(databaseUrl, extraEnv));
      let baseline: Started | undefined;
      try {
        await settle();
        const measured = { ...(await status(gateway.child.pid!)), ...(await metrics(gateway.url)) };
        if (!options.pglite) {
          baseline = await start([path.join(root, 'dist/bench/baseline.js')], { BASELINE_DATABASE_URL: databaseUrl });
          await settle();
          rounds.push({ ...measured, baseline: (await status(baseline.child.pid!)).rss });
        } else {
          rounds.push(measured);
        }
        log(
          `round ${round}: RSS ${mb(measured.rss)} (anonymous ${mb(measured.anon)}, file ${mb(measured.file)}); V8 heap ${mb(measured.heap)} committed (${mb(measured.heapUsed)} used), external ${mb(measured.external)}, the rest ${mb(measured.rss - measured.heap - measured.external)}`,
        );
        if (snapshotFlags.length > 0) {
          await mkdir(snapshotDir, { recursive: true });
          const before = new Set(await readdir(snapshotDir).catch(() => []));
          gateway.child.kill('SIGUSR2');
          for (let waited = 0; waited < 120; waited++) {
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            const written = (await readdir(snapshotDir).catch(() => [])).filter((name) => !before.has(name));
            if (written.length > 0) {
              // The snapshot is complete when its size stops changing.
              await new Promise((resolve) => setTimeout(resolve, 3_000));
              log(`heap snapshot: bench/results/heap/${written[0]}`);
              break;
            }
          }
        }
      } finally {
        await stop(gateway);
        if (baseline) await stop(baseline);
      }
    }
    const pick = (select: (round: (typeof rounds)[number]) => number) => median(rounds.map(select));
    const rss = pick((round) => round.rss);
    const heap = pick((round) => round.heap);
    const external = pick((round) => round.external);
    const spaces = Object.keys(rounds[0]!.spaces).map((space) => `${space} ${mb(pick((round) => round.spaces[space] ?? 0))}`);
    process.stdout.write(
      [
        `idle RSS on ${options.pglite ? 'PGlite' : 'PostgreSQL'} after ${options.settle} s, median of ${rounds.length}${nodeFlags.length ? ` (node ${nodeFlags.join(' ')})` : ''}${options.env ? ` (${options.env})` : ''}: ${mb(rss)}${options.pglite ? '' : ` (baseline node:http + pg ${mb(pick((round) => round.baseline ?? 0))})`}`,
        `  anonymous ${mb(pick((round) => round.anon))}, file-backed ${mb(pick((round) => round.file))}`,
        `  V8 heap ${mb(heap)} committed (${mb(pick((round) => round.heapUsed))} used), external ${mb(external)}, the rest (code, WebAssembly, native) ${mb(rss - heap - external)}`,
        `  heap by space (committed): ${spaces.join(', ')}`,
        '',
      ].join('\n'),
    );
  } finally {
    if (clusterDir) execFileSync('bash', [path.join(root, 'scripts/postgres-cluster.sh'), 'stop', clusterDir], { stdio: 'ignore' });
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
