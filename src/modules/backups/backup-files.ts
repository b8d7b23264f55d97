import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { BackupFile, BackupRecord, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { DomainError } from '../../lib/errors.js';
import { type Keyring, openLegacy } from '../../lib/keyring.js';
import { openWithKey, sealWithKey } from '../../lib/sealing.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { destinationViolations } from '../configs/backup-destinations.js';
import { readConfigDocument } from '../configs/config-document.js';
import type { Actor } from '../../kernel/principal.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { newFileKey, openFileKey } from './backup-file-keys.js';
import {
  applyIncremental,
  diffSnapshots,
  formatVersion,
  type Incremental,
  incrementalSchema,
  snapshotSchema,
  type TenantSnapshot,
  takeSnapshot,
} from './snapshot.js';
import { planSqlFiles, sqlDumpReader, writeSqlFiles } from './sql-files.js';
import { type BackupStorage, type BackupStorages, StorageWriteError } from './storage.js';

/** What the backup services work with besides the database. */
export type BackupDeps = {
  storages: BackupStorages;
  /** Wraps the data key of each file of a tenant whose configuration sets backup.encrypt_backups. */
  keyring: Keyring;
  /** Counts an on-demand backup request against the hourly limit (throws RATE_LIMITED); absent when limits are off. */
  requestQuota?: (key: string, tier: PlanTier) => Promise<void>;
  /** How long audit events are kept (AUDIT_RETENTION_DAYS): point-in-time recovery replays them, so it cannot start from a backup older than that. */
  auditRetentionDays?: number;
  /** Told of every backup written: its trigger, whether it completed, and how long it took. */
  observe?: (trigger: Trigger, outcome: 'completed' | 'failed', seconds: number) => void;
  /** The backup job worker: backups and restores of tenants whose databases hold rows are recorded as jobs and it is started on them at once. Absent: every one runs within its request. */
  jobs?: { kick(): void };
  /** Where tenants' databases live: their rows are read for a backup and put back by a restore there. */
  dataPlane?: DataPlaneDeps;
};

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14-30-00-123 */
const fileStamp = (iso: string) => iso.replace(/[:.]/g, '-').replace(/Z$/, '');

export type Trigger = 'MANUAL' | 'SCHEDULED' | 'SAFETY';

/**
 * Writes one backup of the tenant to every destination its configuration names (the local
 * directory when none): gzip'd when backup.compress_backups, AES-256-GCM sealed with a data key
 * of its own (wrapped by the keyring, kept on the record) when backup.encrypt_backups, with the
 * SHA-256 of the stored bytes in the record. An incremental holds only what changed since `base`.
 * The record is RUNNING while the files are written and COMPLETED after, or FAILED with the
 * reason (naming the destination) when any destination refused it; files already written
 * elsewhere are then removed.
 */
export async function writeBackup(
  actor: Actor,
  deps: BackupDeps,
  tenant: Tenant,
  trigger: Trigger,
  base?: { record: BackupRecord; snapshot: TenantSnapshot },
): Promise<BackupRecord> {
  const record = await startBackup(actor.prisma, deps, tenant, trigger, 'RUNNING', base?.record);
  return fillBackup(actor, deps, tenant, record, base);
}

/**
 * The record of a backup about to be written, PENDING (a job writes it) or RUNNING: its
 * destinations, compression and sealing as the tenant's configuration says now (an encrypted
 * one's data key, wrapped), and the path its file will have, known from the start so a scheduled
 * backup can name it.
 */
export async function startBackup(
  db: Actor['prisma'] | Prisma.TransactionClient,
  deps: BackupDeps,
  tenant: Tenant,
  trigger: Trigger,
  status: 'PENDING' | 'RUNNING',
  base?: BackupRecord,
): Promise<BackupRecord> {
  const config = await db.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id }, select: { document: true } });
  const { backup } = readConfigDocument(config.document);
  // Checked again here: a configuration stored before the allow-list (or a restored one) may name any bucket.
  const [refused] = destinationViolations(backup.destinations, deps.storages.allowedBuckets);
  if (refused) throw new DomainError('PRECONDITION_FAILED', `Backup refused: ${refused.message}`, { field: refused.field });
  const [primary, ...copies] = deps.storages.forDestinations(tenant.id, backup.destinations);
  const kind = base ? 'INCREMENTAL' : 'FULL';
  const id = randomUUID();
  const createdAt = new Date();
  const storagePath = `${tenant.id}/${fileStamp(createdAt.toISOString())}-${trigger.toLowerCase()}-${kind.toLowerCase()}-${id}.json${backup.compress_backups ? '.gz' : ''}${backup.encrypt_backups ? '.enc' : ''}`;
  const record = await db.backupRecord.create({
    data: {
      id,
      tenantId: tenant.id,
      trigger,
      kind,
      status,
      createdAt,
      storagePath,
      destination: primary!.name,
      copies: copies.map((storage) => storage.name),
      baseBackupId: base?.id ?? null,
      compressed: backup.compress_backups,
      encrypted: backup.encrypt_backups,
      wrappedFileKey: backup.encrypt_backups ? newFileKey(deps.keyring, id).wrapped : null,
    },
  });
  // Beside the backup's own file: each tenant database as SQL a customer restores with psql.
  await planSqlFiles(db, tenant, record);
  return record;
}

