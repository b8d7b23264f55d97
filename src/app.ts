import type { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Database } from './db/client.js';
import type { Environment } from './env.js';
import { useAuthGuard } from './graphql/auth-guard.js';
import type { GraphQLContext } from './graphql/context.js';
import { maskError, useBadUserInputValidation } from './graphql/errors.js';
import { useMetering } from './graphql/metering.js';
import { schema } from './graphql/schema.js';
import { DomainError } from './lib/errors.js';
import { createLogger, type Logger } from './lib/logger.js';
import type { BackupDeps } from './modules/backups/backup-files.js';
import { interruptedAfterMs, settleInterruptedWork } from './modules/tenants/interrupted-work.js';
import { BackupScheduler } from './modules/backups/backup-scheduler.worker.js';
import { BackupStorages, LocalBackupStorage } from './modules/backups/storage.js';
import { DatabaseWork } from './modules/databases/database-work.js';
import { advanceDatabaseWork, pendingDatabaseWork } from './modules/databases/database-state.js';
import { openLeadership } from './db/leadership.js';
import { loadSecretsKey } from './lib/sealing.js';
import { authenticate } from './modules/identity/identity.service.js';
import { UsageMeter } from './modules/usage/meter.js';
import {
  checkClientAddress,
  checkTenantQuota,
  checkBackupRequests,
  rateLimitHeaders,
  type RateLimitSettings,
  rateLimitsFromEnvironment,
} from './rate-limit/limits.js';
import { createFieldLimiter } from './rate-limit/field-limits.js';
import { type CounterStore, openCounterStore } from './rate-limit/store.js';
import { configApiDialect } from './rest/dialects/config-api/routes.js';
import { eventHistoryDialect } from './rest/dialects/event-history/routes.js';
import { tenantApiDialect } from './rest/dialects/tenant-api/routes.js';
import { tenantsDbDialect } from './rest/dialects/tenantsdb/routes.js';
import { createRestEngine, type ExecuteGraphQL } from './rest/engine.js';
import { buildOpenApi } from './rest/openapi.js';

export type AppOptions = {
  env: Environment;
  database: Database;
  logger?: Logger;
  rateLimits?: RateLimitSettings;
  counterStore?: CounterStore;
  /** Backup destinations; by default the BACKUP_DIR directory and S3 as the environment says. */
  backupStorages?: BackupStorages;
};

/** What the listening server knows about a request that the Request itself does not carry. */
export type ServerContext = { clientAddress?: string };

