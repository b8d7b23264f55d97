-- CreateEnum
CREATE TYPE "SchemaRolloutStatus" AS ENUM ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED');

-- CreateEnum
CREATE TYPE "SchemaRolloutTargetStatus" AS ENUM ('PENDING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "SchemaRollout" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "blueprint" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "status" "SchemaRolloutStatus" NOT NULL DEFAULT 'PENDING',
    "leaseToken" UUID,
    "leaseUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "SchemaRollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SchemaRolloutTarget" (
    "id" UUID NOT NULL,
    "rolloutId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "status" "SchemaRolloutTargetStatus" NOT NULL DEFAULT 'PENDING',
    "durationMs" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "SchemaRolloutTarget_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SchemaRollout_projectId_createdAt_id_idx" ON "SchemaRollout"("projectId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "SchemaRollout_status_leaseUntil_idx" ON "SchemaRollout"("status", "leaseUntil");

-- CreateIndex
CREATE INDEX "SchemaRolloutTarget_tenantId_createdAt_id_idx" ON "SchemaRolloutTarget"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SchemaRolloutTarget_rolloutId_tenantId_key" ON "SchemaRolloutTarget"("rolloutId", "tenantId");

-- AddForeignKey
ALTER TABLE "SchemaRollout" ADD CONSTRAINT "SchemaRollout_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaRolloutTarget" ADD CONSTRAINT "SchemaRolloutTarget_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "SchemaRollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaRolloutTarget" ADD CONSTRAINT "SchemaRolloutTarget_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
