import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../lib/logger.js';
import type { Job, JobLease } from './queue.js';

export type JobContext = {
  /** The claim: renew it between long steps, check it in a transaction, end the job with the effect's last writes. */
  lease: JobLease;
  /** True once the process is stopping: a job of many steps hands itself back (returns 'release') rather than holding its lease to the end. */
  stopping(): boolean;
  logger: Logger;
};

/**
 * What a run came to, besides ending the job: `release` hands it back unfinished (a stopping
 * process), `again` makes it wait until then (a tenant's next phase). The job ends when the
 * handler returns without having ended it itself (`lease.end` in its own transaction).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing has ended its job
export type JobOutcome = void | 'release' | { again: Date };

/** What a module contributes for one kind of job. */
export type JobHandler = {
  kind: string;
  /** How long a claim holds without renewal; the runner renews it every third of that while the handler runs. */
  leaseMs: number;
  /** Claims a job gets before it stays FAILED; null or absent: no limit (the handler ends its domain record itself). */
  maxAttempts?: number | null;
  /** Retry delay: baseMs × 2^(attempt − 1), at most maxMs. */
  backoff?: { baseMs: number; maxMs: number };
  /** How often to look for due jobs of this kind nobody woke this process for; the queue's JOBS_POLL_MS by default. */
  pollMs?: number;
  /** Logged when a process alone with its database takes over jobs of this kind a stopped process left. */
  resumedMessage?: string;
  run(job: Job, context: JobContext): Promise<JobOutcome>;
  /** Writes that go with a failed attempt, in its transaction: the domain record's view of it. `retryAt` null: given up. */
  failed?(tx: Prisma.TransactionClient, job: Job, failure: { error: unknown; retryAt: Date | null }): Promise<void>;
};

/**
 * Gives the event loop a turn: sockets are read and timers run before the caller goes on. A job
 * on PGlite needs it between its steps: PGlite runs each statement synchronously in this
 * process, so a job whose steps follow one another through promises alone (microtasks) never lets
 * Node read a request from its sockets until the whole job has ended.
 */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}
