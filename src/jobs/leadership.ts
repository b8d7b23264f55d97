import pg from 'pg';
import type { Database } from '../gateway-db/client.js';

/**
 * One leader among the gateway processes sharing a database, for work that must run once
 * (the scheduler's periodic tasks). On PostgreSQL it is a session advisory lock on a connection of its
 * own: the leader keeps it while it lives, and when the process dies the server drops the
 * connection and the lock, and the next process to ask takes over. A PGlite data directory
 * belongs to one process, which always leads.
 */
export interface Leadership {
  /** Leads from now on if nobody else does; true while this process leads. */
  tryLead(): Promise<boolean>;
  readonly leading: boolean;
  close(): Promise<void>;
}

export function openLeadership(database: Pick<Database, 'kind' | 'url'>, lockKey: number): Leadership {
  if (database.kind === 'pglite') {
    return { leading: true, tryLead: async () => true, close: async () => {} };
  }
  let client: pg.Client | null = null;
  let leading = false;
  let closed = false;
  const drop = () => {
    leading = false;
    const lost = client;
    client = null;
    lost?.end().catch(() => {});
  };
  return {
    get leading() {
      return leading;
    },
    async tryLead() {
      if (closed) return false;
      try {
        if (!client) {
          const connecting = new pg.Client({ connectionString: database.url, application_name: 'tenant-gateway leader' });
          connecting.on('error', drop);
          await connecting.connect();
          client = connecting;
        }
        if (leading) {
          await client.query('SELECT 1');
          return true;
        }
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]);
        leading = rows[0]!.locked;
        return leading;
      } catch {
        drop();
        return false;
      }
    },
    async close() {
      closed = true;
      leading = false;
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
