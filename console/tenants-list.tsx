import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { can, type Viewer } from './session.js';
import { useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type TenantRow = { id: string; slug: string; name: string; state: string; tier: string; region: string; createdAt: string };
type Page = { tenants: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: TenantRow }[] } };

const pageSize = 20;
const query = `query ConsoleTenants($first: Int, $after: String, $filter: TenantFilterInput) {
  tenants(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id slug name state tier region createdAt } }
  }
}`;

/** The tenants the key may see: searched by name or slug, a page at a time (cursors kept to page back). */
export function TenantsList({ apiKey, viewer }: { apiKey: string; viewer: Viewer }) {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const page = useLoad(() => graphql<Page>(apiKey, query, { first: pageSize, after, filter: applied ? { search: applied } : null }), [apiKey, applied, after]);
  if (!can(viewer, 'TENANTS_READ')) return <p class="card">This key may not list tenants (it lacks tenants:read).</p>;
  const submit = (event: Event) => {
    event.preventDefault();
    setApplied(search.trim());
    setCursors([null]);
  };
  const tenants = page.data?.tenants;
  const from = (cursors.length - 1) * pageSize;
  return (
    <section aria-labelledby="tenants-title">
      <div class="row">
        <h1 id="tenants-title">Tenants</h1>
        <form class="search" onSubmit={submit}>
          <label for="tenant-search" class="visually-hidden">
            Search tenants by name or slug
          </label>
          <input id="tenant-search" type="search" placeholder="Name or slug" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
      </div>
      <ErrorMessage text={page.error} />
      {tenants && (
        <>
          <table class="tenants">
            <caption class="visually-hidden">Tenants {applied && `matching “${applied}”`}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Slug</th>
                <th scope="col">State</th>
                <th scope="col">Plan</th>
                <th scope="col">Region</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tenants.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <a href={`#/tenants/${encodeURIComponent(node.slug)}`}>{node.name}</a>
                  </td>
                  <td>
                    <code>{node.slug}</code>
                  </td>
                  <td>
                    <span class={`state state-${node.state.toLowerCase()}`}>{node.state.toLowerCase()}</span>
                  </td>
                  <td>{node.tier.toLowerCase()}</td>
                  <td>{node.region}</td>
                  <td>
                    <time dateTime={node.createdAt}>{new Date(node.createdAt).toLocaleDateString()}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {tenants.edges.length === 0 && <p class="muted">No tenant {applied ? `matches “${applied}”` : 'yet'}.</p>}
          <nav class="pager" aria-label="Pages of tenants">
            <button type="button" disabled={cursors.length === 1 || page.loading} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span aria-live="polite">
              {tenants.totalCount === 0 ? '0' : `${from + 1}–${from + tenants.edges.length}`} of {tenants.totalCount}
            </span>
            <button type="button" disabled={!tenants.pageInfo.hasNextPage || page.loading} onClick={() => setCursors([...cursors, tenants.pageInfo.endCursor])}>
              Next
            </button>
          </nav>
        </>
      )}
      {page.loading && !tenants && <p aria-live="polite">Loading tenants…</p>}
    </section>
  );
}
