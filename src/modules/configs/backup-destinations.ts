import type { Violation } from '../../lib/errors.js';
import type { BackupDestination } from './config-spec.js';

/** The operator's BACKUP_S3_BUCKETS: the buckets tenants may name, each with the prefix their objects go under. */
export type AllowedBuckets = readonly { bucket: string; prefix: string }[];

/**
 * The gateway writes to s3 destinations with its own credentials, so a tenant may name only a
 * bucket the operator allows; with no allow-list, no s3 destination at all.
 */
export function destinationViolations(destinations: readonly BackupDestination[], allowed: AllowedBuckets): Violation[] {
  return destinations.flatMap((destination, index) =>
    destination.destination_type === 's3' && !allowed.some((entry) => entry.bucket === destination.bucket)
      ? [
          {
            field: `backup.destinations.${index}.bucket`,
            rule: 'allowed_bucket',
            message: allowed.length
              ? `Bucket "${destination.bucket}" (backup.destinations.${index}.bucket) is not a backup bucket this gateway allows`
              : `s3 backup destinations are not enabled on this gateway (backup.destinations.${index})`,
          },
        ]
      : [],
  );
}

/**
 * Where a tenant's objects go in an allowed bucket: under the operator's prefix, then the
 * tenant's id, then the tenant's own path with empty, "." and ".." segments dropped, so no
 * tenant's path reaches another tenant's objects. Other characters than letters, digits, ".",
 * "_" and "-" become "-": the prefix is part of the destination's name (an s3:// URL the
 * backup record keeps), which must read back as written.
 */
export function tenantObjectPrefix(allowed: AllowedBuckets, destination: BackupDestination, tenantId: string): string {
  const entry = allowed.find((candidate) => candidate.bucket === destination.bucket);
  if (!entry) throw new Error(`Bucket "${destination.bucket}" is not allowed`);
  const own = (destination.path ?? '')
    .split('/')
    .filter((segment) => segment && segment !== '.' && segment !== '..')
    .map((segment) => segment.replace(/[^A-Za-z0-9._-]/g, '-'));
  return [entry.prefix, tenantId, ...own].filter(Boolean).join('/');
}
