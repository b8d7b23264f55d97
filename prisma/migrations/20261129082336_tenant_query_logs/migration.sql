-- CreateEnum
CREATE TYPE "QuerySource" AS ENUM ('API', 'PROXY');

-- CreateTable
CREATE TABLE "TenantQueryLog" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "source" "QuerySource" NOT NULL,
    "blueprint" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "success" BOOLEAN NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantQueryLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantQueryLog_tenantId_createdAt_id_idx" ON "TenantQueryLog"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "TenantQueryLog_createdAt_idx" ON "TenantQueryLog"("createdAt");

-- AddForeignKey
ALTER TABLE "TenantQueryLog" ADD CONSTRAINT "TenantQueryLog_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
