import { z } from 'zod';
import { readConfigDocument } from '../configs/config-document.js';
import type { Actor } from '../../kernel/principal.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { captureMark, ensureChangeLog, installCapture } from '../data-plane-schemas/change-capture.js';
import { type Placed, withPlacement } from '../data-plane-schemas/placements.js';
import type { TenantSession } from '../../data-plane/data-plane.js';
import { readSchemaData } from '../data-plane-schemas/schema-data.js';
import { inSchemaSession } from '../data-plane-schemas/tenant-schemas.js';

export const formatVersion = 1;

const tenantFields = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']),
  region: z.string(),
  isolation: z.enum(['SHARED', 'DEDICATED']),
  settings: z.record(z.string(), z.unknown()),
  maxUsers: z.number(),
  maxApiCallsPerMonth: z.number(),
  maxStorageMb: z.number(),
  maxLlmTokensPerMonth: z.number(),
  expiresAt: z.string().nullable(),
});

const sections = {
  config: z.object({ version: z.number(), document: z.record(z.string(), z.unknown()) }),
  features: z.array(z.object({ feature: z.string(), enabled: z.boolean() })),
  resourceLimits: z.array(
    z.object({
      resource: z.string(),
      metric: z.string(),
      period: z.enum(['MINUTE', 'HOUR', 'DAY', 'MONTH']),
      limit: z.number(),
      tiers: z.record(z.string(), z.unknown()),
      gateAction: z.enum(['BLOCK', 'WARN']),
    }),
  ),
  /** TenantsDB databases: their blueprints and placement (absent in backups taken before databases existed). */
  databases: z
    .array(z.object({ blueprint: z.string(), databaseType: z.string(), isolation: z.enum(['SHARED', 'DEDICATED']), region: z.string(), version: z.number() }))
    .optional(),
  /** TenantsDB database rows: each database's tables with the blueprint version its schema was at (absent in backups taken before tenant databases held data). */
  data: z
    .array(
      z.object({
        blueprint: z.string(),
        schemaVersion: z.number(),
        /** Where the change log stood at the read (absent in backups taken before change capture): a recovery plays the changes after it. */
        capture: z.object({ origin: z.string(), snapshot: z.string(), readAt: z.string() }).optional(),
        tables: z.array(z.object({ name: z.string(), rows: z.array(z.record(z.string(), z.unknown())) })),
      }),
    )
    .optional(),
  /** Tenant secrets as stored: the data key wrapped by the keyring, each value sealed by it (absent in backups taken before secrets existed). */
  secrets: z
    .object({
      dataKey: z.object({ wrappedKey: z.string(), wrappedBy: z.string() }).nullable(),
      values: z.array(z.object({ name: z.string(), sealed: z.string() })),
    })
    .optional(),
  /** The gateway configuration as stored (webhook secrets sealed); null: never saved, the defaults. Absent in backups taken before it was backed up. */
  gatewayConfig: z
    .object({ version: z.number(), document: z.record(z.string(), z.unknown()) })
    .nullable()
    .optional(),
  /** The RBAC document; null: never changed, the defaults. Absent in backups taken before it was backed up. */
  rbac: z
    .object({ document: z.record(z.string(), z.unknown()) })
    .nullable()
    .optional(),
};

/**
 * Everything restorable about one tenant. API keys and usage history are deliberately left
 * out: a rollback never revives a revoked key nor rewrites what was consumed.
 */
export const snapshotSchema = z.object({
  formatVersion: z.literal(formatVersion),
  kind: z.literal('FULL').optional(),
  takenAt: z.string(),
  tenant: tenantFields,
  ...sections,
});

export type TenantSnapshot = z.infer<typeof snapshotSchema>;

/** An incremental backup: only what changed since its base (a full or another incremental). */
export const incrementalSchema = z.object({
  formatVersion: z.literal(formatVersion),
  kind: z.literal('INCREMENTAL'),
  takenAt: z.string(),
  tenantId: z.string(),
  baseBackupId: z.string(),
  changes: z.object({
    tenant: tenantFields.partial().optional(),
    config: sections.config.optional(),
    features: sections.features.optional(),
    resourceLimits: sections.resourceLimits.optional(),
    databases: sections.databases,
    data: sections.data,
    secrets: sections.secrets,
    gatewayConfig: sections.gatewayConfig,
    rbac: sections.rbac,
  }),
});

export type Incremental = z.infer<typeof incrementalSchema>;

/** Reads more of a tenant database in the snapshot's own read (the same transaction snapshot): a backup's SQL file. */
export type AlsoRead = (
  database: { blueprint: string; blueprintId: string | null; schemaVersion: number; placed: Placed },
  session: TenantSession,
) => Promise<void>;

/**
 * The tenant's state now. With `dataPlane`, its databases' rows too, each database read in one
 * transaction as its own login; without it (a restore comparing records before and after) the
 * records only, `data` left out.
 */
