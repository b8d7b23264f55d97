import pg from 'pg';
import type { Database } from '../gateway-db/client.js';
import type { Logger } from '../lib/logger.js';
import { jobsChannel } from './queue.js';

/**
 * Wake-ups by LISTEN/NOTIFY: every enqueue notifies on commit, so a job recorded by any process
 * sharing the database is claimed at once. On PostgreSQL the listener is a connection of its
 * own; PGlite delivers notifications in-process from its one session. Polling stays the floor:
 * a lease that ran out notifies nobody, and a lost connection misses what was sent meanwhile.
 */
export type WakeUps = {
  /** `woken(kind, runAt)` for every job enqueued; `reconnected()` once a lost connection is back (notifications may have been missed). */
  listen(woken: (kind: string, runAt: Date) => void, reconnected: () => void): Promise<void>;
  /** Reconnects a lost listener (called on every poll). */
  ensure(): void;
  close(): Promise<void>;
};

function parse(payload: string | undefined, woken: (kind: string, runAt: Date) => void): void {
  const [kind, at] = (payload ?? '').split(' ');
  const runAt = Number(at);
  if (kind && Number.isFinite(runAt)) woken(kind, new Date(runAt));
}

export function openWakeUps(database: Pick<Database, 'kind' | 'url' | 'pglite'>, logger: Logger): WakeUps {
  if (database.kind === 'pglite') {
    let unlisten: (() => Promise<void>) | undefined;
    return {
      async listen(woken) {
        unlisten = await database.pglite!.listen(jobsChannel, (payload) => parse(payload, woken));
      },
      ensure() {},
      async close() {
        await unlisten?.().catch(() => undefined);
      },
    };
  }
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;
  let handlers: { woken: (kind: string, runAt: Date) => void; reconnected: () => void } | null = null;
  const drop = (lost: pg.Client) => {
    if (client === lost) client = null;
    lost.end().catch(() => undefined);
  };
  const connect = async (again: boolean) => {
    const next = new pg.Client({ connectionString: database.url, application_name: 'tenant-gateway jobs' });
    next.on('error', () => drop(next));
    next.on('notification', (message) => handlers && parse(message.payload, handlers.woken));
    try {
      await next.connect();
      await next.query(`LISTEN ${jobsChannel}`);
    } catch (error) {
      next.end().catch(() => undefined);
      if (!again) throw error;
      logger.warn('job wake-ups: reconnecting failed, polling meanwhile', { error });
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    if (again) handlers?.reconnected();
  };
  return {
    async listen(woken, reconnected) {
      handlers = { woken, reconnected };
      await connect(false);
    },
    ensure() {
      if (closed || client || connecting || !handlers) return;
      connecting = connect(true).finally(() => (connecting = null));
    },
    async close() {
      closed = true;
      await connecting?.catch(() => undefined);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
