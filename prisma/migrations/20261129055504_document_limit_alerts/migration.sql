-- CreateTable
CREATE TABLE "DocumentLimitAlert" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "DocumentKind" NOT NULL,
    "level" "AlertLevel" NOT NULL,
    "used" INTEGER NOT NULL,
    "limit" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "DocumentLimitAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DocumentLimitAlert_tenantId_kind_resolvedAt_idx" ON "DocumentLimitAlert"("tenantId", "kind", "resolvedAt");

-- CreateIndex
CREATE INDEX "DocumentLimitAlert_tenantId_createdAt_idx" ON "DocumentLimitAlert"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "DocumentLimitAlert" ADD CONSTRAINT "DocumentLimitAlert_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
