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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `section.key` for what changed inside object sections, `section` for a changed array or value. */
export function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[section];
    const b = after[section];
    if (isRecord(a) || isRecord(b)) {
      const left = isRecord(a) ? a : {};
      const right = isRecord(b) ? b : {};
      for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
        if (JSON.stringify(left[key]) !== JSON.stringify(right[key])) paths.push(`${section}.${key}`);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      paths.push(section);
    }
  }
  return paths;
}
