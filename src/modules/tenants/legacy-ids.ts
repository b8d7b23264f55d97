import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../lib/errors.js';
import { uuidPattern } from '../../kernel/tenant-access.js';

/**
 * The slug of a tenant known to a legacy API by an id of its own (Event History's
 * database_name: any string up to 64 characters). Ids that are already slugs stay as they
 * are; others are lowercased, their other characters become "-", and a short hash of the id
 * as given keeps two ids that read alike (`Client_DB-X`, `client-db-x`) apart.
 */
export function slugFromLegacyId(legacyId: string | null | undefined): string {
  if (legacyId == null || legacyId.length === 0 || legacyId.length > 64) {
    throw new InvalidInputError([{ field: 'legacyId', rule: 'length', message: 'legacyId must be 1 to 64 characters' }]);
  }
  // A slug never has the shape of a UUID (it would shadow that tenant): such ids are derived too.
  if (/^[a-z0-9][a-z0-9_-]{1,63}$/.test(legacyId) && !legacyId.includes('__') && !uuidPattern.test(legacyId)) return legacyId;
  const readable = legacyId
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 48);
  const hash = createHash('sha256').update(legacyId).digest('hex').slice(0, 8);
  return readable ? `${readable}-${hash}` : `t-${hash}`;
}
