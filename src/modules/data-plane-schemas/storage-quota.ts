import type { TenantSession } from '../../data-plane/data-plane.js';
import { storageBytesSql } from '../../data-plane/postgres-data-plane.js';
import type { PlanTier } from '../../generated/prisma/client.js';
import { ForbiddenError } from '../../lib/errors.js';
import type { ClassifiedStatement } from './sql-classifier.js';

/** A project's storage quota on the data plane: the bytes its plan allows in its database. */
export type StorageQuota = {
  databaseId: string;
  quotaBytes: number;
  tier: PlanTier;
  /** The project's schemas in that database (PGlite keeps every project's in one). */
  schemas: () => Promise<string[]>;
};

/** How long a measured size stands for the next write's check. */
const freshMs = 10_000;
const measured = new Map<string, { bytes: number; at: number }>();

/**
 * The bytes the project's tables take (with indexes and TOAST), measured in `session` (so a
 * transaction sees its own uncommitted growth: file sizes grow as rows are written) or taken from
 * the last measurement of the last few seconds.
 */
export async function storageUse(session: TenantSession, quota: StorageQuota, fresh = false): Promise<number> {
  const known = measured.get(quota.databaseId);
  if (!fresh && known && Date.now() - known.at < freshMs) return known.bytes;
  const { rows } = await session.query(storageBytesSql, [await quota.schemas()]);
  const bytes = Number(rows[0]?.[0] ?? 0);
  measured.set(quota.databaseId, { bytes, at: Date.now() });
  return bytes;
}

/** What a project over its quota may still run: reads, and what frees space. */
const freesSpace = (statement: ClassifiedStatement) =>
  statement.kind === 'query' || statement.command === 'DELETE' || statement.command === 'TRUNCATE' || statement.command.startsWith('DROP');

const megabytes = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MB`;

/**
 * FORBIDDEN (quota_exceeded) when the project is past its quota at `usedBytes` and the text
 * would add data (`statements`; null: a text whose own writes took it past): reads, DELETE,
 * TRUNCATE and DROP still run, so a project can always free space.
 */
export function storageQuotaRefusal(quota: StorageQuota, usedBytes: number, statements: ClassifiedStatement[] | null): ForbiddenError | null {
  if (usedBytes <= quota.quotaBytes) return null;
  if (statements?.every(freesSpace)) return null;
  return new ForbiddenError(
    `Storage quota exceeded: the project's databases take ${megabytes(usedBytes)} of the ${megabytes(quota.quotaBytes)} its ${quota.tier} plan allows; nothing was changed. Reads, DELETE, TRUNCATE and DROP still work; upgrade for more`,
    { reason: 'quota_exceeded', quota: 'storage', limitBytes: quota.quotaBytes, usedBytes },
  );
}
