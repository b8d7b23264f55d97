import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CreateApiKeyDocument,
  CreateProjectDocument,
  CreateTenantDocument,
  DeleteTenantDocument,
  PurgeTenantDocument,
  RegionsDocument,
  RestoreTenantDocument,
  ResumeTenantDocument,
  SuspendTenantDocument,
  TenantDocument,
  TenantPageDocument,
  UpdateTenantDocument,
} from '../src/generated/graphql/graphql.js';
import { codes, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

async function tenantCount() {
  return gateway.database.prisma.tenant.count();
}

describe('create and read', () => {
  test("a tenant gets its tier's limits, the default region and ACTIVE status", async () => {
    const slug = uniqueSlug('acme');
    const created = await createTenant(gateway, { slug, name: 'Acme', tier: 'PRO' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      slug,
      name: 'Acme',
      tier: 'PRO',
      region: 'eu-central',
      isolation: 'SHARED',
      status: 'ACTIVE',
      maxUsers: 100,
      maxApiCallsPerMonth: 1_000_000,
      maxStorageMb: 102_400,
    });
    const byId = (await gateway.data(TenantDocument, { id: created.id })).tenant;
    const bySlug = (await gateway.data(TenantDocument, { id: slug })).tenant;
    expect(bySlug).toEqual(byId);
    expect(byId).toMatchObject({ settings: {}, expiresAt: null, deletedAt: null });
  });

  test('explicit region, isolation, settings, limits and expiry are kept', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createTenant(gateway, {
      tier: 'ENTERPRISE',
      region: 'us-east-1',
      isolation: 'DEDICATED',
      settings: { theme: 'dark', seats: 40 },
      maxUsers: 40,
      expiresAt,
    });
    const { tenant } = await gateway.data(TenantDocument, { id: created.id });
    expect(tenant).toMatchObject({ region: 'us-east-1', isolation: 'DEDICATED', settings: { theme: 'dark', seats: 40 }, maxUsers: 40, expiresAt });
  });

  test('legacy slugs with hyphens are accepted', async () => {
    const created = await createTenant(gateway, { slug: `tenant-acme-${Date.now()}` });
    expect(created.slug).toMatch(/^tenant-acme-/);
  });

  test('an unknown tenant is NOT_FOUND', async () => {
    const result = await gateway.graphql(TenantDocument, { id: '00000000-0000-4000-8000-000000000000' });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(result.errors![0]!.message).toBe('Tenant does not exist');
  });

  test("the regions catalog names the seeds' zones and cloud regions", async () => {
    const { regions } = await gateway.data(RegionsDocument);
    expect(regions.map((region) => region.id)).toEqual(
      expect.arrayContaining(['eu-central', 'ap-southeast', 'us-east', 'us-west', 'us-east-1', 'eu-west-1', 'ap-south-1']),
    );
    expect(regions.filter((region) => region.isDefault).map((region) => region.id)).toEqual(['eu-central']);
  });
});

