-- AlterTable
ALTER TABLE "DataPlaneDatabase" ADD COLUMN     "dedicated" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "TenantDatabase" ADD COLUMN     "movedFromPlacementId" UUID,
ADD COLUMN     "movingToPlacementId" UUID;
