import { isDeepStrictEqual } from 'node:util';
import type { Prisma, Tenant } from '../../generated/prisma/client.js';
import { readConfigDocument } from '../configs/config-document.js';
import { type AuditChange, changedPaths, recordAudit } from '../../kernel/audit-trail.js';
import { recordRevision } from '../configs/revisions.js';
import { readGatewayConfig, viewOf } from '../../kernel/gateway-config-spec.js';
import { lockGatewayConfig, writeGatewayConfigVersion } from '../gateway-config/gateway-config-versions.js';
import type { Actor } from '../../kernel/principal.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { withPlacement } from '../data-plane-schemas/placements.js';
import { changesAfter } from '../data-plane-schemas/change-capture.js';
import { type ReplayDdl, replayChanges } from '../data-plane-schemas/change-replay.js';
import { markSchemaVersion, schemaVersionMark } from '../data-plane-schemas/placements.js';
import { continueSequences, restoreSchemaData } from '../data-plane-schemas/schema-data.js';
import { inSchemaSession } from '../data-plane-schemas/tenant-schemas.js';
import { assertWithinProjectPlan } from '../../kernel/plans.js';
import { versionChain } from '../workspaces/blueprint-databases.js';
import { type TenantSnapshot, takeSnapshot } from './snapshot.js';
import { snapshotChanges } from './snapshot-replay.js';

export type RestoreAudit = { action: string; target: string };

export type RestoreOptions = {
  /** Runs first in the records' transaction (a restore job checks its lease there and ends itself and the tenant's RESTORING with the restore). */
  alongside?: (tx: Prisma.TransactionClient) => Promise<void>;
  /** Where the tenant's databases live: their rows are put back there. */
  dataPlane?: DataPlaneDeps;
  /** Whether the restore is still the caller's to make (a job's lease), asked before any row is put back. */
  stillOwned?: () => Promise<boolean>;
  /**
   * A recovery: each database's logged changes after the backup's read, up to this instant, are
   * played on top of the backup's rows in the same transaction (the rows exactly as they were then).
   */
  replayTo?: Date;
};

/** The restore is no longer the caller's to make (a job whose lease passed to another worker): nothing was restored. */
export class RestoreNotOwned extends Error {
  override name = 'RestoreNotOwned';
}

/**
 * Replaces everything restorable, with its audit event: the configuration and gateway
 * configuration changes are new revisions; a section an older backup lacks (secrets, gateway
 * configuration, roles, databases) is left as it is. The databases' rows go back first, each
 * database in one transaction of its own in the data plane (another database than the records');
 * then the records in one transaction. A restore job killed between the two runs again and puts
 * the same rows back (restoreSchemaData is idempotent) while the tenant stays RESTORING.
 * The plan check (a tenant's plan never above its project's) runs before any row is put back, and
 * again in the records' transaction before `alongside`.
 */
