import type { DataPlane } from './data-plane/data-plane.js';
import { openDataPlane } from './data-plane/open-data-plane.js';
import type { Database } from './db/client.js';
import { openLeadership } from './db/leadership.js';
import type { Environment } from './env.js';
import { createCredentials, operatorKeyCheck } from './http/credentials.js';
import { jwtAuthenticator } from './http/jwt.js';
import { graphqlBridge } from './http/graphql-bridge.js';
import { noteTenant } from './http/request-log.js';
import { createMetrics, operationObserver, watchWorkers } from './http/metrics.js';
import { createRouter, type ServerContext } from './http/router.js';
import { createGatewayYoga } from './http/yoga.js';
import { createLogger, type Logger } from './lib/logger.js';
import { openKeyring } from './lib/keyring.js';
import type { AccountDeps } from './modules/accounts/account-deps.js';
import { createLoginThrottle } from './modules/accounts/login-throttle.js';
import { createSignupLimit } from './modules/accounts/signup-limit.js';
import type { BackupDeps } from './modules/backups/backup-files.js';
import { BackupScheduler } from './modules/backups/backup-scheduler.worker.js';
import { PartialBackupFilesCleaner } from './modules/backups/partial-files.worker.js';
import { BackupJobWorker } from './modules/backups/backup-job.worker.js';
import { type BackupStorages, backupStoragesFrom } from './modules/backups/storage.js';
import { DatabaseWork } from './modules/databases/database-work.js';
import { advanceDatabaseWork } from './modules/databases/database-state.js';
import { advanceDeployments, DeploymentWork } from './modules/deployments/deployment-state.js';
import { AuditRetention } from './modules/audit/audit-retention.worker.js';
import { blueprintVersionApplier } from './modules/schema-rollouts/schema-rollout-applier.js';
import type { DataPlaneDeps } from './modules/tenant-databases/data-plane-deps.js';
import { dataPlanePlans } from './modules/tenant-databases/data-plane-plans.js';
import { moveLegacySchemas } from './modules/tenant-databases/legacy-schemas.js';
import { SchemaRolloutWorker } from './modules/schema-rollouts/schema-rollout.worker.js';
import { QueryLogRetention } from './modules/query-logs/query-log-retention.worker.js';
import { WebhookDeliveryWorker } from './modules/webhooks/delivery.worker.js';
import { InterruptedWorkSweeper } from './modules/tenants/interrupted-work.worker.js';
import { UsageMeter } from './modules/usage/meter.js';
import { KeyUseRecorder } from './modules/identity/key-use.js';
import { checkBackupRequests, checkClientAddress, type RateLimitSettings, rateLimitsFromEnvironment } from './rate-limit/limits.js';
import { createFieldLimiter } from './rate-limit/field-limits.js';
import { type CounterStore, openCounterStore } from './rate-limit/store.js';
import { mountedDialects } from './rest/dialects/index.js';
import { createRestEngine } from './rest/engine.js';
import { buildOpenApi } from './rest/openapi.js';

export type { ServerContext };

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
  /** Settles once what a stopped process left behind; servers wait for it before listening. */
  ready: Promise<void>;
  /** Stops the workers, flushes metering and closes the rate-limit store; the database is the caller's. */
  close(): Promise<void>;
};

