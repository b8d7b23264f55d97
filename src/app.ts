import { readFileSync } from 'node:fs';
import type { DataPlane } from './data-plane/data-plane.js';
import { createDatabaseProxy, type DatabaseProxy } from './db-proxy/proxy-server.js';
import { openDataPlane } from './data-plane/open-data-plane.js';
import { tracedDataPlane } from './data-plane/traced-data-plane.js';
import { tracingOn } from './lib/tracing.js';
import type { Database } from './gateway-db/client.js';
import { type Environment, jobSettings, phaseTimings } from './env.js';
import { createCredentials, operatorKeyCheck } from './http/credentials.js';
import { jwtAuthenticator } from './http/jwt.js';
import { graphqlBridge } from './http/graphql-bridge.js';
import { noteTenant, noteOperation } from './http/request-log.js';
import { createMetrics, operationObserver, watchWorkers } from './http/metrics.js';
import { createRouter, type ServerContext } from './http/router.js';
import { createGatewayYoga, gatewayQuotas } from './http/yoga.js';
import { type ChangeFeed, changesChannel, openChangeFeed, progressTables } from './gateway-db/change-feed.js';
import { openRedisChangeFeed } from './gateway-db/redis-change-feed.js';
import { SubscriptionSlots } from './graphql/subscription-slots.js';
import { openLeadership } from './jobs/leadership.js';
import { responseCaching } from './graphql/response-cache.js';
import { ResponseCache } from './graphql/response-cache-store.js';
import { createJobs } from './jobs/jobs.js';
import { createLogger, type Logger } from './lib/logger.js';
import { openKeyring } from './lib/keyring.js';
import type { AccountDeps } from './modules/accounts/account-deps.js';
import { createLoginThrottle } from './modules/accounts/login-throttle.js';
import { createSignupLimit } from './modules/accounts/signup-limit.js';
import type { BackupDeps } from './modules/backups/backup-files.js';
import { backupJobHandler } from './modules/backups/backup-job.job.js';
import { backupScheduleTask } from './modules/backups/backup-schedule.task.js';
import { backupJobKind } from './modules/backups/job-requests.js';
import { partialBackupFilesTask } from './modules/backups/partial-files.task.js';
import { type BackupStorages, backupStoragesFrom } from './modules/backups/storage.js';
import { databasePhasesHandler } from './modules/tenantsdb-databases/database-phases.job.js';
import { regionalDeployPhasesHandler } from './modules/regional-deploys/regional-deploy-phases.job.js';
import { auditRetentionTask } from './modules/audit/audit-retention.js';
import { blueprintVersionApplier } from './modules/schema-rollouts/schema-rollout-applier.js';
import { schemaRolloutHandler } from './modules/schema-rollouts/schema-rollout.job.js';
import { schemaRolloutKind } from './modules/schema-rollouts/schema-rollouts.service.js';
import type { DataPlaneDeps } from './modules/data-plane-schemas/data-plane-deps.js';
import { dataPlanePlans } from './modules/data-plane-schemas/data-plane-plans.js';
import { serverDirectory } from './modules/data-plane-schemas/data-plane-servers.js';
import { moveLegacySchemas } from './modules/data-plane-schemas/legacy-schemas.js';
import { queryLogRetentionTask } from './modules/query-logs/query-log-retention.js';
import { changeLogRetentionTask } from './modules/data-plane-schemas/change-log-retention.js';
import { ProxyQueryLog } from './modules/tenantsdb-proxy/proxy-query-log.js';
import { ProxiedChanges } from './modules/tenantsdb-proxy/proxied-changes.js';
import { proxyTargets, screenProxiedStatement } from './modules/tenantsdb-proxy/proxy-targets.js';
import { proxyTlsPair } from './modules/tenantsdb-proxy/proxy-tls.js';
import { webhookDeliveryHandler } from './modules/webhooks/delivery.job.js';
import { interruptedWorkTask } from './modules/tenants/interrupted-work.task.js';
import { UsageMeter } from './modules/usage/meter.js';
import { KeyUseRecorder } from './modules/identity/key-use.js';
import {
  checkBackupRequests,
  checkClientAddress,
  RateLimitedError,
  type RateLimitSettings,
  rateLimitsFromEnvironment,
  recordViolation,
} from './rate-limit/limits.js';
import { createFieldLimiter } from './rate-limit/field-limits.js';
import { type CounterStore, openCounterStore } from './rate-limit/store.js';
import { mountedDialects } from './rest/dialects/index.js';
import { createRestEngine } from './rest/engine.js';
import { buildOpenApi } from './rest/openapi.js';
import { RouteAnswerCache } from './http/route-answer-cache.js';
import { tenantRouteHandler } from './http/tenant-routes.js';
import { corsPolicy, createCors } from './http/cors.js';
import { RememberedTenants } from './kernel/remembered-tenants.js';
import { Clock } from './kernel/change-watch.js';
import { createUpstreamCaller } from './upstreams/upstream-call.js';
import { type BuildInfo, buildInfo } from './http/version.js';

