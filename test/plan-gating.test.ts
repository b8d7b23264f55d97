import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codes, createBlueprints, createKey, setProjectTier, signupAccount } from './support/fixtures.js';
import { backupAt, backupWritten } from './support/data-plane.js';
import { startGateway, type TestGateway, testRateLimits, uniqueSlug } from './support/gateway.js';
import { queueBackupJob } from './support/queue-jobs.js';

// Issue 24, finding 1: a FREE project raised its tenants' plan (POST /tenants with "tier":
// "enterprise", updateTenant with a project key), and the raised tenants then took the backups
// of the higher plan. A tenant's plan never exceeds its project's, on every path.

let gateway: TestGateway;
beforeAll(async () => {
  // On-demand backups an hour: few on FREE, plenty above, so the limit in force tells the plan apart.
  gateway = await startGateway({ rateLimits: { ...testRateLimits, backupsPerHour: { FREE: 2, BASIC: 50, PRO: 50, ENTERPRISE: 50 } } });
});
afterAll(() => gateway.close());

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const prisma = () => gateway.database.prisma;

/** A TenantsDB account's FREE project (as POST /signup makes it) with blueprint `main`: its key and its id. */
async function freeProject() {
  const account = await signupAccount(gateway);
  await createBlueprints(gateway, account.key, ['main']);
  const { id } = await prisma().project.findUniqueOrThrow({ where: { slug: account.projectId } });
  return { key: account.key, projectId: id, slug: account.projectId };
}

/** A project of `tier` made by the operator, with a project key. */
async function projectOn(tier: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE') {
  const made = await gateway.graphql<{ createProject: { id: string } }, object>(
    'mutation ($slug: String!, $tier: PlanTier) { createProject(slug: $slug, name: "P", tier: $tier) { id } }',
    {
      slug: uniqueSlug('project'),
      tier,
    },
  );
  const projectId = made.data!.createProject.id;
  const key = await createKey(gateway, { scopes: ['ADMIN'], projectId });
  return { key: key.secret, projectId };
}

async function tenantIn(projectId: string, tier?: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE', extra = '') {
  const slug = uniqueSlug();
  const result = await gateway.graphql<{ createTenant: { id: string; tier: string } }, object>(
    `mutation ($input: CreateTenantInput!) { createTenant(input: $input) { id tier } }`,
    { input: { slug, name: 'Acme', projectId, ...(tier ? { tier } : {}) } },
  );
  expect(result.errors, extra).toBeUndefined();
  return { id: result.data!.createTenant.id, slug };
}

const tierOf = async (id: string) => (await prisma().tenant.findUniqueOrThrow({ where: { id } })).tier;

