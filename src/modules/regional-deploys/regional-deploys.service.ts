import { z } from 'zod';
import type { TenantDeployment } from '../../generated/prisma/client.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { type BackupDeps, takeSafetyBackup } from '../backups/backup-files.js';
import { regionalDomain } from '../domains/domain-names.js';
import type { Actor } from '../../kernel/principal.js';
import { regionCatalog } from '../regions/regions.catalog.js';
import { assertLive, uuidPattern } from '../../kernel/tenant-access.js';
import { resolveTenantRef, type TenantRef } from '../tenants/tenant-ref.js';
import { type RegionalDeployWork, followRegionalDeployPhases, phaseDurationMs, phasesOf } from './regional-deploy-state.js';

export type RegionalDeployDeps = { backups: BackupDeps; work: RegionalDeployWork; baseDomain: string };

export type DeployInput = { region: string; migrateData?: boolean | null; maintenanceWindow?: Date | null };

/** The regions a tenant deploys to: the nine cloud regions of the Control Core document. */
const deployableRegions = regionCatalog.filter((region) => region.kind === 'CLOUD').map((region) => region.id);
const maxWindowAheadMs = 90 * 86_400_000;

const deployInput = z.object({
  region: z.string().refine((region) => deployableRegions.includes(region), { message: `region must be one of ${deployableRegions.join(', ')}` }),
  migrateData: z
    .boolean()
    .nullish()
    .transform((value) => value ?? true),
  maintenanceWindow: z
    .date()
    .nullish()
    .refine((value) => !value || value.getTime() - Date.now() <= maxWindowAheadMs, { message: 'maintenance_window is at most 90 days ahead' }),
});

/**
 * Moves the tenant to another cloud region: a safety backup first, then database migration
 * (unless `migrateData` is false), DNS update and SSL setup, each lasting its REGIONAL_DEPLOY_*_MS, from
 * the maintenance window when it lies ahead. The tenant's region changes when the last phase
 * ends. One deployment at a time per tenant.
 */
export async function deployTenant(actor: Actor, deps: RegionalDeployDeps, ref: TenantRef, input: DeployInput): Promise<TenantDeployment> {
  const tenant = await resolveTenantRef(actor, ref, 'deployments:write');
  assertLive(tenant, 'deploy');
  const data = parseInput(deployInput, input);
  if (data.region === tenant.region) {
    throw new InvalidInputError([{ field: 'region', rule: 'current', message: `Tenant ${tenant.slug} is already deployed in ${data.region}` }]);
  }
  if (tenant.status !== 'ACTIVE') {
    throw new ConflictError(`Cannot deploy tenant "${tenant.slug}": it is ${tenant.status}, expected ACTIVE`, { currentStatus: tenant.status });
  }
  const running = await actor.prisma.tenantDeployment.findUnique({ where: { runningTenantId: tenant.id }, select: { id: true, region: true } });
  if (running) throw runningConflict(running);
  const safety = await takeSafetyBackup(actor, deps.backups, tenant);
  const now = new Date();
  const startedAt = data.maintenanceWindow && data.maintenanceWindow > now ? data.maintenanceWindow : now;
  const phases = phasesOf(data.migrateData);
  const first = phases[0]!;
  const scheduled = startedAt > now;
  try {
    const deployment = await actor.prisma.$transaction(async (tx) => {
      const created = await tx.tenantDeployment.create({
        data: {
          tenantId: tenant.id,
          fromRegion: tenant.region,
          region: data.region,
          migrateData: data.migrateData,
          maintenanceWindow: data.maintenanceWindow ?? null,
          phase: scheduled ? 'SCHEDULED' : first,
          phaseEndsAt: scheduled ? startedAt : new Date(now.getTime() + phaseDurationMs(deps.work.timings, first)),
          runningTenantId: tenant.id,
          safetyBackupPath: safety.storagePath,
          startedAt,
          estimatedCompletion: new Date(startedAt.getTime() + phases.reduce((sum, phase) => sum + phaseDurationMs(deps.work.timings, phase), 0)),
          newDomain: regionalDomain(tenant, data.region, deps.baseDomain),
        },
      });
      await followRegionalDeployPhases(tx, tenant.id, created.phaseEndsAt!);
      return created;
    });
    return deployment;
  } catch (error) {
    if ((error as { code?: string }).code !== 'P2002') throw error;
    const winner = await actor.prisma.tenantDeployment.findUnique({ where: { runningTenantId: tenant.id }, select: { id: true, region: true } });
    throw runningConflict(winner ?? { id: 'unknown', region: data.region });
  }
}

function runningConflict(running: { id: string; region: string }): ConflictError {
  return new ConflictError(`Deployment ${running.id} to ${running.region} is still in progress`, { deploymentId: running.id, currentStatus: 'IN_PROGRESS' });
}

export async function tenantDeployment(actor: Actor, ref: TenantRef, deploymentId: string): Promise<TenantDeployment> {
  const tenant = await resolveTenantRef(actor, ref, 'deployments:read');
  const deployment = uuidPattern.test(deploymentId)
    ? await actor.prisma.tenantDeployment.findFirst({ where: { id: deploymentId.toLowerCase(), tenantId: tenant.id } })
    : null;
  if (!deployment) throw new NotFoundError(`Deployment ${deploymentId} not found`, { field: 'deploymentId' });
  return deployment;
}
