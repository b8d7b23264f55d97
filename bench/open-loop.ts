import { Pool } from 'undici';

// An open-loop load generator: request k is due at start + k / rate, whatever happened to the
// requests before it, and its latency runs from when it was due to when its whole answer arrived.
// autocannon's `overallRate` cannot measure latency at a given rate: each connection sends its
// second's budget back to back and then waits for the next second (a burst at full load every
// second), and its coordinated-omission correction assumes one request a millisecond per
// connection (`Math.ceil(1 / rate)`), so a 30 ms answer is recorded with 29 invented ones.
// Runs in its own process, like load.ts; the spec comes on stdin, the result goes to stdout.
type Spec = {
  url: string;
  ids: string[];
  path: string;
  headers: Record<string, string>;
  /** GET without a body unless given; `{id}` in the body is replaced like in the path. */
  method?: 'GET' | 'POST';
  body?: string;
  rate: number;
  /** Sent at the rate before the measured seconds, not recorded: the generator's own start
   * (connections, JIT) otherwise fills the first 0.2 s with its slowest answers. */
  warmupSeconds: number;
  seconds: number;
  connections: number;
};

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;

// A stalled server fails its requests after 10 s instead of holding the bench for undici's default 300.
const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
const skipped = Math.round(spec.rate * spec.warmupSeconds);
const measured = Math.round(spec.rate * spec.seconds);
const total = skipped + measured;
const intervalMs = 1000 / spec.rate;
/** From when a request was due to its last byte; NaN for one that failed (counted apart, not in the percentiles). */
const latency = new Float64Array(measured);
let non2xx = 0;
let errors = 0;
let finished = 0;

let cpuBefore = process.cpuUsage();
let measuredFrom = 0;
const started = performance.now();
let issued = 0;
let resolve = () => {};
const done = new Promise<void>((settle) => (resolve = settle));

function send(index: number, due: number) {
  let failed = false;
  const id = spec.ids[Math.floor(Math.random() * spec.ids.length)]!;
  const path = spec.path.replaceAll('{id}', id);
  pool
    .request({ path, method: spec.method ?? 'GET', headers: spec.headers, body: spec.body?.replaceAll('{id}', id) })
    .then(async ({ statusCode, body }) => {
      await body.dump();
      if (statusCode >= 300) {
        failed = true;
        if (index >= skipped) non2xx++;
      }
    })
    .catch(() => {
      failed = true;
      if (index >= skipped) errors++;
    })
    .finally(() => {
      if (index >= skipped) latency[index - skipped] = failed ? Number.NaN : performance.now() - due;
      if (++finished === total) resolve();
    });
}

// Every millisecond, send what has come due (the pool queues what its connections cannot take
// yet; that wait is part of the latency).
const ticker = setInterval(() => {
  const now = performance.now();
  while (issued < total && started + issued * intervalMs <= now) {
    if (issued === skipped) {
      cpuBefore = process.cpuUsage();
      measuredFrom = started + issued * intervalMs;
    }
    send(issued, started + issued * intervalMs);
    issued++;
  }
  if (issued === total) clearInterval(ticker);
}, 1);
await done;
const elapsed = (performance.now() - measuredFrom) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await pool.close();

const answered = latency.filter((value) => !Number.isNaN(value)).sort();
const percentile = (fraction: number) =>
  answered.length ? Math.round(answered[Math.min(answered.length - 1, Math.ceil(answered.length * fraction) - 1)]! * 100) / 100 : Number.NaN;
process.stdout.write(
  JSON.stringify({
    requests: measured,
    rps: measured / elapsed,
    p50: percentile(0.5),
    p90: percentile(0.9),
    p99: percentile(0.99),
    p999: percentile(0.999),
    max: percentile(1),
    errors,
    non2xx,
    generatorCpuMicros: cpu.user + cpu.system,
  }),
);
