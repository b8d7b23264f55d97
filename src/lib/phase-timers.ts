import type { Logger } from './logger.js';

/**
 * Timers that end a tenant's work phases when they are due, in the process that started them.
 * Phases whose process died are ended by a sweep at start and every minute, so nothing stays
 * in a phase forever. `advance` ends what is due and says when the tenant's next phase is.
 */
export class PhaseTimers<TTimings> {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    readonly timings: TTimings,
    private readonly advance: (tenantId: string) => Promise<{ nextPhaseInMs: number | null }>,
    private readonly logger: Logger,
    private readonly what = 'tenant database work',
  ) {}

  /** Ends the tenant's due phases in `delayMs`, and keeps following it until nothing is in progress. */
  after(delayMs: number, tenantId: string): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.advance(tenantId)
        .then(({ nextPhaseInMs }) => {
          if (nextPhaseInMs !== null) this.after(nextPhaseInMs, tenantId);
        })
        .catch((error) => {
          if (!this.closed) this.logger.error(`advancing ${this.what} failed`, { tenantId, error });
        });
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