/**
 * Writes the file of a started backup (the tenant's state now) to the record's destinations,
 * then marks it COMPLETED with its size and checksum and audits it in one transaction, with
 * `alsoInTransaction` (a job's end). A file written again at the same path (a resumed job)
 * replaces the first. On failure the record is FAILED with the reason and the files written
 * are removed (unless the job passed to another worker, which writes them again).
 */
export async function fillBackup(
  actor: Actor,
  deps: BackupDeps,
  tenant: Tenant,
  record: BackupRecord,
  base?: { record: BackupRecord; snapshot: TenantSnapshot },
  job?: {
    /** Runs in the transaction that completes the record (a job's end). */
    alsoInTransaction(tx: Prisma.TransactionClient): Promise<void>;
    /** Whether the job is still this worker's: a worker that lost it leaves the file and record to the new holder. */
    stillOwned(): Promise<boolean>;
  },
): Promise<BackupRecord> {
  const storagePath = record.storagePath!;
  const written: BackupStorage[] = [];
  const writtenSql: [BackupStorage, string][] = [];
  const started = performance.now();
  try {
    const files = await actor.prisma.backupFile.findMany({ where: { backupId: record.id }, orderBy: { blueprint: 'asc' } });
    const sql = sqlDumpReader(actor.prisma, tenant, files);
    const snapshot = await takeSnapshot(actor.prisma, tenant.id, deps.dataPlane, files.length ? sql.read : undefined);
    const payload: TenantSnapshot | Incremental = base
      ? {
          formatVersion,
          kind: 'INCREMENTAL',
          takenAt: snapshot.takenAt,
          tenantId: tenant.id,
          baseBackupId: base.record.id,
          changes: diffSnapshots(base.snapshot, snapshot),
        }
      : snapshot;
    let bytes: Buffer = Buffer.from(JSON.stringify(payload));
    if (record.compressed) bytes = await promisify(gzip)(bytes);
    if (record.encrypted) bytes = sealWithKey(fileKeyOf(deps, record), bytes);
    for (const name of [record.destination, ...record.copies]) {
      try {
        const storage = deps.storages.byName(name);
        await storage.put(storagePath, bytes);
        written.push(storage);
      } catch (error) {
        throw refusedBy(name, error);
      }
    }
    const seal = record.encrypted ? (plain: Buffer) => sealWithKey(fileKeyOf(deps, record), plain) : null;
    const sqlFiles = await writeSqlFiles(files, sql.dumps, written, seal, (storage, path) => writtenSql.push([storage, path]), refusedBy);
    const completed = await auditedChange(actor.prisma, async (tx) => {
      for (const file of sqlFiles) await tx.backupFile.update({ where: { id: file.id }, data: { sizeBytes: file.sizeBytes, checksum: file.checksum } });
      const done = await tx.backupRecord.update({
        where: { id: record.id },
        data: { status: 'COMPLETED', sizeBytes: bytes.length, checksum: sha256(bytes), formatVersion, completedAt: new Date() },
      });
      await recordAudit(tx, actor, {
        tenantId: tenant.id,
        action: 'backup.created',
        target: `backup:${storagePath}`,
        changes: [{ path: `backups.${done.id}`, before: null, after: auditedBackup(done) }],
      });
      await job?.alsoInTransaction(tx);
      return done;
    });
    deps.observe?.(record.trigger, 'completed', (performance.now() - started) / 1000);
    return completed;
  } catch (error) {
    deps.observe?.(record.trigger, 'failed', (performance.now() - started) / 1000);
    if (error instanceof LeaseLost || (job && !(await job.stillOwned().catch(() => false)))) throw error;
    await Promise.allSettled([...written.map((storage) => storage.remove(storagePath)), ...writtenSql.map(([storage, path]) => storage.remove(path))]);
    await actor.prisma.backupRecord.update({
      where: { id: record.id },
      // Tenants read the reason: only the gateway's own messages, never a library's.
      data: { status: 'FAILED', failureReason: error instanceof DomainError ? error.message : 'Backup failed: unexpected error', completedAt: new Date() },
    });
    throw error;
  }
}

