import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import type { Database } from './client.js';

/**
 * LISTEN on one channel of the gateway's database. On PostgreSQL the listener is a connection
 * of its own; PGlite delivers notifications in-process from its one session. A lost connection
 * misses what was sent meanwhile: `reconnected` tells the caller so, `live` says whether it is
 * listening now.
 */
export type NotificationListener = {
  listen(heard: (payload: string) => void, reconnected: () => void): Promise<void>;
  /** Reconnects a lost listener (callers call it on every poll). */
  ensure(): void;
  /** Whether a connection is listening at this moment (it may still be deaf: see `ping`). */
  readonly live: boolean;
  /** Sends `payload` on the channel from the listening connection itself (PostgreSQL only): hearing it back proves the connection works both ways. */
  ping(payload: string): Promise<void>;
  /** Drops the listening connection (it went deaf); `ensure` makes a new one and `reconnected` is told. */
  restart(): void;
  close(): Promise<void>;
};

export function openNotificationListener(
  database: Pick<Database, 'kind' | 'url' | 'pglite'>,
  channel: string,
  logger: Logger,
  application: string,
): NotificationListener {
  if (database.kind === 'pglite') {
    let unlisten: (() => Promise<void>) | undefined;
    return {
      async listen(heard) {
        unlisten = await database.pglite!.listen(channel, (payload) => heard(payload ?? ''));
      },
      ensure() {},
      get live() {
        return unlisten !== undefined;
      },
      ping: async (payload) => {
        await database.pglite!.query('SELECT pg_notify($1, $2)', [channel, payload]);
      },
      restart() {},
      async close() {
        const current = unlisten;
        unlisten = undefined;
        await current?.().catch(() => undefined);
      },
    };
  }
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;
  let handlers: { heard: (payload: string) => void; reconnected: () => void } | null = null;
  const drop = (lost: pg.Client) => {
    if (client === lost) client = null;
    lost.end().catch(() => undefined);
  };
  const connect = async (again: boolean) => {
    // TCP keep-alive: a connection a middlebox dropped in silence errors out instead of hanging.
    const next = new pg.Client({ connectionString: database.url, application_name: application, keepAlive: true });
    next.on('error', () => drop(next));
    next.on('end', () => drop(next));
    next.on('notification', (message) => handlers?.heard(message.payload ?? ''));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      next.end().catch(() => undefined);
      if (!again) throw error;
      logger.warn(`${application}: reconnecting failed, will try again`, { error });
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
    async listen(heard, reconnected) {
      handlers = { heard, reconnected };
      await connect(false);
    },
    ensure() {
      if (closed || client || connecting || !handlers) return;
      connecting = connect(true).finally(() => (connecting = null));
    },
    get live() {
      return client !== null;
    },
    async ping(payload) {
      await client?.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
    },
    restart() {
      if (client) drop(client);
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