/** Wiring only: environment → dependencies → workers, Yoga, the REST engine and the router. */
export function createApp({ env, database, logger = createLogger(env.LOG_LEVEL), rateLimits = rateLimitsFromEnvironment(env), counterStore, backupStorages = backupStoragesFrom(env), dataPlane: givenDataPlane }: AppOptions): App {
  const { prisma } = database;
  const store = counterStore ?? openCounterStore(env.REDIS_URL);
  const limiting = env.RATE_LIMITS === 'on';
  const alone = database.kind === 'pglite';
  // The one keyring: everything sealed at rest is sealed by it (README, "Keys and sealing").
  const { keyring, created } = openKeyring(env);
  if (created) logger.warn('SECRETS_KEY is not set: generated a key for what is sealed at rest; keep it, sealed values and encrypted backups cannot be opened without it', { file: env.SECRETS_KEY_FILE });
  const metrics = createMetrics();
  const backups: BackupDeps = {
    storages: backupStorages,
    keyring,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    requestQuota: limiting ? (key, tier) => checkBackupRequests(store, rateLimits, key, tier) : undefined,
    observe: (trigger, outcome, seconds) => metrics.backupDuration.observe({ trigger: trigger.toLowerCase(), outcome }, seconds),
  };
  // The data plane's messages are counted with Prisma's (tests, /metrics).
  const dataPlane: DataPlaneDeps = {
    dataPlane: givenDataPlane ?? openDataPlane(env, database, { observe: (sql) => database.onQuery.forEach((listener) => listener(sql)) }),
    prisma,
    sql: database.sql,
    keyring,
    plans: dataPlanePlans(env),
  };
  backups.dataPlane = dataPlane;
  const timings = { provisionMs: env.DATABASE_PROVISION_MS, syncMs: env.DATABASE_SYNC_MS, cutoverMs: env.DATABASE_CUTOVER_MS };
  const databaseWork: DatabaseWork = new DatabaseWork(timings, (tenantId) => advanceDatabaseWork(prisma, timings, tenantId), logger);
  const meter = new UsageMeter(prisma, logger, { flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS, maxKeys: 10_000 });
  const keyUse = new KeyUseRecorder(prisma, logger, { flushIntervalMs: env.API_KEY_LAST_USED_FLUSH_MS, maxKeys: 10_000 });
  const deploymentTimings = { databaseMigrationMs: env.DEPLOY_DATABASE_MIGRATION_MS, dnsUpdateMs: env.DEPLOY_DNS_UPDATE_MS, sslSetupMs: env.DEPLOY_SSL_SETUP_MS };
  const deploymentWork = new DeploymentWork(deploymentTimings, (tenantId) => advanceDeployments(prisma, deploymentTimings, tenantId), logger, 'regional deployment');
  const sweeper = new InterruptedWorkSweeper(prisma, databaseWork, alone, logger, deploymentWork);
  const scheduler = env.BACKUP_SCHEDULER === 'on' ? new BackupScheduler(prisma, backups, openLeadership(database, 0x7467_6231), logger, env.BACKUP_SCHEDULER_INTERVAL_MS) : null;
  const webhooks = new WebhookDeliveryWorker(prisma, keyring, {
    pollMs: env.WEBHOOK_POLL_MS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'on',
  }, logger);
  const rollouts = new SchemaRolloutWorker(prisma, blueprintVersionApplier(prisma, dataPlane), { pollMs: env.DEPLOYMENT_POLL_MS, leaseMs: env.DEPLOYMENT_LEASE_MS }, alone, logger);
  const credentials = createCredentials(prisma, env.GATEWAY_ADMIN_KEY, env.PRINCIPAL_CACHE_MS, jwtAuthenticator(env, prisma), (keyId) => keyUse.record(keyId));
  // Backups and restores of tenants with data: the same job settings as deployments.
  const backupJobs = new BackupJobWorker(prisma, backups, { pollMs: env.DEPLOYMENT_POLL_MS, leaseMs: env.DEPLOYMENT_LEASE_MS }, alone, logger, credentials.forget);
  backups.jobs = backupJobs;
  const workers = [meter, keyUse, rollouts, backupJobs, sweeper, new PartialBackupFilesCleaner(backupStorages.local, alone, logger), new AuditRetention(prisma, env.AUDIT_RETENTION_DAYS, logger), new QueryLogRetention(prisma, env.QUERY_LOG_RETENTION_DAYS, logger), webhooks, ...(scheduler ? [scheduler] : [])];
  for (const worker of workers) worker.start();

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
  const domains = { keyring, resolvers: env.DNS_RESOLVERS, baseDomain: env.CONTROL_CORE_BASE_DOMAIN, apiHosts: env.CONTROL_CORE_API_HOSTS };
  const deployments = { backups, work: deploymentWork, baseDomain: env.CONTROL_CORE_BASE_DOMAIN };
  const yoga = createGatewayYoga({ env, logger, store, rateLimits, context: { prisma, production: env.NODE_ENV === 'production', meter, backups, databaseWork, accounts, dataPlane, domains, deployments, controlCorePrefix: env.CONTROL_CORE_API_PREFIX, fieldLimiter, keyring, queryLogs: { slowQueryMs: env.SLOW_QUERY_MS }, schemaRollouts: rollouts },
    observer: { ...operationObserver(metrics), tenant: noteTenant },
    credentials,
  });
  const dialects = mountedDialects(env);
  const rest = createRestEngine(dialects, graphqlBridge(yoga), { maxBodyBytes: env.REST_MAX_BODY_BYTES });
  const unwatch = watchWorkers(metrics, { database, meter, scheduler });
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
  });

  return {
    fetch,
    logger,
    meter,
    keyUse,
    dataPlane,
    // Schemas an older gateway kept in its own database move to the data plane before the server listens.
    ready: Promise.all([sweeper.ready, moveLegacySchemas(database, dataPlane, logger, env.PG_DUMP)]).then(() => {}),
    async close() {
      for (const worker of [...workers].reverse()) await worker.stop();
      unwatch();
      await store.close();
      backupStorages.close();
      if (!givenDataPlane) await dataPlane.dataPlane.close();
    },
  };
}
