import type { Database } from '../../src/gateway-db/client.js';
import type { JobHandler } from '../../src/jobs/handler.js';

/** A table of effects the queue's tests count: one row per job, `runs` its committed effects. */
export async function createEffectsTable(database: Pick<Database, 'prisma'>): Promise<void> {
  await database.prisma.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS job_test_effects (job uuid PRIMARY KEY, runs int NOT NULL DEFAULT 0)');
}

export async function effectsOf(database: Pick<Database, 'prisma'>, jobId: string): Promise<number | null> {
  const [row] = await database.prisma.$queryRawUnsafe<{ runs: number }[]>('SELECT runs FROM job_test_effects WHERE job = $1::uuid', jobId);
  return row ? Number(row.runs) : null;
}

export const killTestKind = 'test-kill';

/**
 * A job whose effect (one more run counted) commits with its end, as the gateway's jobs do.
 * `stall`: it stops midway and waits there forever (the process is killed under it).
 */
export function effectHandler(
  database: Pick<Database, 'prisma'>,
  mode: 'stall' | 'finish',
  leaseMs: number,
  say: (line: string) => void = () => {},
): JobHandler {
  return {
    kind: killTestKind,
    leaseMs,
    resumedMessage: 'resuming test jobs a stopped process left unfinished',
    async run(job, { lease }) {
      say(`started ${job.id} ${job.attempts}`);
      if (mode === 'stall') await new Promise(() => {});
      await database.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('UPDATE job_test_effects SET runs = runs + 1 WHERE job = $1::uuid', job.id);
        if (!(await lease.end(tx))) throw new Error('the lease passed to another process');
      });
      say(`ended ${job.id}`);
    },
  };
}
