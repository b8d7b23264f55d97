import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import type { Prisma, Tenant, TenantConfig } from '../../generated/prisma/client.js';
import { ConflictError, ForbiddenError, InvalidInputError, type Violation } from '../../lib/errors.js';
import { violationsFromZod } from '../../lib/validation.js';
import { featureCatalog, tierMeets } from './features.catalog.js';
import type { Actor } from '../../kernel/principal.js';
import { assertLive } from '../../kernel/tenant-access.js';
import { type AllowedBuckets, destinationViolations } from './backup-destinations.js';
import { readConfigDocument } from './config-document.js';
import { recordRevision } from './revisions.js';
import { documentChanges, eventRow, recordAudit } from '../../kernel/audit-trail.js';
import { subscribedWebhooks } from '../../kernel/webhook-outbox.js';
import { utcNow } from '../../gateway-db/sql-time.js';
import {
  type ConfigCategory,
  type ConfigDocument,
  configCategories,
  configSpec,
  customSettingKey,
  customSettingValue,
  maxCustomSettings,
} from './config-spec.js';

/** A partial configuration in the seed's snake_case shape; `null` in custom_settings removes a key. */
export type ConfigPatch = Partial<{ [C in ConfigCategory]: Partial<ConfigDocument[C]> }> & {
  custom_settings?: Record<string, unknown>;
};

function validatePatchShape(patch: unknown): { violations: Violation[]; updatedFields: string[] } {
  const violations: Violation[] = [];
  const updatedFields: string[] = [];
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { violations: [{ field: '', rule: 'type', message: 'The configuration must be a JSON object' }], updatedFields };
  }
  for (const [category, section] of Object.entries(patch)) {
    if (section === undefined) continue;
    if (category === 'custom_settings') {
      validateCustomSettings(section, violations, updatedFields);
      continue;
    }
    if (!(category in configSpec)) {
      violations.push({ field: category, rule: 'unknown', message: `Unknown configuration category "${category}"` });
      continue;
    }
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      violations.push({ field: category, rule: 'type', message: `${category} must be an object` });
      continue;
    }
    const fields: Record<string, { schema: z.ZodType }> = configSpec[category as ConfigCategory];
    for (const [key, value] of Object.entries(section)) {
      if (value === undefined) continue;
      const path = `${category}.${key}`;
      const field = fields[key];
      if (!field) {
        violations.push({ field: path, rule: 'unknown', message: `Unknown configuration field "${path}"` });
        continue;
      }
      const parsed = field.schema.safeParse(value);
      if (parsed.success) updatedFields.push(path);
      else violations.push(...violationsFromZod(parsed.error, path));
    }
  }
  return { violations, updatedFields };
}

function validateCustomSettings(section: unknown, violations: Violation[], updatedFields: string[]): void {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    violations.push({ field: 'custom_settings', rule: 'type', message: 'custom_settings must be an object' });
    return;
  }
  for (const [key, value] of Object.entries(section)) {
    const path = `custom_settings.${key}`;
    if (!customSettingKey.test(key)) {
      violations.push({ field: path, rule: 'key', message: 'custom_settings keys must be 1-64 letters, digits, "_", "-" or "."' });
    } else if (value !== null && !customSettingValue.safeParse(value).success) {
      violations.push({ field: path, rule: 'type', message: 'custom_settings values must be strings (at most 1024 characters), numbers or booleans' });
    } else {
      updatedFields.push(path);
    }
  }
}

function applyPatch(current: ConfigDocument, patch: ConfigPatch): ConfigDocument {
  const next = structuredClone(current);
  for (const category of configCategories) {
    const section = patch[category];
    if (!section) continue;
    for (const [key, value] of Object.entries(section)) {
      if (value === undefined) continue;
      const parsed = (configSpec[category] as Record<string, { schema: z.ZodType }>)[key]!.schema.parse(value);
      (next[category] as Record<string, unknown>)[key] = parsed;
    }
  }
  for (const [key, value] of Object.entries(patch.custom_settings ?? {})) {
    if (value === null) delete next.custom_settings[key];
    else next.custom_settings[key] = value as string | number | boolean;
  }
  if (Object.keys(next.custom_settings).length > maxCustomSettings) {
    throw new InvalidInputError([{ field: 'custom_settings', rule: 'size', message: `custom_settings holds at most ${maxCustomSettings} keys` }]);
  }
  return next;
}

/** A whole-configuration rule: looks at the configuration as it would be after a change. */
export type ConfigRule = (config: ConfigDocument) => Violation[];

function rule(field: string, name: string, holds: boolean, message: string): Violation[] {
  return holds ? [] : [{ field, rule: name, message }];
}

/**
 * The seed's global and compliance-driven constraints. Every writer of a configuration
 * (GraphQL, every REST dialect, feature switches, restores) goes through this list.
 */
