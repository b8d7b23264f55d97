import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import type { Database } from './client.js';
import { openNotificationListener } from './notification-listener.js';

/** The channel the database's triggers announce committed changes on (migration 20261206143000_change_feed). */
export const changesChannel = 'gateway_changes';

/**
 * Tables announced for the `jobProgress` subscription only (migration 20261207110000_job_progress_feed):
 * a job's phases. No cached answer is made of them, so their changes drop nothing.
 */
export const progressTables: ReadonlySet<string> = new Set(['BackupJob', 'SchemaRollout', 'SchemaRolloutTarget', 'TenantDeployment', 'TenantDatabase']);

/**
 * A committed change: the table written, the tenant the row belongs to (`*` when it names none),
 * the operation (INSERT, UPDATE, DELETE, TRUNCATE) and, for an API key, the key's id
 * (migration 20261207180000_api_key_change_names_key).
 */
export type Change = { table: string; tenant: string; op: string; row?: string };

/** How a change travels: the payload the triggers send, and the Redis relay passes on. */
export function changePayload({ table, tenant, op, row }: Change): string {
  return row ? `${table} ${tenant} ${op} ${row}` : `${table} ${tenant} ${op}`;
}

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
  /**
   * Resolves once every change committed before the call has been heard (a notification sent
   * now comes back after them: one connection delivers in commit order); after 5 s it resolves
   * anyway. What a test waits on before it asserts that something was, or was not, dropped.
   */
  barrier(): Promise<void>;
  close(): Promise<void>;
};

export function parseChange(payload: string): Change | null {
  const [table, tenant, op = '', row] = payload.split(' ');
  if (!table || !tenant) return null;
  return row ? { table, tenant, op, row } : { table, tenant, op };
}

/**
 * A barrier (ChangeFeed.barrier): a ping sent through the database comes back after every change
 * committed before it; `barriers` holds what the feed calls when it hears its token. Resolves after 5 s regardless.
 */
export function pingBarrier(barriers: Map<string, () => void>, send: (payload: string) => Promise<unknown>): Promise<void> {
  const token = randomUUID();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      barriers.delete(token);
      resolve();
    };
    const timer = setTimeout(done, 5_000);
    barriers.set(token, done);
    send(`ping ${token}`).catch(done);
  });
}

/** A connection whose own ping has not come back in this time is deaf (a middlebox dropped it in silence, or a pooler in transaction mode): it is replaced. */
const deafAfterMs = 5_000;

export function openChangeFeed(
  database: Pick<Database, 'kind' | 'url' | 'pglite'>,
  logger: Logger,
  /** Hears every process's pings too (the Redis relay passes them on: another process's barrier waits for its own). */
  options: { pinged?: (token: string) => void } = {},
): ChangeFeed {
  const listeners = new Set<{ heard(change: Change): void; lost(): void }>();
  const listener = openNotificationListener(database, changesChannel, logger, 'tenant-gateway changes');
  let wasLive = false;
  let pinged: { token: string; at: number } | null = null;
  const barriers = new Map<string, () => void>();
  const lost = () => {
    for (const each of listeners) each.lost();
  };
  const ready = listener
    .listen(
      (payload) => {
        const change = parseChange(payload);
        if (!change) return;
        // Every replica's pings pass through the channel: only our own answer ours.
        if (change.table === 'ping') {
          if (change.tenant === pinged?.token) pinged = null;
          barriers.get(change.tenant)?.();
          options.pinged?.(change.tenant);
          return;
        }
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
      // PGlite delivers in-process: nothing between it and its listener can go deaf.
      if (!live || database.kind === 'pglite') return;
      if (pinged && Date.now() - pinged.at > deafAfterMs) {
        logger.warn('change feed: the listening connection stopped hearing its own pings; replacing it, cached answers bypassed meanwhile', {
          silentMs: Date.now() - pinged.at,
        });
        pinged = null;
        wasLive = false;
        listener.restart();
        lost();
        return;
      }
      if (!pinged) {
        pinged = { token: randomUUID(), at: Date.now() };
        listener.ping(`ping ${pinged.token}`).catch(() => undefined);
      }
    },
    barrier: () => pingBarrier(barriers, (payload) => listener.ping(payload)),
    async close() {
      for (const done of barriers.values()) done();
      await listener.close();
    },
  };
}
