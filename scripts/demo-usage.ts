import type { Database } from '../src/gateway-db/client.js';
import type { Logger } from '../src/lib/logger.js';
import { routeResources } from '../src/modules/tenant-routes/tenant-routes.service.js';
import { UsageMeter } from '../src/modules/usage/meter.js';

// Demo usage for the demo tenants: API calls, LLM tokens and bandwidth over the last five weeks, so
// the console's charts show something on first sight. Written by the gateway's own UsageMeter (what
// every GraphQL operation, REST route and tenant route writes through), each amount dated in the past.

export const demoUsageDays = 35;

/** Calls on a weekday at the end of the five weeks, by plan: the busier the plan, the more calls. */
const dailyCalls: Record<string, number> = { ENTERPRISE: 1_800, PRO: 700, BASIC: 160, FREE: 40 };

const endpoints = [
  { endpoint: 'graphql ConsoleTenants', share: 0.35, latencyMs: 18 },
  { endpoint: 'route GET /hello/{name}', share: 0.4, latencyMs: 95 },
  { endpoint: 'GET /api/v1/tenants/{tenantId}/config', share: 0.25, latencyMs: 9 },
];

/** A small deterministic generator (mulberry32): the same seed draws the same demo every time. */
function random(seed: string): () => number {
  let state = [...seed].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16_777_619), 2_166_136_261) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Records `demoUsageDays` days of usage up to the hour before `now` for each tenant that has none
 * yet (a re-run, or a tenant already called, is left as it is). Returns the slugs it recorded for.
 */
export async function recordDemoUsage(
  prisma: Database['prisma'],
  tenants: { id: string; slug: string; tier: string }[],
  logger: Logger,
  now = new Date(),
): Promise<string[]> {
  const meter = new UsageMeter(prisma, logger, { flushIntervalMs: 60_000, maxKeys: 10_000 });
  const recorded: string[] = [];
  for (const tenant of tenants) {
    const used = (await prisma.apiCallStat.count({ where: { tenantId: tenant.id } })) + (await prisma.usageRecord.count({ where: { tenantId: tenant.id } }));
    if (used > 0) continue;
    const draw = random(tenant.slug);
    const peak = dailyCalls[tenant.tier] ?? 40;
    const lastHour = Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 3_600_000;
    for (let hoursAgo = demoUsageDays * 24; hoursAgo >= 0; hoursAgo--) {
      const at = new Date(lastHour - hoursAgo * 3_600_000);
      // Growing over the weeks, quieter at weekends and at night (UTC).
      const growth = 0.55 + 0.45 * (1 - hoursAgo / (demoUsageDays * 24));
      const weekend = [0, 6].includes(at.getUTCDay()) ? 0.35 : 1;
      const daylight = 0.25 + 0.75 * Math.max(0, Math.sin(((at.getUTCHours() - 6) / 24) * 2 * Math.PI));
      const calls = Math.round((peak / 24) * 2 * growth * weekend * daylight * (0.7 + 0.6 * draw()));
      for (const { endpoint, share, latencyMs } of endpoints) {
        for (let call = 0; call < Math.round(calls * share); call++) {
          meter.record({ tenantId: tenant.id, endpoint, ok: draw() > 0.015, latencyMs: latencyMs * (0.5 + 2 * draw() ** 3), at });
        }
      }
      const routeCalls = Math.round(calls * endpoints[1]!.share);
      meter.add({ tenantId: tenant.id, ...routeResources.bandwidth, amount: Math.round(routeCalls * (1_500 + 3_000 * draw())), at });
      meter.add({ tenantId: tenant.id, ...routeResources.llm, amount: Math.round(routeCalls * (80 + 400 * draw())), at });
      // A day at a time: the seed's progress is written as it goes, in flushes of a few hundred rows.
      if (hoursAgo % 24 === 0) await meter.flush();
    }
    recorded.push(tenant.slug);
  }
  await meter.stop();
  return recorded;
}