export async function restoreSnapshot(
  actor: Actor,
  tenant: Tenant,
  snapshot: TenantSnapshot,
  author: string,
  audit: RestoreAudit,
  options: RestoreOptions = {},
): Promise<Tenant> {
  const { alongside, dataPlane, stillOwned, replayTo } = options;
  // Refused before any row is put back: the rows commit in the data plane, out of the records' transaction.
  await assertWithinProjectPlan(actor.prisma, tenant.projectId, snapshot.tenant.tier);
  const placed = await actor.prisma.tenantDatabase.findMany({ where: { tenantId: tenant.id, placementId: { not: null } }, include: withPlacement });
  // The rows commit in another database than the job's end: a worker that already lost the job
  // touches nothing (one that loses it meanwhile puts back the rows its successor puts back too).
  if (stillOwned && snapshot.data?.length && !(await stillOwned())) throw new RestoreNotOwned();
  // The versions the schemas end at (a recovery's replay may run deployments the backup predates).
  const data = snapshot.data?.map((entry) => ({ ...entry }));
  const replays: AuditChange[] = [];
  for (const entry of data ?? []) {
    const database = placed.find((candidate) => candidate.blueprint === entry.blueprint);
    if (!database?.placement || !dataPlane) continue;
    const placement = database.placement;
    const blueprintId = database.blueprintId;
    const chain = blueprintId ? await versionChain(actor.prisma, blueprintId, 0, entry.schemaVersion) : null;
    const changes =
      replayTo && entry.capture ? await changesAfter(dataPlane.dataPlane, placement.database, placement.schemaName, entry.capture, replayTo) : null;
    const ddl = blueprintDdl(actor.prisma, blueprintId);
    entry.schemaVersion = await inSchemaSession(dataPlane, placement, async (session) => {
      // A schema at another blueprint version than the backup's is rebuilt at the backup's first: the
      // schema's own mark says where it is (a retried job's first attempt may have moved it on).
      const now = (await schemaVersionMark(session, placement.schemaName)) ?? database.schemaVersion;
      const rebuild = now !== entry.schemaVersion && chain ? { statements: chain.statements, version: entry.schemaVersion } : undefined;
      await restoreSchemaData(session, placement.schemaName, entry.tables, rebuild);
      if (!replayTo) return entry.schemaVersion;
      if (changes === null) {
        // A backup taken before change capture, or a database without a log: the backup's rows, no later.
        replays.push({ path: `data.${entry.blueprint}.replayed`, before: null, after: { exact: false, changes: 0, unmatched: 0 } });
        return entry.schemaVersion;
      }
      const replayed = await replayChanges(session, placement.schemaName, changes, entry.schemaVersion, ddl);
      if (replayed.version !== entry.schemaVersion) await markSchemaVersion(session, placement.schemaName, replayed.version);
      await continueSequences(session, placement.schemaName);
      // In the trail: how many logged changes were played, and how many found no row to change (skipped: the recovered rows may differ there).
      replays.push({
        path: `data.${entry.blueprint}.replayed`,
        before: null,
        after: { exact: replayed.unmatched === 0, changes: replayed.applied, unmatched: replayed.unmatched },
      });
      return replayed.version;
    });
  }
  const restored = await actor.prisma.$transaction(
    async (tx) => {
      // An older state may hold a plan the project has since left: the project's plan stays the
      // ceiling. Its row is locked before the tenant's (as setProjectTier locks them).
      await assertWithinProjectPlan(tx, tenant.projectId, snapshot.tenant.tier);
      await alongside?.(tx);
      await tx.$queryRaw`SELECT 1 FROM "TenantConfig" WHERE "tenantId" = ${tenant.id}::uuid FOR UPDATE`;
      const before = await takeSnapshot(tx as unknown as Actor['prisma'], tenant.id);
      const { id: _id, slug: _slug, expiresAt, settings, ...fields } = snapshot.tenant;
      const updated = await tx.tenant.update({
        where: { id: tenant.id },
        data: { ...fields, settings: settings as Prisma.InputJsonObject, expiresAt: expiresAt ? new Date(expiresAt) : null },
      });
      const current = await tx.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
      const document = snapshot.config.document as Prisma.InputJsonObject;
      const version = current.version + 1;
      await tx.tenantConfig.update({ where: { tenantId: tenant.id }, data: { version, document, updatedBy: author, updatedAt: new Date() } });
      await recordRevision(tx, {
        tenantId: tenant.id,
        kind: 'config',
        version,
        principal: author,
        updatedFields: changedPaths(readConfigDocument(current.document) as unknown as Record<string, unknown>, snapshot.config.document),
        document,
      });
      await tx.tenantFeature.deleteMany({ where: { tenantId: tenant.id } });
      await tx.tenantFeature.createMany({ data: snapshot.features.map((entry) => ({ tenantId: tenant.id, ...entry })) });
      await tx.resourceLimit.deleteMany({ where: { tenantId: tenant.id } });
      await tx.resourceLimit.createMany({
        data: snapshot.resourceLimits.map((limit) => ({ tenantId: tenant.id, ...limit, tiers: limit.tiers as Prisma.InputJsonObject })),
      });
      if (snapshot.secrets) {
        const { dataKey, values } = snapshot.secrets;
        // A tenant's data key never changes (rotation re-wraps it): the one held now opens the backup's values too.
        if (dataKey) {
          await tx.tenantDataKey.createMany({
            data: [{ tenantId: tenant.id, wrappedKey: new Uint8Array(Buffer.from(dataKey.wrappedKey, 'base64')), wrappedBy: dataKey.wrappedBy }],
            skipDuplicates: true,
          });
        }
        await tx.tenantSecret.deleteMany({ where: { tenantId: tenant.id } });
        await tx.tenantSecret.createMany({
          data: values.map(({ name, sealed }) => ({ tenantId: tenant.id, name, sealed: new Uint8Array(Buffer.from(sealed, 'base64')) })),
        });
      }
      // The databases stay where they are: the records keep naming their placements.
      const databases = await tx.tenantDatabase.findMany({
        where: { tenantId: tenant.id },
        select: { blueprint: true, placementId: true, blueprintId: true, schemaVersion: true },
      });
      const now = (blueprint: string) => databases.find((database) => database.blueprint === blueprint);
      const dataOf = (blueprint: string) => (now(blueprint)?.placementId ? data?.find((entry) => entry.blueprint === blueprint) : undefined);
      if (snapshot.databases) {
        // Each record is rewritten in place, never dropped and made again: a reader that found it
        // by id a moment ago (GraphQL loads a tenant's databases in more than one statement) still
        // finds it, and what only the record knows (a move under way) stays with it.
        const blueprints = snapshot.databases.map((database) => database.blueprint);
        await tx.tenantDatabase.deleteMany({ where: { tenantId: tenant.id, blueprint: { notIn: blueprints } } });
        for (const database of snapshot.databases) {
          const fields = {
            ...database,
            status: 'READY' as const,
            schemaVersion: dataOf(database.blueprint)?.schemaVersion ?? now(database.blueprint)?.schemaVersion ?? 0,
          };
          await tx.tenantDatabase.upsert({
            where: { tenantId_blueprint: { tenantId: tenant.id, blueprint: database.blueprint } },
            create: { tenantId: tenant.id, ...fields },
            update: fields,
          });
        }
      }
      // The rows went back above: the records say the version the schemas were rebuilt at.
      for (const entry of data ?? []) {
        if (!now(entry.blueprint)?.placementId || snapshot.databases) continue;
        await tx.tenantDatabase.updateMany({ where: { tenantId: tenant.id, blueprint: entry.blueprint }, data: { schemaVersion: entry.schemaVersion } });
      }
      if (snapshot.gatewayConfig !== undefined) await restoreGatewayConfig(tx, tenant.id, snapshot.gatewayConfig?.document ?? {}, author);
      if (snapshot.rbac === null) await tx.tenantRbac.deleteMany({ where: { tenantId: tenant.id } });
      else if (snapshot.rbac) {
        const document = snapshot.rbac.document as Prisma.InputJsonObject;
        await tx.tenantRbac.upsert({
          where: { tenantId: tenant.id },
          create: { tenantId: tenant.id, document, updatedBy: author },
          update: { document, updatedBy: author, updatedAt: new Date() },
        });
      }
      const after = await takeSnapshot(tx as unknown as Actor['prisma'], tenant.id);
      const changes = snapshotChanges(before, after);
      // A secret the restore changed is a new version, as a store is: a later recovery replays it.
      for (const change of changes) {
        if (!change.path.startsWith('secrets.') || change.after === null) continue;
        const name = change.path.slice('secrets.'.length);
        const sealed = after.secrets!.values.find((value) => value.name === name)!.sealed;
        const version = await tx.tenantSecretVersion.create({
          data: { tenantId: tenant.id, name, sealed: new Uint8Array(Buffer.from(sealed, 'base64')) },
          select: { id: true },
        });
        change.sealedVersion = version.id;
      }
      await recordAudit(tx, actor, { tenantId: tenant.id, ...audit, changes: [...changes, ...replays] });
      return updated;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  // The gateway configuration's rate limit is read with the API key.
  actor.credentialsChanged?.();
  return restored;
}

/** The gateway configuration back to `document`: the next version with its revision, when it differs (the row locked as a save locks it). */
async function restoreGatewayConfig(tx: Prisma.TransactionClient, tenantId: string, stored: Record<string, unknown>, author: string): Promise<void> {
  const current = await lockGatewayConfig(tx, tenantId, author);
  const target = readGatewayConfig(stored);
  if (isDeepStrictEqual(readGatewayConfig(current.document), target)) return;
  const view = (document: unknown) => viewOf(readGatewayConfig(document)) as unknown as Record<string, unknown>;
  await writeGatewayConfigVersion(tx, current, target, stored as Prisma.InputJsonObject, author, changedPaths(view(current.document), view(stored)));
}

export const rollbackAuthor = (label: string, storagePath: string) => `${label} (rollback to ${storagePath})`;
export const rollbackAudit = (storagePath: string): RestoreAudit => ({ action: 'backup.restored', target: `backup:${storagePath}` });

/** A blueprint's DDL as a replay asks for it: a deployment's versions, or the chain to rebuild at. */
function blueprintDdl(prisma: Actor['prisma'], blueprintId: string | null): ReplayDdl {
  const chain = (from: number, to: number) => {
    if (!blueprintId) throw new Error('the change log runs blueprint DDL, but the database has no blueprint');
    return versionChain(prisma, blueprintId, from, to);
  };
  return { between: chain, upTo: (version) => chain(0, version) };
}
