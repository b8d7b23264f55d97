import type { Logger } from '../lib/logger.js';
import type { Database } from './client.js';
import { openNotificationListener } from './notification-listener.js';

/** The channel the database's triggers announce committed changes on (migration 20261206143000_change_feed). */
export const changesChannel = 'gateway_changes';

/** A committed change: the table written and the tenant the row belongs to, or `*` when it names none. */
export type Change = { table: string; tenant: string };

/**
 * One feed of committed changes for every replica sharing the database: the tables cached answers
 * are made of announce each change on commit (triggers, so a job's write, another replica's or
 * one made by hand is announced the same way). `heard` gets every change; `lost` is told when
 * changes may have been missed (the connection dropped), so what was kept must be dropped.
 */
export type ChangeFeed = {
  subscribe(listener: { heard(change: Change): void; lost(): void }): () => void;
  /** Whether changes are being received now: while not, nothing cached may be trusted. */
  readonly live: boolean;
  /** Settles once the first connection is made (or failed; `check` then keeps trying). */
  ready: Promise<void>;
  /** Notices a lost connection (everything kept is dropped at once) and reconnects: run every second by src/jobs/. */
  check(): void;
  close(): Promise<void>;
};

export function parseChange(payload: string): Change | null {
  const space = payload.indexOf(' ');
  if (space <= 0) return null;
  return { table: payload.slice(0, space), tenant: payload.slice(space + 1) };
}

export function openChangeFeed(database: Pick<Database, 'kind' | 'url' | 'pglite'>, logger: Logger): ChangeFeed {
  const listeners = new Set<{ heard(change: Change): void; lost(): void }>();
  const listener = openNotificationListener(database, changesChannel, logger, 'tenant-gateway changes');
  let wasLive = false;
  const lost = () => {
    for (const each of listeners) each.lost();
  };
  const ready = listener
    .listen(
      (payload) => {
        const change = parseChange(payload);
        if (!change) return;
        for (const each of listeners) each.heard(change);
      },
      // Back after a loss: what was sent meanwhile is gone.
      lost,
    )
    .catch((error) => logger.warn('change feed: could not listen yet; cached answers are bypassed until it can', { error }));
  return {
    subscribe(each) {
      listeners.add(each);
      return () => listeners.delete(each);
    },
    get live() {
      return listener.live;
    },
    ready,
    check() {
      const live = listener.live;
      if (wasLive && !live) {
        logger.warn('change feed: the listening connection was lost; cached answers are bypassed until it is back');
        lost();
      }
      wasLive = live;
      listener.ensure();
    },
    async close() {
      await listener.close();
    },
  };
}