/** A destination refused a file: the tenant's configuration names it, so the message says which, in summary. */
function refusedBy(name: string, error: unknown): DomainError {
  const reason = error instanceof StorageWriteError ? error.summary : 'unexpected error';
  return new DomainError('PRECONDITION_FAILED', `Backup failed: writing to ${name} failed: ${reason}`, { field: 'backup.destinations' });
}

/** Thrown inside a job's transaction when another worker took the job over: nothing of this attempt commits, and the job is not this worker's to end. */
export class LeaseLost extends Error {}

/** What the trail records of a backup: where it is and what it holds, not its content. */
export function auditedBackup(record: Pick<BackupRecord, 'storagePath' | 'trigger' | 'kind' | 'destination' | 'copies' | 'compressed' | 'encrypted'>) {
  const { storagePath, trigger, kind, destination, copies, compressed, encrypted } = record;
  return { storagePath, trigger, kind, destination, copies, compressed, encrypted };
}

/** A full backup of the current state, taken before anything replaces it (rollback, recovery, migration). */
export function takeSafetyBackup(actor: Actor, deps: BackupDeps, tenant: Tenant): Promise<BackupRecord> {
  return writeBackup(actor, deps, tenant, 'SAFETY');
}

const undecryptable = (storagePath: string) =>
  new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" cannot be decrypted with this gateway's SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)`, {
    field: 'storagePath',
  });

/**
 * The key an encrypted backup's file is sealed with: its own data key; a record an older gateway
 * started before per-file keys (and this one fills) seals with the keyring's current key directly.
 */
function fileKeyOf(deps: Pick<BackupDeps, 'keyring'>, record: BackupRecord): Buffer {
  if (!record.wrappedFileKey) return deps.keyring.current;
  const key = openFileKey(deps.keyring, record);
  if (!key) throw undecryptable(record.storagePath!);
  return key;
}

/** The stored bytes of a backup, from the first of its destinations whose copy matches the record's checksum. */
export async function storedBackupBytes(deps: Pick<BackupDeps, 'storages'>, record: BackupRecord): Promise<Buffer> {
  const storagePath = record.storagePath!;
  let corrupt = false;
  for (const destination of [record.destination, ...record.copies]) {
    const candidate = await deps.storages.byName(destination).get(storagePath);
    if (candidate && sha256(candidate) === record.checksum) return candidate;
    if (candidate) corrupt = true;
  }
  if (corrupt)
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is corrupt: its checksum does not match`, { field: 'storagePath' });
  throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is missing`, { field: 'storagePath' });
}

