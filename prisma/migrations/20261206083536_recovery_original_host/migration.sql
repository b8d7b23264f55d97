-- AlterTable
ALTER TABLE "TenantRecovery" ADD COLUMN     "originalHost" TEXT;
