-- CreateEnum
CREATE TYPE "DocumentKind" AS ENUM ('POLICY', 'RESOURCE', 'BOUNCER');

-- CreateEnum
CREATE TYPE "PolicyMode" AS ENUM ('ACTIVE', 'SANDBOX');

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "customDomain" TEXT,
ADD COLUMN     "maxBouncers" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "maxPolicies" INTEGER NOT NULL DEFAULT 100;

-- CreateTable
CREATE TABLE "TenantDocument" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "DocumentKind" NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "spec" JSONB NOT NULL DEFAULT '{}',
    "mode" "PolicyMode",
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TenantDocument_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantDocument_tenantId_kind_createdAt_id_idx" ON "TenantDocument"("tenantId", "kind", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDocument_tenantId_kind_name_key" ON "TenantDocument"("tenantId", "kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_customDomain_key" ON "Tenant"("customDomain");

-- AddForeignKey
ALTER TABLE "TenantDocument" ADD CONSTRAINT "TenantDocument_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
