-- CreateEnum
CREATE TYPE "LimitPeriod" AS ENUM ('MINUTE', 'HOUR', 'DAY', 'MONTH');

-- CreateEnum
CREATE TYPE "GateAction" AS ENUM ('BLOCK', 'WARN');

-- CreateEnum
CREATE TYPE "AlertLevel" AS ENUM ('WARNING', 'CRITICAL');

-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('ACTIVE', 'RESOLVED');

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "maxLlmTokensPerMonth" INTEGER NOT NULL DEFAULT 100000;

-- CreateTable
CREATE TABLE "ApiCallStat" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "endpoint" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "latencyMsSum" DOUBLE PRECISION NOT NULL,
    "latencyBuckets" INTEGER[],

    CONSTRAINT "ApiCallStat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageRecord" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "resource" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "userId" TEXT,
    "amount" DOUBLE PRECISION NOT NULL,
    "idempotencyKey" TEXT,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResourceLimit" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "resource" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" "LimitPeriod" NOT NULL,
    "limit" DOUBLE PRECISION NOT NULL,
    "tiers" JSONB NOT NULL DEFAULT '{}',
    "gateAction" "GateAction" NOT NULL DEFAULT 'BLOCK',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ResourceLimit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageAlert" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "limitId" UUID NOT NULL,
    "userId" TEXT,
    "level" "AlertLevel" NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'ACTIVE',
    "current" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "percentage" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "UsageAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiCallStat_tenantId_hour_endpoint_key" ON "ApiCallStat"("tenantId", "hour", "endpoint");

-- CreateIndex
CREATE INDEX "UsageRecord_tenantId_resource_metric_recordedAt_idx" ON "UsageRecord"("tenantId", "resource", "metric", "recordedAt");

-- CreateIndex
CREATE UNIQUE INDEX "UsageRecord_tenantId_idempotencyKey_key" ON "UsageRecord"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "ResourceLimit_tenantId_resource_metric_period_key" ON "ResourceLimit"("tenantId", "resource", "metric", "period");

-- CreateIndex
CREATE INDEX "UsageAlert_tenantId_status_createdAt_idx" ON "UsageAlert"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "UsageAlert_limitId_userId_status_idx" ON "UsageAlert"("limitId", "userId", "status");

-- AddForeignKey
ALTER TABLE "ApiCallStat" ADD CONSTRAINT "ApiCallStat_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageRecord" ADD CONSTRAINT "UsageRecord_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResourceLimit" ADD CONSTRAINT "ResourceLimit_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageAlert" ADD CONSTRAINT "UsageAlert_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageAlert" ADD CONSTRAINT "UsageAlert_limitId_fkey" FOREIGN KEY ("limitId") REFERENCES "ResourceLimit"("id") ON DELETE CASCADE ON UPDATE CASCADE;