export const configRules: ConfigRule[] = [
  ({ backup }) =>
    rule(
      'backup.retention_days',
      'backup_retention_covers_pitr',
      backup.retention_days >= backup.pitr_retention_days,
      'Backup retention must be >= PITR retention period',
    ),
  ({ replication }) =>
    replication.failover_priority.flatMap((region) =>
      rule(
        'replication.failover_priority',
        'failover_region_replicated',
        replication.regions.includes(region),
        `Failover region "${region}" must be one of the replication regions`,
      ),
    ),
  ({ compliance, security }) =>
    compliance.hipaa
      ? [
          ...rule('security.encryption_at_rest', 'hipaa', security.encryption_at_rest, 'HIPAA compliance requires encryption at rest'),
          ...rule('security.enable_audit_log', 'hipaa', security.enable_audit_log, 'HIPAA compliance requires audit logging'),
          ...rule('security.password_complexity', 'hipaa', security.password_complexity >= 3, 'HIPAA compliance requires password complexity of at least 3'),
        ]
      : [],
  ({ compliance, security }) =>
    compliance.pci_dss
      ? [
          ...rule('security.enable_audit_log', 'pci_dss', security.enable_audit_log, 'PCI-DSS compliance requires audit logging'),
          ...rule('security.encryption_at_rest', 'pci_dss', security.encryption_at_rest, 'PCI-DSS compliance requires encryption at rest'),
          ...rule(
            'security.audit_retention_days',
            'pci_dss',
            security.audit_retention_days >= 90,
            'PCI-DSS compliance requires audit retention of at least 90 days',
          ),
        ]
      : [],
  ({ compliance }) =>
    compliance.gdpr
      ? [
          ...rule('compliance.enable_rtbf', 'gdpr', compliance.enable_rtbf, 'GDPR compliance requires right to be forgotten (enable_rtbf)'),
          ...rule('compliance.data_residency', 'gdpr', compliance.data_residency.includes('EU'), 'GDPR compliance requires data residency to include EU'),
          ...rule(
            'compliance.enable_anonymization',
            'gdpr',
            compliance.enable_anonymization,
            'GDPR compliance requires data anonymization (enable_anonymization)',
          ),
        ]
      : [],
];

export function checkConstraints(config: ConfigDocument): Violation[] {
  return configRules.flatMap((check) => check(config));
}

function getPath(config: ConfigDocument, path: string): unknown {
  const [category, key] = path.split('.') as [ConfigCategory, string];
  return (config[category] as Record<string, unknown>)[key];
}

/** Turning on a setting that a feature mirrors is enabling that feature: the tier gate applies either way. */
export function assertMirroredFeaturesAllowed(tier: Parameters<typeof tierMeets>[0], before: ConfigDocument, after: ConfigDocument): void {
  for (const feature of featureCatalog) {
    if (!feature.mirrors) continue;
    if (getPath(after, feature.mirrors) === true && getPath(before, feature.mirrors) !== true && !tierMeets(tier, feature.tierRequired)) {
      throw new ForbiddenError(`Feature "${feature.name}" (${feature.mirrors}) requires the ${feature.tierRequired} tier or above`, {
        feature: feature.name,
        tierRequired: feature.tierRequired,
        field: feature.mirrors,
      });
    }
  }
}

export type ConfigUpdateResult = { config: TenantConfig; updatedFields: string[] };

/** What a change does to the configuration read at `current`: nothing, or its next version. */
type PlannedChange = { current: TenantConfig; before: ConfigDocument; after: ConfigDocument } | { current: TenantConfig; unchanged: true };

/**
 * Every rule of a change, applied to the configuration as read at `current`: the expected
 * version, the patch merged, the whole-configuration constraints, the allowed destinations, the
 * mirrored features' tiers. Throws what refuses it; writes nothing.
 */
function planChange(
  tenant: Tenant,
  current: TenantConfig,
  patch: ConfigPatch,
  expectedVersion: number | null | undefined,
  allowedBuckets: AllowedBuckets,
): PlannedChange {
  if (expectedVersion != null && expectedVersion !== current.version) {
    throw new ConflictError(`Configuration version ${expectedVersion} is stale; the current version is ${current.version}`, {
      currentVersion: current.version,
      expectedVersion,
    });
  }
  const before = readConfigDocument(current.document);
  const after = applyPatch(before, patch);
  const constraintViolations = [
    ...checkConstraints(after),
    ...(patch.backup?.destinations === undefined ? [] : destinationViolations(after.backup.destinations, allowedBuckets)),
  ];
  if (constraintViolations.length) throw new InvalidInputError(constraintViolations);
  assertMirroredFeaturesAllowed(tenant.tier, before, after);
  // Accepted but changing nothing: no new version, no revision.
  return isDeepStrictEqual(before, after) ? { current, unchanged: true } : { current, before, after };
}

const auditAction = 'config.updated';

/** Conditional writes tried before a change queues on the row lock: a busy tenant's writers do not retry for ever. */
const optimisticAttempts = 3;

/** A tenant as updateTenantConfig reads it: with its configuration and its gateway configuration's webhooks, in one statement. */
export type TenantForConfigChange = Tenant & { config: TenantConfig | null; gatewayConfig: { document: Prisma.JsonValue } | null };

