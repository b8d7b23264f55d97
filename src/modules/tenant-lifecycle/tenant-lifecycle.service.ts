import { z } from 'zod';
import type { ApiKey, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { IsolationLevel, PlanTier, TenantStatus } from '../../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { type AuditChange, auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { type BackupDeps, removeBackupFiles } from '../backups/backup-files.js';
import { defaultConfig } from '../configs/config-spec.js';
import { type DatabaseWork, followDatabasePhases } from '../tenantsdb-databases/database-work.js';
import { assertNoDatabaseWork } from '../../kernel/tenant-state.js';
import { databaseSlug, planDatabases, type TenantDatabaseInput } from '../tenantsdb-databases/placement.js';
import { createTenantSchemas, dropTenantSchemas, dropUnreferencedTenantSchemas, planTenantSchemas } from '../workspaces/blueprint-databases.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { endPlacementSessions } from '../data-plane-schemas/placements.js';
import { servedZones } from '../data-plane-schemas/data-plane-servers.js';
import { type CreateApiKeyInput, createApiKey } from '../identity/api-keys.js';
import { type Actor, type Principal, requireScope } from '../../kernel/principal.js';
import { defaultRegion, regionIds } from '../regions/regions.catalog.js';
import { defaultDomain, defaultDomainSettings, type DomainSettings, hostname, readableTenantId } from '../tenants/default-domains.js';
import { slugFromLegacyId } from '../tenants/legacy-ids.js';
import { assertProjectQuotas } from '../quotas/quotas.js';
import { assertPlanAllows, assertWithinProjectPlan, documentLimitFields, planFields, tierLimits } from '../../kernel/plans.js';
import { tenantsByDefaultDomain } from '../tenants/tenant-hosts.js';
import { foldSettings, limits, mergeSettings } from '../tenants/tenant-settings.js';
import { assertLive, assertNotTenantsOwnAct, maxTenantRefLength, reachableTenants, resolveTenant, uuidPattern } from '../../kernel/tenant-access.js';

const slug = z
  .string()
  .min(2, { error: `slug must be 2 to ${maxTenantRefLength} characters` })
  .max(maxTenantRefLength, { error: `slug must be 2 to ${maxTenantRefLength} characters` })
  .regex(/^[a-z0-9][a-z0-9_-]*$/, {
    error: 'slug may contain only lowercase letters, digits, underscores and hyphens, starting with a letter or digit',
  })
  .refine((value) => !value.includes('__'), { error: 'slug must not contain "__"' })
  // A tenant reference that looks like a UUID is an id (tenantRefWhere): such a slug could name another tenant.
  .refine((value) => !uuidPattern.test(value), { error: 'slug must not have the form of a UUID' });

const name = z.string().trim().min(1, { error: 'name must not be empty' }).max(200, { error: 'name must be at most 200 characters' });

const region = z.string().refine((value) => regionIds.has(value), {
  error: (issue) => `region "${String(issue.input)}" is not in the regions catalog (see the regions query)`,
});

/** What foldSettings left of `settings`: the tenant's free-form keys. */
const settings = z.record(z.string(), z.unknown());

const expiresAt = z.date().refine((value) => value.getTime() > Date.now(), { error: 'expiresAt must be in the future' });

const createTenantFields = z.object({
  slug,
  name,
  tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']).nullish(),
  region: region.default(defaultRegion),
  isolation: z.enum(['SHARED', 'DEDICATED']).default('SHARED'),
  settings: settings.nullish(),
  projectId: z.string().regex(uuidPattern, { error: 'projectId must be a UUID' }).nullish(),
  expiresAt: expiresAt.nullish(),
  ...Object.fromEntries(Object.entries(limits).map(([key, schema]) => [key, schema.nullish()])),
  databases: z.array(z.unknown()).nullish(),
  domain: z.string().nullish(),
  customDomain: hostname('customDomain').nullish(),
});

type ParsedCreateTenant = CreateTenantInput & { slug: string; isolation: IsolationLevel; region: string };
const createTenantSchema = createTenantFields as z.ZodType<ParsedCreateTenant>;
const createTenantWithDatabasesSchema = createTenantFields.extend({ slug: databaseSlug }) as z.ZodType<ParsedCreateTenant>;

export type CreateTenantInput = {
  /** Required unless `legacyId` is given. */
  slug?: string | null;
  /** An id a legacy API knows the tenant by, any string up to 64 characters: the slug derives from it. */
  legacyId?: string | null;
  name: string;
  tier?: PlanTier | null;
  region?: string | null;
  isolation?: IsolationLevel | null;
  settings?: Record<string, unknown> | null;
  projectId?: string | null;
  expiresAt?: Date | null;
  maxUsers?: number | null;
  maxApiCallsPerMonth?: number | null;
  maxStorageMb?: number | null;
  maxLlmTokensPerMonth?: number | null;
  maxPolicies?: number | null;
  maxBouncers?: number | null;
  /** Control Core's default domain, one name under the base domain (`acme.controlcore.io`). */
  domain?: string | null;
  /** Control Core's custom domain asked for at creation (`policies.acme.com`). */
  customDomain?: string | null;
  /** TenantsDB: the tenant's databases; their placement decides the tenant's isolation and region. */
  databases?: TenantDatabaseInput[] | null;
};

export type UpdateTenantInput = {
  [K in Exclude<keyof CreateTenantInput, 'slug' | 'legacyId' | 'projectId' | 'databases' | 'domain' | 'customDomain'>]?: CreateTenantInput[K] | null;
};

const updateTenantSchema = z
  .object({
    name: name.nullish(),
    tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']).nullish(),
    region: region.nullish(),
    isolation: z.enum(['SHARED', 'DEDICATED']).nullish(),
    settings: settings.nullish(),
    expiresAt: expiresAt.nullish(),
    ...Object.fromEntries(Object.entries(limits).map(([key, schema]) => [key, schema.nullish()])),
  })
  .strict() as z.ZodType<UpdateTenantInput>;

/**
 * Slugs are unique per project, and among tenants with no project: a project never learns
 * which slugs other projects use. A taken slug is one CONFLICT whoever holds it; only a
 * caller who can reach the holder in the trash is told how to free it.
 */
async function assertSlugFree(actor: Actor, principal: Principal, projectId: string | null, value: string): Promise<void> {
  const holder = await actor.prisma.tenant.findFirst({ where: { projectId, slug: value }, select: { id: true, status: true } });
  if (!holder) return;
  if (holder.status === 'DELETED' && (await actor.prisma.tenant.count({ where: { AND: [{ id: holder.id }, reachableTenants(principal)] } })) > 0) {
    throw new ConflictError(`slug "${value}" belongs to a deleted tenant; hard-delete that tenant to reuse the slug`, {
      field: 'slug',
      slug: value,
      currentStatus: holder.status,
    });
  }
  throw new ConflictError(`slug "${value}" is already taken`, { field: 'slug', slug: value });
}

/**
 * Default and custom domains are each one tenant's: a taken one is CONFLICT naming the field. A
 * default domain the gateway made for a tenant without one (`acme.controlcore.io` for `acme`) is
 * taken too: as a Host it already names that tenant.
 */
async function assertDomainsFree(actor: Actor, domain: string | null | undefined, customDomain: string | null | undefined, baseDomain: string): Promise<void> {
  for (const [field, value] of [
    ['domain', domain],
    ['customDomain', customDomain],
  ] as const) {
    if (!value) continue;
    const taken = await actor.prisma.tenant.count({ where: { OR: [{ domain: value }, { customDomain: value }] } });
    if (taken > 0 || (field === 'domain' && (await tenantsByDefaultDomain(actor.prisma, value, baseDomain, {})).length > 0)) {
      throw new ConflictError(`${field} "${value}" is already taken`, { field });
    }
  }
}

/** A Prisma include or select for the tenant a mutation returns (Pothos's query): relations come in the same statement. */
export type TenantQuery = { include?: Prisma.TenantInclude; select?: Prisma.TenantSelect };

/** What the audit trail records of a tenant record: its own fields, not its configuration or keys. */
const auditedTenantFields = [
  'slug',
  'name',
  'tier',
  'region',
  'status',
  'isolation',
  'settings',
  'projectId',
  'expiresAt',
  'maxUsers',
  'maxApiCallsPerMonth',
  'maxStorageMb',
  'maxLlmTokensPerMonth',
  'maxPolicies',
  'maxBouncers',
  'domain',
  'customDomain',
] as const;

/** The tenant's audited fields that differ between two states (null: not there). */
function tenantChanges(before: Tenant | null, after: Tenant | null): AuditChange[] {
  const plain = (value: unknown) => (value instanceof Date ? value.toISOString() : (value ?? null));
  return auditedTenantFields
    .map((field) => ({ path: `tenant.${field}`, before: before ? plain(before[field]) : null, after: after ? plain(after[field]) : null }))
    .filter((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));
}

/**
 * A new tenant. Without a slug or legacyId it gets a readable id (`tenant-acme-123`) from its
 * domain or name.
 */
export async function createTenant(
  actor: Actor,
  given: CreateTenantInput,
  work?: DatabaseWork,
  query: TenantQuery = {},
  domains: DomainSettings = defaultDomainSettings,
  dataPlane?: DataPlaneDeps,
): Promise<Tenant> {
  const principal = requireScope(actor, 'tenants:write');
  if (principal.owner === 'TENANT') {
    throw new ForbiddenError('A tenant API key cannot create tenants');
  }
  const input = foldSettings(given.slug == null && given.legacyId != null ? { ...given, slug: slugFromLegacyId(given.legacyId) } : given).input;
  const domain = given.domain == null ? null : parseInput(defaultDomain(domains), given.domain, 'domain');
  const readable = input.slug == null && input.legacyId == null;
  const data = parseInput(input.databases ? createTenantWithDatabasesSchema : createTenantSchema, readable ? { ...input, slug: 'tenant-new' } : input);
  const projectId = principal.owner === 'PROJECT' ? principal.projectId : (data.projectId ?? null);
  if (principal.owner === 'PROJECT' && data.projectId && data.projectId !== principal.projectId) {
    throw new ForbiddenError('A project API key can create tenants only in its own project', { field: 'projectId' });
  }
  const project = projectId ? await actor.prisma.project.findUnique({ where: { id: projectId }, select: { tier: true } }) : null;
  if (projectId && !project) throw new NotFoundError('Project does not exist', { field: 'projectId' });
  // A tenant starts on its project's plan unless told otherwise.
  const tier = data.tier ?? project?.tier ?? 'FREE';
  const placement = data.databases ? planDatabases(tier, input.databases!, work?.timings ?? { provisionMs: 0, syncMs: 0, cutoverMs: 0 }) : null;
  const isolation = placement?.isolation ?? data.isolation;
  assertPlanAllows(tier, isolation, 'isolation');
  // The project's plan is the tenant's ceiling and bounds its count (quotas.ts): answered here
  // before any schema is made, and decided again in the transaction that writes the tenant.
  const admit = async (db: Prisma.TransactionClient) => {
    if (!projectId) return;
    await assertProjectQuotas(db, principal, projectId, ['tenants']);
    await assertWithinProjectPlan(db, projectId, tier);
  };
  await admit(actor.prisma);
  await assertDomainsFree(actor, domain, data.customDomain, domains.baseDomain);
  if (readable) data.slug = await readableTenantId(actor.prisma, domain ?? data.name);
  else await assertSlugFree(actor, principal, projectId, data.slug);
  const defaults = tierLimits[tier];
  // A project's tenant databases are real schemas from its blueprints; a tenant outside any
  // project has no blueprints to draw from, so its databases stay records.
  const planned =
    placement && projectId && dataPlane
      ? await planTenantSchemas(
          actor.prisma,
          projectId,
          data.slug,
          placement.databases.map((database) => database.blueprint),
        )
      : [];
  // Shared databases are made now; a dedicated one is provisioned by the database-phases job (a
  // database of its own on a server of its zone), the answer saying `provisioning` meanwhile.
  const dedicated = new Map(planned.flatMap((schema, index) => (placement!.databases[index]!.isolation === 'DEDICATED' ? [[schema.blueprint, schema]] : [])));
  const schemas = planned.filter((schema) => !dedicated.has(schema.blueprint));
  if (dataPlane && dedicated.size) {
    const zones = servedZones(dataPlane.servers);
    const violations = placement!.databases.flatMap((database, index) =>
      database.isolation === 'DEDICATED' && !zones.has(database.region)
        ? [
            {
              field: `databases.${index}.region`,
              rule: 'served_zone',
              message: `region "${database.region}" has no database server here; served zones: ${[...zones].join(', ')} (see GET /regions)`,
            },
          ]
        : [],
    );
    if (violations.length) throw new InvalidInputError(violations);
  }
  // The schemas' names stay locked until the records are written (or the schemas dropped again):
  // a request meeting a leftover schema of a name takes it over only while nobody is creating it.
  const create = async (held?: ReadonlySet<string>) => {
    const placed = dataPlane && projectId ? await createTenantSchemas(dataPlane, projectId, schemas, held) : [];
    const databases = placement?.databases.map((database) => {
      const deferred = dedicated.get(database.blueprint);
      if (deferred) {
        return {
          ...database,
          blueprintRef: { connect: { id: deferred.blueprintId } },
          schemaVersion: deferred.schemaVersion,
          status: 'PROVISIONING' as const,
          phaseEndsAt: database.phaseEndsAt ?? new Date(),
        };
      }
      const index = schemas.findIndex((made) => made.blueprint === database.blueprint);
      const schema = schemas[index];
      return schema
        ? {
            ...database,
            blueprintRef: { connect: { id: schema.blueprintId } },
            placement: { connect: { id: placed[index]!.id } },
            schemaVersion: schema.schemaVersion,
          }
        : database;
    });
    return auditedChange(actor.prisma, async (tx) => {
      await admit(tx);
      const created = await tx.tenant.create({
        ...query,
        data: {
          slug: data.slug,
          name: data.name,
          tier,
          region: placement && !input.region ? placement.region : data.region,
          isolation,
          settings: mergeSettings({}, data.settings ?? {}) as Prisma.InputJsonObject,
          projectId,
          expiresAt: data.expiresAt ?? null,
          maxUsers: data.maxUsers ?? defaults.maxUsers,
          maxApiCallsPerMonth: data.maxApiCallsPerMonth ?? defaults.maxApiCallsPerMonth,
          maxStorageMb: data.maxStorageMb ?? defaults.maxStorageMb,
          maxLlmTokensPerMonth: data.maxLlmTokensPerMonth ?? defaults.maxLlmTokensPerMonth,
          maxPolicies: data.maxPolicies ?? defaults.maxPolicies,
          maxBouncers: data.maxBouncers ?? defaults.maxBouncers,
          domain,
          customDomain: data.customDomain ?? null,
          config: { create: { document: defaultConfig(), version: 1, updatedBy: principal.label } },
          configRevisions: {
            create: { version: 1, principal: principal.label, updatedFields: [], document: defaultConfig() },
          },
          ...(databases ? { databases: { create: databases } } : {}),
        },
      });
      await recordAudit(tx, actor, { tenantId: created.id, action: 'tenant.created', target: `tenant:${created.slug}`, changes: tenantChanges(null, created) });
      // A dedicated database provisions until its phase ends: the queue ends it, whichever process is up then.
      const provisioned = databases?.flatMap((database) => (database.phaseEndsAt instanceof Date ? [database.phaseEndsAt] : []));
      if (provisioned?.length) await followDatabasePhases(tx, created.id, new Date(Math.min(...provisioned.map((end) => end.getTime()))));
      return created;
    }).catch(async (error: unknown) => {
      if (dataPlane)
        await dropTenantSchemas(
          dataPlane,
          placed.map((schema) => schema.id),
        );
      if ((error as { code?: string }).code !== 'P2002') throw error;
      // A racing create took the slug or a domain between the checks above and this insert:
      // the unique index decided; answer as the checks would have, naming the field — unless this
      // create is part of a caller's transaction (provisioning), which the failed insert aborted.
      if (typeof (actor.prisma as { $connect?: unknown }).$connect === 'function') {
        await assertDomainsFree(actor, domain, data.customDomain, domains.baseDomain);
        await assertSlugFree(actor, principal, projectId, data.slug);
      }
      throw new ConflictError("The tenant's slug or domain was taken by a concurrent create", { field: 'slug' });
    });
  };
  const tenant =
    dataPlane && schemas.length > 0
      ? await dataPlane.sql.withNameLocks(
          schemas.map((schema) => schema.schemaName),
          create,
        )
      : await create();
  return tenant;
}

export async function updateTenant(actor: Actor, ref: string, raw: UpdateTenantInput, query: TenantQuery = {}): Promise<Tenant> {
  const tenant = await resolveTenant(actor, ref, 'tenants:write');
  const given = (field: string, value: unknown) => value != null || (field === 'expiresAt' && value === null);
  const { input, fromSettings } = foldSettings(raw);
  for (const field of [...planFields, ...documentLimitFields]) {
    const named = fromSettings[field as keyof typeof fromSettings] ?? field;
    if (given(field, input[field])) assertNotTenantsOwnAct(actor.principal!, `change ${named}`, named);
  }
  const data = parseInput(updateTenantSchema, input);
  const changes = Object.fromEntries(Object.entries(data).filter(([field, value]) => given(field, value)));
  if (data.settings) changes.settings = mergeSettings(tenant.settings, data.settings);
  assertLive(tenant, 'update');
  assertPlanAllows(data.tier ?? tenant.tier, data.isolation ?? tenant.isolation, data.isolation ? 'isolation' : 'tier');
  const updated = await auditedChange(actor.prisma, async (tx) => {
    if (changes.tier) await assertWithinProjectPlan(tx, tenant.projectId, changes.tier as PlanTier);
    const after = await tx.tenant.update({ ...query, where: { id: tenant.id }, data: changes as Prisma.TenantUpdateInput });
    const changed = tenantChanges(tenant, after);
    if (changed.length) await recordAudit(tx, actor, { tenantId: tenant.id, action: 'tenant.updated', target: `tenant:${after.slug}`, changes: changed });
    return after;
  });
  if ('tier' in changes || 'expiresAt' in changes) actor.credentialsChanged?.();
  return updated;
}

type Transition = { action: string; event: string; from: readonly TenantStatus[]; to: (tenant: Tenant) => Prisma.TenantUpdateInput };

const transitions = {
  suspend: { action: 'suspend', event: 'tenant.suspended', from: ['ACTIVE'], to: () => ({ status: 'SUSPENDED', suspendedAt: new Date() }) },
  resume: { action: 'resume', event: 'tenant.resumed', from: ['SUSPENDED'], to: () => ({ status: 'ACTIVE', suspendedAt: null }) },
  delete: {
    action: 'delete',
    event: 'tenant.deleted',
    from: ['ACTIVE', 'SUSPENDED'],
    to: (tenant) => ({ status: 'DELETED', statusBeforeDeletion: tenant.status, deletedAt: new Date() }),
  },
  restore: {
    action: 'restore',
    event: 'tenant.restored',
    from: ['DELETED'],
    to: (tenant) => ({ status: tenant.statusBeforeDeletion ?? 'ACTIVE', statusBeforeDeletion: null, deletedAt: null }),
  },
} satisfies Record<string, Transition>;

/**
 * The lifecycle state machine. The update is conditional on the status it was read in,
 * so two racing transitions cannot both succeed.
 */
export async function transitionTenant(
  actor: Actor,
  ref: string,
  name: keyof typeof transitions,
  query: TenantQuery = {},
  dataPlane?: DataPlaneDeps,
): Promise<Tenant> {
  const transition: Transition = transitions[name];
  const tenant = await resolveTenant(actor, ref, 'tenants:write');
  assertNotTenantsOwnAct(actor.principal!, `${transition.action} its tenant`);
  const refuse = (status: TenantStatus) =>
    new ConflictError(`Cannot ${transition.action} tenant "${tenant.slug}": it is ${status}, expected ${transition.from.join(' or ')}`, {
      currentStatus: status,
    });
  if (!transition.from.includes(tenant.status)) throw refuse(tenant.status);
  if (name === 'suspend' || name === 'delete') await assertNoDatabaseWork(actor, tenant, transition.action);
  const { count, current } = await auditedChange(actor.prisma, async (tx) => {
    const { count } = await tx.tenant.updateMany({
      where: { id: tenant.id, status: tenant.status },
      data: transition.to(tenant) as Prisma.TenantUpdateManyMutationInput,
    });
    const current = await tx.tenant.findUniqueOrThrow({ ...query, where: { id: tenant.id } });
    if (count > 0) {
      await recordAudit(tx, actor, { tenantId: tenant.id, action: transition.event, target: `tenant:${tenant.slug}`, changes: tenantChanges(tenant, current) });
    }
    return { count, current };
  });
  if (count === 0) throw refuse(current.status);
  actor.credentialsChanged?.();
  // A suspended or deleted tenant's databases are closed to it: its open sessions (the proxy's
  // included, in every process) end now, and the proxy refuses new ones.
  if (dataPlane && (name === 'suspend' || name === 'delete')) {
    const placed = await actor.prisma.tenantDatabase.findMany({ where: { tenantId: tenant.id, placementId: { not: null } }, select: { placementId: true } });
    await endPlacementSessions(
      dataPlane,
      placed.map((database) => database.placementId!),
    );
  }
  return current;
}

/**
 * Permanent: the tenant and everything it owns are gone, its backup files included, and its
 * slug is free again.
 */
export async function purgeTenant(actor: Actor, ref: string, backups?: Pick<BackupDeps, 'storages'>, dataPlane?: DataPlaneDeps): Promise<Tenant> {
  const tenant = await resolveTenant(actor, ref, 'tenants:write');
  assertNotTenantsOwnAct(actor.principal!, 'delete its tenant');
  if (tenant.status === 'RESTORING' || tenant.status === 'RECOVERING') {
    throw new ConflictError(`Cannot delete tenant "${tenant.slug}" while it is ${tenant.status.toLowerCase()}`, { currentStatus: tenant.status });
  }
  await assertNoDatabaseWork(actor, tenant, 'delete');
  const schemas = await actor.prisma.tenantDatabase.findMany({ where: { tenantId: tenant.id, placementId: { not: null } }, select: { placementId: true } });
  const files = await actor.prisma.backupRecord.findMany({
    where: { tenantId: tenant.id, storagePath: { not: null } },
    select: { destination: true, copies: true, storagePath: true, files: { select: { storagePath: true } } },
  });
  await auditedChange(actor.prisma, async (tx) => {
    // The event is written before the tenant goes: the trail (no foreign key) outlives it.
    await recordAudit(tx, actor, { tenantId: tenant.id, action: 'tenant.purged', target: `tenant:${tenant.slug}`, changes: tenantChanges(tenant, null) });
    await tx.tenant.delete({ where: { id: tenant.id } });
  });
  // After the records, as backup files are: a failed drop leaves an orphan schema (the next create of
  // that name takes it over), never a tenant without its schema.
  if (dataPlane)
    await dropUnreferencedTenantSchemas(
      dataPlane,
      schemas.map((database) => database.placementId),
    );
  if (backups) await Promise.allSettled(files.map((file) => removeBackupFiles(backups, file)));
  return tenant;
}

/** What a client credential minted with its tenant may do unless told otherwise: read. */
const clientScopes: CreateApiKeyInput['scopes'] = ['tenants:read', 'config:read', 'features:read'];

/**
 * A new tenant together with its first credential, in one transaction: callers that
 * onboard a client (the Event History API's initialize-tenant) get both or neither.
 */
export async function provisionTenant(
  actor: Actor,
  tenantInput: CreateTenantInput,
  keyInput: Pick<CreateApiKeyInput, 'name' | 'expiresAt'> & { scopes?: CreateApiKeyInput['scopes'] | null },
): Promise<{ tenant: Tenant; apiKey: ApiKey; secret: string }> {
  requireScope(actor, 'tenants:write');
  requireScope(actor, 'keys:write');
  return actor.prisma.$transaction(async (tx) => {
    const inTransaction: Actor = { ...actor, prisma: tx as unknown as Actor['prisma'] };
    const tenant = await createTenant(inTransaction, tenantInput);
    const { apiKey, secret } = await createApiKey(inTransaction, { ...keyInput, scopes: keyInput.scopes ?? clientScopes, tenant: tenant.id });
    return { tenant, apiKey, secret };
  });
}
