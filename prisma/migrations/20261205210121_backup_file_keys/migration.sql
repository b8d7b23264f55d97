-- Each encrypted backup file gets a data key of its own, wrapped by the keyring and kept here, so a key rotation re-wraps this column and never rewrites a file
-- AlterTable
ALTER TABLE "BackupRecord" ADD COLUMN     "wrappedFileKey" BYTEA;
