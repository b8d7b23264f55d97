import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { BackupFile, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { Actor } from '../../kernel/principal.js';
import { projectDatabaseUser, tenantDatabaseName } from '../data-plane-schemas/physical-names.js';
import { versionChain } from '../workspaces/blueprint-databases.js';
import type { AlsoRead } from './snapshot.js';
import { sqlDump } from './sql-dump.js';
import type { BackupStorage } from './storage.js';

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14-30-00 (seed 002's backup stamp). */
const secondStamp = (at: Date) => at.toISOString().slice(0, 19).replace(/:/g, '-');

/**
 * The SQL files a backup will write, one per tenant database that is placed on the data plane,
 * recorded with the backup: `postgresql/<type>/<stamp>/<user>_tenant_<id>.sql.gz` as seed 002
 * shows (the project's database user, the tenant's id). A tenant with more than one database
 * gets `__<blueprint>` after its id (a tenant id never holds `__`). A second backup of the tenant
 * within the same second goes to a folder named with its id as well.
 */
export async function planSqlFiles(
  db: Actor['prisma'] | Prisma.TransactionClient,
  tenant: Pick<Tenant, 'id' | 'slug' | 'projectId'>,
  backup: { id: string; trigger: string; createdAt: Date },
): Promise<BackupFile[]> {
  if (!tenant.projectId) return [];
  const databases = await db.tenantDatabase.findMany({
    where: { tenantId: tenant.id, placementId: { not: null } },
    orderBy: { blueprint: 'asc' },
    select: { blueprint: true },
  });
  if (databases.length === 0) return [];
  const name = (folder: string, blueprint: string) =>
    `postgresql/${backup.trigger.toLowerCase()}/${folder}/${projectDatabaseUser(tenant.projectId!)}_tenant_${tenant.slug}${databases.length > 1 ? `__${blueprint}` : ''}.sql.gz`;
  const stamp = secondStamp(backup.createdAt);
  const taken = await db.backupFile.count({ where: { storagePath: { in: databases.map((database) => name(stamp, database.blueprint)) } } });
  const folder = taken ? `${stamp}-${backup.id.slice(0, 8)}` : stamp;
  await db.backupFile.createMany({
    data: databases.map((database) => ({ backupId: backup.id, blueprint: database.blueprint, storagePath: name(folder, database.blueprint) })),
  });
  return db.backupFile.findMany({ where: { backupId: backup.id }, orderBy: { blueprint: 'asc' } });
}

/**
 * What a backup's read gives its SQL files: each planned database dumped in the snapshot's own
 * read (its blueprint's DDL at the schema's version, then its rows), kept by blueprint.
 */
export function sqlDumpReader(prisma: Actor['prisma'], tenant: Pick<Tenant, 'slug'>, files: BackupFile[]): { read: AlsoRead; dumps: Map<string, string> } {
  const dumps = new Map<string, string>();
  const read: AlsoRead = async (database, session) => {
    if (!files.some((file) => file.blueprint === database.blueprint)) return;
    // Every version up to the schema's, deployed or not: what a rollout ran on it.
    const ddl = database.blueprintId ? (await versionChain(prisma, database.blueprintId, 0, database.schemaVersion)).statements : [];
    dumps.set(
      database.blueprint,
      await sqlDump(session, {
        schemaName: database.placed.schemaName,
        database: tenantDatabaseName(database.blueprint, tenant.slug),
        version: database.schemaVersion,
        ddl,
        takenAt: new Date(),
      }),
    );
  };
  return { read, dumps };
}

export type WrittenSqlFile = { id: string; storagePath: string; sizeBytes: number; checksum: string };

/**
 * Writes each dumped file, gzip'd (and sealed by `seal` when the backup is), to every
 * destination; `written` is told each file put, so a failure can take them back, and a
 * destination's refusal is `refused`'s error. A database
 * dropped since the backup was planned has no dump: its file is left unwritten (size null).
 */
export async function writeSqlFiles(
  files: BackupFile[],
  dumps: Map<string, string>,
  destinations: BackupStorage[],
  seal: ((bytes: Buffer) => Buffer) | null,
  written: (storage: BackupStorage, storagePath: string) => void,
  refused: (destination: string, error: unknown) => Error,
): Promise<WrittenSqlFile[]> {
  const done: WrittenSqlFile[] = [];
  for (const file of files) {
    const dump = dumps.get(file.blueprint);
    if (dump === undefined) continue;
    let bytes: Buffer = await promisify(gzip)(Buffer.from(dump));
    if (seal) bytes = seal(bytes);
    for (const storage of destinations) {
      try {
        await storage.put(file.storagePath, bytes);
      } catch (error) {
        throw refused(storage.name, error);
      }
      written(storage, file.storagePath);
    }
    done.push({ id: file.id, storagePath: file.storagePath, sizeBytes: bytes.length, checksum: createHash('sha256').update(bytes).digest('hex') });
  }
  return done;
}
