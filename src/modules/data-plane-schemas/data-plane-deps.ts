import type { DataPlane } from '../../data-plane/data-plane.js';
import type { SqlSessions } from '../../gateway-db/sql-sessions.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Keyring } from '../../lib/keyring.js';
import type { DataPlanePlans } from './data-plane-plans.js';
import type { ServerDirectory } from './data-plane-servers.js';

/** What workspaces, blueprints and tenant databases need beyond Prisma, wired once in app.ts. */
export type DataPlaneDeps = {
  /** Where tenant and workspace schemas live: never the gateway's own database. */
  dataPlane: DataPlane;
  /**
   * The gateway's own database, outside any request's transaction: placement records are written
   * before what they record is made and deleted after it is dropped, whatever the request does.
   */
  prisma: PrismaClient;
  /** Raw transactions on the gateway's own database: the name locks held while a schema is made or dropped. */
  sql: SqlSessions;
  /** Seals workspace passwords and the data plane's role passwords (SECRETS_KEY, SECRETS_KEY_PREVIOUS). */
  keyring: Keyring;
  /** What each plan allows a project on the data plane. */
  plans: DataPlanePlans;
  /** Which server databases go to: the shared one, and dedicated (L2) ones by zone. */
  servers: ServerDirectory;
  /** The database proxy's sessions in this process, by placement (absent before the proxy is made). */
  proxySessions?: { disconnect(placementId: string): unknown };
};
