import type { BackupRecord, PrismaClient } from '../../generated/prisma/client.js';
import { type Rewrapped, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';
import { type BackupDeps, openBackupFile, storedBackupBytes } from './backup-files.js';
import { fileKeyContext } from './backup-file-keys.js';

/**
 * Key rotation for backups: every file's data key re-wrapped under the current key. A file written
 * before per-file keys was sealed whole with a keyring key: it is read once, and when a previous
 * key opens it, that key becomes the file's data key (wrapped under the current one), so the file
 * is never rewritten and the previous key can leave the ring. Such a file under the current key
 * stays as it is until the next rotation (a key is never wrapped under itself).
 */
export function rewrapBackupFileKeys(prisma: Pick<PrismaClient, 'backupRecord'>, deps: Pick<BackupDeps, 'storages' | 'keyring'>): Promise<RewrapCount> {
  const { keyring } = deps;
  return rewrapRows(
    (after) =>
      prisma.backupRecord.findMany({
        where: { encrypted: true, OR: [{ wrappedFileKey: { not: null } }, { status: 'COMPLETED' }], ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      }),
    (record) => (record.wrappedFileKey ? rewrap(keyring, fileKeyContext(record.id), record.wrappedFileKey) : adoptLegacyKey(deps, record)),
    async (record, wrappedFileKey) => {
      const unchanged = record.wrappedFileKey ? { equals: new Uint8Array(record.wrappedFileKey) } : null;
      return (await prisma.backupRecord.updateMany({ where: { id: record.id, wrappedFileKey: unchanged }, data: { wrappedFileKey } })).count === 1;
    },
  );
}

async function adoptLegacyKey(deps: Pick<BackupDeps, 'storages' | 'keyring'>, record: BackupRecord): Promise<Rewrapped> {
  const bytes = await storedBackupBytes(deps, record).catch(() => null);
  const opened = bytes && openBackupFile(deps.keyring, record, bytes);
  if (!opened?.legacyKey) return { state: 'unopenable' };
  if (opened.legacyKey.equals(deps.keyring.current)) return { state: 'current' };
  return { state: 'rewrapped', sealed: seal(deps.keyring, fileKeyContext(record.id), opened.legacyKey) };
}
