-- CreateEnum
CREATE TYPE "WorkspaceMode" AS ENUM ('TENANT', 'CONTROL');

-- CreateEnum
CREATE TYPE "SchemaChangeStatus" AS ENUM ('PENDING', 'DEPLOYED', 'REVERTED');

-- AlterTable
ALTER TABLE "TenantDatabase" ADD COLUMN     "blueprintId" UUID,
ADD COLUMN     "schemaName" TEXT,
ADD COLUMN     "schemaVersion" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Workspace" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "mode" "WorkspaceMode" NOT NULL,
    "databaseType" TEXT NOT NULL DEFAULT 'PostgreSQL',
    "schemaName" TEXT NOT NULL,
    "connectionUser" TEXT NOT NULL,
    "passwordSealed" BYTEA NOT NULL,
    "queryTimeoutMs" INTEGER NOT NULL DEFAULT 30000,
    "maxRowsPerQuery" INTEGER NOT NULL DEFAULT 10000,
    "maxConnections" INTEGER NOT NULL DEFAULT 100,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Blueprint" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "databaseType" TEXT NOT NULL DEFAULT 'PostgreSQL',
    "workspaceId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Blueprint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BlueprintVersion" (
    "id" UUID NOT NULL,
    "blueprintId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "statements" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deployedAt" TIMESTAMP(3),

    CONSTRAINT "BlueprintVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SchemaChange" (
    "id" SERIAL NOT NULL,
    "workspaceId" UUID NOT NULL,
    "statement" TEXT NOT NULL,
    "reverseStatement" TEXT,
    "status" "SchemaChangeStatus" NOT NULL DEFAULT 'PENDING',
    "position" INTEGER NOT NULL,
    "versionId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SchemaChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_schemaName_key" ON "Workspace"("schemaName");

-- CreateIndex
CREATE INDEX "Workspace_projectId_createdAt_idx" ON "Workspace"("projectId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_projectId_name_key" ON "Workspace"("projectId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Blueprint_workspaceId_key" ON "Blueprint"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "Blueprint_projectId_name_key" ON "Blueprint"("projectId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "BlueprintVersion_blueprintId_number_key" ON "BlueprintVersion"("blueprintId", "number");

-- CreateIndex
CREATE INDEX "SchemaChange_workspaceId_status_position_idx" ON "SchemaChange"("workspaceId", "status", "position");

-- CreateIndex
CREATE UNIQUE INDEX "SchemaChange_workspaceId_position_key" ON "SchemaChange"("workspaceId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDatabase_schemaName_key" ON "TenantDatabase"("schemaName");

-- CreateIndex
CREATE INDEX "TenantDatabase_blueprintId_schemaVersion_idx" ON "TenantDatabase"("blueprintId", "schemaVersion");

-- AddForeignKey
ALTER TABLE "TenantDatabase" ADD CONSTRAINT "TenantDatabase_blueprintId_fkey" FOREIGN KEY ("blueprintId") REFERENCES "Blueprint"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Blueprint" ADD CONSTRAINT "Blueprint_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Blueprint" ADD CONSTRAINT "Blueprint_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BlueprintVersion" ADD CONSTRAINT "BlueprintVersion_blueprintId_fkey" FOREIGN KEY ("blueprintId") REFERENCES "Blueprint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaChange" ADD CONSTRAINT "SchemaChange_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaChange" ADD CONSTRAINT "SchemaChange_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "BlueprintVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;
