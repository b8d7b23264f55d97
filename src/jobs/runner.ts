import { randomUUID } from 'node:crypto';
import { DomainError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { inSpan, type Span, SpanKind, spanFailed, traceContextFrom } from '../lib/tracing.js';
import { type JobHandler, yieldToEventLoop } from './handler.js';
import { claimJob, failJob, type Job, leaseOf, type QueueClient, releaseJob, takeOverLeases } from './queue.js';
import type { WakeUps } from './wake-ups.js';

export type RunnerSettings = {
  /** How often each kind is looked for when nothing woke this process (JOBS_POLL_MS): leases that ran out, wake-ups missed. */
  pollMs: number;
  /** Alone with its database (PGlite): every lease found at start is a stopped process's, taken over at once. */
  alone: boolean;
};

type Lane = {
  handler: JobHandler;
  /** Something may be due: the next claim asks for this kind. */
  awake: boolean;
  /** Wake-ups so far: a claim that found nothing puts the lane to sleep only if none came meanwhile. */
  wakes: number;
  /** One job of a kind at a time per process (as each worker ran before): a slow kind never holds up another. */
  busy: boolean;
  poll?: NodeJS.Timeout;
  /** Instants jobs of this kind are due at (run_at in the future), earliest first: a timer wakes the lane then. */
  due: number[];
  dueTimer?: NodeJS.Timeout;
};

const defaultBackoff = { baseMs: 1_000, maxMs: 300_000 };
/** Due instants remembered per kind; beyond them the poll finds the job. */
const maxDue = 1_000;
const maxTimerMs = 2_147_483_647;

/** What a log line says of a failure: the gateway's own message, never a library's (it may quote tenant data). */
const describe = (error: unknown) => ({
  error: error instanceof DomainError ? error.message : 'unexpected error',
  errorName: error instanceof Error ? error.name : typeof error,
  errorCode: (error as { code?: unknown } | null)?.code,
});

/**
 * Runs the queue's jobs in this process: one lane per kind, each woken by NOTIFY (a job
 * enqueued anywhere), by a timer at a job's run_at known here (a retry, a next phase), or by its
 * poll. A claimed job runs under a lease the heartbeat renews every third of its length; the
 * handler commits its effect with the job's end, or the runner ends it (or records the failure
 * and its backoff) in one transaction that first checks the lease.
 */
export class JobRunner {
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Set<Promise<void>>();
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private stopped = false;
  private started = false;

  constructor(
    private readonly prisma: QueueClient,
    private readonly wakeUps: WakeUps,
    private readonly settings: RunnerSettings,
    private readonly logger: Logger,
  ) {}

  register(handler: JobHandler): void {
    if (this.lanes.has(handler.kind)) throw new Error(`two handlers for jobs of kind ${handler.kind}`);
    this.lanes.set(handler.kind, { handler, awake: false, wakes: 0, busy: false, due: [] });
  }

  get kinds(): string[] {
    return [...this.lanes.keys()];
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.settings.alone) {
      for (const [kind, jobs] of await takeOverLeases(this.prisma)) {
        this.logger.warn(this.lanes.get(kind)?.handler.resumedMessage ?? 'resuming jobs a stopped process left unfinished', { kind, jobs });
      }
    }
    try {
      await this.wakeUps.listen(
        (kind, runAt) => this.wake(kind, runAt),
        () => this.wake(),
      );
    } catch (error) {
      this.logger.warn('job wake-ups unavailable: polling only until they are back', { error });
    }
    this.wake();
  }

  /** Looks for jobs of `kind` (every kind when absent) now, or at `at` when that is later. */
  wake(kind?: string, at?: Date): void {
    if (this.stopped || !this.started) return;
    const lanes = kind === undefined ? [...this.lanes.values()] : [this.lanes.get(kind)].filter((lane) => lane !== undefined);
    for (const lane of lanes) {
      if (at && at.getTime() > Date.now() + 5) this.dueAt(lane, at.getTime());
      else this.rouse(lane);
    }
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes.values()) {
      clearTimeout(lane.poll);
      clearTimeout(lane.dueTimer);
    }
    await this.wakeUps.close();
    await this.pumping;
    await Promise.all(this.running);
  }

  private rouse(lane: Lane): void {
    lane.awake = true;
    lane.wakes += 1;
  }

  private dueAt(lane: Lane, instant: number): void {
    if (lane.due.includes(instant)) return;
    lane.due.push(instant);
    lane.due.sort((a, b) => a - b);
    lane.due.length = Math.min(lane.due.length, maxDue);
    this.armDue(lane);
  }

  private armDue(lane: Lane): void {
    clearTimeout(lane.dueTimer);
    const next = lane.due[0];
    if (next === undefined || this.stopped) return;
    lane.dueTimer = setTimeout(
      () => {
        lane.due = lane.due.filter((instant) => instant > Date.now() + 5);
        this.rouse(lane);
        this.armDue(lane);
        this.pump();
      },
      Math.min(maxTimerMs, Math.max(0, next - Date.now())),
    );
    lane.dueTimer.unref();
  }

  private sleep(lane: Lane): void {
    lane.awake = false;
    if (lane.poll || this.stopped) return;
    lane.poll = setTimeout(() => {
      lane.poll = undefined;
      this.wakeUps.ensure();
      this.rouse(lane);
      this.pump();
    }, lane.handler.pollMs ?? this.settings.pollMs);
    lane.poll.unref();
  }

  /** Claims while some awake kind has room; one claim at a time. */
  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.claimWhileDue()
      .catch((error) => {
        this.logger.error('claiming jobs failed', { error });
        for (const lane of this.lanes.values()) if (!lane.busy) this.sleep(lane);
      })
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async claimWhileDue(): Promise<void> {
    while (!this.stopped) {
      const ready = [...this.lanes.values()].filter((lane) => lane.awake && !lane.busy);
      if (ready.length === 0) return;
      const wakes = ready.map((lane) => lane.wakes);
      const job = await claimJob(
        this.prisma,
        ready.map((lane) => ({ kind: lane.handler.kind, leaseMs: lane.handler.leaseMs, maxAttempts: lane.handler.maxAttempts ?? null })),
        randomUUID(),
      );
      if (!job) {
        ready.forEach((lane, index) => {
          if (lane.wakes === wakes[index]) this.sleep(lane);
        });
        continue;
      }
      const lane = this.lanes.get(job.kind)!;
      lane.busy = true;
      const run: Promise<void> = this.run(lane.handler, job).finally(() => {
        lane.busy = false;
        this.running.delete(run);
        // The next job of its key (or of its kind) may be claimable now.
        if (job.serialKey) this.wake();
        else this.wake(job.kind);
      });
      this.running.add(run);
      // Requests get their turn between claims (PGlite: see yieldToEventLoop).
      await yieldToEventLoop();
    }
  }

  /** A run continues the trace that enqueued the job (its recorded traceparent), when tracing is on. */
  private run(handler: JobHandler, job: Job): Promise<void> {
    return inSpan(
      `job ${job.kind}`,
      {
        kind: SpanKind.CONSUMER,
        parent: traceContextFrom({ traceparent: job.traceparent }),
        attributes: { 'job.kind': job.kind, 'job.id': job.id, 'job.attempt': job.attempts },
      },
      (span) => this.runClaimed(handler, job, span),
    );
  }

  /** A failure is recorded here rather than thrown: `span` is marked failed with it, or it would end as a success. */
  private async runClaimed(handler: JobHandler, job: Job, span?: Span): Promise<void> {
    if (handler.maxAttempts != null && job.attempts > handler.maxAttempts) {
      const stopped = new Error('the process running its last attempt stopped');
      spanFailed(span, stopped);
      await this.fail(handler, job, stopped, true);
      return;
    }
    const lease = leaseOf(this.prisma, job, handler.leaseMs);
    // Renewed on a timer, not only between steps: one step (a large snapshot, a slow upload, a long
    // ALTER TABLE) may outlast the lease, and another process must not take over a job still running here.
    const heartbeat = setInterval(() => void lease.renew().catch(() => false), Math.max(100, Math.floor(handler.leaseMs / 3)));
    heartbeat.unref();
    try {
      const outcome = await handler.run(job, { lease, stopping: () => this.stopped, logger: this.logger });
      if (lease.ended) return;
      if (outcome === 'release') {
        await releaseJob(this.prisma, job);
        return;
      }
      const again = outcome ? outcome.again : undefined;
      if ((await this.prisma.$transaction((tx) => lease.end(tx, again))) && again) this.wake(job.kind, again);
    } catch (error) {
      spanFailed(span, error);
      if (lease.ended) {
        // The handler ended the job failed with its domain record, then threw for the log.
        this.logger.warn('a job failed', { kind: job.kind, job: job.id, ...describe(error) });
        return;
      }
      await this.fail(handler, job, error, false);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(handler: JobHandler, job: Job, error: unknown, final: boolean): Promise<void> {
    const attemptsLeft = handler.maxAttempts == null || job.attempts < handler.maxAttempts;
    const { baseMs, maxMs } = handler.backoff ?? defaultBackoff;
    const retryInMs = final || !attemptsLeft ? null : Math.min(maxMs, baseMs * 2 ** Math.max(0, job.attempts - 1));
    try {
      const failed = await this.prisma.$transaction(async (tx) => {
        const recorded = await failJob(tx, job, { error: error instanceof Error ? error.message : String(error), retryInMs });
        if (recorded !== false) await handler.failed?.(tx, job, { error, retryAt: recorded.retryAt });
        return recorded;
      });
      if (failed === false) return;
      this.logger.warn(failed.retryAt ? 'a job failed; it will be retried' : 'a job failed; given up', {
        kind: job.kind,
        job: job.id,
        attempts: job.attempts,
        ...describe(error),
      });
      if (failed.retryAt) this.wake(job.kind, failed.retryAt);
    } catch (recording) {
      // Its lease runs out and it is claimed again.
      this.logger.error('recording a failed job failed', { kind: job.kind, job: job.id, error: recording });
    }
  }
}
