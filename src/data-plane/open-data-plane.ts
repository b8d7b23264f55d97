import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { lockDirectory } from '../gateway-db/directory-lock.js';
import { isPostgresUrl, type Database } from '../gateway-db/client.js';
import type { StatementObserver } from '../gateway-db/sql-sessions.js';
import type { Environment } from '../env.js';
import { DomainError } from '../lib/errors.js';
import type { DataPlane } from './data-plane.js';
import { pgliteDataPlane } from './pglite-data-plane.js';
import { postgresDataPlane } from './postgres-data-plane.js';
import { routedDataPlane } from './routed-data-plane.js';

type DataPlaneEnvironment = Pick<
  Environment,
  | 'DATA_PLANE_URL'
  | 'DATA_PLANE_SERVERS'
  | 'DATA_PLANE_MAX_CONNECTIONS'
  | 'DATA_PLANE_IDLE_MS'
  | 'DATA_PLANE_ACQUIRE_TIMEOUT_MS'
  | 'DATA_PLANE_EMBEDDED'
  | 'NODE_ENV'
>;

/** Where the data plane is when DATA_PLANE_URL is not set: the gateway's PostgreSQL server, or a PGlite directory beside the gateway's. */
export function dataPlaneUrl(env: Pick<Environment, 'DATA_PLANE_URL'>, database: Pick<Database, 'url'>): string {
  if (env.DATA_PLANE_URL) return env.DATA_PLANE_URL;
  if (isPostgresUrl(database.url) || database.url.startsWith('memory://')) return database.url;
  return `${database.url.replace(/\/+$/, '')}-data-plane`;
}

export type DataPlaneOptions = {
  observe?: StatementObserver;
  /** A PGlite data directory (a tarball) the embedded instance starts from (tests: an initdb made once). */
  loadDataDir?: () => Promise<Blob | undefined>;
};

/**
 * The data plane the environment names. In production the embedded (PGlite) data plane is
 * refused unless DATA_PLANE_EMBEDDED=on: there one role per tenant and the classifier are all
 * that keep tenants apart, which is fine for development only.
 */
export function openDataPlane(env: DataPlaneEnvironment, database: Pick<Database, 'url'>, options: DataPlaneOptions = {}): DataPlane {
  const url = dataPlaneUrl(env, database);
  const onServer = (serverUrl: string, name?: string) =>
    postgresDataPlane({
      url: serverUrl,
      name,
      max: env.DATA_PLANE_MAX_CONNECTIONS,
      idleMs: env.DATA_PLANE_IDLE_MS,
      acquireTimeoutMs: env.DATA_PLANE_ACQUIRE_TIMEOUT_MS,
      observe: options.observe,
    });
  if (isPostgresUrl(url)) {
    const shared = onServer(url);
    if (env.DATA_PLANE_SERVERS.length === 0) return shared;
    return routedDataPlane(shared, new Map(env.DATA_PLANE_SERVERS.map((server) => [server.name, onServer(server.url, server.name)])));
  }
  if (env.DATA_PLANE_SERVERS.length > 0) {
    throw new Error(
      'DATA_PLANE_SERVERS needs a PostgreSQL shared server: set DATA_PLANE_URL (or DATABASE_URL) to a postgresql:// URL, or unset DATA_PLANE_SERVERS',
    );
  }
  if (env.NODE_ENV === 'production' && env.DATA_PLANE_EMBEDDED !== 'on') return refusingDataPlane();
  return pgliteDataPlane(async () => {
    if (url.startsWith('memory://')) {
      const dataDir = await options.loadDataDir?.();
      return new PGlite('memory://', dataDir ? { loadDataDir: dataDir } : {});
    }
    mkdirSync(url, { recursive: true });
    const lock = lockDirectory(url);
    const pglite = new PGlite(url);
    const close = pglite.close.bind(pglite);
    pglite.close = async () => {
      await close();
      lock.release();
    };
    return pglite;
  }, options.observe);
}

const embeddedRefused = () =>
  new DomainError(
    'PRECONDITION_FAILED',
    'TenantsDB databases need a PostgreSQL data plane in production: set DATA_PLANE_URL (or DATA_PLANE_EMBEDDED=on to accept the embedded one, whose isolation is the SQL classifier alone)',
    { setting: 'DATA_PLANE_URL' },
  );

function refusingDataPlane(): DataPlane {
  const refuse = async (): Promise<never> => {
    throw embeddedRefused();
  };
  return {
    kind: 'pglite',
    defaultServer: 'embedded',
    transaction: refuse,
    createDatabase: refuse,
    dropDatabase: refuse,
    createLogin: refuse,
    dropLogin: refuse,
    setPassword: refuse,
    endSessions: async () => {},
    storageBytes: refuse,
    inspect: refuse,
    openWire: refuse,
    connections: () => ({ open: 0, max: 0 }),
    close: async () => {},
  };
}
