import type { Prisma, TenantGatewayConfig } from '../../generated/prisma/client.js';
import { recordRevision } from '../configs/revisions.js';
import { type GatewayConfigDocument, quotaPerMinute } from '../../kernel/gateway-config-spec.js';

/**
 * The tenant's gateway configuration row, created empty when it has none, locked for the rest of
 * the transaction: a save and a restore (rollback, recovery) take their versions one after the
 * other, never the same one.
 */
export async function lockGatewayConfig(tx: Prisma.TransactionClient, tenantId: string, author: string): Promise<TenantGatewayConfig> {
  await tx.tenantGatewayConfig.createMany({ data: [{ tenantId, document: {}, updatedBy: author }], skipDuplicates: true });
  await tx.$queryRaw`SELECT 1 FROM "TenantGatewayConfig" WHERE "tenantId" = ${tenantId}::uuid FOR UPDATE`;
  return tx.tenantGatewayConfig.findUniqueOrThrow({ where: { tenantId } });
}

/** The locked row's next version: the document with its per-minute quota, and its revision naming the changed paths. */
export async function writeGatewayConfigVersion(
  tx: Prisma.TransactionClient,
  current: TenantGatewayConfig,
  after: GatewayConfigDocument,
  stored: Prisma.InputJsonObject,
  author: string,
  updatedFields: string[],
): Promise<TenantGatewayConfig> {
  const version = current.version + 1;
  const row = await tx.tenantGatewayConfig.update({
    where: { tenantId: current.tenantId },
    data: { version, document: stored, quotaPerMinute: quotaPerMinute(after.rateLimit), updatedBy: author, updatedAt: new Date() },
  });
  await recordRevision(tx, { tenantId: current.tenantId, kind: 'gateway', version, principal: author, updatedFields, document: stored });
  return row;
}
