import type { Logger } from '../../lib/logger.js';

/** How long each phase of a tenant database's work lasts (TenantsDB provisioning and migrations). */
export type DatabasePhaseTimings = {
  /** A dedicated (L2) database from request to `ready`. */
  provisionMs: number;
  /** A migration's replication phase (`syncing`: queries keep working). */
  syncMs: number;
  /** A migration's cutover (`migrating`: queries held until routing switches). */
  cutoverMs: number;
};

/**
 * Timers that end database phases when they are due, in the process that started them.
 * Phases whose process died are ended by the sweep at start and every minute
 * (advanceDatabaseWork without a tenant), so nothing stays provisioning forever.
 */
export class DatabaseWork {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    readonly timings: DatabasePhaseTimings,
    private readonly advance: (tenantId: string) => Promise<{ nextPhaseInMs: number | null }>,
    private readonly logger: Logger,
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
          if (!this.closed) this.logger.error('advancing tenant database work failed', { tenantId, error });
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
