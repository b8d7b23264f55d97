import type { Database } from '../gateway-db/client.js';
import { openNotificationListener } from '../gateway-db/notification-listener.js';
import type { Logger } from '../lib/logger.js';
import { jobsChannel } from './queue.js';

/**
 * Wake-ups by LISTEN/NOTIFY: every enqueue notifies on commit, so a job recorded by any process
 * sharing the database is claimed at once. Polling stays the floor: a lease that ran out
 * notifies nobody, and a lost connection misses what was sent meanwhile.
 */
export type WakeUps = {
  /** `woken(kind, runAt)` for every job enqueued; `reconnected()` once a lost connection is back (notifications may have been missed). */
  listen(woken: (kind: string, runAt: Date) => void, reconnected: () => void): Promise<void>;
  /** Reconnects a lost listener (called on every poll). */
  ensure(): void;
  close(): Promise<void>;
};

function parse(payload: string, woken: (kind: string, runAt: Date) => void): void {
  const [kind, at] = payload.split(' ');
  const runAt = Number(at);
  if (kind && Number.isFinite(runAt)) woken(kind, new Date(runAt));
}

export function openWakeUps(database: Pick<Database, 'kind' | 'url' | 'pglite'>, logger: Logger): WakeUps {
  const listener = openNotificationListener(database, jobsChannel, logger, 'tenant-gateway jobs');
  return {
    listen: (woken, reconnected) => listener.listen((payload) => parse(payload, woken), reconnected),
    ensure: () => listener.ensure(),
    close: () => listener.close(),
  };
}