describe('creating a tenant above the project plan', () => {
  test('POST /tenants with "tier": "enterprise" (and L2) in a FREE project is 403 forbidden naming the plan; nothing is written', async () => {
    const project = await freeProject();
    const before = await prisma().tenant.count({ where: { projectId: project.projectId } });
    for (const [tier, level] of [
      ['enterprise', 2],
      ['enterprise', 1],
      ['basic', 1],
    ] as const) {
      const tenantId = uniqueSlug('acme').replace(/-/g, '_');
      const response = await gateway.rest('POST', '/tenants', {
        headers: as(project.key),
        body: { tenant_id: tenantId, tier, databases: [{ blueprint: 'main', isolation_level: level }] },
      });
      expect(response.status, `${tier} L${level}: ${JSON.stringify(response.body)}`).toBe(403);
      expect(response.body).toMatchObject({ success: false, http_status: 403, code: 'forbidden' });
      // The L2 body without tier is 403 "L2 dedicated VMs require a paid plan": a tier above the project's does not lift that.
      expect(response.body.error).toMatch(/project is on the FREE plan/);
      const schemas = await gateway.database.sql.transaction((tx) => tx.query(`SELECT 1 FROM pg_namespace WHERE nspname LIKE '%\\_\\_${tenantId}'`));
      expect(schemas.rows).toEqual([]);
    }
    expect(await prisma().tenant.count({ where: { projectId: project.projectId } })).toBe(before);
    // The project's own plan, or none, is fine.
    const free = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: uniqueSlug('acme').replace(/-/g, '_'), tier: 'free', databases: [{ blueprint: 'main', isolation_level: 1 }] },
    });
    expect(free.status, JSON.stringify(free.body)).toBe(201);
  });

  test('GraphQL createTenant above the project plan is FORBIDDEN for the project key and for the operator alike', async () => {
    const project = await projectOn('BASIC');
    const byProject = await gateway.graphql('mutation { createTenant(input: { slug: "over_plan", name: "Over", tier: PRO }) { id } }', undefined, project.key);
    expect(codes(byProject)).toEqual(['FORBIDDEN']);
    expect(byProject.errors![0]!.extensions).toMatchObject({ field: 'tier', rule: 'project_plan', tier: 'PRO', projectTier: 'BASIC' });
    const byOperator = await gateway.graphql(
      `mutation { createTenant(input: { slug: "over_plan", name: "Over", tier: ENTERPRISE, projectId: "${project.projectId}" }) { id } }`,
    );
    expect(codes(byOperator)).toEqual(['FORBIDDEN']);
    expect(await prisma().tenant.count({ where: { projectId: project.projectId } })).toBe(0);
    // Within the plan: created, and a tenant without a tier starts on the project's.
    const { id } = await tenantIn(project.projectId);
    expect(await tierOf(id)).toBe('BASIC');
    // Outside projects the operator sets any plan.
    expect((await gateway.graphql('mutation { createTenant(input: { slug: "no_project_enterprise", name: "Big", tier: ENTERPRISE }) { tier } }')).data).toEqual(
      { createTenant: { tier: 'ENTERPRISE' } },
    );
  });

  test('provisionTenant (the Event History onboarding) keeps the ceiling, and writes neither tenant nor key', async () => {
    const project = await projectOn('FREE');
    const result = await gateway.graphql(
      'mutation { provisionTenant(tenant: { slug: "provisioned", name: "P", tier: PRO }, apiKey: { name: "k" }) { secret } }',
      undefined,
      project.key,
    );
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(await prisma().tenant.count({ where: { projectId: project.projectId } })).toBe(0);
  });
});