/**
 * The write itself, for callers that have already resolved the tenant under their own scope
 * (features). Destinations the change sets must name buckets in `allowedBuckets`; an operator
 * narrowing that list later does not block unrelated changes (backups refuse such a
 * destination when they run).
 *
 * A tenant read with its configuration (`TenantForConfigChange`) is written in one statement
 * when no webhook subscribes to the change: the next version, its revision and its audit event
 * together, on condition that the version read is still the current one (a single statement is
 * atomic, so no transaction and no lock). When another writer came first the change is planned
 * again on what it wrote (one read, one write); after three such tries, or when a webhook needs
 * its delivery queued with the event, it is planned again under the row lock.
 */
export async function changeTenantConfig(
  actor: Actor,
  tenant: Tenant | TenantForConfigChange,
  patch: ConfigPatch,
  expectedVersion?: number | null,
  allowedBuckets: AllowedBuckets = [],
): Promise<ConfigUpdateResult> {
  const { violations, updatedFields } = validatePatchShape(patch);
  if (violations.length) throw new InvalidInputError(violations);
  assertLive(tenant, 'change the configuration of');
  if ('config' in tenant && tenant.config && subscribedWebhooks(tenant.gatewayConfig, auditAction).length === 0) {
    let current = tenant.config;
    for (let attempt = 1; ; attempt++) {
      const planned = planChange(tenant, current, patch, expectedVersion, allowedBuckets);
      if ('unchanged' in planned) return { config: planned.current, updatedFields };
      const config = await writeIfCurrent(actor, planned, updatedFields);
      if (config) return { config, updatedFields };
      if (attempt === optimisticAttempts) break;
      // Another writer came first: plan again on what it wrote (its version now; a stale expectedVersion is refused).
      current = await actor.prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    }
  }
  // Writers to one tenant's configuration queue on its row lock: no lost update, and no
  // spurious conflict; expectedVersion is compared under the lock.
  return actor.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "TenantConfig" WHERE "tenantId" = ${tenant.id}::uuid FOR UPDATE`;
    const current = await tx.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    const planned = planChange(tenant, current, patch, expectedVersion, allowedBuckets);
    if ('unchanged' in planned) return { config: current, updatedFields };
    const { before, after } = planned;
    const version = current.version + 1;
    const document = after as unknown as Prisma.InputJsonObject;
    const config = await tx.tenantConfig.update({
      where: { tenantId: tenant.id },
      data: { version, document, updatedBy: actor.principal!.label, updatedAt: new Date() },
    });
    await recordRevision(tx, { tenantId: tenant.id, kind: 'config', version, principal: actor.principal!.label, updatedFields, document });
    await recordAudit(tx, actor, { tenantId: tenant.id, action: auditAction, target: `config:v${version}`, changes: changesOf(before, after) });
    return { config, updatedFields };
  });
}

const changesOf = (before: ConfigDocument, after: ConfigDocument) =>
  documentChanges(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>);

/**
 * The next version, its revision (recordRevision's row) and its audit event (recordAudit's row)
 * in one statement, written only while the configuration is still at the version the change was
 * planned on; null when it no longer is (nothing written).
 */
async function writeIfCurrent(
  actor: Actor,
  { current, before, after }: { current: TenantConfig; before: ConfigDocument; after: ConfigDocument },
  updatedFields: string[],
): Promise<TenantConfig | null> {
  const version = current.version + 1;
  const document = JSON.stringify(after);
  const audit = eventRow(actor, { tenantId: current.tenantId, action: auditAction, target: `config:v${version}`, changes: changesOf(before, after) });
  const rows = await actor.prisma.$queryRaw<TenantConfig[]>`-- configs: write the next version
    WITH updated AS (
      UPDATE "TenantConfig"
         SET "version" = ${version}, "document" = ${document}::jsonb, "updatedBy" = ${audit.actor}, "updatedAt" = ${utcNow}
       WHERE "tenantId" = ${current.tenantId}::uuid AND "version" = ${current.version}
      RETURNING "tenantId", "version", "document", "updatedBy", "updatedAt"
    ), revision AS (
      INSERT INTO "TenantConfigRevision" ("id", "tenantId", "kind", "version", "principal", "updatedFields", "document", "createdAt")
      SELECT ${randomUUID()}::uuid, "tenantId", 'config', "version", "updatedBy", ${updatedFields}::text[], "document", "updatedAt" FROM updated
    ), audit AS (
      INSERT INTO "AuditEvent" ("id", "tenantId", "actor", "actorId", "action", "target", "changes", "requestId", "clientAddress", "createdAt")
      SELECT ${randomUUID()}::uuid, "tenantId", ${audit.actor}, ${audit.actorId}, ${audit.action}, ${audit.target}, ${JSON.stringify(audit.changes)}::jsonb,
             ${audit.requestId}::text, ${audit.clientAddress}::text, "updatedAt"
        FROM updated
    )
    SELECT * FROM updated`;
  return rows[0] ?? null;
}
