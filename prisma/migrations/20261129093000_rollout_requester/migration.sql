-- AlterTable
ALTER TABLE "SchemaRollout" ADD COLUMN     "clientAddress" TEXT,
ADD COLUMN     "requestId" TEXT,
ADD COLUMN     "requestedBy" TEXT,
ADD COLUMN     "requestedById" TEXT;
