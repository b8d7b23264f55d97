import { useMemo, useState } from 'preact/hooks';
import { graphql } from './api.js';
import type { TenantSummary } from './tenant-page.js';
import { type Series, TimeChart } from './usage-chart.js';
import { useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type Granularity = 'DAY' | 'WEEK' | 'MONTH';
type Bucket = { start: string; calls: number; failures: number };
type Day = { date: string; apiCalls: number; llmTokens: number; resources: { name: string; amount: number }[] };
type Usage = {
  usageMetrics: { granularity: Granularity; from: string; to: string; calls: number; failures: number; successRate: number; series: Bucket[] };
  usageHistory: Day[];
  usageSummary: { period: string; apiCalls: number; llmTokens: number; bandwidthBytes: number; storageBytes: number };
};

/** How far back each granularity looks. */
const spans: Record<Granularity, { label: string; days: number }> = {
  DAY: { label: 'Day', days: 30 },
  WEEK: { label: 'Week', days: 7 * 12 },
  MONTH: { label: 'Month', days: 365 },
};

const bucketSeconds: Record<Granularity, number> = { DAY: 86_400, WEEK: 7 * 86_400, MONTH: 31 * 86_400 };
/** The fewest buckets a chart spans when the tenant's history is shorter than the span (the day chart keeps its 30). */
const minBuckets: Record<Granularity, number> = { DAY: 30, WEEK: 6, MONTH: 6 };

const query = `query ConsoleUsage($tenant: ID, $from: DateTime!, $to: DateTime!, $granularity: Granularity) {
  usageMetrics(tenant: $tenant, from: $from, to: $to, granularity: $granularity) { granularity from to calls failures successRate series { start calls failures } }
  usageHistory(tenant: $tenant) { date apiCalls llmTokens resources { name amount } }
  usageSummary(tenant: $tenant) { period apiCalls llmTokens bandwidthBytes storageBytes }
}`;

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const bytes = (value: number) => (value < 1024 ? `${value} B` : value < 1024 ** 2 ? `${(value / 1024).toFixed(1)} KB` : `${(value / 1024 ** 2).toFixed(1)} MB`);

/** This month's totals, API calls over time by day, week or month, and this month's LLM tokens and bandwidth by day. */
export function UsagePanel({ apiKey, tenant }: { apiKey: string; tenant: TenantSummary }) {
  const [granularity, setGranularity] = useState<Granularity>('DAY');
  const usage = useLoad(() => {
    const to = new Date();
    const from = new Date(to.getTime() - spans[granularity].days * 86_400_000);
    return graphql<Usage>(apiKey, query, { tenant: tenant.id, from: from.toISOString(), to: to.toISOString(), granularity });
  }, [apiKey, tenant.id, granularity]);
  const charts = useMemo(() => {
    if (!usage.data) return null;
    // From the first bucket with any call (the series may leave empty ones out): a tenant with five weeks
    // of history gets five weekly bars, not seven empty weeks before them.
    const first = usage.data.usageMetrics.series.findIndex((bucket) => bucket.calls > 0 || bucket.failures > 0);
    const series = first > 0 ? usage.data.usageMetrics.series.slice(first) : usage.data.usageMetrics.series;
    const { from, to, granularity: shown } = usage.data.usageMetrics;
    const shortest = seconds(to) - minBuckets[shown] * bucketSeconds[shown];
    const start = Math.max(seconds(from), Math.min(series[0] && first >= 0 ? seconds(series[0].start) : seconds(from), shortest));
    const calls: Series[] = [
      { label: 'calls', values: series.map((bucket) => bucket.calls), color: '#2f6fdb' },
      { label: 'failures', values: series.map((bucket) => bucket.failures), color: '#c2410c' },
    ];
    const days = usage.data.usageHistory;
    const [year, month] = usage.data.usageSummary.period.split('-').map(Number) as [number, number];
    const amount = (day: Day, name: string) => day.resources.find((resource) => resource.name === name)?.amount ?? 0;
    return {
      callTimes: series.map((bucket) => seconds(bucket.start)),
      // To the end of the newest bucket, so today's (this week's, this month's) bar is drawn whole.
      callRange: [start, seconds(usage.data.usageMetrics.to) + bucketSeconds[usage.data.usageMetrics.granularity]] as [number, number],
      dayRange: [Date.UTC(year, month - 1, 1) / 1000, Date.UTC(year, month, 1) / 1000] as [number, number],
      calls,
      dayTimes: days.map((day) => seconds(`${day.date}T00:00:00Z`)),
      tokens: [{ label: 'LLM tokens', values: days.map((day) => day.llmTokens), color: '#7c3aed' }] as Series[],
      bandwidth: [
        { label: 'bandwidth (KB)', values: days.map((day) => Math.round(amount(day, 'bandwidth_bytes') / 102.4) / 10), color: '#0f766e' },
      ] as Series[],
    };
  }, [usage.data]);
  const summary = usage.data?.usageSummary;
  return (
    <section class="card" aria-labelledby="usage-title">
      <div class="row">
        <h2 id="usage-title">Usage</h2>
        <fieldset class="segmented">
          <legend class="visually-hidden">Calls by</legend>
          {(Object.keys(spans) as Granularity[]).map((value) => (
            <label key={value}>
              <input type="radio" name="granularity" value={value} checked={granularity === value} onChange={() => setGranularity(value)} />
              {spans[value].label}
            </label>
          ))}
        </fieldset>
      </div>
      <ErrorMessage text={usage.error} />
      {summary && (
        <dl class="figures">
          <div>
            <dt>API calls ({summary.period})</dt>
            <dd>{summary.apiCalls.toLocaleString()}</dd>
          </div>
          <div>
            <dt>LLM tokens</dt>
            <dd>{summary.llmTokens.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Bandwidth</dt>
            <dd>{bytes(summary.bandwidthBytes)}</dd>
          </div>
          <div>
            <dt>Success rate ({spans[granularity].days} days)</dt>
            <dd>{usage.data!.usageMetrics.calls ? `${(usage.data!.usageMetrics.successRate * 100).toFixed(1)} %` : '—'}</dd>
          </div>
        </dl>
      )}
      {charts && (
        <div class="charts">
          {charts.callTimes.length ? (
            <TimeChart
              title={`API calls by ${spans[granularity].label.toLowerCase()}`}
              times={charts.callTimes}
              series={charts.calls}
              unit="calls"
              range={charts.callRange}
            />
          ) : (
            <p class="muted">No API calls in the last {spans[granularity].days} days.</p>
          )}
          {charts.dayTimes.length ? (
            <>
              <TimeChart title="LLM tokens by day, this month" times={charts.dayTimes} series={charts.tokens} unit="tokens" range={charts.dayRange} />
              <TimeChart title="Bandwidth by day, this month" times={charts.dayTimes} series={charts.bandwidth} unit="KB" range={charts.dayRange} />
            </>
          ) : (
            <p class="muted">No usage recorded this month.</p>
          )}
        </div>
      )}
      {usage.loading && !usage.data && <p aria-live="polite">Loading usage…</p>}
    </section>
  );
}
