import type { TenantSecret } from '../../generated/prisma/client.js';
import { ConflictError, InvalidInputError, NotFoundError, type Violation } from '../../lib/errors.js';
import type { Keyring } from '../../lib/keyring.js';
import type { Actor } from '../../kernel/principal.js';
import { recordAudit, sealedMark } from '../../kernel/audit-trail.js';
import { readGatewayConfig } from '../../kernel/gateway-config-spec.js';
import { assertSecretQuota } from '../quotas/quotas.js';
import { assertLive, resolveTenant } from '../../kernel/tenant-access.js';
import { sealSecretValue, tenantDataKey } from './envelope.js';

export const secretNamePattern = /^[A-Z][A-Z0-9_]{0,127}$/;
export const maxSecretValueBytes = 64 * 1024;

export type SecretMeta = Pick<TenantSecret, 'tenantId' | 'name' | 'createdAt' | 'updatedAt'>;
const meta = { tenantId: true, name: true, createdAt: true, updatedAt: true } as const;

// Messages name the field and the rule, never the value.
function nameViolations(name: string, field = 'name'): Violation[] {
  return secretNamePattern.test(name)
    ? []
    : [
        {
          field,
          rule: 'pattern',
          message: `${field} must be 1-128 characters: an uppercase letter, then uppercase letters, digits or "_" (^[A-Z][A-Z0-9_]{0,127}$)`,
        },
      ];
}

function valueViolations(value: string): Violation[] {
  if (value.length === 0) return [{ field: 'value', rule: 'required', message: 'value must not be empty' }];
  if (Buffer.byteLength(value, 'utf8') > maxSecretValueBytes)
    return [{ field: 'value', rule: 'size', message: `value must be at most ${maxSecretValueBytes} bytes (64 KiB)` }];
  return [];
}

/** The tenant's secret names, sorted; values never leave the database. */
export async function listSecrets(actor: Actor, ref: string | null | undefined): Promise<SecretMeta[]> {
  const tenant = await resolveTenant(actor, ref, 'secrets:read');
  return actor.prisma.tenantSecret.findMany({ where: { tenantId: tenant.id }, select: meta, orderBy: { name: 'asc' } });
}

/** Stores (or replaces) a secret, sealed with the tenant's data key. */
export async function storeSecret(actor: Actor & { keyring: Keyring }, ref: string | null | undefined, name: string, value: string): Promise<SecretMeta> {
  const violations = [...nameViolations(name), ...valueViolations(value)];
  if (violations.length) throw new InvalidInputError(violations);
  const tenant = await resolveTenant(actor, ref, 'secrets:write');
  assertLive(tenant, 'store a secret of');
  return actor.prisma.$transaction(async (tx) => {
    const existed = await tx.tenantSecret.count({ where: { tenantId: tenant.id, name } });
    if (!existed) await assertSecretQuota(tx, actor.principal, tenant);
    const dataKey = await tenantDataKey(tx, actor.keyring, tenant.id);
    const sealed = sealSecretValue(dataKey, tenant.id, name, value);
    const stored = await tx.tenantSecret.upsert({
      where: { tenantId_name: { tenantId: tenant.id, name } },
      create: { tenantId: tenant.id, name, sealed },
      update: { sealed },
      select: meta,
    });
    // The sealed value is kept as a version the event names: recovery replays it from there.
    const version = await tx.tenantSecretVersion.create({ data: { tenantId: tenant.id, name, sealed }, select: { id: true } });
    await recordAudit(tx, actor, {
      tenantId: tenant.id,
      action: 'secret.stored',
      target: `secret:${name}`,
      changes: [{ path: `secrets.${name}`, before: existed ? sealedMark : null, after: sealedMark, sealedVersion: version.id }],
    });
    return stored;
  });
}

export async function deleteSecret(actor: Actor, ref: string | null | undefined, name: string): Promise<SecretMeta> {
  const tenant = await resolveTenant(actor, ref, 'secrets:write');
  assertLive(tenant, 'delete a secret of');
  const gateway = await actor.prisma.tenantGatewayConfig.findUnique({ where: { tenantId: tenant.id }, select: { document: true } });
  const users = Object.entries(readGatewayConfig(gateway?.document).credentials).filter(([, credential]) => credential.secret === name);
  if (users.length) {
    throw new ConflictError(
      `Secret "${name}" is used by ${users.map(([credential]) => `credentials.${credential}`).join(', ')}: change the gateway configuration first`,
      { field: 'name' },
    );
  }
  return actor.prisma.$transaction(async (tx) => {
    const [deleted] = await tx.$queryRaw<SecretMeta[]>`
      DELETE FROM "TenantSecret" WHERE "tenantId" = ${tenant.id}::uuid AND "name" = ${name}
      RETURNING "tenantId", "name", "createdAt", "updatedAt"`;
    if (!deleted) throw new NotFoundError(`No secret named "${name.slice(0, 128)}"`, { field: 'name' });
    await recordAudit(tx, actor, {
      tenantId: tenant.id,
      action: 'secret.deleted',
      target: `secret:${name}`,
      changes: [{ path: `secrets.${name}`, before: sealedMark, after: null }],
    });
    return deleted;
  });
}
