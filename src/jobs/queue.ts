import { randomUUID } from 'node:crypto';
import { Prisma, type Job, type PrismaClient } from '../generated/prisma/client.js';
import { utcNow } from '../gateway-db/sql-time.js';
import { activeTraceparent } from '../lib/tracing.js';

/**
 * The queue's SQL, all of it: enqueue, claim, renew, end, fail, release. Every statement starts
 * with `-- jobs:` so what counts statements can tell the queue's from a request's.
 */

export type { Job };

/** What a transaction (or the client itself) offers the queue. */
type Sql = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** The channel every enqueue notifies (payload: `<kind> <run_at in epoch ms>`), on commit. */
export const jobsChannel = 'jobs';

export type JobRequest = {
  kind: string;
  payload?: Prisma.InputJsonObject;
  /** Jobs with the same key run one at a time, in the order they were enqueued. */
  serialKey?: string;
  /** At most one job with this key: enqueuing it again moves the waiting one to the earlier run_at (graphile-worker's job_key). */
  uniqueKey?: string;
  /** Not before this instant (now by default). */
  runAt?: Date;
};

const at = (instant: Date) => Prisma.sql`${instant.toISOString()}::timestamp`;

/**
 * Records a job in the caller's transaction, so it exists exactly when the change that asked
 * for it committed; the queue's listeners are woken on commit. Under a `uniqueKey` already
 * taken: a waiting job keeps the earlier run_at, a failed one waits again, a running one runs
 * again after it ends (its revision changed).
 */
export async function enqueueJob(tx: Sql, request: JobRequest): Promise<{ id: string; runAt: Date }> {
  const runAt = request.runAt ? at(request.runAt) : utcNow;
  const [job] = await tx.$queryRaw<{ id: string; runAt: Date }[]>`-- jobs: enqueue
    INSERT INTO "Job" ("id", "kind", "payload", "serialKey", "uniqueKey", "runAt", "traceparent", "createdAt", "updatedAt")
    VALUES (${randomUUID()}::uuid, ${request.kind}, ${JSON.stringify(request.payload ?? {})}::jsonb, ${request.serialKey ?? null}, ${request.uniqueKey ?? null}, ${runAt}, ${activeTraceparent() ?? null}, ${utcNow}, ${utcNow})
    ON CONFLICT ("uniqueKey") DO UPDATE SET
      "payload" = EXCLUDED."payload",
      "traceparent" = coalesce(EXCLUDED."traceparent", "Job"."traceparent"),
      "runAt" = CASE WHEN "Job"."status" = 'WAITING' THEN least("Job"."runAt", EXCLUDED."runAt") ELSE EXCLUDED."runAt" END,
      "status" = CASE WHEN "Job"."status" = 'FAILED' THEN 'WAITING'::"JobStatus" ELSE "Job"."status" END,
      "attempts" = CASE WHEN "Job"."status" = 'FAILED' THEN 0 ELSE "Job"."attempts" END,
      "revision" = "Job"."revision" + 1,
      "updatedAt" = EXCLUDED."updatedAt"
    RETURNING "id", "runAt"`;
  await tx.$executeRaw`-- jobs: notify
    SELECT pg_notify(${jobsChannel}, ${`${request.kind} ${job!.runAt.getTime()}`})`;
  return job!;
}

/** What the runner knows of a kind it claims for: how long a claim holds, and how many claims a job gets. */
export type Lane = { kind: string; leaseMs: number; maxAttempts: number | null };

/**
 * Claims one due job of the given kinds under the lease `token`, in the manner of
 * graphile-worker's get_job: a CTE picks the first row by run_at that is due (waiting, or
 * running under a lease that ran out: its process died), within its kind's attempts, and first
 * in line among the unfinished jobs of its serialization key, locking it FOR UPDATE SKIP LOCKED
 * so concurrent claimers pass over it; the update takes the lease and counts the attempt. A job
 * whose last allowed attempt died with its process is claimed once more, for the runner to
 * fail it.
 */
export async function claimJob(db: Sql, lanes: Lane[], token: string): Promise<Job | null> {
  if (lanes.length === 0) return null;
  const [job] = await db.$queryRaw<Job[]>`-- jobs: claim
    WITH lane AS (
      SELECT * FROM unnest(${lanes.map((lane) => lane.kind)}::text[], ${lanes.map((lane) => lane.leaseMs)}::int[], ${lanes.map((lane) => lane.maxAttempts ?? 0)}::int[])
        AS lane("kind", "leaseMs", "maxAttempts")
    ), next AS (
      SELECT job."id", lane."leaseMs"
        FROM "Job" job JOIN lane ON lane."kind" = job."kind"
       WHERE ((job."status" = 'WAITING' AND job."runAt" <= ${utcNow} AND (lane."maxAttempts" = 0 OR job."attempts" < lane."maxAttempts"))
              OR (job."status" = 'RUNNING' AND job."leaseUntil" < ${utcNow}))
         AND (job."serialKey" IS NULL OR NOT EXISTS (
               SELECT 1 FROM "Job" other
                WHERE other."serialKey" = job."serialKey" AND other."id" <> job."id" AND other."status" <> 'FAILED'
                  AND ((other."status" = 'RUNNING' AND other."leaseUntil" >= ${utcNow}) OR (other."createdAt", other."id") < (job."createdAt", job."id"))))
       ORDER BY job."runAt", job."createdAt", job."id"
       LIMIT 1
       FOR UPDATE OF job SKIP LOCKED
    )
    UPDATE "Job" SET "status" = 'RUNNING', "leaseToken" = ${token}::uuid,
           "leaseUntil" = ${utcNow} + next."leaseMs" * interval '1 millisecond',
           "attempts" = "Job"."attempts" + 1, "updatedAt" = ${utcNow}
      FROM next WHERE "Job"."id" = next."id"
    RETURNING "Job".*`;
  return job ?? null;
}

