import type { Logger } from './logger.js';

const hourMs = 3_600_000;

/**
 * Deletes what is older than `retentionDays` at start and every hour. Idempotent, so every
 * replica may run it; `prune` is the one statement that deletes.
 */
export abstract class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly what: string,
    protected readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  protected abstract deleteOlderThan(cutoff: Date): Promise<number>;

  prune(now = Date.now()): Promise<number> {
    return this.deleteOlderThan(new Date(now - this.retentionDays * 24 * hourMs));
  }

  start(): void {
    const run = () => {
      this.running = this.prune().catch((error) => this.logger.error(`pruning ${this.what} failed`, { error }));
    };
    run();
    this.timer = setInterval(run, hourMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
