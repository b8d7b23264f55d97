import { PhaseTimers } from '../../lib/phase-timers.js';

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
export class DatabaseWork extends PhaseTimers<DatabasePhaseTimings> {}
