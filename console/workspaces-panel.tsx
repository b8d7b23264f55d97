import { graphql } from './api.js';
import { ErrorMessage } from './messages.js';
import { useLoad } from './use-load.js';

type Workspace = {
  name: string;
  mode: string;
  databaseType: string;
  databaseName: string;
  connectionUser: string;
  blueprintName: string | null;
  version: number | null;
  undeployedChanges: number | null;
  createdAt: string;
};

/** The project's workspaces, oldest first: where schemas are shaped before a deployment takes them to the tenants. */
export function WorkspacesPanel({ apiKey }: { apiKey: string }) {
  const loaded = useLoad(
    () =>
      graphql<{ workspaces: Workspace[] }>(
        apiKey,
        'query ConsoleWorkspaces { workspaces { name mode databaseType databaseName connectionUser blueprintName version undeployedChanges createdAt } }',
      ),
    [apiKey],
  );
  const workspaces = loaded.data?.workspaces;
  return (
    <section class="card" aria-labelledby="workspaces-title">
      <h2 id="workspaces-title">Workspaces</h2>
      <ErrorMessage text={loaded.error} />
      {!workspaces && !loaded.error && <p aria-live="polite">Loading workspaces…</p>}
      {workspaces?.length === 0 && <p class="muted">No workspace yet: create one with createWorkspace or POST /workspaces.</p>}
      {workspaces && workspaces.length > 0 && (
        <table class="workspaces">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Database</th>
              <th scope="col">Blueprint</th>
              <th scope="col">Version</th>
              <th scope="col">Undeployed changes</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {workspaces.map((workspace) => (
              <tr key={workspace.name}>
                <td>
                  <code>{workspace.name}</code>
                </td>
                <td>{workspace.mode.toLowerCase()}</td>
                <td>
                  <code>{workspace.databaseName}</code> <span class="muted">({workspace.databaseType})</span>
                </td>
                <td>{workspace.blueprintName ?? '—'}</td>
                <td>{workspace.version ?? '—'}</td>
                <td>{workspace.undeployedChanges ?? '—'}</td>
                <td>
                  <time dateTime={workspace.createdAt}>{new Date(workspace.createdAt).toLocaleDateString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