describe('raising a tenant above the project plan', () => {
  test("updateTenant(tier: ENTERPRISE) with a FREE project's key is FORBIDDEN, and the tenant stays FREE", async () => {
    const project = await freeProject();
    const { id } = await tenantIn(project.projectId);
    const result = await gateway.graphql(`mutation { updateTenant(id: "${id}", input: { tier: ENTERPRISE }) { tier } }`, undefined, project.key);
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0]!.extensions).toMatchObject({ field: 'tier', rule: 'project_plan', tier: 'ENTERPRISE', projectTier: 'FREE' });
    expect(await tierOf(id)).toBe('FREE');
    const viewer = await gateway.graphql<{ viewer: { project: { tier: string } } }, object>('{ viewer { project { tier } } }', undefined, project.key);
    expect(viewer.data?.viewer.project.tier).toBe('FREE');
    // The operator too: the project's plan is the ceiling for everyone; an operator raises the project's plan instead.
    expect(codes(await gateway.graphql(`mutation { updateTenant(id: "${id}", input: { tier: BASIC }) { tier } }`))).toEqual(['FORBIDDEN']);
    await setProjectTier(gateway, project.projectId, 'PRO');
    expect((await gateway.graphql(`mutation { updateTenant(id: "${id}", input: { tier: PRO }) { tier } }`, undefined, project.key)).data).toEqual({
      updateTenant: { tier: 'PRO' },
    });
  });

  test('Control Core PUT /tenants/{id} with plan_type above the project plan is 403', async () => {
    const project = await projectOn('FREE');
    const { id } = await tenantIn(project.projectId);
    const response = await gateway.rest('PUT', `/api/v1/tenants/${id}`, { headers: as(project.key), body: { plan_type: 'enterprise' } });
    expect(response.status, JSON.stringify(response.body)).toBe(403);
    expect(response.body.message).toMatch(/project is on the FREE plan/);
    expect(await tierOf(id)).toBe('FREE');
  });

  test('PATCH /tenants/{id}/isolation to L2 stays 403 in a FREE project once raising the tier was refused', async () => {
    const project = await freeProject();
    const tenantId = uniqueSlug('acme').replace(/-/g, '_');
    expect(
      (
        await gateway.rest('POST', '/tenants', {
          headers: as(project.key),
          body: { tenant_id: tenantId, databases: [{ blueprint: 'main', isolation_level: 1 }] },
        })
      ).status,
    ).toBe(201);
    const tenant = await prisma().tenant.findFirstOrThrow({ where: { slug: tenantId, projectId: project.projectId } });
    await gateway.graphql(`mutation { updateTenant(id: "${tenant.id}", input: { tier: ENTERPRISE }) { tier } }`, undefined, project.key);
    const response = await gateway.rest('PATCH', `/tenants/${tenantId}/isolation`, {
      headers: as(project.key),
      body: { isolation_level: 2, blueprint: 'main' },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(403);
    expect(response.body).toEqual({ success: false, http_status: 403, code: 'forbidden', error: 'L2 dedicated VMs require a paid plan' });
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenant.id } })).isolation).toBe('SHARED');
  });

  test("on-demand backups follow the project's plan: a FREE project's tenant gets FREE's hourly allowance whatever tier it asked for", async () => {
    const project = await freeProject();
    const { id, slug } = await tenantIn(project.projectId);
    await gateway.graphql(`mutation { updateTenant(id: "${id}", input: { tier: ENTERPRISE }) { tier } }`, undefined, project.key);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await gateway.rest('POST', `/tenants/${slug}/backup`, { headers: as(project.key) })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('restoring an older state taken under a higher plan', () => {
  /** A PRO project's PRO tenant with a backup, then the project downgraded to FREE (the tenant with it). */
  async function downgradedAfterBackup() {
    const project = await projectOn('PRO');
    const { id } = await tenantIn(project.projectId, 'PRO');
    const backup = await gateway.graphql<{ backupTenant: { storagePath: string } }, object>(
      `mutation { backupTenant(tenant: "${id}") { storagePath } }`,
      undefined,
      project.key,
    );
    expect(backup.errors).toBeUndefined();
    // What billing's downgrade does: the project's plan, and its tenants with it.
    await prisma().project.update({ where: { id: project.projectId }, data: { tier: 'FREE' } });
    await prisma().tenant.update({ where: { id }, data: { tier: 'FREE', name: 'After the downgrade' } });
    return { project, id, storagePath: backup.data!.backupTenant.storagePath };
  }

  test('rollback to a backup taken on PRO after the project went FREE is FORBIDDEN, for the project and the operator; nothing is restored', async () => {
    const { project, id, storagePath } = await downgradedAfterBackup();
    for (const key of [project.key, gateway.adminKey]) {
      const result = await gateway.graphql(`mutation { rollbackTenant(tenant: "${id}", storagePath: "${storagePath}") { tenant { tier } } }`, undefined, key);
      expect(codes(result)).toEqual(['FORBIDDEN']);
      expect(result.errors![0]!.extensions).toMatchObject({ field: 'tier', rule: 'project_plan', tier: 'PRO', projectTier: 'FREE' });
    }
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { id } });
    expect(tenant).toMatchObject({ tier: 'FREE', name: 'After the downgrade', status: 'ACTIVE' });
    // TenantsDB's route answers in its own format.
    const rest = await gateway.rest('POST', `/tenants/${tenant.slug}/rollback`, { headers: as(project.key), body: { storage_path: storagePath } });
    expect(rest.status, JSON.stringify(rest.body)).toBe(403);
  });

  test('a rollback job that runs after the project went FREE fails, and leaves the tenant as it was', async () => {
    // A tenant whose database holds rows is restored by a job, which may run after the plan changed.
    const project = await projectOn('PRO');
    await createBlueprints(gateway, project.key, ['main']);
    const slug = uniqueSlug('acme');
    const created = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: slug, tier: 'pro', databases: [{ blueprint: 'main', isolation_level: 1 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const tenant = await prisma().tenant.findFirstOrThrow({ where: { slug, projectId: project.projectId } });
    const [storagePath] = (await backupWritten(gateway, project.key, slug)).paths as string[];
    const record = (await backupAt(gateway, storagePath!))!;
    expect(record.tenantId).toBe(tenant.id);
    await prisma().project.update({ where: { id: project.projectId }, data: { tier: 'FREE' } });
    await prisma().tenant.update({ where: { id: tenant.id }, data: { tier: 'FREE' } });
    // The job as a rollback request had recorded it before the downgrade (the request itself is refused now).
    const job = await prisma().backupJob.create({ data: { tenantId: tenant.id, kind: 'ROLLBACK', backupId: record.id, actorId: 'test', actorLabel: 'test' } });
    await queueBackupJob(prisma(), job); // and its queue row, as the request had written it
    await expect.poll(async () => (await prisma().backupJob.findUniqueOrThrow({ where: { id: job.id } })).status, { timeout: 20_000 }).toBe('FAILED');
    expect((await prisma().backupJob.findUniqueOrThrow({ where: { id: job.id } })).error).toMatch(/project is on the FREE plan/);
    expect(await prisma().tenant.findUniqueOrThrow({ where: { id: tenant.id } })).toMatchObject({ tier: 'FREE', status: 'ACTIVE' });
  });

  test('point-in-time recovery to an instant on ENTERPRISE after the project went BASIC is FORBIDDEN; so is undoing a recovery into a state above the plan', async () => {
    const project = await projectOn('ENTERPRISE');
    const slug = uniqueSlug();
    const created = await gateway.graphql<{ createTenant: { id: string } }, object>(
      `mutation { createTenant(input: { slug: "${slug}", name: "Dedicated", tier: ENTERPRISE, isolation: DEDICATED, region: "us-east-1" }) { id } }`,
      undefined,
      project.key,
    );
    const id = created.data!.createTenant.id;
    expect((await gateway.graphql(`mutation { backupTenant(tenant: "${id}") { id } }`, undefined, project.key)).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const instant = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Recovered while the plan allowed it: the safety backup holds ENTERPRISE.
    const recovered = await gateway.graphql(
      `mutation { recoverTenant(tenant: "${id}", timestamp: "${instant.toISOString()}") { tenant { tier } } }`,
      undefined,
      project.key,
    );
    expect(recovered.errors).toBeUndefined();
    await prisma().project.update({ where: { id: project.projectId }, data: { tier: 'BASIC' } });
    await prisma().tenant.update({ where: { id }, data: { tier: 'BASIC' } });
    const recover = await gateway.graphql(
      `mutation { recoverTenant(tenant: "${id}", timestamp: "${instant.toISOString()}") { tenant { tier } } }`,
      undefined,
      project.key,
    );
    expect(codes(recover)).toEqual(['FORBIDDEN']);
    const undo = await gateway.graphql(`mutation { undoRecovery(tenant: "${id}") { tenant { tier } } }`, undefined, project.key);
    expect(codes(undo)).toEqual(['FORBIDDEN']);
    expect(await tierOf(id)).toBe('BASIC');
  });
});

describe('setProjectTier: an operator changes a project plan', () => {
  test('a lower plan lowers the tenants above it, each with its audit event; a higher one raises the ceiling only', async () => {
    const project = await projectOn('ENTERPRISE');
    const top = await tenantIn(project.projectId, 'ENTERPRISE');
    const basic = await tenantIn(project.projectId, 'BASIC');
    const result = await gateway.graphql<{ setProjectTier: { tier: string } }, object>(
      'mutation ($p: ID!) { setProjectTier(project: $p, tier: PRO) { tier } }',
      { p: project.projectId },
    );
    expect(result.data).toEqual({ setProjectTier: { tier: 'PRO' } });
    expect([await tierOf(top.id), await tierOf(basic.id)]).toEqual(['PRO', 'BASIC']);
    const events = await prisma().auditEvent.findMany({ where: { tenantId: top.id, action: 'tenant.updated' } });
    expect(events.map((event) => event.changes)).toContainEqual([{ path: 'tenant.tier', before: 'ENTERPRISE', after: 'PRO' }]);
    await setProjectTier(gateway, project.projectId, 'ENTERPRISE');
    expect(await tierOf(top.id)).toBe('PRO');
  });

  test('a project with dedicated tenants cannot go FREE (CONFLICT naming them), nor can a project key set its own plan', async () => {
    const project = await projectOn('PRO');
    const slug = uniqueSlug();
    await gateway.data((await import('../src/generated/graphql/graphql.js')).CreateTenantDocument, {
      input: { slug, name: 'L2', tier: 'PRO', isolation: 'DEDICATED', projectId: project.projectId },
    });
    const refused = await gateway.graphql('mutation ($p: ID!) { setProjectTier(project: $p, tier: FREE) { tier } }', { p: project.projectId });
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ field: 'tier', reason: 'dedicated_tenants', tenants: [slug] });
    expect((await prisma().project.findUniqueOrThrow({ where: { id: project.projectId } })).tier).toBe('PRO');
    expect(
      codes(await gateway.graphql('mutation ($p: ID!) { setProjectTier(project: $p, tier: ENTERPRISE) { tier } }', { p: project.projectId }, project.key)),
    ).toEqual(['FORBIDDEN']);
  });
});