/**
 * What a claim holds. Handlers commit their effect with `end` in their own transaction (a
 * restore's, a backup record's), which first checks the claim is still theirs: a worker that lost
 * it (it stalled past its lease and another took over) commits nothing.
 */
export type JobLease = {
  readonly job: Job;
  /** Extends the lease by the kind's lease time; false once the job is no longer this claim's. */
  renew(): Promise<boolean>;
  /** Whether the job is still this claim's. */
  holds(): Promise<boolean>;
  /** In `tx`: locks the job's row; false when it is no longer this claim's (then nothing `tx` writes should commit). */
  check(tx: Sql): Promise<boolean>;
  /** In `tx`: ends the job (or, with `again`, makes it wait until then); false when it is no longer this claim's. */
  end(tx: Sql, again?: Date): Promise<boolean>;
  /** Whether `end` ran in a transaction (the runner then leaves the job alone; if that transaction rolled back, the job runs again once its lease runs out). */
  readonly ended: boolean;
};

export function leaseOf(prisma: Sql, job: Job, leaseMs: number): JobLease {
  const token = job.leaseToken!;
  let ended = false;
  return {
    job,
    get ended() {
      return ended;
    },
    async renew() {
      const renewed = await prisma.$executeRaw`-- jobs: renew
        UPDATE "Job" SET "leaseUntil" = ${utcNow} + ${leaseMs}::int * interval '1 millisecond'
         WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${token}::uuid`;
      return renewed === 1;
    },
    async holds() {
      const held = await prisma.$queryRaw<unknown[]>`-- jobs: holds
        SELECT 1 FROM "Job" WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${token}::uuid`;
      return held.length === 1;
    },
    async check(tx) {
      const held = await tx.$queryRaw<unknown[]>`-- jobs: check
        SELECT 1 FROM "Job" WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${token}::uuid FOR UPDATE`;
      return held.length === 1;
    },
    async end(tx, again) {
      // Deleted unless it was enqueued again meanwhile (its revision moved): then it waits for that run.
      const deleted = again
        ? 0
        : await tx.$executeRaw`-- jobs: end
            DELETE FROM "Job" WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${token}::uuid AND "revision" = ${job.revision}`;
      const kept =
        deleted === 1
          ? 0
          : await tx.$executeRaw`-- jobs: end
              UPDATE "Job" SET "status" = 'WAITING', "leaseToken" = NULL, "leaseUntil" = NULL, "attempts" = 0, "lastError" = NULL, "updatedAt" = ${utcNow},
                     "runAt" = ${again ? Prisma.sql`CASE WHEN "revision" = ${job.revision} THEN ${at(again)} ELSE least("runAt", ${at(again)}) END` : Prisma.sql`"runAt"`}
               WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${token}::uuid`;
      ended = deleted === 1 || kept === 1;
      return ended;
    },
  };
}

/**
 * A failed attempt, in `tx`: the job waits `retryInMs` (its backoff), or, `giveUp`, stays FAILED
 * with the error. False when the job is no longer this claim's.
 */
export async function failJob(tx: Sql, job: Job, failure: { error: string; retryInMs: number | null }): Promise<{ retryAt: Date | null } | false> {
  const [row] = await tx.$queryRaw<{ runAt: Date; status: Job['status'] }[]>`-- jobs: fail
    UPDATE "Job" SET "leaseToken" = NULL, "leaseUntil" = NULL, "lastError" = ${failure.error}, "updatedAt" = ${utcNow},
           "status" = ${failure.retryInMs === null ? Prisma.sql`'FAILED'::"JobStatus"` : Prisma.sql`'WAITING'::"JobStatus"`},
           "runAt" = ${failure.retryInMs === null ? Prisma.sql`"runAt"` : Prisma.sql`${utcNow} + ${failure.retryInMs}::int * interval '1 millisecond'`}
     WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${job.leaseToken}::uuid
    RETURNING "runAt", "status"`;
  if (!row) return false;
  return { retryAt: row.status === 'WAITING' ? row.runAt : null };
}

/** Hands the job back at once (a stopping process), rather than when its lease runs out. */
export async function releaseJob(db: Sql, job: Job): Promise<void> {
  await db.$executeRaw`-- jobs: release
    UPDATE "Job" SET "status" = 'WAITING', "leaseToken" = NULL, "leaseUntil" = NULL, "updatedAt" = ${utcNow}
     WHERE "id" = ${job.id}::uuid AND "leaseToken" = ${job.leaseToken}::uuid`;
}

/**
 * A process alone with its database (PGlite) holds every lease there is: the ones it finds at
 * start belong to a process that stopped, and their jobs run again now. Returns how many of
 * each kind.
 */
export async function takeOverLeases(db: Sql): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ kind: string }[]>`-- jobs: take over
    UPDATE "Job" SET "leaseUntil" = ${utcNow} - interval '1 millisecond'
     WHERE "status" = 'RUNNING'
    RETURNING "kind"`;
  const counts = new Map<string, number>();
  for (const { kind } of rows) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The queue as handlers and tests reach it on a Prisma client. */
export type QueueClient = Pick<PrismaClient, '$queryRaw' | '$executeRaw' | '$transaction'>;
