-- AlterTable
ALTER TABLE "BackupRecord" ADD COLUMN     "copies" TEXT[] DEFAULT ARRAY[]::TEXT[];
