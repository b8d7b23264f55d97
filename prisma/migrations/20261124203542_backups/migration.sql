-- CreateEnum
CREATE TYPE "BackupTrigger" AS ENUM ('MANUAL', 'SCHEDULED', 'SAFETY');

-- CreateEnum
CREATE TYPE "BackupKind" AS ENUM ('FULL', 'INCREMENTAL');

-- CreateEnum
CREATE TYPE "BackupStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "BackupRecord" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "trigger" "BackupTrigger" NOT NULL DEFAULT 'MANUAL',
    "kind" "BackupKind" NOT NULL DEFAULT 'FULL',
    "status" "BackupStatus" NOT NULL DEFAULT 'PENDING',
    "failureReason" TEXT,
    "destination" TEXT NOT NULL DEFAULT 'local',
    "storagePath" TEXT,
    "sizeBytes" INTEGER,
    "checksum" TEXT,
    "formatVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "BackupRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BackupRecord_storagePath_key" ON "BackupRecord"("storagePath");

-- CreateIndex
CREATE INDEX "BackupRecord_tenantId_createdAt_idx" ON "BackupRecord"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "BackupRecord" ADD CONSTRAINT "BackupRecord_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
