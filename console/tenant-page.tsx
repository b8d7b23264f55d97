import { graphql } from './api.js';
import { ConfigPanel } from './config-panel.js';
import { KeysPanel } from './keys-panel.js';
import { can, type Viewer } from './session.js';
import { UsagePanel } from './usage-panel.js';
import { useLoad } from './use-load.js';

export type TenantSummary = { id: string; slug: string; name: string; state: string; tier: string; region: string; createdAt: string };

/** One tenant: what it is, then each section the key's scopes open. */
export function TenantPage({ apiKey, viewer, tenant }: { apiKey: string; viewer: Viewer; tenant: string }) {
  const loaded = useLoad(
    () =>
      graphql<{ tenant: TenantSummary }>(apiKey, 'query ConsoleTenant($id: ID) { tenant(id: $id) { id slug name state tier region createdAt } }', {
        id: tenant,
      }),
    [apiKey, tenant],
  );
  if (loaded.error)
    return (
      <p class="error" role="alert">
        {loaded.error}
      </p>
    );
  const summary = loaded.data?.tenant;
  if (!summary) return <p aria-live="polite">Loading the tenant…</p>;
  return (
    <article aria-labelledby="tenant-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href="#/">Tenants</a> / <span>{summary.slug}</span>
      </nav>
      <h1 id="tenant-title">{summary.name}</h1>
      <dl class="facts">
        <div>
          <dt>Slug</dt>
          <dd>
            <code>{summary.slug}</code>
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>
            <span class={`state state-${summary.state.toLowerCase()}`}>{summary.state.toLowerCase()}</span>
          </dd>
        </div>
        <div>
          <dt>Plan</dt>
          <dd>{summary.tier.toLowerCase()}</dd>
        </div>
        <div>
          <dt>Region</dt>
          <dd>{summary.region}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={summary.createdAt}>{new Date(summary.createdAt).toLocaleString()}</time>
          </dd>
        </div>
      </dl>
      {can(viewer, 'USAGE_READ') && <UsagePanel apiKey={apiKey} tenant={summary} />}
      {can(viewer, 'CONFIG_READ') && <ConfigPanel apiKey={apiKey} tenant={summary} canWrite={can(viewer, 'CONFIG_WRITE')} />}
      {can(viewer, 'KEYS_WRITE') && <KeysPanel apiKey={apiKey} viewer={viewer} tenant={summary} />}
    </article>
  );
}
