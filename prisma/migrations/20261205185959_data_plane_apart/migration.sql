-- The schemas in the gateway's own database become legacy ones, kept by name until moved into the data plane at start
ALTER TABLE "TenantDatabase" RENAME COLUMN "schemaName" TO "legacySchemaName";
ALTER INDEX "TenantDatabase_schemaName_key" RENAME TO "TenantDatabase_legacySchemaName_key";
ALTER TABLE "TenantDatabase" ADD COLUMN "placementId" UUID;

ALTER TABLE "Workspace" RENAME COLUMN "schemaName" TO "legacySchemaName";
ALTER TABLE "Workspace" ALTER COLUMN "legacySchemaName" DROP NOT NULL;
ALTER INDEX "Workspace_schemaName_key" RENAME TO "Workspace_legacySchemaName_key";
ALTER TABLE "Workspace" ADD COLUMN "placementId" UUID;

-- CreateTable
CREATE TABLE "DataPlaneDatabase" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "server" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "readyAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DataPlaneDatabase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataPlacement" (
    "id" UUID NOT NULL,
    "databaseId" UUID NOT NULL,
    "schemaName" TEXT NOT NULL,
    "roleName" TEXT NOT NULL,
    "passwordSealed" BYTEA NOT NULL,
    "readyAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DataPlacement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DataPlaneDatabase_projectId_idx" ON "DataPlaneDatabase"("projectId");

-- CreateIndex
CREATE UNIQUE INDEX "DataPlaneDatabase_server_name_key" ON "DataPlaneDatabase"("server", "name");

-- CreateIndex
CREATE UNIQUE INDEX "DataPlacement_roleName_key" ON "DataPlacement"("roleName");

-- CreateIndex
CREATE UNIQUE INDEX "DataPlacement_databaseId_schemaName_key" ON "DataPlacement"("databaseId", "schemaName");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDatabase_placementId_key" ON "TenantDatabase"("placementId");

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_placementId_key" ON "Workspace"("placementId");

-- AddForeignKey
ALTER TABLE "TenantDatabase" ADD CONSTRAINT "TenantDatabase_placementId_fkey" FOREIGN KEY ("placementId") REFERENCES "DataPlacement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_placementId_fkey" FOREIGN KEY ("placementId") REFERENCES "DataPlacement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DataPlacement" ADD CONSTRAINT "DataPlacement_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES "DataPlaneDatabase"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
