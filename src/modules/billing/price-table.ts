import type { PlanTier } from '../../generated/prisma/enums.js';

export type BilledItem = 'policies' | 'users' | 'bouncers' | 'api_calls' | 'storage_gb';

/** What one plan costs a month: its base price and what it includes, in integer cents and units. */
export type PlanPrice = { baseCents: number; included: Record<BilledItem, number> };

/** The one price table (USD). Usage beyond a plan's inclusion is billed per `unitPrices`. */
export const planPrices: Record<PlanTier, PlanPrice> = {
  FREE: { baseCents: 0, included: { policies: 10, users: 5, bouncers: 1, api_calls: 10_000, storage_gb: 1 } },
  BASIC: { baseCents: 29_00, included: { policies: 100, users: 10, bouncers: 3, api_calls: 100_000, storage_gb: 10 } },
  PRO: { baseCents: 99_00, included: { policies: 1_000, users: 50, bouncers: 10, api_calls: 1_000_000, storage_gb: 100 } },
  ENTERPRISE: { baseCents: 499_00, included: { policies: 10_000, users: 500, bouncers: 100, api_calls: 10_000_000, storage_gb: 1_000 } },
};

/** Cents per `per` units beyond the inclusion; a started block of `per` is billed whole. */
export const unitPrices: Record<BilledItem, { cents: number; per: number }> = {
  policies: { cents: 10, per: 1 },
  users: { cents: 5_00, per: 1 },
  bouncers: { cents: 20_00, per: 1 },
  api_calls: { cents: 50, per: 1_000 },
  storage_gb: { cents: 25, per: 1 },
};

export type CostLine = { item: BilledItem; quantity: number; included: number; billableBlocks: number; unitCents: number; per: number; costCents: number };

/** Integer cents throughout, so base + usage = total exactly. */
export function priceUsage(
  tier: PlanTier,
  usage: Record<BilledItem, number>,
): { baseCents: number; usageCents: number; totalCents: number; lines: CostLine[] } {
  const plan = planPrices[tier];
  const lines = (Object.keys(unitPrices) as BilledItem[]).map((item) => {
    const { cents, per } = unitPrices[item];
    const billableBlocks = Math.ceil(Math.max(0, usage[item] - plan.included[item]) / per);
    return { item, quantity: usage[item], included: plan.included[item], billableBlocks, unitCents: cents, per, costCents: billableBlocks * cents };
  });
  const usageCents = lines.reduce((sum, line) => sum + line.costCents, 0);
  return { baseCents: plan.baseCents, usageCents, totalCents: plan.baseCents + usageCents, lines };
}
