-- CreateTable
CREATE TABLE "TenantSecretVersion" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantSecretVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TenantSecretVersion_tenantId_createdAt_idx" ON "TenantSecretVersion"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "TenantSecretVersion" ADD CONSTRAINT "TenantSecretVersion_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
