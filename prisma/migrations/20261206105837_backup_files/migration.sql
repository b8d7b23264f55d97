-- CreateTable
CREATE TABLE "BackupFile" (
    "id" UUID NOT NULL,
    "backupId" UUID NOT NULL,
    "blueprint" TEXT NOT NULL,
    "databaseType" TEXT NOT NULL DEFAULT 'postgresql',
    "storagePath" TEXT NOT NULL,
    "sizeBytes" INTEGER,
    "checksum" TEXT,

    CONSTRAINT "BackupFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BackupFile_storagePath_key" ON "BackupFile"("storagePath");

-- CreateIndex
CREATE UNIQUE INDEX "BackupFile_backupId_blueprint_key" ON "BackupFile"("backupId", "blueprint");

-- AddForeignKey
ALTER TABLE "BackupFile" ADD CONSTRAINT "BackupFile_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES "BackupRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;