/**
 * An encrypted backup's file opened: with its data key, or, written before per-file keys, with
 * the keyring key that sealed it whole (null when none does).
 */
export function openBackupFile(keyring: Keyring, record: BackupRecord, sealed: Buffer): { bytes: Buffer; legacyKey?: Buffer } | null {
  if (!record.wrappedFileKey) {
    const opened = openLegacy(keyring, sealed);
    return opened && { bytes: opened.value, legacyKey: opened.key };
  }
  const key = openFileKey(keyring, record);
  if (!key) return null;
  try {
    return { bytes: openWithKey(key, sealed) };
  } catch {
    return null;
  }
}

/** A backup's stored bytes, verified, opened and parsed. */
async function readBackupFile(deps: BackupDeps, record: BackupRecord): Promise<unknown> {
  const storagePath = record.storagePath!;
  let opened = await storedBackupBytes(deps, record);
  if (record.encrypted) {
    const file = openBackupFile(deps.keyring, record, opened);
    if (!file) throw undecryptable(storagePath);
    opened = file.bytes;
  }
  try {
    if (record.compressed) opened = await promisify(gunzip)(opened);
    return JSON.parse(opened.toString('utf8'));
  } catch {
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" cannot be read as a format ${formatVersion} backup`, {
      field: 'storagePath',
    });
  }
}

/**
 * The tenant's state as a backup holds it: a full backup's snapshot, or for an incremental
 * its chain back to the full one applied in order, every file verified first.
 */
export async function loadSnapshot(actor: Actor, deps: BackupDeps, tenant: Tenant, record: BackupRecord, depth = 0): Promise<TenantSnapshot> {
  const unreadable = () =>
    new DomainError('PRECONDITION_FAILED', `The backup file "${record.storagePath}" cannot be read as a format ${formatVersion} backup`, {
      field: 'storagePath',
    });
  const content = await readBackupFile(deps, record);
  if (record.kind === 'FULL') {
    const parsed = snapshotSchema.safeParse(content);
    if (!parsed.success) throw unreadable();
    if (parsed.data.tenant.id !== tenant.id) throw new DomainError('PRECONDITION_FAILED', 'The backup belongs to another tenant', { field: 'storagePath' });
    return parsed.data;
  }
  const parsed = incrementalSchema.safeParse(content);
  if (!parsed.success || depth > 64) throw unreadable();
  if (parsed.data.tenantId !== tenant.id) throw new DomainError('PRECONDITION_FAILED', 'The backup belongs to another tenant', { field: 'storagePath' });
  const base = await actor.prisma.backupRecord.findFirst({ where: { id: parsed.data.baseBackupId, tenantId: tenant.id, status: 'COMPLETED' } });
  if (!base) {
    throw new DomainError('PRECONDITION_FAILED', `The incremental backup "${record.storagePath}" cannot be restored: the backup it builds on is gone`, {
      field: 'storagePath',
    });
  }
  return applyIncremental(await loadSnapshot(actor, deps, tenant, base, depth + 1), parsed.data);
}

/** Deletes a backup's files (its own and its SQL files) from every destination holding them. */
export async function removeBackupFiles(
  deps: Pick<BackupDeps, 'storages'>,
  record: Pick<BackupRecord, 'destination' | 'copies' | 'storagePath'> & { files: Pick<BackupFile, 'storagePath'>[] },
): Promise<void> {
  for (const destination of [record.destination, ...record.copies]) {
    const storage = deps.storages.byName(destination);
    await storage.remove(record.storagePath!);
    for (const file of record.files) await storage.remove(file.storagePath);
  }
}
