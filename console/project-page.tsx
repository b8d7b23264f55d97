import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { BlueprintsPanel } from './blueprints-panel.js';
import { DatabasesPanel } from './databases-panel.js';
import { DeploymentsPanel } from './deployments-panel.js';
import { ErrorMessage } from './messages.js';
import { QueryLogsPanel } from './query-logs-panel.js';
import { can, type Viewer } from './session.js';
import { useLoad } from './use-load.js';
import { WorkspacesPanel } from './workspaces-panel.js';

export type DatabaseTenant = {
  id: string;
  slug: string;
  name: string;
  state: string;
  databaseUser: string;
  databases: { blueprint: string; databaseName: string; isolation: string; region: string; status: string; connectionString: string }[];
};

const tenantsQuery = `query ConsoleDatabaseTenants {
  tenants(first: 100) { totalCount edges { node { id slug name state databaseUser databases { blueprint databaseName isolation region status connectionString } } } }
}`;

/**
 * The TenantsDB side: a project key sees its workspaces, blueprints and deployments; any key with
 * tenants:read sees the databases and query logs of the tenants it reaches (a tenant key: its own).
 */
export function ProjectPage({ apiKey, viewer }: { apiKey: string; viewer: Viewer }) {
  // A finished deployment changes the workspaces' queues and the blueprints' versions: they load again.
  const [deployed, setDeployed] = useState(0);
  const project = viewer.owner === 'PROJECT';
  const readsTenants = can(viewer, 'TENANTS_READ');
  const tenants = useLoad(
    () =>
      readsTenants
        ? graphql<{ tenants: { totalCount: number; edges: { node: DatabaseTenant }[] } }>(apiKey, tenantsQuery)
        : Promise.resolve({ tenants: { totalCount: 0, edges: [] } }),
    [apiKey, readsTenants],
  );
  const list = tenants.data?.tenants.edges.map((edge) => edge.node);
  return (
    <article aria-labelledby="project-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href="#/">Tenants</a> / <span>Databases</span>
      </nav>
      <h1 id="project-title">{project ? 'TenantsDB project' : 'Databases'}</h1>
      {project && can(viewer, 'WORKSPACES_READ') && (
        <>
          <WorkspacesPanel key={`workspaces-${deployed}`} apiKey={apiKey} />
          <BlueprintsPanel key={`blueprints-${deployed}`} apiKey={apiKey} />
        </>
      )}
      {project && can(viewer, 'DEPLOYMENTS_READ') && (
        <DeploymentsPanel
          apiKey={apiKey}
          canDeploy={can(viewer, 'DEPLOYMENTS_WRITE') && can(viewer, 'WORKSPACES_READ')}
          onDeployed={() => {
            setDeployed((count) => count + 1);
            tenants.reload();
          }}
        />
      )}
      <ErrorMessage text={tenants.error} />
      {readsTenants && !list && !tenants.error && <p aria-live="polite">Loading the tenants…</p>}
      {list && (
        <>
          <DatabasesPanel apiKey={apiKey} tenants={list} canReveal={project && can(viewer, 'TENANTS_WRITE')} />
          <QueryLogsPanel apiKey={apiKey} tenants={list.filter((tenant) => tenant.databases.length > 0)} />
        </>
      )}
      {!readsTenants && !project && <p class="card">This key may not read tenants (it lacks tenants:read).</p>}
    </article>
  );
}
