/** A value /metrics reports, read when scraped. */
export type Gauge = { name: string; type: 'counter' | 'gauge'; read: () => number };

/** Prometheus text format; benchmarks read statements per request here. */
export function metricsResponse(gauges: Gauge[]): Response {
  const lines = gauges.flatMap(({ name, type, read }) => [`# TYPE ${name} ${type}`, `${name} ${read()}`]);
  return new Response(`${lines.join('\n')}\n`, { headers: { 'content-type': 'text/plain; version=0.0.4' } });
}
