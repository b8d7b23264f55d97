import type { Prisma } from '../generated/prisma/client.js';
import type { IsolationLevel, PlanTier } from '../generated/prisma/enums.js';
import { ForbiddenError } from '../lib/errors.js';

/** What a tenant's plan is made of: an operator or the tenant's project sets these, never the tenant's own keys. */
export const planFields = ['tier', 'maxUsers', 'maxApiCallsPerMonth', 'maxStorageMb', 'maxLlmTokensPerMonth', 'isolation', 'expiresAt'] as const;

/** Control Core's document limits: plan too, but not (yet) part of backups, which compare planFields. */
export const documentLimitFields = ['maxPolicies', 'maxBouncers'] as const;

type PlanLimits = {
  maxUsers: number;
  maxApiCallsPerMonth: number;
  maxStorageMb: number;
  maxLlmTokensPerMonth: number;
  maxPolicies: number;
  maxBouncers: number;
};

export const tierLimits: Record<PlanTier, PlanLimits> = {
  FREE: { maxUsers: 5, maxApiCallsPerMonth: 10_000, maxStorageMb: 1_024, maxLlmTokensPerMonth: 100_000, maxPolicies: 50, maxBouncers: 2 },
  BASIC: { maxUsers: 25, maxApiCallsPerMonth: 100_000, maxStorageMb: 10_240, maxLlmTokensPerMonth: 1_000_000, maxPolicies: 250, maxBouncers: 5 },
  PRO: { maxUsers: 100, maxApiCallsPerMonth: 1_000_000, maxStorageMb: 102_400, maxLlmTokensPerMonth: 10_000_000, maxPolicies: 1_000, maxBouncers: 10 },
  ENTERPRISE: {
    maxUsers: 1_000,
    maxApiCallsPerMonth: 10_000_000,
    maxStorageMb: 1_048_576,
    maxLlmTokensPerMonth: 100_000_000,
    maxPolicies: 10_000,
    maxBouncers: 100,
  },
};

export const tierRank: Record<PlanTier, number> = { FREE: 0, BASIC: 1, PRO: 2, ENTERPRISE: 3 };

export function tierMeets(tier: PlanTier, required: PlanTier): boolean {
  return tierRank[tier] >= tierRank[required];
}

/** Dedicated servers are a paid feature (TenantsDB: "L2 dedicated VMs require a paid plan"). */
export function assertPlanAllows(tier: PlanTier, isolation: IsolationLevel, field: string): void {
  if (isolation === 'DEDICATED' && tier === 'FREE') {
    throw new ForbiddenError('L2 dedicated VMs require a paid plan', { field, rule: 'paid_plan' });
  }
}

/**
 * A tenant's plan never exceeds its project's, whoever asks: the project's plan is the ceiling
 * for its key and for operators alike (an operator raises the project's plan instead). Every
 * path that writes a tenant's tier calls this in the transaction that writes it (create,
 * update, a restore of an older state): the project's row is locked for share, so a change of
 * the project's plan (setProjectTier) happens wholly before or after. Tenants outside projects
 * have no ceiling: only operators make those.
 */
export async function assertWithinProjectPlan(db: Prisma.TransactionClient, projectId: string | null, tier: PlanTier, field = 'tier'): Promise<void> {
  if (!projectId) return;
  const [project] = await db.$queryRaw<{ tier: PlanTier }[]>`SELECT tier::text AS tier FROM "Project" WHERE id = ${projectId}::uuid FOR SHARE`;
  if (!project || tierMeets(project.tier, tier)) return;
  throw new ForbiddenError(
    `A tenant's plan cannot exceed its project's: the project is on the ${project.tier} plan, and ${tier} is above it (an operator changes the project's plan)`,
    { field, rule: 'project_plan', tier, projectTier: project.tier },
  );
}
