-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('IN_PROGRESS', 'COMPLETED');

-- CreateEnum
CREATE TYPE "DeploymentPhase" AS ENUM ('SCHEDULED', 'DATABASE_MIGRATION', 'DNS_UPDATE', 'SSL_SETUP', 'DONE');

-- CreateTable
CREATE TABLE "TenantDeployment" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "fromRegion" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "migrateData" BOOLEAN NOT NULL,
    "maintenanceWindow" TIMESTAMP(3),
    "status" "DeploymentStatus" NOT NULL DEFAULT 'IN_PROGRESS',
    "phase" "DeploymentPhase" NOT NULL,
    "phaseEndsAt" TIMESTAMP(3),
    "runningTenantId" UUID,
    "safetyBackupPath" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "estimatedCompletion" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "newDomain" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantDeployment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TenantDeployment_runningTenantId_key" ON "TenantDeployment"("runningTenantId");

-- CreateIndex
CREATE INDEX "TenantDeployment_tenantId_createdAt_idx" ON "TenantDeployment"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "TenantDeployment_status_phaseEndsAt_idx" ON "TenantDeployment"("status", "phaseEndsAt");

-- AddForeignKey
ALTER TABLE "TenantDeployment" ADD CONSTRAINT "TenantDeployment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
