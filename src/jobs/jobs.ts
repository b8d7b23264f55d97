import type { Database } from '../gateway-db/client.js';
import type { Logger } from '../lib/logger.js';
import type { JobHandler } from './handler.js';
import { openLeadership } from './leadership.js';
import { JobRunner } from './runner.js';
import { type PeriodicTask, Scheduler } from './scheduler.js';
import { openWakeUps } from './wake-ups.js';

/** The advisory lock the scheduler's leader holds (the backup scheduler's before it: old and new processes never both lead). */
const leaderLockKey = 0x7467_6231;

export type Jobs = {
  /** A module's handler for one kind of job. */
  handle(handler: JobHandler): void;
  /** A module's periodic task. */
  every(task: PeriodicTask): void;
  /** Takes over what a stopped process left (alone with the database), runs the `before ready` tasks, then runs jobs and the schedule; resolves when the server may listen. */
  start(): Promise<void>;
  /** Looks for jobs of `kind` now (one was just recorded here): NOTIFY would say so a moment later. */
  wake(kind?: string): void;
  readonly scheduler: Scheduler;
  /** Waits for the jobs under way (a job of many steps hands itself back) and the tasks' rounds. */
  stop(): Promise<void>;
};

/** The one room for background work: the durable queue's runner and the leader-elected scheduler. */
export function createJobs(database: Pick<Database, 'kind' | 'url' | 'pglite' | 'prisma'>, logger: Logger, settings: { pollMs: number }): Jobs {
  const alone = database.kind === 'pglite';
  const runner = new JobRunner(database.prisma, openWakeUps(database, logger), { pollMs: settings.pollMs, alone }, logger);
  const scheduler = new Scheduler(openLeadership(database, leaderLockKey), logger);
  let starting: Promise<void> | undefined;
  return {
    handle: (handler) => runner.register(handler),
    every: (task) => scheduler.add(task),
    start() {
      starting ??= (async () => {
        await runner.start();
        await scheduler.start();
      })();
      return starting;
    },
    wake: (kind) => runner.wake(kind),
    scheduler,
    async stop() {
      // A process closed while it was still starting: what start sent its database goes first, or it
      // would reach a closed database (PGlite spins forever on a query after its Terminate).
      await starting?.catch(() => undefined);
      await scheduler.stop();
      await runner.stop();
    },
  };
}
