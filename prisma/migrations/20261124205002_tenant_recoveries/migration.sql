-- CreateTable
CREATE TABLE "TenantRecovery" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "targetTimestamp" TIMESTAMP(3) NOT NULL,
    "safetyPath" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "undoneAt" TIMESTAMP(3),

    CONSTRAINT "TenantRecovery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantRecovery_tenantId_createdAt_idx" ON "TenantRecovery"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "TenantRecovery" ADD CONSTRAINT "TenantRecovery_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