export async function takeSnapshot(db: Actor['prisma'], tenantId: string, dataPlane?: DataPlaneDeps, alsoRead?: AlsoRead): Promise<TenantSnapshot> {
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    include: {
      config: true,
      features: true,
      resourceLimits: true,
      databases: { include: withPlacement },
      dataKey: true,
      secrets: { orderBy: { name: 'asc' } },
      gatewayConfig: true,
      rbac: true,
    },
    relationLoadStrategy: 'join',
  });
  const data = [];
  for (const database of [...tenant.databases].sort((a, b) => a.blueprint.localeCompare(b.blueprint))) {
    const placed = database.placement;
    if (placed && dataPlane) {
      // Tables made outside the blueprint's DDL (through the proxy) are captured from this backup on;
      // committed before the read, so every change the read does not see is logged.
      await ensureChangeLog(dataPlane.dataPlane, placed.database);
      await inSchemaSession(dataPlane, placed, (session) => installCapture(session, placed.schemaName));
      data.push({
        blueprint: database.blueprint,
        schemaVersion: database.schemaVersion,
        ...(await inSchemaSession(dataPlane, placed, async (session) => {
          const capture = await captureMark(session, placed.database.server);
          const tables = await readSchemaData(session, placed.schemaName);
          await alsoRead?.({ blueprint: database.blueprint, blueprintId: database.blueprintId, schemaVersion: database.schemaVersion, placed }, session);
          return { capture, tables };
        })),
      });
    }
  }
  return {
    formatVersion,
    kind: 'FULL',
    takenAt: new Date().toISOString(),
    tenant: {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      tier: tenant.tier,
      region: tenant.region,
      isolation: tenant.isolation,
      settings: tenant.settings as Record<string, unknown>,
      maxUsers: tenant.maxUsers,
      maxApiCallsPerMonth: tenant.maxApiCallsPerMonth,
      maxStorageMb: tenant.maxStorageMb,
      maxLlmTokensPerMonth: tenant.maxLlmTokensPerMonth,
      expiresAt: tenant.expiresAt?.toISOString() ?? null,
    },
    config: { version: tenant.config!.version, document: readConfigDocument(tenant.config!.document) as unknown as Record<string, unknown> },
    features: tenant.features.map(({ feature, enabled }) => ({ feature, enabled })).sort((a, b) => a.feature.localeCompare(b.feature)),
    resourceLimits: tenant.resourceLimits
      .map(({ resource, metric, period, limit, tiers, gateAction }) => ({
        resource,
        metric,
        period,
        limit,
        tiers: tiers as Record<string, unknown>,
        gateAction,
      }))
      .sort((a, b) => `${a.resource}/${a.metric}/${a.period}`.localeCompare(`${b.resource}/${b.metric}/${b.period}`)),
    databases: tenant.databases
      .map(({ blueprint, databaseType, isolation, region, version }) => ({ blueprint, databaseType, isolation, region, version }))
      .sort((a, b) => a.blueprint.localeCompare(b.blueprint)),
    ...(dataPlane ? { data } : {}),
    secrets: {
      dataKey: tenant.dataKey ? { wrappedKey: Buffer.from(tenant.dataKey.wrappedKey).toString('base64'), wrappedBy: tenant.dataKey.wrappedBy } : null,
      values: tenant.secrets.map(({ name, sealed }) => ({ name, sealed: Buffer.from(sealed).toString('base64') })),
    },
    gatewayConfig: tenant.gatewayConfig ? { version: tenant.gatewayConfig.version, document: tenant.gatewayConfig.document as Record<string, unknown> } : null,
    rbac: tenant.rbac ? { document: tenant.rbac.document as Record<string, unknown> } : null,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What changed from `base` to `current`: tenant fields one by one, the other sections whole. */
export function diffSnapshots(base: TenantSnapshot, current: TenantSnapshot): Incremental['changes'] {
  const changes: Incremental['changes'] = {};
  const tenant = Object.fromEntries(Object.entries(current.tenant).filter(([key, value]) => !same(base.tenant[key as keyof TenantSnapshot['tenant']], value)));
  if (Object.keys(tenant).length) changes.tenant = tenant;
  // A database's rows are taken whole whenever any of them changed.
  for (const section of ['config', 'features', 'resourceLimits', 'databases', 'data', 'secrets', 'gatewayConfig', 'rbac'] as const) {
    if (!same(base[section], current[section])) (changes as Record<string, unknown>)[section] = current[section];
  }
  return changes;
}

export function applyIncremental(base: TenantSnapshot, incremental: Pick<Incremental, 'takenAt' | 'changes'>): TenantSnapshot {
  const { tenant, ...rest } = incremental.changes;
  return { ...base, ...rest, takenAt: incremental.takenAt, tenant: { ...base.tenant, ...tenant } };
}
