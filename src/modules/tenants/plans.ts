import type { IsolationLevel, PlanTier } from '../../generated/prisma/enums.js';
import { ForbiddenError } from '../../lib/errors.js';

/** What a tenant's plan is made of: an operator or the tenant's project sets these, never the tenant's own keys. */
export const planFields = ['tier', 'maxUsers', 'maxApiCallsPerMonth', 'maxStorageMb', 'maxLlmTokensPerMonth', 'isolation', 'expiresAt'] as const;

type PlanLimits = { maxUsers: number; maxApiCallsPerMonth: number; maxStorageMb: number; maxLlmTokensPerMonth: number };

export const tierLimits: Record<PlanTier, PlanLimits> = {
  FREE: { maxUsers: 5, maxApiCallsPerMonth: 10_000, maxStorageMb: 1_024, maxLlmTokensPerMonth: 100_000 },
  BASIC: { maxUsers: 25, maxApiCallsPerMonth: 100_000, maxStorageMb: 10_240, maxLlmTokensPerMonth: 1_000_000 },
  PRO: { maxUsers: 100, maxApiCallsPerMonth: 1_000_000, maxStorageMb: 102_400, maxLlmTokensPerMonth: 10_000_000 },
  ENTERPRISE: { maxUsers: 1_000, maxApiCallsPerMonth: 10_000_000, maxStorageMb: 1_048_576, maxLlmTokensPerMonth: 100_000_000 },
};

/** Dedicated servers are a paid feature (TenantsDB: "L2 dedicated VMs require a paid plan"). */
export function assertPlanAllows(tier: PlanTier, isolation: IsolationLevel, field: string): void {
  if (isolation === 'DEDICATED' && tier === 'FREE') {
    throw new ForbiddenError('L2 dedicated VMs require a paid plan', { field, rule: 'paid_plan' });
  }
}