export type { ServerContext };

/** The advisory lock whose holder relays the database's changes to Redis (CHANGE_FEED=redis); the scheduler's leader holds another. */
const changeRelayLockKey = 0x6377_6663;
/** Tables whose changes can change who a key is (its scopes, its tenant's standing, tier or own quota, its project's plan). */
const credentialTables = new Set(['ApiKey', 'Tenant', 'TenantGatewayConfig', 'Project']);
/** Tables whose changes move only who a key is: they drop the principal cache, not cached answers. */
const keyTables = new Set(['ApiKey', 'Project']);

export type AppOptions = {
  env: Environment;
  database: Database;
  logger?: Logger;
  rateLimits?: RateLimitSettings;
  counterStore?: CounterStore;
  /** Backup destinations; by default the BACKUP_DIR directory and S3 as the environment says. */
  backupStorages?: BackupStorages;
  /** The TenantsDB data plane; by default the one DATA_PLANE_URL names (openDataPlane), which the app closes. A given one is the caller's to close. */
  dataPlane?: DataPlane;
};

export type App = {
  /** The whole gateway as a fetch handler: what the node server listens with and what tests call. */
  fetch(request: Request, server?: ServerContext): Promise<Response>;
  logger: Logger;
  meter: UsageMeter;
  /** When API keys were last used, written in batches (API_KEY_LAST_USED_FLUSH_MS). */
  keyUse: KeyUseRecorder;
  /** Where TenantsDB databases live, with what reaches them. */
  dataPlane: DataPlaneDeps;
  /** Committed changes of every replica (LISTEN gateway_changes): what drops cached answers. */
  changes: ChangeFeed;
  /** The TenantsDB database proxy (TENANTSDB_PROXY): servers call `listen`; `close` stops it. */
  databaseProxy: DatabaseProxy;
  /** Settles once what a stopped process left behind; servers wait for it before listening. */
  ready: Promise<void>;
  /** Stops the workers, flushes metering and closes the rate-limit store; the database is the caller's. */
  close(): Promise<void>;
};

