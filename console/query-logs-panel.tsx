import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { ErrorMessage } from './messages.js';
import type { DatabaseTenant } from './project-page.js';
import { useLoad } from './use-load.js';

type Entry = { query: string; source: string; success: boolean; durationMs: number; error: string | null; createdAt: string };

const pageSize = 25;
const query = `query ConsoleQueryLogs($tenant: ID!, $limit: Int, $offset: Int, $filter: QueryLogFilterInput) {
  tenantQueryLogs(tenant: $tenant, limit: $limit, offset: $offset, filter: $filter) { entries { query source success durationMs error createdAt } hasMore }
}`;

/** A tenant's logged database queries, newest first, a page at a time: all, failed only, or slow only. */
export function QueryLogsPanel({ apiKey, tenants }: { apiKey: string; tenants: DatabaseTenant[] }) {
  const [tenantId, setTenantId] = useState(tenants[0]?.id ?? '');
  const [kind, setKind] = useState('');
  const [offset, setOffset] = useState(0);
  const loaded = useLoad(
    () =>
      tenantId
        ? graphql<{ tenantQueryLogs: { entries: Entry[]; hasMore: boolean } }>(apiKey, query, {
            tenant: tenantId,
            limit: pageSize,
            offset,
            filter: kind ? { kind } : null,
          })
        : Promise.resolve(null),
    [apiKey, tenantId, kind, offset],
  );
  if (tenants.length === 0) return null;
  const page = loaded.data?.tenantQueryLogs;
  const slug = tenants.find((tenant) => tenant.id === tenantId)?.slug;
  return (
    <section class="card" aria-labelledby="query-logs-title">
      <h2 id="query-logs-title">Query logs</h2>
      <div class="filters">
        <div class="filter">
          <label for="query-log-tenant">Tenant</label>
          <select
            id="query-log-tenant"
            value={tenantId}
            onChange={(event) => {
              setTenantId(event.currentTarget.value);
              setOffset(0);
            }}
          >
            {tenants.map((tenant) => (
              <option key={tenant.id} value={tenant.id}>
                {tenant.slug}
              </option>
            ))}
          </select>
        </div>
        <div class="filter">
          <label for="query-log-kind">Show</label>
          <select
            id="query-log-kind"
            value={kind}
            onChange={(event) => {
              setKind(event.currentTarget.value);
              setOffset(0);
            }}
          >
            <option value="">every query</option>
            <option value="ERROR">failed queries</option>
            <option value="SLOW">slow queries</option>
          </select>
        </div>
      </div>
      <ErrorMessage text={loaded.error} />
      {!page && !loaded.error && <p aria-live="polite">Loading the query log…</p>}
      {page?.entries.length === 0 && (
        <p class="muted">
          No query logged for {slug}
          {kind && ' with this filter'}.
        </p>
      )}
      {page && page.entries.length > 0 && (
        <table class="query-log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Source</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
              <th scope="col">Query</th>
            </tr>
          </thead>
          <tbody>
            {page.entries.map((entry, index) => (
              <tr key={`${entry.createdAt}-${index}`}>
                <td>
                  <time dateTime={entry.createdAt}>{new Date(entry.createdAt).toLocaleString()}</time>
                </td>
                <td>{entry.source.toLowerCase()}</td>
                <td class="number">{entry.durationMs.toFixed(1)} ms</td>
                <td class={entry.success ? 'query-ok' : 'query-failed'}>{entry.success ? 'ok' : `failed: ${entry.error ?? ''}`}</td>
                <td>
                  <code class="sql">{entry.query}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && (offset > 0 || page.hasMore) && (
        <div class="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>
            Newer
          </button>
          <span>
            {offset + 1}–{offset + page.entries.length}
          </span>
          <button type="button" disabled={!page.hasMore} onClick={() => setOffset(offset + pageSize)}>
            Older
          </button>
        </div>
      )}
    </section>
  );
}
