import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { AuditPanel } from './audit-panel.js';
import { BackupsPanel } from './backups-panel.js';
import { ConfigPanel } from './config-panel.js';
import { FeaturesPanel } from './features-panel.js';
import { KeysPanel } from './keys-panel.js';
import { LimitsPanel } from './limits-panel.js';
import { can, type Viewer } from './session.js';
import { UsagePanel } from './usage-panel.js';
import { useLoad } from './use-load.js';
import { WebhooksPanel } from './webhooks-panel.js';

export type TenantSummary = { id: string; slug: string; name: string; state: string; tier: string; region: string; createdAt: string };

/** One tenant: what it is, then each section the key's scopes open. */
export function TenantPage({ apiKey, viewer, tenant }: { apiKey: string; viewer: Viewer; tenant: string }) {
  // A restore changes the configuration, the features and the audit trail: their panels load again,
  // and the tenant's state (restoring while a job runs) with them.
  const [restores, setRestores] = useState(0);
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
      {can(viewer, 'LIMITS_READ') && <LimitsPanel apiKey={apiKey} tenant={summary} />}
      {can(viewer, 'FEATURES_READ') && <FeaturesPanel key={`features-${restores}`} apiKey={apiKey} tenant={summary} canWrite={can(viewer, 'FEATURES_WRITE')} />}
      {can(viewer, 'CONFIG_READ') && <ConfigPanel key={`config-${restores}`} apiKey={apiKey} tenant={summary} canWrite={can(viewer, 'CONFIG_WRITE')} />}
      {can(viewer, 'BACKUPS_READ') && (
        <BackupsPanel
          apiKey={apiKey}
          tenant={summary}
          canWrite={can(viewer, 'BACKUPS_WRITE')}
          onRestoring={loaded.reload}
          onRestored={() => {
            setRestores((count) => count + 1);
            loaded.reload();
          }}
        />
      )}
      {can(viewer, 'CONFIG_READ') && <AuditPanel key={`audit-${restores}`} apiKey={apiKey} tenant={summary} />}
      {can(viewer, 'CONFIG_READ') && <WebhooksPanel apiKey={apiKey} tenant={summary} />}
      {can(viewer, 'KEYS_WRITE') && <KeysPanel apiKey={apiKey} viewer={viewer} tenant={summary} />}
    </article>
  );
}
