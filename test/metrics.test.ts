import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

type Family = { name: string; help: string; type: string; metrics: { labels?: Record<string, string>; value?: string }[] };
type Sample = { name: string; labels: Record<string, string>; value: number };

/**
 * parse-prometheus-text-format checks the whole exposition and reads the plain families, but
 * folds a histogram's labelled series into one; the samples of labelled histograms are read
 * here, one `name{labels} value` line at a time.
 */
function samplesOf(text: string, name: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key!, value!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

async function scrape(): Promise<{ text: string; families: Map<string, Family> }> {
  const response = await gateway.app.fetch(new Request('http://gateway.test/metrics'));
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  for (const family of ['gateway_http_request_duration_seconds', 'gateway_graphql_operation_duration_seconds']) {
    expect(text).toContain(`# HELP ${family} `);
    expect(text).toContain(`# TYPE ${family} histogram`);
  }
  return { text, families: new Map((parsePrometheusTextFormat(text) as Family[]).map((family) => [family.name, family])) };
}

test('/metrics is Prometheus text: request and operation histograms, errors by code, backups, process and event-loop metrics', async () => {
  const tenant = await createTenant(gateway);
  const auth = { authorization: `Bearer ${gateway.adminKey}` };
  await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/config`, { headers: auth });
  await gateway.rest('GET', '/api/v1/tenants/no-such-tenant/config', { headers: auth });
  await gateway.rest('POST', `/tenants/${tenant.slug}/backup`, { headers: auth });

  const { text, families } = await scrape();
  expect(families.get('gateway_http_request_duration_seconds')!.type).toBe('HISTOGRAM');
  const configReads = samplesOf(text, 'gateway_http_request_duration_seconds_count').filter((sample) => sample.labels.route === '/api/v1/tenants/{id}/config');
  expect(configReads.map((sample) => [sample.labels.method, sample.labels.status, sample.value]).sort()).toEqual([
    ['GET', '200', 1],
    ['GET', '404', 1],
  ]);
  const buckets = samplesOf(text, 'gateway_http_request_duration_seconds_bucket').filter(
    (sample) => sample.labels.route === '/api/v1/tenants/{id}/config' && sample.labels.status === '200',
  );
  expect(buckets.length).toBeGreaterThan(5);
  expect(buckets.find((sample) => sample.labels.le === '+Inf')?.value).toBe(1);

  const operations = samplesOf(text, 'gateway_graphql_operation_duration_seconds_count');
  expect(operations.find((sample) => sample.labels.operation === 'GET /api/v1/tenants/{id}/config' && sample.labels.outcome === 'error')?.value).toBe(1);
  expect(operations.find((sample) => sample.labels.operation === 'graphql' && sample.labels.outcome === 'ok')?.value).toBeGreaterThan(0);

  expect(families.get('gateway_errors_total')!.metrics.find((metric) => metric.labels?.code === 'NOT_FOUND')?.value).toBe('1');
  expect(
    samplesOf(text, 'gateway_backup_duration_seconds_count').find((sample) => sample.labels.trigger === 'manual' && sample.labels.outcome === 'completed')
      ?.value,
  ).toBe(1);
  expect(Number(families.get('gateway_sql_statements_total')!.metrics[0]!.value)).toBeGreaterThan(0);
  expect(families.get('gateway_backup_scheduler_leader')!.type).toBe('GAUGE');
  // Nothing dropped: the test process's stderr is read (log-stream.test.ts drops and counts).
  expect(families.get('gateway_log_lines_dropped_total')!.metrics[0]!.value).toBe('0');
  expect(Number(families.get('process_resident_memory_bytes')!.metrics[0]!.value)).toBeGreaterThan(0);
  expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
});

test('the request histogram labels a wrong method with the route it missed, HEAD with its GET route, and a path no route serves "unmatched"', async () => {
  const tenant = await createTenant(gateway);
  const auth = { authorization: `Bearer ${gateway.adminKey}` };
  expect((await gateway.rest('POST', `/api/v1/tenants/${tenant.id}/features`, { headers: auth })).status).toBe(405);
  expect((await gateway.rest('HEAD', `/api/v1/tenants/${tenant.id}/features`, { headers: auth })).status).toBe(200);
  expect((await gateway.rest('GET', '/api/v1/no/such/route', { headers: auth })).status).toBe(404);

  const samples = samplesOf((await scrape()).text, 'gateway_http_request_duration_seconds_count');
  const labelled = (route: string) =>
    samples.filter((sample) => sample.labels.route === route).map((sample) => [sample.labels.method, sample.labels.status, sample.value]);
  expect(labelled('/api/v1/tenants/{id}/features').sort()).toEqual([
    ['HEAD', '200', 1],
    ['POST', '405', 1],
  ]);
  expect(labelled('unmatched')).toContainEqual(['GET', '404', 1]);
});
