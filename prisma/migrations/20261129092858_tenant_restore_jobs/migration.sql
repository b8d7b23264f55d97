-- CreateEnum
CREATE TYPE "RestoreJobStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "TenantRestoreJob" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "backupId" UUID NOT NULL,
    "safetyBackupId" UUID,
    "status" "RestoreJobStatus" NOT NULL DEFAULT 'PENDING',
    "error" TEXT,
    "actorId" TEXT NOT NULL,
    "actorLabel" TEXT NOT NULL,
    "requestId" TEXT,
    "clientAddress" TEXT,
    "leaseToken" UUID,
    "leaseUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "TenantRestoreJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantRestoreJob_tenantId_createdAt_idx" ON "TenantRestoreJob"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "TenantRestoreJob_status_leaseUntil_idx" ON "TenantRestoreJob"("status", "leaseUntil");

-- AddForeignKey
ALTER TABLE "TenantRestoreJob" ADD CONSTRAINT "TenantRestoreJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TenantRestoreJob" ADD CONSTRAINT "TenantRestoreJob_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES "BackupRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;
