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

const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
const skipped = Math.round(spec.rate * spec.warmupSeconds);
const measured = Math.round(spec.rate * spec.seconds);
const total = skipped + measured;
const intervalMs = 1000 / spec.rate;
/** From when a request was due to its last byte, and from when it was sent to its last byte. */
const latency = new Float64Array(measured);
const service = new Float64Array(measured);
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
  const sent = performance.now();
  const path = spec.path.replaceAll('{id}', spec.ids[Math.floor(Math.random() * spec.ids.length)]!);
  pool
    .request({ path, method: 'GET', headers: spec.headers })
    .then(async ({ statusCode, body }) => {
      await body.dump();
      if (statusCode >= 300 && index >= skipped) non2xx++;
    })
    .catch(() => void (index >= skipped && errors++))
    .finally(() => {
      const end = performance.now();
      if (index >= skipped) {
        latency[index - skipped] = end - due;
        service[index - skipped] = end - sent;
      }
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

const percentile = (values: Float64Array, fraction: number) => {
  const sorted = values.slice().sort();
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]! * 100) / 100;
};
process.stdout.write(
  JSON.stringify({
    requests: measured,
    rps: measured / elapsed,
    p50: percentile(latency, 0.5),
    p90: percentile(latency, 0.9),
    p99: percentile(latency, 0.99),
    p999: percentile(latency, 0.999),
    max: percentile(latency, 1),
    serviceP99: percentile(service, 0.99),
    errors,
    non2xx,
    generatorCpuMicros: cpu.user + cpu.system,
  }),
);
