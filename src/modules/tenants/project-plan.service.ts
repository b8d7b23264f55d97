import type { Project } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { z } from 'zod';
import { auditedChange, projectTarget, recordAudit, recordTenantChange } from '../../kernel/audit-trail.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { tierRank } from '../../kernel/plans.js';
import { uuidPattern } from '../../kernel/tenant-access.js';

const input = z.object({
  project: z.string().max(64, { error: 'project must be a project id or slug' }),
  tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE'], { error: 'tier must be one of FREE, BASIC, PRO, ENTERPRISE' }),
});

/**
 * An operator sets a project's plan (billing's act; a project never sets its own). The plan is
 * its tenants' ceiling (plans.ts), so a lower plan lowers every tenant above it to it, each with
 * its `tenant.updated` event (point-in-time recovery replays them); a project with dedicated (L2)
 * tenants cannot go FREE until they move to shared, as no FREE tenant is dedicated. Run with the
 * project's row locked: a tenant written meanwhile (create, update, restore) waits and then
 * meets the new ceiling, or went first and is lowered here.
 */
export async function setProjectTier(actor: Actor, given: { project: string; tier: PlanTier }): Promise<Project> {
  const principal = requireScope(actor, 'admin');
  if (principal.owner !== 'GLOBAL') throw new ForbiddenError("Only an operator key can change a project's plan", { field: 'tier' });
  const { project: ref, tier } = parseInput(input, given);
  const updated = await auditedChange(actor.prisma, async (tx) => {
    const found = await tx.project.findFirst({ where: uuidPattern.test(ref) ? { id: ref.toLowerCase() } : { slug: ref }, select: { id: true } });
    if (!found) throw new NotFoundError('Project does not exist', { field: 'project' });
    await tx.$queryRaw`SELECT 1 FROM "Project" WHERE id = ${found.id}::uuid FOR NO KEY UPDATE`;
    const project = await tx.project.findUniqueOrThrow({ where: { id: found.id } });
    const above = (
      await tx.tenant.findMany({
        where: { projectId: project.id },
        select: { id: true, slug: true, tier: true, isolation: true, databases: { select: { isolation: true } } },
      })
    ).filter((tenant) => tierRank[tenant.tier] > tierRank[tier]);
    if (tier === 'FREE') {
      const dedicated = above.filter((tenant) => tenant.isolation === 'DEDICATED' || tenant.databases.some((database) => database.isolation === 'DEDICATED'));
      if (dedicated.length) {
        throw new ConflictError(`Project '${project.slug}' has dedicated (L2) tenants, which the FREE plan does not allow: move them to shared (L1) first`, {
          field: 'tier',
          reason: 'dedicated_tenants',
          tenants: dedicated.slice(0, 20).map((tenant) => tenant.slug),
        });
      }
    }
    for (const tenant of above) {
      await tx.tenant.update({ where: { id: tenant.id }, data: { tier } });
      await recordTenantChange(tx, actor, tenant, { tier: tenant.tier }, { tier });
    }
    if (project.tier === tier) return project;
    const after = await tx.project.update({ where: { id: project.id }, data: { tier } });
    await recordAudit(tx, actor, {
      tenantId: null,
      action: 'project.plan_changed',
      target: projectTarget(project.id),
      changes: [{ path: 'project.tier', before: project.tier, after: tier }],
    });
    return after;
  });
  // Tenant keys carry their tenant's tier (its request quota).
  actor.credentialsChanged?.();
  return updated;
}
