import type { SqlSessions } from '../../db/sql-sessions.js';
import type { Keyring } from '../accounts/proxy-passwords.js';

/** What workspaces, blueprints and tenant databases need beyond Prisma, wired once in app.ts. */
export type DataPlaneDeps = {
  /** Raw transactions on the gateway's database, where the tenant and workspace schemas live. */
  sql: SqlSessions;
  /** Seals workspace passwords at rest (SECRETS_KEY, SECRETS_KEY_PREVIOUS). */
  keyring: Keyring;
};
