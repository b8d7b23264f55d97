import type { Logger } from '../lib/logger.js';
import type { Leadership } from './leadership.js';

/**
 * A periodic task a module contributes. Every one is a sweep that works out from the database
 * what is due (backups by each tenant's schedule, retention by age, interrupted work by its
 * marks), so a round missed while leadership moves, or one run twice, changes nothing: the
 * schedule is the leader's, in memory, not rows.
 */
export type PeriodicTask = {
  name: string;
  /** How often; absent: once, at start. */
  everyMs?: number;
  /**
   * `leader`: one process among those sharing the database runs it (the scheduler's leader),
   * at once when it takes the lead and then every `everyMs`. `each process`: every process, on
   * what is its own (its in-memory buffers, its BACKUP_DIR).
   */
  runs: 'leader' | 'each process';
  /** Also once at start in every process: `before ready` holds the server until it ran (what a stopped process left is settled before anyone reads it), `beside` runs it while serving. */
  atStart?: 'before ready' | 'beside';
  run(context: { atStart: boolean; newlyLeading: boolean }): Promise<unknown>;
};

type TaskState = { task: PeriodicTask; running?: Promise<void>; timer?: NodeJS.Timeout; lastRun?: number };

const minuteMs = 60_000;

/**
 * The one scheduler: a leader (an advisory lock on PostgreSQL, the only process on PGlite) runs
 * the leader tasks; every process runs its own. Rounds of a task never overlap.
 */
export class Scheduler {
  private readonly tasks: TaskState[] = [];
  private tick: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  /** Whether this process led at its last tick: taking the lead runs every leader task at once. */
  private led = false;

  constructor(
    private readonly leadership: Leadership,
    private readonly logger: Logger,
  ) {}

  add(task: PeriodicTask): void {
    this.tasks.push({ task });
  }

  get leading(): boolean {
    return this.leadership.leading;
  }

  /** Runs the `before ready` tasks (resolves when they ran), then starts every timer. */
  async start(): Promise<void> {
    await Promise.all(
      this.tasks.filter(({ task }) => task.atStart === 'before ready').map((state) => this.runTask(state, { atStart: true, newlyLeading: false })),
    );
    for (const state of this.tasks) {
      if (state.task.atStart === 'beside') void this.runTask(state, { atStart: true, newlyLeading: false });
      if (state.task.runs === 'each process' && state.task.everyMs) {
        state.timer = setInterval(() => void this.runTask(state, { atStart: false, newlyLeading: false }), state.task.everyMs);
        state.timer.unref();
      }
    }
    const leaderTasks = this.tasks.filter(({ task }) => task.runs === 'leader' && task.everyMs);
    if (leaderTasks.length === 0) return;
    const tickMs = Math.max(100, Math.min(minuteMs, ...leaderTasks.map(({ task }) => task.everyMs!)));
    this.tick = setInterval(() => this.leaderTick(leaderTasks), tickMs);
    this.tick.unref();
    this.leaderTick(leaderTasks);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    for (const state of this.tasks) clearInterval(state.timer);
    await this.ticking;
    await Promise.all(this.tasks.map((state) => state.running));
    await this.leadership.close();
  }

  private leaderTick(tasks: TaskState[]): void {
    if (this.ticking || this.stopped) return;
    this.ticking = (async () => {
      const leads = await this.leadership.tryLead();
      const newlyLeading = leads && !this.led;
      this.led = leads;
      if (!leads || this.stopped) return;
      if (newlyLeading) this.logger.info('scheduler: this process runs the periodic tasks', { pid: process.pid, tasks: tasks.map(({ task }) => task.name) });
      const now = Date.now();
      for (const state of tasks) {
        if (!newlyLeading && state.lastRun !== undefined && now - state.lastRun < state.task.everyMs!) continue;
        state.lastRun = now;
        void this.runTask(state, { atStart: false, newlyLeading });
      }
    })()
      .catch((error) => this.logger.error('scheduler round failed', { error }))
      .finally(() => {
        this.ticking = null;
      });
  }

  private runTask(state: TaskState, context: { atStart: boolean; newlyLeading: boolean }): Promise<void> {
    if (state.running) return state.running;
    if (context.atStart) state.lastRun = Date.now();
    state.running = state.task
      .run(context)
      .then(() => undefined)
      .catch((error) => this.logger.error(`periodic task ${state.task.name} failed`, { error }))
      .finally(() => {
        state.running = undefined;
      });
    return state.running;
  }
}
