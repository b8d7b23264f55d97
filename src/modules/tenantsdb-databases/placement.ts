import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { IsolationLevel, PlanTier } from '../../generated/prisma/enums.js';
import { parseInput } from '../../lib/validation.js';
import { defaultRegion, regionCatalog } from '../regions/regions.catalog.js';
import { assertPlanAllows } from '../../kernel/plans.js';
import { projectDatabaseUser } from '../data-plane-schemas/physical-names.js';
import type { DatabasePhaseTimings } from './database-work.js';

// A tenant's databases (TenantsDB): one per blueprint, shared (L1) on the pool or dedicated
// (L2) on the tenant's own server. The gateway keeps their placement and the work in
// progress on them; dedicated provisioning and migrations move through timed phases
// (DatabasePhaseTimings) that end on timers, so callers poll exactly as the seed documents.

const zones = new Set(regionCatalog.filter((region) => region.kind === 'ZONE').map((region) => region.id));

const blueprint = z
  .string({ error: 'blueprint must be a string' })
  .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'blueprint must be 1-63 lowercase letters, digits or underscores, starting with a letter' })
  .refine((value) => !value.includes('__'), { error: 'blueprint must not contain "__"' });

const zone = z.string().refine((value) => zones.has(value), {
  error: (issue) => `region "${String(issue.input)}" is not a zone (see GET /regions: ${[...zones].join(', ')})`,
});

/** One database's placement: what a new tenant lists and what a migration targets. */
export const databaseInput = z.object({
  blueprint,
  isolation: z.enum(['SHARED', 'DEDICATED'], { error: 'isolation must be SHARED (L1) or DEDICATED (L2)' }),
  region: zone.nullish(),
});

export type TenantDatabaseInput = { blueprint: string; isolation: IsolationLevel; region?: string | null };

const databasesInput = z
  .array(databaseInput)
  .min(1, { error: 'databases must list at least one database' })
  .max(16, { error: 'databases may list at most 16 databases' })
  .superRefine((databases, context) => {
    const seen = new Set<string>();
    databases.forEach((database, index) => {
      if (seen.has(database.blueprint))
        context.addIssue({ code: 'custom', path: [index, 'blueprint'], message: `blueprint "${database.blueprint}" is listed twice` });
      seen.add(database.blueprint);
      if (database.region && database.isolation !== 'DEDICATED') {
        context.addIssue({
          code: 'custom',
          path: [index, 'region'],
          message: 'region applies to dedicated (L2) databases only; shared databases are hosted in the default zone',
        });
      }
    });
  });

/** The role a tenant's databases are reached as: `tdb_` and the first 8 hex digits of its project (the tenant's slug outside projects). */
export const databaseUser = (tenant: { projectId: string | null; slug: string }) => projectDatabaseUser(tenant.projectId ?? tenant.slug);

/** A database's name on its server: `{blueprint}__{tenant}`, hence no `__` in either. */
export const databaseName = (blueprintName: string, tenantSlug: string) => `${blueprintName}__${tenantSlug}`;

/** Database names are `{blueprint}__{tenant}`, so a tenant with databases needs a slug that fits in one. */
export const databaseSlug = z
  .string()
  .min(2, { error: 'slug must be 2 to 64 characters' })
  .max(64, { error: 'slug must be 2 to 64 characters' })
  .regex(/^[a-z0-9_]+$/, { error: "slug may contain only lowercase letters, digits and underscores (it names the tenant's databases)" })
  .refine((value) => !value.includes('__'), { error: 'slug must not contain "__"' });

/**
 * The databases a new tenant starts with, checked (the tenant's slug, which names them, is
 * checked by createTenant): shared ones are ready at once, dedicated
 * ones provisioning until their server is. Also what the tenant record says about placement:
 * dedicated when any database is, in the first dedicated database's zone.
 */
export function planDatabases(
  tier: PlanTier,
  input: TenantDatabaseInput[],
  timings: DatabasePhaseTimings,
  now = new Date(),
): { databases: Prisma.TenantDatabaseCreateWithoutTenantInput[]; isolation: IsolationLevel; region: string; provisioning: boolean } {
  const parsed = parseInput(databasesInput, input, 'databases');
  for (const [index, database] of parsed.entries()) assertPlanAllows(tier, database.isolation, `databases.${index}.isolation`);
  const provisionInstantly = timings.provisionMs <= 0;
  const databases = parsed.map((database) => {
    const dedicated = database.isolation === 'DEDICATED';
    const provisioning = dedicated && !provisionInstantly;
    return {
      blueprint: database.blueprint,
      isolation: database.isolation,
      region: dedicated ? (database.region ?? defaultRegion) : defaultRegion,
      status: provisioning ? ('PROVISIONING' as const) : ('READY' as const),
      phaseEndsAt: provisioning ? new Date(now.getTime() + timings.provisionMs) : null,
    };
  });
  const firstDedicated = databases.find((database) => database.isolation === 'DEDICATED');
  return {
    databases,
    isolation: firstDedicated ? 'DEDICATED' : 'SHARED',
    region: firstDedicated?.region ?? defaultRegion,
    provisioning: databases.some((database) => database.status === 'PROVISIONING'),
  };
}
