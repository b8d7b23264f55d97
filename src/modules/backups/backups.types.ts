import { builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import type { RecoveryResult, RollbackResult, UndoRecoveryResult } from './restores.service.js';

const BackupTrigger = builder.enumType('BackupTrigger', {
  values: { MANUAL: {}, SCHEDULED: {}, SAFETY: { description: 'Taken automatically before a rollback, recovery or migration' } } as const,
});
const BackupKind = builder.enumType('BackupKind', { values: ['FULL', 'INCREMENTAL'] as const });
const BackupStatus = builder.enumType('BackupStatus', { values: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const });

export const BackupRecordRef = builder.prismaObject('BackupRecord', {
  description: "A backup of one tenant's restorable state (JSON, gzip'd and sealed as its configuration says, with a SHA-256 checksum)",
  fields: (t) => ({
    id: t.exposeID('id'),
    tenantId: t.exposeID('tenantId'),
    trigger: t.expose('trigger', { type: BackupTrigger }),
    kind: t.expose('kind', { type: BackupKind }),
    status: t.expose('status', { type: BackupStatus }),
    failureReason: t.exposeString('failureReason', { nullable: true }),
    destination: t.exposeString('destination', { description: 'Where the file is: local, or s3://bucket/path?region=…' }),
    copies: t.exposeStringList('copies', { description: 'Further destinations holding the same file (restores fall back to them)' }),
    storagePath: t.exposeString('storagePath', {
      nullable: true,
      description: 'The backup’s own file (the gateway’s format): what rollbackTenant takes, as it takes any of its files’ paths',
    }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: true }),
    checksum: t.exposeString('checksum', { nullable: true, description: 'SHA-256 of the file' }),
    formatVersion: t.exposeInt('formatVersion'),
    baseBackupId: t.exposeID('baseBackupId', { nullable: true, description: 'For an incremental: the backup it holds the changes since' }),
    compressed: t.exposeBoolean('compressed'),
    encrypted: t.exposeBoolean('encrypted', { description: "AES-256-GCM under a data key of its own, wrapped by the gateway's keyring (SECRETS_KEY)" }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    files: t.relation('files', {
      description: "Its tenant databases as gzip'd plain SQL, one file each (what psql restores into an empty database); none for a tenant without databases",
      query: { orderBy: { blueprint: 'asc' } },
    }),
  }),
});

builder.prismaObject('BackupFile', {
  description:
    "One tenant database of a backup as gzip'd plain SQL (`gunzip -c <file> | psql <connection string>` restores it into an empty database), sealed with the backup's own key when the backup is encrypted",
  fields: (t) => ({
    blueprint: t.exposeString('blueprint'),
    databaseType: t.exposeString('databaseType', { description: 'postgresql' }),
    storagePath: t.exposeString('storagePath', { description: 'Where the file is at each of the backup’s destinations; rollbackTenant takes it too' }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: true, description: 'Null until the backup is written' }),
    checksum: t.exposeString('checksum', { nullable: true, description: 'SHA-256 of the stored file' }),
  }),
});

const BackupJobStatus = builder.enumType('BackupJobStatus', { values: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const });
const BackupJobKind = builder.enumType('BackupJobKind', {
  values: {
    BACKUP: { description: 'An on-demand backup: the record is PENDING until the job writes it' },
    ROLLBACK: { description: 'A rollback to a backup: the tenant is RESTORING until the job ends' },
    RECOVERY: { description: 'A point-in-time recovery: the tenant is RECOVERING until the job ends' },
    RECOVERY_UNDO: { description: 'The undo of a recovery: the tenant is RECOVERING until the job ends' },
  } as const,
});

export const BackupJobRef = builder.prismaObject('BackupJob', {
  description: 'A backup or restore of a tenant whose databases hold rows, run as a durable job (it survives a restart)',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: BackupJobKind }),
    status: t.expose('status', { type: BackupJobStatus }),
    backup: t.relation('backup', {
      description: 'BACKUP: the backup written; ROLLBACK: the one restored; RECOVERY: the base backup; RECOVERY_UNDO: the safety backup returned to',
    }),
    targetTimestamp: t.expose('targetTimestamp', { type: 'DateTime', nullable: true, description: 'RECOVERY: the instant recovered to' }),
    attempts: t.exposeInt('attempts', { description: 'How many times a worker took the job (more than 1: a process stopped under it and another resumed it)' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the job failed (nothing was restored; a backup is FAILED)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const RollbackResultRef = builder.objectRef<RollbackResult>('RollbackResult').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (result) => result.tenant }),
    restoredFrom: t.field({ type: BackupRecordRef, resolve: (result) => result.restoredFrom }),
    safetyBackup: t.field({
      type: BackupRecordRef,
      nullable: true,
      description: 'The state just before the rollback; null when the rollback runs as a job (the job takes it first)',
      resolve: (result) => result.safetyBackup,
    }),
    job: t.field({
      type: BackupJobRef,
      nullable: true,
      description: 'The job restoring a tenant whose databases hold rows; null when the rollback was done within the request',
      resolve: (result) => result.job,
    }),
  }),
});

export const TenantRecoveryRef = builder.prismaObject('TenantRecovery', {
  description: 'A point-in-time recovery; undoable until expiresAt',
  fields: (t) => ({
    id: t.exposeID('id'),
    targetTimestamp: t.expose('targetTimestamp', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'The end of the 24-hour undo window' }),
    undoneAt: t.expose('undoneAt', { type: 'DateTime', nullable: true }),
    originalHost: t.exposeString('originalHost', {
      nullable: true,
      description: "The data-plane server the tenant's databases were on when recovered (null: recorded before this was kept, or no database)",
    }),
  }),
});

export const RecoveryResultRef = builder.objectRef<RecoveryResult>('RecoveryResult').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (result) => result.tenant }),
    targetTimestamp: t.field({ type: 'DateTime', description: 'The instant recovered to', resolve: (result) => result.targetTimestamp }),
    recovery: t.field({
      type: TenantRecoveryRef,
      nullable: true,
      description: 'The recovery, undoable for 24 hours; null while a job recovers a tenant whose databases hold rows (it is written as the job ends)',
      resolve: (result) => result.recovery,
    }),
    job: t.field({
      type: BackupJobRef,
      nullable: true,
      description: 'The job recovering a tenant whose databases hold rows; null when the recovery was done within the request',
      resolve: (result) => result.job,
    }),
    restoredFrom: t.field({
      type: BackupRecordRef,
      description: 'The base backup; the configuration is the revision in force at the timestamp',
      resolve: (result) => result.restoredFrom,
    }),
  }),
});

export const UndoRecoveryResultRef = builder.objectRef<UndoRecoveryResult>('UndoRecoveryResult').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (result) => result.tenant }),
    recovery: t.field({
      type: TenantRecoveryRef,
      description: 'The recovery undone (undoneAt is set when a job undoing it ends)',
      resolve: (result) => result.recovery,
    }),
    job: t.field({
      type: BackupJobRef,
      nullable: true,
      description: 'The job undoing the recovery of a tenant whose databases hold rows; null when it was done within the request',
      resolve: (result) => result.job,
    }),
  }),
});