/** Wiring only: environment → dependencies → workers, Yoga, the REST engine and the router. */
export function createApp({
  env,
  database,
  logger = createLogger(env.LOG_LEVEL),
  rateLimits = rateLimitsFromEnvironment(env),
  counterStore,
  backupStorages = backupStoragesFrom(env),
  dataPlane: givenDataPlane,
}: AppOptions): App {
  const { prisma } = database;
  const store = counterStore ?? openCounterStore(env.REDIS_URL);
  const limiting = env.RATE_LIMITS === 'on';
  const alone = database.kind === 'pglite';
  // The one keyring: everything sealed at rest is sealed by it (docs/security.md, "Keys and sealing").
  const { keyring, created } = openKeyring(env);
  if (created)
    logger.warn(
      'SECRETS_KEY is not set: generated a key for what is sealed at rest; keep it, sealed values and encrypted backups cannot be opened without it',
      { file: env.SECRETS_KEY_FILE },
    );
  const metrics = createMetrics();
  const backups: BackupDeps = {
    storages: backupStorages,
    keyring,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    requestQuota: limiting ? (key, tier) => checkBackupRequests(store, rateLimits, key, tier) : undefined,
    observe: (trigger, outcome, seconds) => metrics.backupDuration.observe({ trigger: trigger.toLowerCase(), outcome }, seconds),
  };
  // The data plane's messages are counted with Prisma's (tests, /metrics).
  const untracedPlane =
    givenDataPlane ??
    openDataPlane(env, database, {
      observe: (sql) => {
        for (const listener of database.onQuery) listener(sql);
      },
    });
  const plane = tracingOn() ? tracedDataPlane(untracedPlane) : untracedPlane;
  const proxyHolder: { proxy?: DatabaseProxy } = {};
  const dataPlane: DataPlaneDeps = {
    dataPlane: plane,
    prisma,
    sql: database.sql,
    keyring,
    plans: dataPlanePlans(env),
    // A given data plane serves the servers the environment names, as openDataPlane's does.
    servers: serverDirectory(plane.defaultServer, plane.kind === 'postgres' ? env.DATA_PLANE_SERVERS.map(({ name, region }) => ({ name, region })) : []),
  };
  backups.dataPlane = dataPlane;
  const { tenantDatabase: timings, regionalDeploy: regionalDeployTimings } = phaseTimings(env);
  const databaseWork = { timings };
  const meter = new UsageMeter(prisma, logger, { flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS, maxKeys: 10_000 });
  const keyUse = new KeyUseRecorder(prisma, logger, { flushIntervalMs: env.API_KEY_LAST_USED_FLUSH_MS, maxKeys: 10_000 });
  const credentials = createCredentials(prisma, env.GATEWAY_ADMIN_KEY, env.PRINCIPAL_CACHE_MS, jwtAuthenticator(env, prisma), (keyId) => keyUse.record(keyId));

  // Background work: modules contribute job handlers and periodic tasks; src/jobs/ claims, leases and schedules.
  const queue = jobSettings(env);
  const jobs = createJobs(database, logger, { pollMs: queue.pollMs });
  jobs.handle(backupJobHandler(prisma, backups, { leaseMs: queue.backupJobLeaseMs }, credentials.forget));
  jobs.handle(schemaRolloutHandler(prisma, blueprintVersionApplier(prisma, dataPlane), { leaseMs: queue.schemaRolloutLeaseMs }));
  jobs.handle(
    webhookDeliveryHandler(prisma, keyring, {
      pollMs: queue.webhookPollMs,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'on',
    }),
  );
  jobs.handle(
    // The proxy is made below: a move that runs before it exists has no session of it to close.
    databasePhasesHandler(
      prisma,
      timings,
      { leaseMs: queue.leaseMs, attempts: env.TENANT_DATABASE_WORK_ATTEMPTS },
      { dataPlane, disconnect: (placementId) => proxyHolder.proxy?.disconnect(placementId) },
    ),
  );
  jobs.handle(regionalDeployPhasesHandler(prisma, regionalDeployTimings, { leaseMs: queue.leaseMs }));
  const backupSchedule = env.BACKUP_SCHEDULER === 'on' ? backupScheduleTask(prisma, backups, logger, env.BACKUP_SCHEDULER_INTERVAL_MS) : null;
  if (backupSchedule) jobs.every(backupSchedule);
  jobs.every(interruptedWorkTask(prisma, alone, logger));
  jobs.every(auditRetentionTask(prisma, env.AUDIT_RETENTION_DAYS, logger));
  jobs.every(queryLogRetentionTask(prisma, env.QUERY_LOG_RETENTION_DAYS, logger));
  jobs.every(changeLogRetentionTask(dataPlane, env.AUDIT_RETENTION_DAYS, logger));
  jobs.every(partialBackupFilesTask(backupStorages.local, alone, logger));
  // In-memory buffers of this process: every process flushes its own.
  jobs.every({ name: 'usage-flush', runs: 'each process', everyMs: env.USAGE_FLUSH_INTERVAL_MS, run: () => meter.flush() });
  jobs.every({ name: 'key-use-flush', runs: 'each process', everyMs: env.API_KEY_LAST_USED_FLUSH_MS, run: () => keyUse.flush() });
  const proxyLog = new ProxyQueryLog(prisma, logger);
  jobs.every({ name: 'proxy-query-log-flush', runs: 'each process', everyMs: 1_000, run: () => proxyLog.flush() });
  // The change feed: committed changes from every replica (and jobs, and hands) drop what the
  // response cache kept, and who keys are; a lost feed bypasses the cache until it is back.
  const changes =
    env.CHANGE_FEED === 'redis' && database.kind === 'postgres'
      ? openRedisChangeFeed(database, {
          redisUrl: env.REDIS_URL!,
          leadership: openLeadership(database, changeRelayLockKey),
          notify: (payload) => prisma.$executeRaw`SELECT pg_notify(${changesChannel}, ${payload})`,
          logger,
        })
      : openChangeFeed(database, logger);
  jobs.every({ name: 'change-feed-check', runs: 'each process', everyMs: 1_000, run: async () => changes.check() });
  // Subscriptions re-check their keys on this beat when no change wakes them (an expiry announces nothing).
  // Each open subscription re-checks its key every 30 s: a thirtieth of them each second, not all of them at once.
  const subscriptionClock = new Clock(30);
  jobs.every({ name: 'subscription-recheck', runs: 'each process', everyMs: 1_000, run: async () => subscriptionClock.strike() });
  backups.jobs = { kick: () => jobs.wake(backupJobKind) };
  const rollouts = { kick: () => jobs.wake(schemaRolloutKind) };
  const started = jobs.start();

  const accounts: AccountDeps = {
    keyring,
    loginThrottle: limiting
      ? createLoginThrottle(store, {
          perEmailAndAddress: env.LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS ?? env.LOGIN_MAX_FAILURES_PER_EMAIL ?? 5,
          perAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
          windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
          delayAfterPerEmail: env.LOGIN_DELAY_AFTER_FAILURES_PER_EMAIL,
          maxDelaySeconds: env.LOGIN_MAX_DELAY_SECONDS,
          knownAddressSeconds: env.SESSION_KEY_TTL_DAYS * 86_400,
        })
      : undefined,
    signupLimit: limiting ? createSignupLimit(store, env.SIGNUP_PER_ADDRESS_PER_HOUR) : undefined,
    sessionKeyTtlMs: env.SESSION_KEY_TTL_DAYS * 86_400_000,
  };
  const fieldLimiter = limiting ? createFieldLimiter(store, rateLimits.fields) : undefined;
  const observer = { ...operationObserver(metrics), tenant: noteTenant, answered: noteOperation };
  const caching =
    env.RESPONSE_CACHE === 'on'
      ? responseCaching({
          cache: new ResponseCache(env.RESPONSE_CACHE_MAX_MB * 1024 * 1024, env.RESPONSE_CACHE_TTL_MS, () => changes.live),
          credentials,
          quotas: gatewayQuotas(store, rateLimits, limiting),
          fieldLimiter,
          meter: env.METERING === 'on' ? meter : undefined,
          observer,
        })
      : undefined;
  // Tenants' rows a route call reads, kept while the feed hears no change to them.
  const rememberedTenants = new RememberedTenants(() => changes.live);
  const changed = (tenant: string) => {
    caching?.cache.invalidate(tenant);
    rememberedTenants.invalidate(tenant);
  };
  const unsubscribe = changes.subscribe({
    heard: (change) => {
      // A key's or a project's change moves who the key is, not an answer: answers are keyed by the key.
      if (!keyTables.has(change.table) && !progressTables.has(change.table)) changed(change.tenant);
      // A new key, tenant or project is no one's remembered key yet.
      if (credentialTables.has(change.table) && change.op !== 'INSERT') credentials.forget();
    },
    lost: () => {
      caching?.cache.clear();
      rememberedTenants.clear();
      credentials.forget();
    },
  });
  const domains = { keyring, resolvers: env.DNS_RESOLVERS, baseDomain: env.CONTROL_CORE_BASE_DOMAIN, apiHosts: env.CONTROL_CORE_API_HOSTS };
  const regionalDeploys = { backups, work: { timings: regionalDeployTimings }, baseDomain: env.CONTROL_CORE_BASE_DOMAIN };
  // The database proxy: connection strings name its host and the port it listens on (set once it listens).
  const proxyEndpoint = { proxyHost: env.TENANTSDB_PROXY_HOST, proxyPort: env.TENANTSDB_PROXY_PORT };
  const yoga = createGatewayYoga({
    env,
    logger,
    store,
    rateLimits,
    context: {
      prisma,
      production: env.NODE_ENV === 'production',
      meter,
      backups,
      databaseWork,
      accounts,
      dataPlane,
      domains,
      regionalDeploys,
      controlCorePrefix: env.CONTROL_CORE_API_PREFIX,
      tenantRoutesPrefix: env.TENANT_ROUTES_PREFIX,
      changes,
      subscriptionClock,
      subscriptionSlots: new SubscriptionSlots(env.SUBSCRIPTIONS_PER_KEY, env.SUBSCRIPTIONS_MAX),
      fieldLimiter,
      keyring,
      queryLogs: { slowQueryMs: env.SLOW_QUERY_MS },
      databaseProxy: proxyEndpoint,
      schemaRollouts: rollouts,
    },
    observer,
    credentials,
    responseCache: caching?.plugin,
    changed,
  });
  const proxiedChanges = new ProxiedChanges(prisma, logger);
  const tlsFiles = env.TENANTSDB_PROXY_TLS_CERT_FILE && env.TENANTSDB_PROXY_TLS_KEY_FILE;
  let tlsPair: Promise<{ key: Buffer; cert: Buffer }> | null = null;
  const proxy = createDatabaseProxy({
    host: env.TENANTSDB_PROXY_LISTEN_HOST ?? env.HOST,
    port: env.TENANTSDB_PROXY_PORT,
    // A failed first read (the database restarting) is tried again by the next connection.
    tls: () =>
      (tlsPair ??= proxyTlsPair(
        { prisma, keyring },
        {
          certificate: tlsFiles ? readFileSync(env.TENANTSDB_PROXY_TLS_CERT_FILE!) : null,
          key: tlsFiles ? readFileSync(env.TENANTSDB_PROXY_TLS_KEY_FILE!) : null,
          host: env.TENANTSDB_PROXY_HOST,
        },
      ).catch((error) => {
        tlsPair = null;
        throw error;
      })),
    allowPlaintext: env.TENANTSDB_PROXY_PLAINTEXT === 'allow',
    targets: (user, name) => proxyTargets(dataPlane, user, name),
    openWire: (login) => dataPlane.dataPlane.openWire(login, screenProxiedStatement),
    admit: async (address) => {
      if (!limiting) return null;
      try {
        await checkClientAddress(store, rateLimits.ip, address);
        return null;
      } catch (error) {
        if (error instanceof RateLimitedError) return error.message;
        throw error;
      }
    },
    refused: async (address) => {
      if (limiting) await recordViolation(store, rateLimits.ip, address);
    },
    ran: (target, statement) => target.log && proxyLog.add({ ...target.log, ...statement }),
    committed: (target, texts) => target.changes && proxiedChanges.add(target.changes.workspaceId, texts),
    logger,
  });
  const databaseProxy: DatabaseProxy = {
    ...proxy,
    async listen() {
      const bound = await proxy.listen();
      proxyEndpoint.proxyPort = bound.port;
      return bound;
    },
  };
  proxyHolder.proxy = databaseProxy;
  dataPlane.proxySessions = databaseProxy;
  const upstreams = createUpstreamCaller({
    allowPrivate: env.TENANT_ROUTES_ALLOW_PRIVATE === 'on',
    maxRequestBytes: env.TENANT_ROUTES_MAX_REQUEST_BYTES,
    maxResponseBytes: env.TENANT_ROUTES_MAX_RESPONSE_BYTES,
  });
  const dialects = mountedDialects(env, proxyEndpoint);
  const rest = createRestEngine(dialects, graphqlBridge(yoga, caching?.serve), { maxBodyBytes: env.REST_MAX_BODY_BYTES });
  const scheduled = backupSchedule && { leading: () => jobs.scheduler.leading, rounds: () => backupSchedule.rounds };
  const unwatch = watchWorkers(metrics, { database, meter, backupSchedule: scheduled, responseCache: caching?.cache });
  let running: Promise<BuildInfo> | undefined;
  const fetch = createRouter({
    database,
    logger,
    yoga,
    rest,
    openApi: JSON.stringify(buildOpenApi(dialects)),
    graphqlBodyLimits: { authenticated: env.GRAPHQL_MAX_BODY_BYTES, anonymous: env.GRAPHQL_ANONYMOUS_MAX_BODY_BYTES },
    checkClientAddress: limiting ? (address, operator) => checkClientAddress(store, rateLimits.ip, address, operator) : undefined,
    isOperatorKey: operatorKeyCheck(env.GATEWAY_ADMIN_KEY),
    metricsToken: env.METRICS_TOKEN,
    metrics,
    cors: createCors(corsPolicy(env)),
    compressFrom: env.COMPRESSION === 'on' ? env.COMPRESSION_MIN_BYTES : undefined,
    build: () => (running ??= buildInfo(env.GATEWAY_COMMIT)),
    tenantRoutes: {
      prefix: env.TENANT_ROUTES_PREFIX,
      serve: tenantRouteHandler({
        prefix: env.TENANT_ROUTES_PREFIX,
        prisma,
        keyring,
        credentials,
        caller: upstreams,
        cache: new RouteAnswerCache(env.TENANT_ROUTES_CACHE_MB * 1_048_576),
        remembered: rememberedTenants,
        domains,
        meter: env.METERING === 'on' ? meter : undefined,
        limits: limiting ? store : undefined,
        logger,
      }),
    },
  });

  return {
    fetch,
    logger,
    meter,
    keyUse,
    dataPlane,
    changes,
    databaseProxy,
    // Schemas an older gateway kept in its own database move to the data plane before the server listens.
    ready: Promise.all([
      started.catch((error) => logger.error('starting the background work failed', { error })),
      changes.ready,
      moveLegacySchemas(database, dataPlane, logger, env.PG_DUMP),
    ]).then(() => {}),
    async close() {
      unsubscribe();
      await changes.close();
      await databaseProxy.close();
      await upstreams.close();
      await proxiedChanges.settled();
      await jobs.stop();
      await proxyLog.flush().catch((error) => logger.error('database proxy: the last query log flush failed', { error }));
      await keyUse.stop();
      await meter.stop();
      unwatch();
      await store.close();
      backupStorages.close();
      if (!givenDataPlane) await dataPlane.dataPlane.close();
    },
  };
}
