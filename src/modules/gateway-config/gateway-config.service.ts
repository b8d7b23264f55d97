import { isDeepStrictEqual } from 'node:util';
import type { Prisma } from '../../generated/prisma/client.js';
import { InvalidInputError, type Violation } from '../../lib/errors.js';
import type { Keyring } from '../../lib/keyring.js';
import { violationsFromZod } from '../../lib/validation.js';
import { changedPaths, documentChanges, recordAudit } from '../../kernel/audit-trail.js';
import { revisionsWhere } from '../configs/revisions.js';
import type { Actor } from '../../kernel/principal.js';
import { assertDocumentQuota } from '../quotas/quotas.js';
import { sealSecretValue, tenantDataKey } from '../secrets/envelope.js';
import { assertLive, resolveTenant } from '../../kernel/tenant-access.js';
import { type GatewayConfigDocument, type GatewayConfigView, gatewayConfigPatch, readGatewayConfig, viewOf } from '../../kernel/gateway-config-spec.js';
import { lockGatewayConfig, writeGatewayConfigVersion } from './gateway-config-versions.js';

export type GatewayConfig = GatewayConfigView & { tenantId: string; version: number; updatedAt: Date | null; updatedBy: string | null };

/** The tenant's gateway configuration, every section with its defaults; version 0 until the first save. */
export async function getGatewayConfig(actor: Actor, ref: string | null | undefined): Promise<GatewayConfig> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  const row = await actor.prisma.tenantGatewayConfig.findUnique({ where: { tenantId: tenant.id } });
  return {
    ...viewOf(readGatewayConfig(row?.document)),
    tenantId: tenant.id,
    version: row?.version ?? 0,
    updatedAt: row?.updatedAt ?? null,
    updatedBy: row?.updatedBy ?? null,
  };
}

/** Secrets the credentials name must be stored; credentials routes name must be defined. */
function referenceViolations(document: GatewayConfigDocument, storedSecrets: Set<string>): Violation[] {
  const violations: Violation[] = [];
  for (const [name, credential] of Object.entries(document.credentials)) {
    if (!storedSecrets.has(credential.secret)) {
      violations.push({
        field: `credentials.${name}.secret`,
        rule: 'unknown_secret',
        message: `credentials.${name}.secret: no secret named "${credential.secret}" is stored`,
      });
    }
  }
  document.routes.forEach((route, index) => {
    if (route.credential !== undefined && !(route.credential in document.credentials)) {
      violations.push({
        field: `routes.${index}.credential`,
        rule: 'unknown_credential',
        message: `routes.${index}.credential: no credential named "${route.credential}"`,
      });
    }
  });
  return violations;
}

export type GatewayConfigSaved = { config: GatewayConfig; updatedFields: string[] };

/**
 * Saves the sections given (each whole) and keeps the others; a change is the next version
 * with its revision. Webhook secrets are sealed with the tenant's data key before anything is
 * stored. Invalid input is one BAD_USER_INPUT listing every field, and nothing is written.
 */
export async function saveGatewayConfig(actor: Actor & { keyring: Keyring }, ref: string | null | undefined, input: unknown): Promise<GatewayConfigSaved> {
  const parsed = gatewayConfigPatch.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(violationsFromZod(parsed.error));
  const patch = parsed.data;
  const tenant = await resolveTenant(actor, ref, 'config:write');
  assertLive(tenant, 'change the gateway configuration of');
  const author = actor.principal!.label;
  const saved = await actor.prisma.$transaction(async (tx) => {
    const current = await lockGatewayConfig(tx, tenant.id, author);
    const before = readGatewayConfig(current.document);
    const { webhooks, ...sections } = patch;
    const after: GatewayConfigDocument = { ...before, ...sections };
    if (webhooks) {
      const dataKey = webhooks.some((webhook) => webhook.secret) ? await tenantDataKey(tx, actor.keyring, tenant.id) : null;
      after.webhooks = webhooks.map(({ secret, ...webhook }) =>
        secret ? { ...webhook, sealedSecret: Buffer.from(sealSecretValue(dataKey!, tenant.id, `webhook ${webhook.url}`, secret)).toString('base64') } : webhook,
      );
    }
    const secrets = await tx.tenantSecret.findMany({ where: { tenantId: tenant.id }, select: { name: true } });
    const violations = referenceViolations(after, new Set(secrets.map((secret) => secret.name)));
    if (violations.length) throw new InvalidInputError(violations);
    assertDocumentQuota(actor.principal, 'routes', tenant.tier, before.routes.length, after.routes.length);
    assertDocumentQuota(actor.principal, 'webhooks', tenant.tier, before.webhooks.length, after.webhooks.length);
    const updatedFields = changedPaths(viewOf(before), viewOf(after));
    if (isDeepStrictEqual(before, after) || (updatedFields.length === 0 && !webhooks)) return { row: current, updatedFields };
    const row = await writeGatewayConfigVersion(
      tx,
      current,
      after,
      after as unknown as Prisma.InputJsonObject,
      author,
      updatedFields.length ? updatedFields : ['webhooks'],
    );
    const version = row.version;
    const changes = documentChanges(viewOf(before) as unknown as Record<string, unknown>, viewOf(after) as unknown as Record<string, unknown>);
    await recordAudit(tx, actor, { tenantId: tenant.id, action: 'gateway_config.updated', target: `gateway_config:v${version}`, changes });
    return { row, updatedFields };
  });
  // The quota is read with the API key: this replica sees the change at once, others within PRINCIPAL_CACHE_MS.
  actor.credentialsChanged?.();
  const { row } = saved;
  return {
    config: { ...viewOf(readGatewayConfig(row.document)), tenantId: tenant.id, version: row.version, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
    updatedFields: saved.updatedFields,
  };
}

export type GatewayConfigRevision = { version: number; principal: string; updatedFields: string[]; createdAt: Date; config: GatewayConfigView };

/** Gateway configuration revisions, newest first. */
export async function gatewayConfigHistory(actor: Actor, ref: string | null | undefined, first: number): Promise<GatewayConfigRevision[]> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  const rows = await actor.prisma.tenantConfigRevision.findMany({
    where: revisionsWhere(tenant.id, 'gateway'),
    orderBy: { version: 'desc' },
    take: Math.min(Math.max(first, 1), 100),
  });
  return rows.map((row) => ({
    version: row.version,
    principal: row.principal,
    updatedFields: row.updatedFields,
    createdAt: row.createdAt,
    config: viewOf(readGatewayConfig(row.document)),
  }));
}
