import type { Prisma } from '../../generated/prisma/client.js';

/**
 * The one revision mechanism of the tenant's versioned documents: the configuration
 * ("config") and the gateway configuration ("gateway"). Every accepted change writes one
 * revision (author, changed paths, the whole document, time) in the change's transaction.
 */
export type RevisionKind = 'config' | 'gateway';

export type Revision = { tenantId: string; kind: RevisionKind; version: number; principal: string; updatedFields: string[]; document: Prisma.InputJsonObject };

export function recordRevision(tx: Pick<Prisma.TransactionClient, 'tenantConfigRevision'>, revision: Revision) {
  return tx.tenantConfigRevision.create({ data: revision });
}

export function revisionsWhere(tenantId: string, kind: RevisionKind): Prisma.TenantConfigRevisionWhereInput {
  return { tenantId, kind };
}
