import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from './logger.js';

/**
 * Gives the event loop a turn: sockets are read and timers run before the caller goes on. A job
 * on PGlite needs it between its steps: PGlite runs each statement synchronously in this
 * process, so a job whose steps follow one another through promises alone (microtasks) never lets
 * Node read a request from its sockets until the whole job has ended.
 */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}

/**
 * The loop of a durable job worker: `runOnce` claims and runs one job (false when none was
 * claimable); the loop runs jobs until none is left, then polls every `pollMs`. `kick` starts a
 * round at once (a job was just recorded here), or right after the current one; `stop` waits
 * for the round under way.
 */
export class JobLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private again = false;
  private busy = false;
  stopped = false;

  constructor(
    private readonly runOnce: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Runs `first` (a start-up step), then the first round. */
  start(first: () => Promise<void>): void {
    this.running = first()
      .catch((error) => this.logger.error(`starting the ${this.what} worker failed`, { error }))
      .finally(() => this.kick());
  }

  kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.busy = true;
    this.running = this.drain()
      .catch((error) => this.logger.error(`${this.what} round failed`, { error }))
      .finally(() => {
        this.busy = false;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.timer = setTimeout(() => this.kick(), this.pollMs);
          this.timer.unref();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs claimable jobs until none is left; returns how many it ran. */
  async drain(): Promise<number> {
    let ran = 0;
    while (!this.stopped && (await this.runOnce())) {
      ran++;
      await yieldToEventLoop();
    }
    return ran;
  }
}
