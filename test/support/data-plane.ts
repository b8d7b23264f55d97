import { expect } from 'vitest';
import type { SqlResult } from '../../src/gateway-db/sql-sessions.js';
import { type Placed, withPlacement } from '../../src/modules/data-plane-schemas/placements.js';
import { classifySql } from '../../src/modules/data-plane-schemas/sql-classifier.js';
import { inSchemaSession } from '../../src/modules/data-plane-schemas/tenant-schemas.js';
import type { PlanTier } from '../../src/generated/graphql/graphql.js';
import { setProjectTier, signupAccount } from './fixtures.js';
import { type TestGateway, uniqueSlug } from './gateway.js';

export type DataPlaneProject = { key: string; projectId: string; blueprintId: string; workspaceId: string; blueprint: string };

/**
 * A TenantsDB account's project with a tenant-mode workspace and its blueprint, made through the
 * routes: `statements` run in the workspace and deployed as the blueprint's version 1 when given.
 * FREE as signup makes it, unless `tier` (set by the operator) gives room past FREE's quotas.
 */
export async function projectWithBlueprint(gateway: TestGateway, blueprint = 'main', statements: string[] = [], tier?: PlanTier): Promise<DataPlaneProject> {
  const account = await signupAccount(gateway);
  if (tier) await setProjectTier(gateway, account.projectId, tier);
  const headers = { authorization: `Bearer ${account.key}` };
  const workspace = await gateway.rest('POST', '/workspaces', { headers, body: { name: blueprint, database: 'PostgreSQL', mode: 'tenant' } });
  expect(workspace.status, JSON.stringify(workspace.body)).toBe(201);
  for (const statement of statements) {
    const ran = await gateway.rest('POST', `/workspaces/${blueprint}/queries`, { headers, body: { query: statement } });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
  }
  const prisma = gateway.database.prisma;
  const project = await prisma.project.findUniqueOrThrow({ where: { slug: account.projectId } });
  const row = await prisma.blueprint.findUniqueOrThrow({ where: { projectId_name: { projectId: project.id, name: blueprint } } });
  const made = { key: account.key, projectId: project.id, blueprintId: row.id, workspaceId: row.workspaceId, blueprint };
  if (statements.length) {
    const deployed = await gateway.rest('POST', '/deployments', { headers, body: { blueprint_name: blueprint } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    const deadline = Date.now() + 10_000;
    while ((await gateway.rest('GET', `/deployments/${deployed.body.id}`, { headers })).body.status !== 'completed') {
      if (Date.now() > deadline) throw new Error(`deployment ${deployed.body.id} of ${blueprint} did not complete`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return made;
}

/** A tenant of the project made through POST /tenants: its database is a real schema at the blueprint's latest version. */
export async function tenantOf(gateway: TestGateway, project: DataPlaneProject, slug = uniqueSlug('acme')) {
  const created = await gateway.rest('POST', '/tenants', {
    headers: { authorization: `Bearer ${project.key}` },
    body: { tenant_id: slug, databases: [{ blueprint: project.blueprint, isolation_level: 1 }] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const prisma = gateway.database.prisma;
  const tenant = await prisma.tenant.findFirstOrThrow({ where: { slug, projectId: project.projectId } });
  const database = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenantId: tenant.id, blueprint: project.blueprint }, include: withPlacement });
  return { id: tenant.id, slug, schemaName: database.placement!.schemaName, placementId: database.placementId! };
}

/** Something placed on the data plane: a tenant database (tenantOf) or a placement's id. */
export type PlacedRef = { placementId: string } | string;

/** The placement with its database, as the gateway reads it. */
export async function placementOf(gateway: TestGateway, target: PlacedRef): Promise<Placed> {
  const id = typeof target === 'string' ? target : target.placementId;
  return gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id }, include: { database: true } });
}

/** DDL run in the blueprint's workspace through its query route, queued for the next version. */
export async function pendingChange(gateway: TestGateway, project: DataPlaneProject, statement: string) {
  const ran = await gateway.rest('POST', `/workspaces/${project.blueprint}/queries`, {
    headers: { authorization: `Bearer ${project.key}` },
    body: { query: statement },
  });
  expect(ran.status, JSON.stringify(ran.body)).toBe(200);
}

/** Runs SQL in a schema as its own login, behind the gateway's back (setting up a conflict, reading what a route did). */
export async function inSchema(gateway: TestGateway, target: PlacedRef, sql: string): Promise<SqlResult> {
  const placed = await placementOf(gateway, target);
  const statements = await classifySql(sql);
  return inSchemaSession(gateway.app.dataPlane, placed, async (session) => {
    let last: SqlResult = { fields: [], rows: [], affectedRows: 0 };
    for (const statement of statements) last = await session.query(statement.text);
    return last;
  });
}

/** A read of the data plane's catalog as the provisioning login: in the database the placement (or the project's first database) is in. */
export async function dataPlaneCatalog(
  gateway: TestGateway,
  where: PlacedRef | { projectId: string },
  sql: string,
  params: unknown[] = [],
): Promise<SqlResult> {
  const database =
    typeof where === 'object' && 'projectId' in where
      ? await gateway.database.prisma.dataPlaneDatabase.findFirstOrThrow({ where: { projectId: where.projectId } })
      : (await placementOf(gateway, where)).database;
  return gateway.app.dataPlane.dataPlane.inspect(database.server, database.name, sql, params);
}

/** Waits for a deployment to end (completed, partial or failed) and answers GET /deployments/{id}. */
export async function deploymentFinished(gateway: TestGateway, project: DataPlaneProject, id: string): Promise<Record<string, any>> {
  let body: Record<string, any> = {};
  await expect
    .poll(
      async () => {
        body = (await gateway.rest('GET', `/deployments/${id}`, { headers: { authorization: `Bearer ${project.key}` } })).body;
        return body.status;
      },
      { timeout: 10_000, interval: 50 },
    )
    .toMatch(/^(completed|partial|failed)$/);
  return body;
}

/**
 * POST /tenants/{id}/backup of a tenant whose database is a schema: the answer names the file a
 * job writes, and the backup is listed once written. Returns the answer's body after that.
 */
export async function backupWritten(gateway: TestGateway, key: string, tenant: string): Promise<Record<string, any>> {
  const headers = { authorization: `Bearer ${key}` };
  const backup = await gateway.rest('POST', `/tenants/${tenant}/backup`, { headers });
  if (backup.status !== 200) throw new Error(`POST /tenants/${tenant}/backup failed\n${JSON.stringify(backup.body, null, 2)}`);
  const [storagePath] = backup.body.paths as string[];
  const listed = async () =>
    ((await gateway.rest('GET', `/tenants/${tenant}/backups`, { headers })).body.backups as { storage_path: string }[]).map((entry) => entry.storage_path);
  await expect.poll(listed, { timeout: 20_000, message: `backup ${storagePath} never written` }).toContain(storagePath);
  return backup.body;
}

/** The backup record a listed path belongs to: its own file's, or one of its SQL files'. */
export function backupAt(gateway: TestGateway, storagePath: string) {
  return gateway.database.prisma.backupRecord.findFirst({ where: { OR: [{ storagePath }, { files: { some: { storagePath } } }] }, include: { files: true } });
}