describe('bad input: BAD_USER_INPUT naming the field, nothing written', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a slug with capitals', { slug: 'Acme' }, 'slug may contain only lowercase letters'],
    ['a slug with a double underscore', { slug: 'acme__corp' }, 'slug must not contain "__"'],
    ['a one-character slug', { slug: 'a' }, 'slug must be 2 to 64 characters'],
    ['a slug in the form of a UUID', { slug: '0b7a1c52-8d0e-4f5a-9c3b-2e1d4f6a8b9c' }, 'slug must not have the form of a UUID'],
    ['an oversized name', { name: 'x'.repeat(201) }, 'name must be at most 200 characters'],
    ['an empty name', { name: '   ' }, 'name must not be empty'],
    ['a region outside the catalog', { region: 'moon-1' }, 'region "moon-1" is not in the regions catalog'],
    ['a negative limit', { maxUsers: -1 }, 'maxUsers must be between 0 and 10000000'],
    ['an expiry in the past', { expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt must be in the future'],
    ['oversized settings', { settings: { blob: 'x'.repeat(70_000) } }, 'settings must be at most 64 KiB of JSON'],
  ];

  test.each(cases)('%s', async (_name, overrides, message) => {
    const before = await tenantCount();
    const result = await gateway.graphql(CreateTenantDocument, { input: { slug: uniqueSlug(), name: 'Acme', ...overrides } as never });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toContain(message);
    expect(result.errors![0]!.extensions?.field).toBe(Object.keys(overrides)[0]);
    expect(await tenantCount()).toBe(before);
  });

  test.each([
    ['an unknown field', { slug: 'ok_slug', name: 'Acme', colour: 'red' }, 'colour'],
    ['a wrong type', { slug: 'ok_slug', name: 'Acme', maxUsers: 'many' }, 'input.maxUsers'],
    ['a number beyond 32 bits', { slug: 'ok_slug', name: 'Acme', maxUsers: 2 ** 40 }, 'input.maxUsers'],
    ['an unknown tier', { slug: 'ok_slug', name: 'Acme', tier: 'GOLD' }, 'input.tier'],
    ['a missing required field', { slug: 'ok_slug' }, '"name"'],
  ])('%s is refused by GraphQL itself', async (_name, input, mentioned) => {
    const before = await tenantCount();
    const result = await gateway.graphql(CreateTenantDocument, { input } as never);
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toContain(mentioned);
    expect(await tenantCount()).toBe(before);
  });

  test('malformed JSON is a 400 BAD_USER_INPUT, never a 500', async () => {
    const response = await gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}` },
        body: '{"query": "mutation { createTenant(',
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  test('a syntax error in the operation is BAD_USER_INPUT', async () => {
    const result = await gateway.graphql('mutation { createTenant(input: { slug: }) { id } }');
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('list: filters and cursor pagination', () => {
  test('filters by tier and region, pages with cursors, and counts', async () => {
    const region = 'ap-northeast-1';
    const ids = [];
    for (let index = 0; index < 5; index++) ids.push((await createTenant(gateway, { tier: 'BASIC', region })).id);
    await createTenant(gateway, { tier: 'PRO', region });
    const filter = { tier: 'BASIC' as const, region };
    const first = await gateway.data(TenantPageDocument, { first: 2, filter });
    expect(first.tenants.totalCount).toBe(5);
    expect(first.tenants.pageInfo.hasNextPage).toBe(true);
    const seen = first.tenants.edges.map((edge) => edge.node.id);
    let cursor = first.tenants.pageInfo.endCursor;
    for (;;) {
      const page = await gateway.data(TenantPageDocument, { first: 2, after: cursor, filter });
      seen.push(...page.tenants.edges.map((edge) => edge.node.id));
      if (!page.tenants.pageInfo.hasNextPage) break;
      cursor = page.tenants.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  test('search finds part of the name in any case, or of the slug; a search past 100 characters is refused naming the field', async () => {
    const region = 'ap-south-1';
    const north = await createTenant(gateway, { region, name: 'Northwind Traders' });
    const south = await createTenant(gateway, { region, name: 'Southwind Supplies' });
    const byName = await gateway.data(TenantPageDocument, { filter: { region, search: 'NORTHWIND' } });
    expect(byName.tenants.edges.map((edge) => edge.node.id)).toEqual([north.id]);
    expect(byName.tenants.totalCount).toBe(1);
    const both = await gateway.data(TenantPageDocument, { filter: { region, search: 'wind' } });
    expect(both.tenants.edges.map((edge) => edge.node.id)).toEqual([north.id, south.id]);
    const bySlug = await gateway.data(TenantPageDocument, { filter: { region, search: south.slug.toUpperCase() } });
    expect(bySlug.tenants.edges.map((edge) => edge.node.id)).toEqual([south.id]);
    const long = await gateway.graphql(TenantPageDocument, { filter: { search: 'x'.repeat(101) } });
    expect(long.errors?.[0]).toMatchObject({
      message: expect.stringContaining('filter.search is at most 100 characters'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  test('deleted tenants are listed only when asked for', async () => {
    const region = 'eu-north-1';
    const kept = await createTenant(gateway, { region });
    const gone = await createTenant(gateway, { region });
    await gateway.data(DeleteTenantDocument, { id: gone.id });
    const active = await gateway.data(TenantPageDocument, { filter: { region } });
    expect(active.tenants.edges.map((edge) => edge.node.id)).toEqual([kept.id]);
    const deleted = await gateway.data(TenantPageDocument, { filter: { region, status: 'DELETED' } });
    expect(deleted.tenants.edges.map((edge) => edge.node.id)).toEqual([gone.id]);
  });

  test('a page larger than 100 is refused', async () => {
    const result = await gateway.graphql(TenantPageDocument, { first: 101 });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toBe('first must be between 0 and 100');
  });
});

describe('update', () => {
  test('only the given fields change', async () => {
    const created = await createTenant(gateway, { tier: 'FREE' });
    const { updateTenant } = await gateway.data(UpdateTenantDocument, {
      id: created.id,
      input: { name: 'Renamed', tier: 'BASIC', settings: { theme: 'light' } },
    });
    expect(updateTenant).toEqual({ id: created.id, name: 'Renamed', tier: 'BASIC', region: 'eu-central', settings: { theme: 'light' }, maxUsers: 5 });
  });
});

describe('dedicated needs a paid plan', () => {
  test('FREE + DEDICATED is FORBIDDEN on create and on update (either field), and nothing changes', async () => {
    const before = await tenantCount();
    const created = await gateway.graphql(CreateTenantDocument, { input: { slug: uniqueSlug(), name: 'Free', tier: 'FREE', isolation: 'DEDICATED' } });
    expect(codes(created)).toEqual(['FORBIDDEN']);
    expect(created.errors![0]!.message).toBe('L2 dedicated VMs require a paid plan');
    expect(await tenantCount()).toBe(before);

    const free = await createTenant(gateway, { tier: 'FREE' });
    expect(codes(await gateway.graphql(UpdateTenantDocument, { id: free.id, input: { isolation: 'DEDICATED' } }))).toEqual(['FORBIDDEN']);
    const dedicated = await createTenant(gateway, { tier: 'PRO', isolation: 'DEDICATED' });
    expect(codes(await gateway.graphql(UpdateTenantDocument, { id: dedicated.id, input: { tier: 'FREE' } }))).toEqual(['FORBIDDEN']);
    expect((await gateway.data(TenantDocument, { id: free.id })).tenant.isolation).toBe('SHARED');
    expect((await gateway.data(TenantDocument, { id: dedicated.id })).tenant.tier).toBe('PRO');
  });
});

describe('lifecycle state machine', () => {
  test('suspend → resume → delete → restore → purge', async () => {
    const tenant = await createTenant(gateway);
    expect((await gateway.data(SuspendTenantDocument, { id: tenant.id })).suspendTenant.status).toBe('SUSPENDED');
    expect((await gateway.data(ResumeTenantDocument, { id: tenant.id })).resumeTenant.status).toBe('ACTIVE');
    const deleted = (await gateway.data(DeleteTenantDocument, { id: tenant.id })).deleteTenant;
    expect(deleted.status).toBe('DELETED');
    expect(deleted.deletedAt).not.toBeNull();
    expect((await gateway.data(RestoreTenantDocument, { id: tenant.id })).restoreTenant.status).toBe('ACTIVE');
    expect((await gateway.data(PurgeTenantDocument, { id: tenant.id })).purgeTenant).toEqual({ id: tenant.id, slug: tenant.slug });
    expect(codes(await gateway.graphql(TenantDocument, { id: tenant.id }))).toEqual(['NOT_FOUND']);
  });

  test('restoring returns a suspended tenant to SUSPENDED', async () => {
    const tenant = await createTenant(gateway);
    await gateway.data(SuspendTenantDocument, { id: tenant.id });
    await gateway.data(DeleteTenantDocument, { id: tenant.id });
    expect((await gateway.data(RestoreTenantDocument, { id: tenant.id })).restoreTenant.status).toBe('SUSPENDED');
  });

  test.each([
    ['resume', ResumeTenantDocument, 'ACTIVE', 'Cannot resume tenant "%s": it is ACTIVE, expected SUSPENDED'],
    ['restore', RestoreTenantDocument, 'ACTIVE', 'Cannot restore tenant "%s": it is ACTIVE, expected DELETED'],
  ] as const)('%s from the wrong state is CONFLICT naming the current state', async (_name, document, state, message) => {
    const tenant = await createTenant(gateway);
    const result = await gateway.graphql(document as typeof ResumeTenantDocument, { id: tenant.id });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(result.errors![0]!.message).toBe(message.replace('%s', tenant.slug));
    expect(result.errors![0]!.extensions?.currentStatus).toBe(state);
  });

  test('suspending a suspended tenant and deleting a deleted one are CONFLICT', async () => {
    const tenant = await createTenant(gateway);
    await gateway.data(SuspendTenantDocument, { id: tenant.id });
    expect(codes(await gateway.graphql(SuspendTenantDocument, { id: tenant.id }))).toEqual(['CONFLICT']);
    await gateway.data(DeleteTenantDocument, { id: tenant.id });
    const again = await gateway.graphql(DeleteTenantDocument, { id: tenant.id });
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.extensions?.currentStatus).toBe('DELETED');
    const update = await gateway.graphql(UpdateTenantDocument, { id: tenant.id, input: { name: 'x' } });
    expect(codes(update)).toEqual(['CONFLICT']);
  });

  test('two racing suspends: exactly one wins', async () => {
    const tenant = await createTenant(gateway);
    const results = await Promise.all([1, 2, 3].map(() => gateway.graphql(SuspendTenantDocument, { id: tenant.id })));
    expect(results.filter((result) => result.data?.suspendTenant.status === 'SUSPENDED')).toHaveLength(1);
    expect(results.flatMap(codes)).toEqual(['CONFLICT', 'CONFLICT']);
  });

  test('a soft-deleted tenant keeps its slug until it is hard-deleted', async () => {
    const tenant = await createTenant(gateway);
    await gateway.data(DeleteTenantDocument, { id: tenant.id });
    const reuse = await gateway.graphql(CreateTenantDocument, { input: { slug: tenant.slug, name: 'Again' } });
    expect(codes(reuse)).toEqual(['CONFLICT']);
    expect(reuse.errors![0]!.message).toBe(`slug "${tenant.slug}" belongs to a deleted tenant; hard-delete that tenant to reuse the slug`);
    await gateway.data(PurgeTenantDocument, { id: tenant.id });
    const again = await gateway.data(CreateTenantDocument, { input: { slug: tenant.slug, name: 'Again' } });
    expect(again.createTenant.slug).toBe(tenant.slug);
  });

  test('a taken slug is CONFLICT', async () => {
    const tenant = await createTenant(gateway);
    expect(codes(await gateway.graphql(CreateTenantDocument, { input: { slug: tenant.slug, name: 'Dup' } }))).toEqual(['CONFLICT']);
  });

  test('creates racing for one slug: one tenant, every other answer CONFLICT (the unique index decides, never a 500)', async () => {
    const slug = uniqueSlug('race');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => gateway.graphql(CreateTenantDocument, { input: { slug, name: `Racer ${i}` } })));
    const outcomes = results.map((result) => codes(result)[0] ?? 'CREATED').sort();
    expect(outcomes).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CREATED']);
    expect(await gateway.database.prisma.tenant.count({ where: { slug } })).toBe(1);
  });
});

describe('a taken slug tells nothing about tenants out of reach', () => {
  async function projectWithKey() {
    const { createProject } = await gateway.data(CreateProjectDocument, { slug: uniqueSlug('project'), name: 'Project' });
    const { createApiKey } = await gateway.data(CreateApiKeyDocument, { input: { name: 'project key', scopes: ['ADMIN'], projectId: createProject.id } });
    return { projectId: createProject.id, key: createApiKey.secret };
  }

  test("slugs are per project: another project's active and deleted tenants do not hold theirs here", async () => {
    const alpha = await projectWithKey();
    const bravo = await projectWithKey();
    const active = await createTenant(gateway, { projectId: alpha.projectId });
    const deleted = await createTenant(gateway, { projectId: alpha.projectId });
    await gateway.data(DeleteTenantDocument, { id: deleted.id });

    for (const slug of [active.slug, deleted.slug]) {
      const created = await gateway.graphql(CreateTenantDocument, { input: { slug, name: 'Bravo' } }, bravo.key);
      expect(created.errors).toBeUndefined();
      expect(created.data!.createTenant).toMatchObject({ slug, status: 'ACTIVE' });
    }

    const own = await gateway.graphql(CreateTenantDocument, { input: { slug: deleted.slug, name: 'Alpha' } }, alpha.key);
    expect(own.errors![0]!.message).toBe(`slug "${deleted.slug}" belongs to a deleted tenant; hard-delete that tenant to reuse the slug`);
    expect(own.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'DELETED' });
  });
});
