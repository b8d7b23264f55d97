-- CreateTable
CREATE TABLE "CustomDomain" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "certificatePem" TEXT NOT NULL,
    "sealedPrivateKey" BYTEA NOT NULL,
    "certificateNotAfter" TIMESTAMP(3) NOT NULL,
    "verificationToken" TEXT NOT NULL,
    "verifiedDomain" TEXT,
    "verifiedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomDomain_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CustomDomain_verifiedDomain_key" ON "CustomDomain"("verifiedDomain");

-- CreateIndex
CREATE UNIQUE INDEX "CustomDomain_tenantId_domain_key" ON "CustomDomain"("tenantId", "domain");

-- AddForeignKey
ALTER TABLE "CustomDomain" ADD CONSTRAINT "CustomDomain_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
