-- DropIndex
DROP INDEX "Tenant_slug_key";

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_projectId_slug_key" ON "Tenant"("projectId", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_without_project_key" ON "Tenant"("slug") WHERE ("projectId" IS NULL);
