import type { Prisma } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { ForbiddenError } from '../../lib/errors.js';
import type { Principal } from '../../kernel/principal.js';
import { tierRank } from '../../kernel/plans.js';

type Owner = 'account' | 'project' | 'tenant';

/**
 * How many of each thing a plan may hold (docs/usage-and-limits.md, "Plans and quotas", shows this table). A project's plan
 * sets its own quotas; an account's plan is the highest of its projects' (only an operator
 * raises a project's plan); a tenant's quotas follow the tenant's plan, which never exceeds its
 * project's. Routes and webhooks stay within the gateway configuration's own caps (200, 20).
 */
export const quotaTable = {
  projects: { per: 'account', noun: 'projects', limits: { FREE: 3, BASIC: 10, PRO: 25, ENTERPRISE: 100 } },
  tenants: { per: 'project', noun: 'tenants', limits: { FREE: 5, BASIC: 50, PRO: 500, ENTERPRISE: 10_000 } },
  workspaces: { per: 'project', noun: 'workspaces', limits: { FREE: 3, BASIC: 10, PRO: 50, ENTERPRISE: 500 } },
  blueprints: { per: 'project', noun: 'blueprints', limits: { FREE: 2, BASIC: 10, PRO: 50, ENTERPRISE: 500 } },
  apiKeys: { per: 'project', noun: 'API keys', limits: { FREE: 5, BASIC: 25, PRO: 100, ENTERPRISE: 1_000 } },
  secrets: { per: 'tenant', noun: 'secrets', limits: { FREE: 10, BASIC: 50, PRO: 250, ENTERPRISE: 1_000 } },
  routes: { per: 'tenant', noun: 'gateway routes', limits: { FREE: 10, BASIC: 50, PRO: 100, ENTERPRISE: 200 } },
  webhooks: { per: 'tenant', noun: 'webhooks', limits: { FREE: 2, BASIC: 5, PRO: 10, ENTERPRISE: 20 } },
} as const satisfies Record<string, { per: Owner; noun: string; limits: Record<PlanTier, number> }>;

export type QuotaName = keyof typeof quotaTable;
type ProjectQuota = { [K in QuotaName]: (typeof quotaTable)[K]['per'] extends 'project' ? K : never }[QuotaName];

/** FORBIDDEN (TenantsDB: 403 forbidden, "Tier limit reached"), naming the quota, its limit and the count now. */
export class QuotaExceededError extends ForbiddenError {
  constructor(quota: QuotaName, plan: PlanTier, current: number, more: { field?: string; requested?: number } = {}) {
    const { per, noun, limits } = quotaTable[quota];
    const asked = more.requested === undefined ? '' : ` (${more.requested} asked)`;
    super(
      `Quota reached: the ${plan} plan allows ${limits[plan]} ${noun} per ${per}, and this ${per} has ${current}${asked}; remove some or upgrade the plan`,
      {
        reason: 'quota_exceeded',
        quota,
        plan,
        limit: limits[plan],
        current,
        ...more,
      },
    );
  }
}

/**
 * Quotas bound what a customer makes with its own keys (project and tenant keys, tenant JWTs);
 * an operator key provisions past them by hand, as it sets plans.
 */
const bound = (principal: Principal | null | undefined) => principal?.owner !== 'GLOBAL';

function check(quota: QuotaName, plan: PlanTier, current: number, field?: string): void {
  if (current >= quotaTable[quota].limits[plan]) throw new QuotaExceededError(quota, plan, current, field ? { field } : {});
}

const projectCounts: Record<ProjectQuota, (db: Prisma.TransactionClient, projectId: string) => Promise<number>> = {
  // Tenants in the trash keep their schemas and roles until purged: they count.
  tenants: (db, projectId) => db.tenant.count({ where: { projectId } }),
  workspaces: (db, projectId) => db.workspace.count({ where: { projectId } }),
  blueprints: (db, projectId) => db.blueprint.count({ where: { projectId } }),
  // Keys that work: session keys (one per project, replaced by the next login) and revoked or expired keys do not count.
  apiKeys: (db, projectId) =>
    db.apiKey.count({ where: { projectId, owner: 'PROJECT', session: false, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } }),
};

/**
 * Refuses one more of each of `quotas` in the project when its plan's quota is reached. In the
 * creating transaction, the project's row is locked first (FOR NO KEY UPDATE: other inserts that
 * merely reference the project go on), so two creates racing for the last slot take turns and
 * the second counts the first. Outside a transaction it is an early answer before costly work.
 */
export async function assertProjectQuotas(
  db: Prisma.TransactionClient,
  principal: Principal | null | undefined,
  projectId: string,
  quotas: ProjectQuota[],
): Promise<void> {
  if (!bound(principal)) return;
  const [project] = await db.$queryRaw<{ tier: PlanTier }[]>`SELECT tier::text AS tier FROM "Project" WHERE id = ${projectId}::uuid FOR NO KEY UPDATE`;
  if (!project) return;
  for (const quota of quotas) check(quota, project.tier, await projectCounts[quota](db, projectId));
}

/** One more project of the account, locked and counted as assertProjectQuotas does; the account's plan is its best project's. */
export async function assertAccountQuota(db: Prisma.TransactionClient, principal: Principal | null | undefined, customerId: string): Promise<void> {
  if (!bound(principal)) return;
  await db.$queryRaw`SELECT 1 FROM "Customer" WHERE id = ${customerId}::uuid FOR NO KEY UPDATE`;
  const projects = await db.project.findMany({ where: { customerId }, select: { tier: true } });
  const plan = projects.reduce<PlanTier>((best, { tier }) => (tierRank[tier] > tierRank[best] ? tier : best), 'FREE');
  check('projects', plan, projects.length);
}

/** One more secret of the tenant, on the tenant's plan; the tenant's row is locked and the secrets counted in the storing transaction. */
export async function assertSecretQuota(
  db: Prisma.TransactionClient,
  principal: Principal | null | undefined,
  tenant: { id: string; tier: PlanTier },
): Promise<void> {
  if (!bound(principal)) return;
  await db.$queryRaw`SELECT 1 FROM "Tenant" WHERE id = ${tenant.id}::uuid FOR NO KEY UPDATE`;
  check('secrets', tenant.tier, await db.tenantSecret.count({ where: { tenantId: tenant.id } }), 'name');
}

/**
 * Entries of a document the caller saves whole (a gateway configuration's routes, webhooks): the
 * caller holds the document's row locked. A document may keep what it has (a plan lowered
 * since): only growing past the quota is refused.
 */
export function assertDocumentQuota(
  principal: Principal | null | undefined,
  quota: 'routes' | 'webhooks',
  plan: PlanTier,
  before: number,
  after: number,
): void {
  if (!bound(principal) || after <= before || after <= quotaTable[quota].limits[plan]) return;
  throw new QuotaExceededError(quota, plan, before, { field: quota, requested: after });
}