export type App = {
  /** The whole gateway as a fetch handler: what the node server listens with and what tests call. */
  fetch(request: Request, server?: ServerContext): Promise<Response>;
  logger: Logger;
  meter: UsageMeter;
  /** Settles once what a stopped process left behind; servers wait for it before listening. */
  ready: Promise<void>;
  /** Flushes metering and closes the rate-limit store; the database is the caller's. */
  close(): Promise<void>;
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

export function createApp({
  env,
  database,
  logger = createLogger(env.LOG_LEVEL),
  rateLimits = rateLimitsFromEnvironment(env),
  counterStore,
  backupStorages = new BackupStorages(new LocalBackupStorage(env.BACKUP_DIR), {
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'on',
    credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } : undefined,
    allowedBuckets: env.BACKUP_S3_BUCKETS,
  }),
}: AppOptions): App {
  const { prisma } = database;
  const production = env.NODE_ENV === 'production';
  const store = counterStore ?? openCounterStore(env.REDIS_URL);
  const limiting = env.RATE_LIMITS === 'on';
  const fieldLimiter = limiting ? createFieldLimiter(store, rateLimits.fields) : undefined;
  const meter = new UsageMeter(prisma, logger, { flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS, maxKeys: 10_000 });
  meter.start();

  const secrets = loadSecretsKey(env.SECRETS_KEY, env.SECRETS_KEY_FILE);
  if (secrets.created) logger.warn('SECRETS_KEY is not set: generated a key for encrypted backups; keep it, backups cannot be opened without it', { file: env.SECRETS_KEY_FILE });
  const backups: BackupDeps = {
    storages: backupStorages,
    key: secrets.key,
    previousKeys: (env.SECRETS_KEY_PREVIOUS?.split(',') ?? []).map((hex) => Buffer.from(hex, 'hex')),
    requestQuota: limiting ? (key, tier) => checkBackupRequests(store, rateLimits, key, tier) : undefined,
  };
  const databaseWork: DatabaseWork = new DatabaseWork(
    { provisionMs: env.DATABASE_PROVISION_MS, syncMs: env.DATABASE_SYNC_MS, cutoverMs: env.DATABASE_CUTOVER_MS },
    (tenantId) => advanceDatabaseWork(prisma, databaseWork.timings, tenantId),
    logger,
  );
  // Work a stopped process left behind: at start, then every minute.
  async function sweep(atStart = false) {
    const settled = await settleInterruptedWork(prisma, Date.now(), atStart && database.kind === 'pglite' ? 0 : undefined);
    if (settled.tenants || settled.backups) logger.warn('settled work an interrupted process left behind', settled);
    const { advanced } = await advanceDatabaseWork(prisma, databaseWork.timings);
    if (advanced) logger.info('ended due database phases', { advanced });
  }
  const sweeping = setInterval(() => void sweep().catch((error) => logger.error('sweeping interrupted work failed', { error })), 60_000);
  sweeping.unref();
  const ready = (async () => {
    await sweep(true);
    // Phases a stopped process started end on this one's timers.
    for (const { tenantId, dueInMs } of await pendingDatabaseWork(prisma)) databaseWork.after(dueInMs, tenantId);
  })().catch((error) => logger.error('sweeping interrupted work failed', { error }));
  // Partial files of killed writers: a walk of BACKUP_DIR, so it runs beside serving, not before it.
  const tidying = backupStorages.local
    .removeStaleTemporaryFiles(database.kind === 'pglite' ? 0 : interruptedAfterMs)
    .then((stale) => {
      if (stale) logger.warn('removed partial backup files an interrupted process left', { files: stale });
    })
    .catch((error) => logger.error('removing partial backup files failed', { error }));
  const scheduler =
    env.BACKUP_SCHEDULER === 'on'
      ? new BackupScheduler(prisma, backups, openLeadership(database, 0x7467_6231), logger, env.BACKUP_SCHEDULER_INTERVAL_MS)
      : null;
  scheduler?.start();

  const yoga = createYoga<{ restRoute?: string; publicRoute?: boolean }, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: maskError((error) => logger.error('unexpected error', { error })) },
    graphiql: {
      title: 'tenant-gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
    },
    plugins: [
      useBadUserInputValidation(),
      useAuthGuard((tenantId, tier) => (limiting ? checkTenantQuota(store, rateLimits, tenantId, tier) : Promise.resolve())),
      ...(env.METERING === 'on' ? [useMetering()] : []),
    ],
    context: async ({ request, restRoute, publicRoute }): Promise<GraphQLContext> => {
      const base = { prisma, production, meter, restRoute, publicRoute, backups, databaseWork, fieldLimiter };
      const token = bearerToken(request);
      if (token === null) return { ...base, principal: null };
      if (token === '') return { ...base, principal: null, authFailure: 'The Authorization header must be "Bearer <API key>"' };
      const result = await authenticate(prisma, token, env.GATEWAY_ADMIN_KEY);
      return 'principal' in result ? { ...base, principal: result.principal } : { ...base, principal: null, authFailure: result.failure };
    },
  });

  // REST routes run their operation through the same envelop pipeline as /graphql (context,
  // auth guard, rate limits, metering, masking, parse and validate caches) without a second
  // HTTP round trip.
  const execute: ExecuteGraphQL = async (query, variables, authorization, request, route, isPublic) => {
    const headers = new Headers();
    if (authorization) headers.set('authorization', authorization);
    const initial = {
      request: { headers, url: request.url, method: 'POST' } as unknown as Request,
      params: { query, variables: variables as Record<string, unknown> },
      restRoute: route,
      publicRoute: isPublic,
    };
    const { parse, validate, contextFactory, execute: run, schema: enveloped } = yoga.getEnveloped(initial as never);
    const document = parse(query);
    const errors = validate(enveloped, document);
    if (errors.length) return { errors: errors.map((error: GraphQLError) => ({ message: error.message, extensions: { ...error.extensions } })) };
    const result = (await run({
      schema: enveloped,
      document,
      contextValue: await contextFactory(),
      variableValues: variables as Record<string, unknown>,
    })) as { data?: Record<string, unknown> | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
    return {
      data: result.data,
      errors: result.errors?.map((error) => ({ message: error.message, extensions: { ...error.extensions } })),
    };
  };

  const dialects = [
    configApiDialect(env.CONFIG_API_PREFIX),
    eventHistoryDialect(env.EVENT_HISTORY_API_PREFIX),
    tenantApiDialect(env.TENANT_API_PREFIX),
    tenantsDbDialect(env.TENANTSDB_API_PREFIX, { proxyHost: env.TENANTSDB_PROXY_HOST, proxyPort: env.TENANTSDB_PROXY_PORT }),
  ];
  const rest = createRestEngine(dialects, execute, { maxBodyBytes: env.REST_MAX_BODY_BYTES });
  const openApi = JSON.stringify(buildOpenApi(dialects));

  /** A refusal before any route runs, in the caller's format: GraphQL, the dialect's, or neutral. */
  function refuse(request: Request, error: DomainError): Response {
    const headers = error.code === 'RATE_LIMITED' ? rateLimitHeaders(error.details) : {};
    const status = error.code === 'RATE_LIMITED' ? 429 : 400;
    const { pathname } = new URL(request.url);
    if (pathname === '/graphql') return json(status, { errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }] }, headers);
    const answered = rest.refuse(request, { code: error.code, message: error.message, extensions: error.details });
    if (answered) return answered;
    return json(status, { error: error.code.toLowerCase(), message: error.message }, headers);
  }

  // Counters for /metrics (Prometheus text format); benchmarks read statements per request here.
  const counters = { requests: 0, sqlStatements: 0 };
  database.onQuery.add(() => void counters.sqlStatements++);

  function metrics(): Response {
    const memory = process.memoryUsage();
    const lines = [
      '# TYPE gateway_http_requests_total counter',
      `gateway_http_requests_total ${counters.requests}`,
      '# TYPE gateway_sql_statements_total counter',
      `gateway_sql_statements_total ${counters.sqlStatements}`,
      '# TYPE gateway_usage_buffered_keys gauge',
      `gateway_usage_buffered_keys ${meter.bufferedKeys}`,
      '# TYPE gateway_backup_scheduler_leader gauge',
      `gateway_backup_scheduler_leader ${scheduler?.leading ? 1 : 0}`,
      '# TYPE gateway_backup_scheduler_rounds_total counter',
      `gateway_backup_scheduler_rounds_total ${scheduler?.rounds ?? 0}`,
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
    ];
    return new Response(`${lines.join('\n')}\n`, { headers: { 'content-type': 'text/plain; version=0.0.4' } });
  }

  async function fetch(request: Request, server: ServerContext = {}): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/healthz') return json(200, { status: 'ok' });
    if (pathname === '/metrics') return metrics();
    counters.requests++;
    if (pathname === '/readyz') {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return json(200, { status: 'ready', database: database.kind });
      } catch (error) {
        logger.warn('readiness check failed', { error });
        return json(503, { status: 'unavailable', database: database.kind });
      }
    }
    try {
      if (limiting && server.clientAddress) await checkClientAddress(store, rateLimits.ip, server.clientAddress);
    } catch (error) {
      if (error instanceof DomainError) return refuse(request, error);
      logger.error('rate limit store failed; letting the request through', { error });
    }
    if (pathname === '/graphql') return yoga.fetch(request);
    if (pathname === '/openapi.json') return new Response(openApi, { headers: { 'content-type': 'application/json' } });
    try {
      const answered = await rest.handle(request);
      if (answered) return answered;
    } catch (error) {
      logger.error('REST route failed', { error, path: pathname });
      return json(500, { error: 'internal', message: 'Unexpected error.' });
    }
    return json(404, { error: 'not_found', message: `No route for ${request.method} ${pathname}` });
  }

  return {
    fetch,
    logger,
    meter,
    ready,
    async close() {
      clearInterval(sweeping);
      databaseWork.close();
      await ready;
      await tidying;
      await scheduler?.stop();
      await meter.stop();
      await store.close();
      backupStorages.close();
    },
  };
}
