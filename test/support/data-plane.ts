import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { physicalSchemaName, tenantDatabaseName } from '../../src/modules/tenant-databases/physical-names.js';
import { createSchema } from '../../src/modules/tenant-databases/tenant-schemas.js';
import { signupAccount } from './fixtures.js';
import { type TestGateway, uniqueSlug } from './gateway.js';

export type DataPlaneProject = { key: string; projectId: string; blueprintId: string; workspaceId: string; blueprint: string };

/**
 * A TenantsDB account's project with a tenant-mode workspace and its blueprint, written as the
 * workspace service writes them, with `statements` as the blueprint's version 1 when given.
 */
export async function projectWithBlueprint(gateway: TestGateway, blueprint = 'main', statements: string[] = []): Promise<DataPlaneProject> {
  const account = await signupAccount(gateway);
  const prisma = gateway.database.prisma;
  const project = await prisma.project.findUniqueOrThrow({ where: { slug: account.projectId } });
  const workspace = await prisma.workspace.create({
    data: {
      projectId: project.id,
      name: blueprint,
      mode: 'TENANT',
      schemaName: physicalSchemaName(project.id, `${blueprint}_workspace`),
      connectionUser: account.projectId,
      passwordSealed: randomBytes(32),
      blueprint: { create: { projectId: project.id, name: blueprint } },
    },
    include: { blueprint: true },
  });
  if (statements.length) {
    await prisma.blueprintVersion.create({ data: { blueprintId: workspace.blueprint!.id, number: 1, statements, deployedAt: new Date() } });
  }
  return { key: account.key, projectId: project.id, blueprintId: workspace.blueprint!.id, workspaceId: workspace.id, blueprint };
}

/** A tenant of the project made through POST /tenants, its database a real schema at the blueprint's latest version. */
export async function tenantOf(gateway: TestGateway, project: DataPlaneProject, slug = uniqueSlug('acme')) {
  const created = await gateway.rest('POST', '/tenants', {
    headers: { authorization: `Bearer ${project.key}` },
    body: { tenant_id: slug, databases: [{ blueprint: project.blueprint, isolation_level: 1 }] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const prisma = gateway.database.prisma;
  const tenant = await prisma.tenant.findFirstOrThrow({ where: { slug, projectId: project.projectId } });
  const database = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenantId: tenant.id, blueprint: project.blueprint } });
  if (database.schemaName) return { id: tenant.id, slug, schemaName: database.schemaName };
  const versions = await prisma.blueprintVersion.findMany({ where: { blueprintId: project.blueprintId }, orderBy: { number: 'asc' } });
  const schemaName = physicalSchemaName(project.projectId, tenantDatabaseName(project.blueprint, slug));
  await createSchema(gateway.database.sql, schemaName, versions.flatMap((version) => version.statements));
  await prisma.tenantDatabase.update({ where: { id: database.id }, data: { schemaName, blueprintId: project.blueprintId, schemaVersion: versions.at(-1)?.number ?? 0 } });
  return { id: tenant.id, slug, schemaName };
}

/** DDL run in the blueprint's workspace, queued for its next version. */
export async function pendingChange(gateway: TestGateway, project: DataPlaneProject, statement: string) {
  const prisma = gateway.database.prisma;
  const position = await prisma.schemaChange.count({ where: { workspaceId: project.workspaceId } });
  return prisma.schemaChange.create({ data: { workspaceId: project.workspaceId, statement, position } });
}

/** Runs SQL in a tenant's schema as its own role, behind the gateway's back (setting up a conflict, reading what a route did). */
export async function inSchema(gateway: TestGateway, schemaName: string, sql: string) {
  return gateway.database.sql.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE "${schemaName}"`);
    await tx.query(`SET LOCAL search_path TO "${schemaName}"`);
    return tx.query(sql);
  });
}
