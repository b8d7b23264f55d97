-- CreateEnum
CREATE TYPE "DatabaseStatus" AS ENUM ('PROVISIONING', 'READY', 'SYNCING', 'MIGRATING');

-- AlterTable
ALTER TABLE "BackupRecord" ADD COLUMN     "baseBackupId" UUID,
ADD COLUMN     "compressed" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "encrypted" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "tier" "PlanTier" NOT NULL DEFAULT 'FREE';

-- CreateTable
CREATE TABLE "TenantDatabase" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "blueprint" TEXT NOT NULL,
    "databaseType" TEXT NOT NULL DEFAULT 'PostgreSQL',
    "isolation" "IsolationLevel" NOT NULL,
    "region" TEXT NOT NULL,
    "status" "DatabaseStatus" NOT NULL,
    "phaseEndsAt" TIMESTAMP(3),
    "targetIsolation" "IsolationLevel",
    "targetRegion" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TenantDatabase_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantDatabase_status_phaseEndsAt_idx" ON "TenantDatabase"("status", "phaseEndsAt");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDatabase_tenantId_blueprint_key" ON "TenantDatabase"("tenantId", "blueprint");

-- CreateIndex
CREATE INDEX "BackupRecord_status_createdAt_idx" ON "BackupRecord"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "TenantDatabase" ADD CONSTRAINT "TenantDatabase_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
