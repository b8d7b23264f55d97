import autocannon from 'autocannon';

// Runs in its own process so the load generator never shares a core's event loop with a server.
type Spec = {
  url: string;
  ids: string[];
  connections: number;
  duration: number;
  headers: Record<string, string>;
  /** Weighted request kinds; each picks a random tenant. */
  mix: { weight: number; method: 'GET' | 'PUT' | 'POST'; path: string; body?: string }[];
  rate?: number;
};

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;
const total = spec.mix.reduce((sum, entry) => sum + entry.weight, 0);
const pick = () => {
  let roll = Math.random() * total;
  for (const entry of spec.mix) if ((roll -= entry.weight) < 0) return entry;
  return spec.mix[0]!;
};
const fill = (text: string, id: string) => text.replaceAll('{id}', id).replaceAll('{n}', String(Math.floor(Math.random() * 100_000)));

let non2xx = 0;
const cpuBefore = process.cpuUsage();
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  overallRate: spec.rate,
  headers: spec.headers,
  requests: [
    {
      setupRequest: (request) => {
        const entry = pick();
        const id = spec.ids[Math.floor(Math.random() * spec.ids.length)]!;
        return { ...request, method: entry.method, path: fill(entry.path, id), body: entry.body ? fill(entry.body, id) : '' };
      },
    },
  ],
  setupClient: (client) => client.on('response', (status: number) => void (status >= 300 && non2xx++)),
});

// The generator's own CPU: on a small machine it shares the cores with the server it loads.
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  JSON.stringify({
    generatorCpuMicros: cpu.user + cpu.system,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx,
  }),
);
