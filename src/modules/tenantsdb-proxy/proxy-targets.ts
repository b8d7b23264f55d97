import type { WireTarget } from '../../data-plane/data-plane.js';
import type { PlanTier } from '../../generated/prisma/client.js';
import { openProxyPassword } from '../accounts/proxy-passwords.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { schemaLogin, withPlacement } from '../data-plane-schemas/placements.js';
import { classifySql, SqlSyntaxError } from '../data-plane-schemas/sql-classifier.js';
import { openWorkspacePassword } from '../workspaces/workspace-passwords.js';

/** `tdb_` and the first 8 hex digits of the project's id: the user every connection string of the project names. */
const projectUser = /^tdb_([0-9a-f]{8})$/;
const workspaceSuffix = '_workspace';

/** Every project whose id starts with the user's 8 hex digits (one, unless two ids share them). */
function projectsOf(deps: Pick<DataPlaneDeps, 'prisma'>, user: string) {
  const prefix = projectUser.exec(user)?.[1];
  if (!prefix) return Promise.resolve([]);
  return deps.prisma.project.findMany({
    where: { id: { gte: `${prefix}-0000-0000-0000-000000000000`, lte: `${prefix}-ffff-ffff-ffff-ffffffffffff` } },
    select: { id: true, tier: true, proxyPasswordSealed: true },
  });
}

const timeoutWithin = (deps: Pick<DataPlaneDeps, 'plans'>, tier: PlanTier, queryTimeoutMs: number) =>
  Math.min(queryTimeoutMs, deps.plans[tier].queryTimeoutCeilingMs);

/**
 * What a connection's user and database name may mean (the seed's connection strings):
 * `<blueprint>__<tenant>` with the project's proxy password is a tenant's database, ready and
 * its tenant active; `<workspace>_workspace` with the workspace's password is a workspace. The
 * user is the project's (`tdb_<8 hex>`). A tenant database takes its limits from its blueprint's
 * workspace (max_connections, query_timeout_ms), within the project's plan. Nothing matching is
 * an empty list: the proxy then refuses the password, so another project's database name and a
 * name nobody has are answered alike.
 */
export async function proxyTargets(deps: Pick<DataPlaneDeps, 'prisma' | 'keyring' | 'plans'>, user: string, database: string): Promise<WireTarget[]> {
  const projects = await projectsOf(deps, user);
  if (projects.length === 0) return [];
  const projectIds = projects.map((project) => project.id);
  const tierOf = new Map(projects.map((project) => [project.id, project.tier]));

  // `__` names a tenant database first: a tenant's slug may end in `_workspace`, a workspace's name never holds `__`.
  if (!database.includes('__') && database.endsWith(workspaceSuffix)) {
    const workspaces = await deps.prisma.workspace.findMany({
      where: { projectId: { in: projectIds }, name: database.slice(0, -workspaceSuffix.length), placement: { readyAt: { not: null } } },
      include: withPlacement,
    });
    return workspaces.map((workspace) => ({
      key: workspace.placementId!,
      password: openWorkspacePassword(deps.keyring, workspace),
      login: schemaLogin(deps, workspace.placement!),
      maxConnections: workspace.maxConnections,
      queryTimeoutMs: timeoutWithin(deps, tierOf.get(workspace.projectId)!, workspace.queryTimeoutMs),
      log: null,
      changes: workspace.mode === 'TENANT' ? { workspaceId: workspace.id } : null,
    }));
  }

  const split = database.indexOf('__');
  if (split <= 0) return [];
  const databases = await deps.prisma.tenantDatabase.findMany({
    where: {
      blueprint: database.slice(0, split),
      // A database being moved serves from where it is until the cutover's freeze closes its sessions.
      status: { in: ['READY', 'SYNCING', 'MIGRATING'] },
      placement: { readyAt: { not: null } },
      tenant: { slug: database.slice(split + 2), projectId: { in: projectIds }, status: 'ACTIVE' },
    },
    include: { ...withPlacement, tenant: { select: { id: true, projectId: true } }, blueprintRef: { select: { workspace: true } } },
  });
  const sealed = new Map(projects.map((project) => [project.id, project.proxyPasswordSealed]));
  return databases.flatMap((found) => {
    const projectId = found.tenant.projectId!;
    const proxyPassword = sealed.get(projectId);
    if (!proxyPassword) return [];
    const settings = found.blueprintRef?.workspace ?? { maxConnections: 100, queryTimeoutMs: 30_000 };
    return [
      {
        key: found.placementId!,
        password: openProxyPassword(deps.keyring, projectId, proxyPassword),
        login: schemaLogin(deps, found.placement!),
        maxConnections: settings.maxConnections,
        queryTimeoutMs: timeoutWithin(deps, tierOf.get(projectId)!, settings.queryTimeoutMs),
        log: { tenantId: found.tenant.id, blueprint: found.blueprint },
        changes: null,
      },
    ];
  });
}

/**
 * Why a statement may not run through the proxy on the embedded data plane, where the classifier
 * is the wall (on PostgreSQL the login is): the first refusal of its statements, or the parser's
 * message when it does not parse (text the parser cannot read is not run). A session's own
 * transaction control and settings run (a proxied session is the client's, not a pooled one).
 * Null when it may.
 */
export async function screenProxiedStatement(sql: string): Promise<string | null> {
  try {
    return (await classifySql(sql)).find((statement) => statement.refusal && !statement.sessionOwn)?.refusal ?? null;
  } catch (error) {
    return error instanceof SqlSyntaxError ? error.message : 'the statement could not be read';
  }
}
