-- Rollback jobs become backup jobs of four kinds (backup, rollback, recovery, recovery undo).
-- Renamed in place, so a rollback job an older process left unfinished still runs after the upgrade.
ALTER TYPE "RestoreJobStatus" RENAME TO "BackupJobStatus";

CREATE TYPE "BackupJobKind" AS ENUM ('BACKUP', 'ROLLBACK', 'RECOVERY', 'RECOVERY_UNDO');

ALTER TABLE "TenantRestoreJob" RENAME TO "BackupJob";
ALTER TABLE "BackupJob" RENAME CONSTRAINT "TenantRestoreJob_pkey" TO "BackupJob_pkey";
ALTER TABLE "BackupJob" RENAME CONSTRAINT "TenantRestoreJob_tenantId_fkey" TO "BackupJob_tenantId_fkey";
ALTER TABLE "BackupJob" RENAME CONSTRAINT "TenantRestoreJob_backupId_fkey" TO "BackupJob_backupId_fkey";
ALTER INDEX "TenantRestoreJob_tenantId_createdAt_idx" RENAME TO "BackupJob_tenantId_createdAt_idx";
ALTER INDEX "TenantRestoreJob_status_leaseUntil_idx" RENAME TO "BackupJob_status_leaseUntil_idx";

-- Every job recorded so far is a rollback, and new ones always name their kind.
ALTER TABLE "BackupJob" ADD COLUMN "kind" "BackupJobKind" NOT NULL DEFAULT 'ROLLBACK';
ALTER TABLE "BackupJob" ALTER COLUMN "kind" DROP DEFAULT;
ALTER TABLE "BackupJob" ADD COLUMN "targetTimestamp" TIMESTAMP(3);
ALTER TABLE "BackupJob" ADD COLUMN "recoveryId" UUID;
