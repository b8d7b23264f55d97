import type { PlanTier } from '../../generated/prisma/client.js';

/** What a project's plan allows it on the data plane. */
export type DataPlanePlan = {
  /** Queries of the project at once in one gateway process (admin, workspace and tenant queries together). */
  concurrentQueries: number;
  /** The longest a query may run, whatever the workspace's query_timeout_ms says. */
  queryTimeoutCeilingMs: number;
  /** Bytes of rows one statement's answer holds at most (as the server sends them). */
  resultBytes: number;
  /** Bytes the project's tables (with indexes and TOAST) may take in its data-plane database. */
  storageBytes: number;
};

export type DataPlanePlans = Record<PlanTier, DataPlanePlan>;

const tiers = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const;
const concurrentQueries = [4, 6, 8, 12];
const queryTimeoutCeilingMs = [30_000, 60_000, 120_000, 300_000];

/** The plans' data-plane limits: concurrency and timeout ceilings fixed here, storage and result sizes from the environment. */
export function dataPlanePlans(env: { DATA_PLANE_STORAGE_MB: string; DATA_PLANE_RESULT_BYTES: string }): DataPlanePlans {
  const storageMb = env.DATA_PLANE_STORAGE_MB.split(',').map(Number);
  const resultBytes = env.DATA_PLANE_RESULT_BYTES.split(',').map(Number);
  return Object.fromEntries(
    tiers.map((tier, index) => [
      tier,
      {
        concurrentQueries: concurrentQueries[index]!,
        queryTimeoutCeilingMs: queryTimeoutCeilingMs[index]!,
        resultBytes: resultBytes[index]!,
        storageBytes: storageMb[index]! * 1024 * 1024,
      },
    ]),
  ) as DataPlanePlans;
}
