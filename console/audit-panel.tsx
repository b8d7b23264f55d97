import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import type { TenantSummary } from './tenant-page.js';
import { useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type Change = { path: string; before?: unknown; after?: unknown };
type AuditEvent = { id: string; action: string; actor: string; target: string; createdAt: string; changes: Change[] };
type Filter = { action: string; actor: string; since: string };

const query = `query ConsoleAudit($tenant: ID, $filter: AuditFilterInput, $after: String) {
  auditLog(tenant: $tenant, filter: $filter, first: 25, after: $after) { edges { node { id action actor target createdAt changes } } pageInfo { hasNextPage endCursor } }
}`;

/** A value as JSON, cut at 80 characters (a key's or a document's whole record is not a timeline entry); the gateway's audit query has it all. */
const shown = (value: unknown) => {
  if (value === undefined) return '—';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 79)}…` : json;
};

/** The tenant's audit trail, newest first, filtered by action (a prefix ending in *), actor and date. */
export function AuditPanel({ apiKey, tenant }: { apiKey: string; tenant: TenantSummary }) {
  const [draft, setDraft] = useState<Filter>({ action: '', actor: '', since: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const loaded = useLoad(
    () =>
      graphql<{ auditLog: { edges: { node: AuditEvent }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(apiKey, query, {
        tenant: tenant.id,
        after,
        filter: {
          action: filter.action.trim() || null,
          actor: filter.actor.trim() || null,
          since: filter.since ? new Date(`${filter.since}T00:00:00Z`).toISOString() : null,
        },
      }),
    [apiKey, tenant.id, filter, after],
  );
  const events = loaded.data?.auditLog.edges.map((edge) => edge.node);
  const apply = (event: Event) => {
    event.preventDefault();
    setCursors([null]);
    setFilter({ ...draft });
  };
  return (
    <section class="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit timeline</h2>
      <form class="filters" onSubmit={apply}>
        <label>
          Action
          <input
            value={draft.action}
            placeholder="config.* or api_key.revoked"
            onInput={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
          />
        </label>
        <label>
          Actor
          <input value={draft.actor} placeholder="a key's name or id" onInput={(event) => setDraft({ ...draft, actor: event.currentTarget.value })} />
        </label>
        <label>
          Since
          <input type="date" value={draft.since} onInput={(event) => setDraft({ ...draft, since: event.currentTarget.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage text={loaded.error} />
      {!events && !loaded.error && <p aria-live="polite">Loading the audit trail…</p>}
      {events?.length === 0 && <p class="muted">No event matches.</p>}
      {events && events.length > 0 && (
        <ol class="timeline">
          {events.map((event) => (
            <li key={event.id}>
              <time dateTime={event.createdAt}>{new Date(event.createdAt).toLocaleString()}</time>
              <div>
                <strong class="action">{event.action}</strong> by {event.actor} <span class="muted">on {event.target}</span>
                {event.changes.length > 0 && (
                  <ul class="changes">
                    {event.changes.slice(0, 6).map((change) => (
                      <li key={change.path}>
                        <code>{change.path}</code>: {shown(change.before)} → {shown(change.after)}
                      </li>
                    ))}
                    {event.changes.length > 6 && <li class="muted">and {event.changes.length - 6} more</li>}
                  </ul>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      <div class="pager">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button
          type="button"
          disabled={!loaded.data?.auditLog.pageInfo.hasNextPage}
          onClick={() => setCursors([...cursors, loaded.data!.auditLog.pageInfo.endCursor])}
        >
          Older
        </button>
      </div>
    </section>
  );
}
