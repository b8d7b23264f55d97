-- AlterTable
ALTER TABLE "TenantQueryLog" ADD COLUMN     "rows" INTEGER;

-- CreateTable
CREATE TABLE "ProxyTlsIdentity" (
    "id" TEXT NOT NULL,
    "certificatePem" TEXT NOT NULL,
    "keySealed" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProxyTlsIdentity_pkey" PRIMARY KEY ("id")
);
