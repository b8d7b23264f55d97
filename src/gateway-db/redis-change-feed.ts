import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { type Change, type ChangeFeed, changePayload, openChangeFeed, parseChange, pingBarrier } from './change-feed.js';
import type { Database } from './client.js';

/** The Redis channel the relay publishes the database's changes on. */
export const redisChangesChannel = 'tenant-gateway:changes';

/** The relay says it is there every check (each second); heard from it less recently than this, a replica stops trusting what it keeps. */
const silentAfterMs = 3_500;

/** Who relays: one process among the replicas, the holder of a leadership of its own (src/jobs/leadership.ts). */
type RelayLeadership = { tryLead(): Promise<boolean>; readonly leading: boolean; close(): Promise<void> };

/**
 * The change feed over Redis pub/sub (CHANGE_FEED=redis): one process, the relay, listens on the
 * database (the PostgreSQL feed of change-feed.ts, with its deafness pings) and publishes each
 * change on one Redis channel; every replica, the relay included, hears them there. The database
 * then holds one listening connection whatever the number of replicas, and replicas can reach it
 * through a pooler in transaction mode, which cannot LISTEN.
 *
 * Nothing is trusted that may have been missed: the relay publishes `lost` when it starts (the
 * previous relay may have died between a commit and its publish) and when its own listener lost
 * its connection; a replica whose Redis subscription drops, or that has not heard the relay's
 * beat for 3.5 s, tells its listeners `lost` and is not live until the relay is heard again.
 * A barrier sends its ping through the database (NOTIFY), so it comes back through the relay
 * after every change committed before it.
 */
export function openRedisChangeFeed(
  database: Pick<Database, 'kind' | 'url' | 'pglite'>,
  options: { redisUrl: string; leadership: RelayLeadership; notify: (payload: string) => Promise<unknown>; logger: Logger },
): ChangeFeed {
  const { redisUrl, leadership, notify, logger } = options;
  const listeners = new Set<{ heard(change: Change): void; lost(): void }>();
  const barriers = new Map<string, () => void>();
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  subscriber.on('error', () => undefined);
  publisher.on('error', () => undefined);
  let subscribed = false;
  let lastBeat = 0;
  let wasLive = false;
  let relay: { feed: ChangeFeed; unsubscribe: () => void } | null = null;
  let closed = false;
  let electing: Promise<void> | null = null;

  const lost = () => {
    for (const each of listeners) each.lost();
  };
  const publish = (message: string) => publisher.publish(redisChangesChannel, message).catch(() => undefined);
  const live = () => subscribed && Date.now() - lastBeat < silentAfterMs;

  subscriber.on('message', (_channel: string, message: string) => {
    const change = parseChange(message);
    if (!change) return;
    if (change.table === 'beat') {
      lastBeat = Date.now();
      return;
    }
    if (change.table === 'lost') {
      lost();
      return;
    }
    if (change.table === 'ping') {
      barriers.get(change.tenant)?.();
      return;
    }
    for (const each of listeners) each.heard(change);
  });
  // A dropped subscription loses what was published meanwhile: drop what was kept now, and be live again only once the relay is heard.
  subscriber.on('close', () => {
    if (!subscribed || closed) return;
    subscribed = false;
    lastBeat = 0;
    wasLive = false;
    logger.warn('change feed: the Redis subscription was lost; cached answers are bypassed until it is back');
    lost();
  });
  subscriber.on('ready', () => {
    subscribed = true;
  });
  const ready = Promise.all([subscriber.connect().then(() => subscriber.subscribe(redisChangesChannel)), publisher.connect()])
    .then(() => {
      subscribed = true;
    })
    .catch((error) => logger.warn('change feed: could not subscribe on Redis yet; cached answers are bypassed until it can', { error }));

  const startRelay = () => {
    const feed = openChangeFeed(database, logger, { pinged: (token) => void publish(`ping ${token}`) });
    const unsubscribe = feed.subscribe({
      heard: (change) => void publish(changePayload(change)),
      lost: () => void publish('lost * RELAY'),
    });
    relay = { feed, unsubscribe };
    // Changes committed while no process relayed were never published.
    void feed.ready.then(() => publish('lost * RELAY'));
    logger.info('change feed: this process relays the database’s changes to Redis');
  };
  const stopRelay = async () => {
    const stopping = relay;
    relay = null;
    if (!stopping) return;
    stopping.unsubscribe();
    await stopping.feed.close();
  };

  return {
    subscribe(each) {
      listeners.add(each);
      return () => listeners.delete(each);
    },
    get live() {
      return live();
    },
    ready,
    check() {
      if (closed) return;
      // One attempt at a time: a slow database must not pile them up.
      if (!electing) {
        electing = leadership
          .tryLead()
          .then(async (leading) => {
            if (closed) return;
            if (leading && !relay) startRelay();
            else if (!leading && relay) await stopRelay();
          })
          .finally(() => {
            electing = null;
          });
      }
      if (relay) {
        relay.feed.check();
        if (relay.feed.live) void publish(`beat ${randomUUID()} RELAY`);
      }
      const now = live();
      if (wasLive && !now) {
        logger.warn('change feed: the relay has not been heard for a while; cached answers are bypassed until it is back');
        lost();
      }
      wasLive = now;
    },
    barrier: () => pingBarrier(barriers, notify),
    async close() {
      closed = true;
      for (const done of barriers.values()) done();
      await stopRelay();
      await leadership.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
