import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { type App, createApp } from '../../src/app.js';
import { type Database, openDatabase } from '../../src/gateway-db/client.js';
import { applyMigrations } from '../../src/gateway-db/schema-engine.js';
import { openDataPlane } from '../../src/data-plane/open-data-plane.js';
import { type Environment, readEnvironment } from '../../src/env.js';
import type { Keyring } from '../../src/lib/keyring.js';
import { defaultRateLimits, type RateLimitSettings } from '../../src/rate-limit/limits.js';
import { createLogger } from '../../src/lib/logger.js';
import { contractChecker } from './contract.js';

const countingContext = new AsyncLocalStorage<symbol>();

export type GraphQLResponse<T> = {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

export type RestResponse = { status: number; headers: Headers; body: any };

export type TestGateway = {
  app: App;
  /** This gateway's BACKUP_DIR, a temporary directory. */
  backupDir: string;
  database: Database;
  adminKey: string;
  /** POST /graphql with a Bearer key (the operator's unless another or `null` is given). */
  graphql<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V, key?: string | null): Promise<GraphQLResponse<T> & { status: number }>;
  /** Fails with the operation and the whole response printed unless it succeeded. */
  data<T, V>(document: TypedDocumentNode<T, V>, variables?: V, key?: string | null): Promise<T>;
  /** A plain HTTP request to the gateway, as a legacy REST caller sends it. */
  rest(method: string, path: string, options?: { headers?: Record<string, string>; body?: unknown; rawBody?: string }): Promise<RestResponse>;
  /**
   * Every SQL statement `work` sends (Prisma's and the data plane's), followed through its
   * async context: the gateway's background work (job polling, flushes) running meanwhile is not
   * the work's cost and is not counted.
   */
  countQueries(work: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
};

/**
 * Each test file gets its own database: an in-memory PGlite, or, when TEST_POSTGRES_URL names
 * a PostgreSQL server (CI's second pass), a fresh database on it. `migrated`: with every
 * migration applied, copied from the one the global setup migrated (test/support/global-setup.ts)
 * when there is one, else migrated here; otherwise empty.
 */
export async function openTestDatabase(options: { migrated?: boolean } = {}): Promise<{ database: Database; dispose(): Promise<void> }> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  const pgliteTemplate = options.migrated ? process.env.TEST_PGLITE_TEMPLATE : undefined;
  const postgresTemplate = options.migrated ? process.env.TEST_POSTGRES_TEMPLATE : undefined;
  if (!serverUrl) {
    const database = pgliteTemplate ? openDatabase('memory://', { loadDataDir: new Blob([await readFile(pgliteTemplate)]) }) : openDatabase('memory://');
    if (options.migrated && !pgliteTemplate) await applyMigrations(database.adapterFactory);
    return { database, dispose: () => database.close() };
  }
  const fresh = await freshPostgresDatabase(serverUrl, 'gateway_test', postgresTemplate);
  const database = openDatabase(fresh.url);
  if (options.migrated && !postgresTemplate) await applyMigrations(database.adapterFactory);
  return {
    database,
    async dispose() {
      await database.close();
      await fresh.drop();
    },
  };
}

