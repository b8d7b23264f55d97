-- DropIndex
DROP INDEX "TenantConfigRevision_tenantId_version_key";

-- AlterTable
ALTER TABLE "TenantConfigRevision" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'config';

-- CreateTable
CREATE TABLE "TenantGatewayConfig" (
    "tenantId" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "document" JSONB NOT NULL,
    "quotaPerMinute" INTEGER,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantGatewayConfig_pkey" PRIMARY KEY ("tenantId")
);

-- CreateIndex
CREATE UNIQUE INDEX "TenantConfigRevision_tenantId_kind_version_key" ON "TenantConfigRevision"("tenantId", "kind", "version");

-- AddForeignKey
ALTER TABLE "TenantGatewayConfig" ADD CONSTRAINT "TenantGatewayConfig_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
