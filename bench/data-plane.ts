import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/db/client.js';
import { physicalSchemaName, tenantDatabaseName } from '../src/modules/tenant-databases/physical-names.js';
import { createSchema } from '../src/modules/tenant-databases/tenant-schemas.js';

const usersTable = 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)';

/**
 * A TenantsDB account (signed up through the gateway) whose project has blueprint `main` and
 * `tenants` tenant databases of it, each a real schema holding 100 users: what the admin query
 * workload (W6) reads. Answers the project's key and the tenants' ids.
 */
export async function seedDataPlane(gatewayUrl: string, databaseUrl: string, tenants: number): Promise<{ key: string; slugs: string[] }> {
  const signup = await fetch(`${gatewayUrl}/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery staple' }),
  });
  const account = (await signup.json()) as { api_key: string; project_id: string };
  if (signup.status !== 201) throw new Error(`signup failed: ${JSON.stringify(account)}`);
  const database = openDatabase(databaseUrl);
  try {
    const prisma = database.prisma;
    const project = await prisma.project.findUniqueOrThrow({ where: { slug: account.project_id } });
    const workspace = await prisma.workspace.create({
      data: {
        projectId: project.id,
        name: 'main',
        mode: 'TENANT',
        schemaName: physicalSchemaName(project.id, 'main_workspace'),
        connectionUser: account.project_id,
        passwordSealed: randomBytes(32),
        blueprint: { create: { projectId: project.id, name: 'main', versions: { create: { number: 1, statements: [usersTable], deployedAt: new Date() } } } },
      },
      include: { blueprint: true },
    });
    const rows = Array.from({ length: 100 }, (_, index) => `(${index}, 'user ${index}', 'user${index}@example.com')`).join(', ');
    const slugs: string[] = [];
    for (let index = 0; index < tenants; index++) {
      const slug = `bench_dp_${index}`;
      const created = await fetch(`${gatewayUrl}/tenants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${account.api_key}` },
        body: JSON.stringify({ tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] }),
      });
      if (created.status !== 201) throw new Error(`POST /tenants failed: ${await created.text()}`);
      const tenant = await prisma.tenant.findFirstOrThrow({ where: { slug, projectId: project.id } });
      const record = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenantId: tenant.id, blueprint: 'main' } });
      let schemaName = record.schemaName;
      if (!schemaName) {
        schemaName = physicalSchemaName(project.id, tenantDatabaseName('main', slug));
        await createSchema(database.sql, schemaName, [usersTable]);
        await prisma.tenantDatabase.update({ where: { id: record.id }, data: { schemaName, blueprintId: workspace.blueprint!.id, schemaVersion: 1 } });
      }
      await database.sql.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE "${schemaName}"`);
        await tx.query(`INSERT INTO "${schemaName}".users VALUES ${rows}`);
      });
      slugs.push(slug);
    }
    return { key: account.api_key, slugs };
  } finally {
    await database.close();
  }
}
