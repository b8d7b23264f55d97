import { expect, test } from 'vitest';
import { changesChannel } from '../src/gateway-db/change-feed.js';
import { openDatabase } from '../src/gateway-db/client.js';
import { openRedisChangeFeed } from '../src/gateway-db/redis-change-feed.js';
import { openLeadership } from '../src/jobs/leadership.js';
import { createLogger } from '../src/lib/logger.js';
import { freshPostgresDatabase } from './support/gateway.js';

// Issue 30, item 6 / issue 28, item 2: the change feed over Redis pub/sub (CHANGE_FEED=redis).
// Two feeds in one process stand for two replicas: one relays the database's NOTIFYs to Redis,
// both hear them; when the relay goes, the other takes over, and what was kept is dropped first.
const serverUrl = process.env.TEST_POSTGRES_URL;
const redisUrl = process.env.TEST_REDIS_URL;

test.skipIf(!serverUrl || !redisUrl)(
  'one replica relays, every replica hears; when the relay stops, another takes over after telling everyone what may be lost',
  { timeout: 120_000 },
  async () => {
    const fresh = await freshPostgresDatabase(serverUrl!, 'gateway_redis_feed', process.env.TEST_POSTGRES_TEMPLATE);
    const database = openDatabase(fresh.url);
    const logger = createLogger('silent');
    const notify = (payload: string) => database.prisma.$executeRaw`SELECT pg_notify(${changesChannel}, ${payload})`;
    const open = () => openRedisChangeFeed(database, { redisUrl: redisUrl!, leadership: openLeadership(database, 0x7465_7374), notify, logger });
    const [a, b] = [open(), open()];
    const heard = { a: [] as string[], b: [] as string[] };
    const lost = { a: 0, b: 0 };
    a.subscribe({ heard: (change) => heard.a.push(`${change.table} ${change.tenant}`), lost: () => lost.a++ });
    b.subscribe({ heard: (change) => heard.b.push(`${change.table} ${change.tenant}`), lost: () => lost.b++ });
    const tick = () => {
      a.check();
      b.check();
    };
    try {
      await Promise.all([a.ready, b.ready]);
      // Neither is live before a relay is heard: nothing may be kept yet.
      expect([a.live, b.live]).toEqual([false, false]);
      // a asks to lead first, so a relays; b then finds the lead taken and only listens.
      await expect
        .poll(() => {
          a.check();
          return a.live;
        })
        .toBe(true);
      await expect
        .poll(() => {
          tick();
          return b.live;
        })
        .toBe(true);
      await notify('Tenant t-1 UPDATE');
      await a.barrier();
      await b.barrier();
      expect(heard.a).toContain('Tenant t-1');
      expect(heard.b).toContain('Tenant t-1');

      // The relay (a, which led first) closes: b stops trusting (lost), takes the lead, and hears again.
      const lostBefore = lost.b;
      await a.close();
      await expect
        .poll(
          () => {
            b.check();
            return lost.b > lostBefore && b.live;
          },
          { timeout: 15_000, interval: 250 },
        )
        .toBe(true);
      await notify('TenantConfig t-2 UPDATE');
      await b.barrier();
      expect(heard.b).toContain('TenantConfig t-2');
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
      await database.close();
      await fresh.drop();
    }
  },
);