/** A new, empty database on the PostgreSQL server `serverUrl` names: its URL, and a way to drop it. */
export async function freshPostgresDatabase(serverUrl: string, prefix: string, template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
      break;
    } catch (error) {
      // 55006: the template is in use — the global setup's connections, closed, have not ended on the server yet.
      if ((error as { code?: string }).code !== '55006' || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export async function startGateway(options: { production?: boolean; rateLimits?: RateLimitSettings; env?: Partial<Environment> } = {}): Promise<TestGateway> {
  const { database, dispose } = await openTestDatabase({ migrated: true });
  const adminKey = `test-operator-${randomUUID()}`;
  const backupDir = await mkdtemp(path.join(tmpdir(), 'gateway-backups-'));
  const env: Environment = {
    ...readEnvironment({}),
    BACKUP_DIR: backupDir,
    NODE_ENV: options.production ? 'production' : 'test',
    GATEWAY_ADMIN_KEY: adminKey,
    LOG_LEVEL: 'silent',
    SECRETS_KEY: testSecretsKey,
    // Tests run schedule rounds themselves (runScheduledBackups); database phases end quickly.
    BACKUP_SCHEDULER: 'off',
    TENANT_DATABASE_PROVISION_MS: 300,
    TENANT_DATABASE_SYNC_MS: 300,
    TENANT_DATABASE_CUTOVER_MS: 200,
    // Tests change keys and tenants and look at once; the one-second principal cache has its own test.
    PRINCIPAL_CACHE_MS: 0,
    // No webhook polling in the background of statement counts; webhook tests poll fast.
    WEBHOOK_POLL_MS: 3_600_000,
    ...options.env,
  };
  // The embedded data plane starts from the initdb the global setup made (seconds of CPU saved per file).
  const template = process.env.TEST_PGLITE_DATA_PLANE_TEMPLATE;
  const dataPlane = openDataPlane(env, database, {
    observe: (sql) => {
      for (const listener of database.onQuery) listener(sql);
    },
    loadDataDir: async () => (template ? new Blob([await readFile(template)]) : undefined),
  });
  const app = createApp({
    env,
    rateLimits: options.rateLimits ?? testRateLimits,
    database,
    dataPlane,
    logger: createLogger(options.env?.LOG_LEVEL ?? 'silent'),
  });

  async function graphql<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V, key: string | null = adminKey) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const response = await app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
      }),
    );
    return { status: response.status, ...((await response.json()) as GraphQLResponse<T>) };
  }

  let contract: ReturnType<typeof contractChecker> | undefined;
  return {
    app,
    database,
    adminKey,
    graphql,
    async data(document, variables, key) {
      const result = await graphql(document, variables, key);
      if (result.errors?.length || !result.data) {
        throw new Error(
          `GraphQL operation failed\n--- operation\n${print(document)}\n--- variables\n${JSON.stringify(variables, null, 2)}\n--- response (${result.status})\n${JSON.stringify(result, null, 2)}`,
        );
      }
      return result.data;
    },
    async rest(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await app.fetch(new Request(`http://gateway.test${path}`, { method, headers, body }));
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : undefined;
      contract ??= contractChecker(await (await app.fetch(new Request('http://gateway.test/openapi.json'))).json());
      contract(method, path, response.status, parsed);
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async countQueries(work) {
      const statements: string[] = [];
      const counting = Symbol('countQueries');
      const listener = (sql: string) => {
        if (countingContext.getStore() === counting) statements.push(sql);
      };
      database.onQuery.add(listener);
      try {
        await countingContext.run(counting, work);
      } finally {
        database.onQuery.delete(listener);
      }
      return statements;
    },
    backupDir,
    async close() {
      // The data plane's databases and roles are the server's, not the test database's: dropped here.
      if (database.kind === 'postgres') {
        for (const made of await database.prisma.dataPlaneDatabase.findMany({ include: { placements: true } })) {
          await app.dataPlane.dataPlane
            .dropDatabase(
              made.server,
              made.name,
              made.placements.map((placement) => placement.roleName),
            )
            .catch(() => {});
        }
      }
      await app.close();
      await dataPlane.close();
      await dispose();
      await rm(backupDir, { recursive: true, force: true });
    },
  };
}

/** Tests make many calls per tenant a second; limits are tested where they are the subject. */
/** The key test gateways seal backups with. */
export const testSecretsKey = randomBytes(32).toString('hex');
/** The keyring test gateways seal with: testSecretsKey alone. */
export const testKeyring: Keyring = { current: Buffer.from(testSecretsKey, 'hex'), previous: [] };

export const testRateLimits: RateLimitSettings = {
  ...defaultRateLimits,
  tierPerMinute: { FREE: 100_000, BASIC: 100_000, PRO: 100_000, ENTERPRISE: 100_000 },
  backupsPerHour: { FREE: 100_000, BASIC: 100_000, PRO: 100_000, ENTERPRISE: 100_000 },
  fields: { 'Query.tenantConfig': 100_000, 'Mutation.updateTenantConfig': 100_000, 'Query.tenantFeatures': 100_000 },
};

/** BACKUP_S3_BUCKETS as the environment would give it, parsed by the gateway's own parser. */
export function allowedBuckets(value: string): Environment['BACKUP_S3_BUCKETS'] {
  return readEnvironment({ BACKUP_S3_BUCKETS: value }).BACKUP_S3_BUCKETS;
}

let sequence = 0;
/** Unique per test run, so tests never depend on each other's data or on truncation. */
export function uniqueSlug(prefix = 'tenant'): string {
  sequence += 1;
  return `${prefix}_${randomBytes(3).toString('hex')}${sequence}`;
}
