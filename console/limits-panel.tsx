import { graphql } from './api.js';
import type { TenantSummary } from './tenant-page.js';
import { useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type LimitUsage = {
  resource: string;
  metric: string;
  period: string;
  scope: string;
  current: number;
  limit: number;
  percentage: number;
  gateAction: string;
  resetsAt: string;
};

/** Usage against each resource limit of the tenant, as a gauge: warn from 80 %, over at 100 %. */
export function LimitsPanel({ apiKey, tenant }: { apiKey: string; tenant: TenantSummary }) {
  const loaded = useLoad(
    () =>
      graphql<{ resourceUsage: LimitUsage[] }>(
        apiKey,
        'query ConsoleLimits($tenant: ID) { resourceUsage(tenant: $tenant) { resource metric period scope current limit percentage gateAction resetsAt } }',
        { tenant: tenant.id },
      ),
    [apiKey, tenant.id],
  );
  const limits = loaded.data?.resourceUsage;
  return (
    <section class="card" aria-labelledby="limits-title">
      <h2 id="limits-title">Resource limits</h2>
      <ErrorMessage text={loaded.error} />
      {!limits && !loaded.error && <p aria-live="polite">Loading limits…</p>}
      {limits?.length === 0 && <p class="muted">No resource limit is set for {tenant.slug}.</p>}
      {limits && limits.length > 0 && (
        <ul class="gauges">
          {limits.map((entry) => {
            const id = `gauge-${entry.resource}-${entry.metric}-${entry.period}`;
            const level = entry.percentage >= 100 ? 'over' : entry.percentage >= 80 ? 'high' : 'ok';
            return (
              <li key={id} class={`gauge gauge-${level}`}>
                <label for={id}>
                  {entry.resource} {entry.metric} per {entry.period.toLowerCase()}
                </label>
                <meter
                  id={id}
                  min={0}
                  max={entry.limit}
                  low={entry.limit * 0.8}
                  high={entry.limit * 0.999}
                  optimum={0}
                  value={Math.min(entry.current, entry.limit)}
                />
                <span class="gauge-figures">
                  {entry.current.toLocaleString()} of {entry.limit.toLocaleString()} ({entry.percentage.toFixed(1)} %)
                  <span class="muted">
                    {' '}
                    · {entry.gateAction === 'BLOCK' ? 'blocks' : 'warns'} at the limit · resets {new Date(entry.resetsAt).toLocaleString()}
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
