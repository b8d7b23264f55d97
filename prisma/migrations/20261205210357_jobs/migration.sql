-- One durable queue for background work (src/jobs/): the leases move from the domain records
-- (BackupJob, SchemaRollout, WebhookDelivery's nextAttemptAt, the phases' in-memory timers) to
-- one table, and every unfinished job an older process left gets its queue row here, so it
-- still runs after the upgrade.
CREATE TYPE "JobStatus" AS ENUM ('WAITING', 'RUNNING', 'FAILED');

CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "serialKey" TEXT,
    "uniqueKey" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "status" "JobStatus" NOT NULL DEFAULT 'WAITING',
    "runAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "leaseToken" UUID,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Job_uniqueKey_key" ON "Job"("uniqueKey");

CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");

CREATE INDEX "Job_serialKey_createdAt_id_idx" ON "Job"("serialKey", "createdAt", "id");

-- Backups and restores an older process recorded and did not finish, one at a time per tenant
-- as before. One it still held keeps its lease's end: no other process takes it over before
-- that (the older process cannot end it any more, its lease columns are gone below).
INSERT INTO "Job" ("id", "kind", "payload", "serialKey", "status", "runAt", "attempts", "leaseUntil", "createdAt", "updatedAt")
SELECT gen_random_uuid(), 'backup-job', jsonb_build_object('backupJobId', "id"), 'tenant:' || "tenantId",
       CASE WHEN "leaseUntil" IS NULL THEN 'WAITING'::"JobStatus" ELSE 'RUNNING'::"JobStatus" END,
       "createdAt", "attempts", "leaseUntil", "createdAt", (now() AT TIME ZONE 'UTC')
  FROM "BackupJob" WHERE "status" IN ('PENDING', 'RUNNING');

-- TenantsDB deployments (schema rollouts) likewise.
INSERT INTO "Job" ("id", "kind", "payload", "status", "runAt", "attempts", "leaseUntil", "createdAt", "updatedAt")
SELECT gen_random_uuid(), 'schema-rollout', jsonb_build_object('rolloutId', "id"),
       CASE WHEN "leaseUntil" IS NULL THEN 'WAITING'::"JobStatus" ELSE 'RUNNING'::"JobStatus" END,
       "createdAt", "attempts", "leaseUntil", "createdAt", (now() AT TIME ZONE 'UTC')
  FROM "SchemaRollout" WHERE "status" IN ('PENDING', 'IN_PROGRESS');

-- Webhook events not yet delivered nor given up, due at their next attempt.
INSERT INTO "Job" ("id", "kind", "payload", "runAt", "attempts", "createdAt", "updatedAt")
SELECT gen_random_uuid(), 'webhook-delivery', jsonb_build_object('deliveryId', "id"), "nextAttemptAt", "attempts", "createdAt", (now() AT TIME ZONE 'UTC')
  FROM "WebhookDelivery" WHERE "status" = 'PENDING';

-- Tenants with a database phase running (provisioning, a migration's sync or cutover): due when the first ends.
INSERT INTO "Job" ("id", "kind", "payload", "uniqueKey", "runAt", "createdAt", "updatedAt")
SELECT gen_random_uuid(), 'database-phases', jsonb_build_object('tenantId', "tenantId"), 'database-phases:' || "tenantId",
       min(coalesce("phaseEndsAt", (now() AT TIME ZONE 'UTC'))), (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
  FROM "TenantDatabase" WHERE "status" <> 'READY' GROUP BY "tenantId";

-- Control Core regional deployments in progress: due when their phase ends.
INSERT INTO "Job" ("id", "kind", "payload", "uniqueKey", "runAt", "createdAt", "updatedAt")
SELECT gen_random_uuid(), 'regional-deployment-phases', jsonb_build_object('tenantId', "tenantId"), 'regional-deployment-phases:' || "tenantId",
       min(coalesce("phaseEndsAt", (now() AT TIME ZONE 'UTC'))), (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
  FROM "TenantDeployment" WHERE "status" = 'IN_PROGRESS' GROUP BY "tenantId";

DROP INDEX "BackupJob_status_leaseUntil_idx";

DROP INDEX "SchemaRollout_status_leaseUntil_idx";

DROP INDEX "WebhookDelivery_status_nextAttemptAt_idx";

ALTER TABLE "BackupJob" DROP COLUMN "leaseToken",
DROP COLUMN "leaseUntil";

ALTER TABLE "SchemaRollout" DROP COLUMN "leaseToken",
DROP COLUMN "leaseUntil";
