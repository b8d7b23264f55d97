import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const mountPrefix = (fallback: string) =>
  z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'a mount prefix is "" or a path like /api/v1, without a trailing slash')
    .default(fallback);

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `bucket` or `bucket/prefix`, comma-separated, each bucket once: where tenants' s3 backup
 * destinations may point. Prefixes lose their outer slashes; `.` and `..` segments are refused.
 */
const bucketAllowList = z
  .string()
  .default('')
  .transform((value, context) => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const slash = entry.indexOf('/');
        const bucket = slash === -1 ? entry : entry.slice(0, slash);
        const prefix = slash === -1 ? '' : entry.slice(slash + 1).replace(/^\/+|\/+$/g, '');
        return { entry, bucket, prefix };
      });
    for (const [index, { entry, bucket, prefix }] of entries.entries()) {
      if (!bucketName.test(bucket)) context.addIssue({ code: 'custom', message: `"${entry}": "${bucket}" is not a bucket name` });
      if (prefix.split('/').some((segment) => segment === '.' || segment === '..' || (prefix && !segment))) {
        context.addIssue({ code: 'custom', message: `"${entry}": the prefix may not hold empty, "." or ".." segments` });
      }
      if (entries.findIndex((other) => other.bucket === bucket) !== index) context.addIssue({ code: 'custom', message: `bucket "${bucket}" is listed twice` });
    }
    return entries.map(({ bucket, prefix }) => ({ bucket, prefix }));
  });

/**
 * DATA_PLANE_SERVERS: `name@region=postgresql://…` entries, comma separated (a comma inside a URL
 * written %2C): the PostgreSQL servers dedicated (L2) tenant databases are placed on, by region.
 */
const dataPlaneServerList = z
  .string()
  .default('')
  .transform((value, context) => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const servers: { name: string; region: string; url: string }[] = [];
    for (const entry of entries) {
      const match = /^([a-z][a-z0-9-]{0,30})@([a-z][a-z0-9-]{1,30})=(.+)$/.exec(entry);
      if (!match) {
        context.addIssue({ code: 'custom', message: `"${entry.replace(/:[^:@/]*@/, ':…@')}" is not name@region=postgresql://…` });
        continue;
      }
      const [, name, region, url] = match as unknown as [string, string, string, string];
      if (!/^postgres(ql)?:\/\//.test(url)) context.addIssue({ code: 'custom', message: `server "${name}": its URL must be postgresql://…` });
      if (name === 'default' || name === 'embedded') context.addIssue({ code: 'custom', message: `server "${name}": that name is the shared server's` });
      if (servers.some((server) => server.name === name)) context.addIssue({ code: 'custom', message: `server "${name}" is listed twice` });
      servers.push({ name, region, url });
    }
    return servers;
  });

export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).default('./data/pglite'),
  GATEWAY_ADMIN_KEY: z.string().min(16, 'GATEWAY_ADMIN_KEY must be at least 16 characters').optional(),
  SECRETS_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'SECRETS_KEY must be 32 bytes written as 64 hex characters')
    .optional(),
  /** Keys SECRETS_KEY replaced (comma-separated, 64 hex characters each): still opening what they sealed, never sealing. */
  SECRETS_KEY_PREVIOUS: z
    .string()
    .regex(/^[0-9a-fA-F]{64}(,[0-9a-fA-F]{64})*$/, 'SECRETS_KEY_PREVIOUS is 64-hex-character keys separated by commas')
    .optional(),
  /** Where the generated key is kept when SECRETS_KEY is not set. */
  SECRETS_KEY_FILE: z.string().min(1).default('./data/secrets.key'),
  BACKUP_DIR: z.string().min(1).default('./data/backups'),
  /** For S3-compatible servers (MinIO, s3rver …); unset means AWS. Credentials default to the AWS SDK's chain. */
  S3_ENDPOINT: z.string().url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['on', 'off']).default('off'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** The buckets tenants may name as s3 backup destinations; none by default. */
  BACKUP_S3_BUCKETS: bucketAllowList,
  /** Scheduled backups (each tenant's backup configuration); one process at a time runs them. */
  BACKUP_SCHEDULER: z.enum(['on', 'off']).default('on'),
  BACKUP_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** TenantsDB tenant databases' phases: dedicated provisioning, migration sync and cutover (see phaseTimings). */
  TENANT_DATABASE_PROVISION_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  TENANT_DATABASE_SYNC_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  TENANT_DATABASE_CUTOVER_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  /** Failed attempts in a row of a tenant's database work (a move, a dedicated database's provisioning) before a move is given up: the database stays where it was. */
  TENANT_DATABASE_WORK_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Control Core regional deploys: how long each phase lasts (see phaseTimings). */
  REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  REGIONAL_DEPLOY_DNS_UPDATE_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  REGIONAL_DEPLOY_SSL_SETUP_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  /** Older names of the six above, still read (the new names win): DATABASE_* read like settings of the gateway's own database (DATABASE_URL), DEPLOY_* like TenantsDB deployments. */
  DATABASE_PROVISION_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  DATABASE_SYNC_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  DATABASE_CUTOVER_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  DEPLOY_DATABASE_MIGRATION_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  DEPLOY_DNS_UPDATE_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  DEPLOY_SSL_SETUP_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  REDIS_URL: z.string().url().optional(),
  /** How committed changes reach every replica (gateway-db/change-feed.ts): each process LISTENs on PostgreSQL, or one relays them to Redis pub/sub (redis-change-feed.ts). */
  CHANGE_FEED: z.enum(['postgres', 'redis']).default('postgres'),
  /** Subscriptions one credential may hold open on one process (graphql/subscription-slots.ts); default 20. */
  SUBSCRIPTIONS_PER_KEY: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Subscriptions one process holds open in all; default 2000. */
  SUBSCRIPTIONS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  /** Switches for benchmarking and diagnosis: `off` disables metering or every rate limit. */
  METERING: z.enum(['on', 'off']).default('on'),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /**
   * Tracing (src/lib/tracing.ts): `otlp` exports spans over OTLP/HTTP; `none` (the default when no
   * OTLP endpoint is set) loads no tracing code at all. An endpoint alone turns `otlp` on.
   */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp']).optional(),
  /** The OTLP/HTTP collector's base URL (`/v1/traces` is appended), as the OpenTelemetry specification names it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The full URL spans are posted to, when it is not `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  /** `service.name` of every span. */
  OTEL_SERVICE_NAME: z.string().min(1).default('tenant-gateway'),
  /** Which documents /graphql runs (trusted-documents.ts): unset, `enforce` when TRUSTED_DOCUMENTS_FILE is set, else `off`. */
  TRUSTED_DOCUMENTS: z.enum(['off', 'allow-arbitrary', 'enforce']).optional(),
  TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  /** The commit this build was made from, for /version where the checkout is not at hand (a container). */
  GATEWAY_COMMIT: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, 'GATEWAY_COMMIT is a git commit id (7 to 40 lowercase hex digits)')
    .optional(),
  METRICS_TOKEN: z.string().min(16, { error: 'METRICS_TOKEN must be at least 16 characters' }).optional(),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(10_000),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(256),
  PRINCIPAL_CACHE_MS: z.coerce.number().int().min(0).max(1_000).default(1_000),
  /** The response cache (issue 28): answers of cacheable reads kept in memory, dropped by the change feed. */
  RESPONSE_CACHE: z.enum(['on', 'off']).default('on'),
  /** Its budget in megabytes (least recently used answers go first). */
  RESPONSE_CACHE_MAX_MB: z.coerce.number().int().min(1).max(65_536).default(64),
  /** How long an answer is kept at most, even while no change to it is heard. */
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(1).max(86_400_000).default(300_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  USAGE_FLUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
  /** How often API keys' last use (lastUsedAt) is written: a key's use shows within this time. */
  API_KEY_LAST_USED_FLUSH_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** How long audit events are kept. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  /** How long TenantsDB query logs are kept. */
  QUERY_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** A tenant database query at least this long is slow (query logs and stats). */
  SLOW_QUERY_MS: z.coerce.number().int().min(1).max(3_600_000).default(1_000),
  /** The job queue (src/jobs/): how often each kind of job is looked for when no NOTIFY woke the process (leases that ran out); default 1000. */
  JOBS_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
  /** How long a claim holds a job without its heartbeat before another process takes it over, for kinds without a setting of their own (database and regional deployment phases); default 30000. */
  JOBS_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** The same for backup jobs (backups and restores of tenants with rows), and for TenantsDB deployments (schema rollouts); default JOBS_LEASE_MS. */
  BACKUP_JOB_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  SCHEMA_ROLLOUT_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** Older names: DEPLOYMENT_POLL_MS is JOBS_POLL_MS, DEPLOYMENT_LEASE_MS both BACKUP_JOB_LEASE_MS and SCHEMA_ROLLOUT_LEASE_MS (the new names win). */
  DEPLOYMENT_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
  DEPLOYMENT_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** Webhook targets on loopback, private or link-local addresses: refused unless on (tests, private deployments). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
  /**
   * Browser origins allowed to call the gateway from another origin (CORS), comma-separated:
   * `https://app.example.com`, `http://localhost:*` (any port), or `*` (any origin, never with
   * credentials). Unset: none in production, localhost and 127.0.0.1 on any port otherwise; `''` none.
   */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const origins: string[] = [];
      for (const entry of value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)) {
        if (entry === '*') {
          origins.push(entry);
          continue;
        }
        // Written as a browser sends it: lowercase, no default port, no trailing slash, an IDN in punycode.
        const anyPort = entry.endsWith(':*');
        let origin: string | null = null;
        try {
          const url = new URL(anyPort ? entry.slice(0, -2) : entry);
          const plain = /^https?:$/.test(url.protocol) && !url.username && !url.password && !url.search && !url.hash && url.pathname === '/';
          if (plain && !url.hostname.includes('*') && !(anyPort && url.port)) origin = url.origin;
        } catch {}
        if (origin === null) {
          context.addIssue({
            code: 'custom',
            message: `CORS_ORIGINS holds origins such as https://app.example.com or http://localhost:* (any port; no wildcard in the host), not "${entry}"`,
          });
          continue;
        }
        origins.push(anyPort ? `${origin}:*` : origin);
      }
      return origins.join(',');
    }),
  /** Whether cross-origin calls may carry the browser's cookies (Access-Control-Allow-Credentials); API keys travel in a header and need none. */
  CORS_ALLOW_CREDENTIALS: z.enum(['on', 'off']).default('off'),
  /** Request headers a cross-origin call may send, comma-separated (the gateway's own: Authorization, Content-Type, X-API-Key, X-Tenant-ID, the conditional and idempotency headers). */
  CORS_ALLOW_HEADERS: z
    .string()
    .regex(
      /^[A-Za-z0-9!#$%&'+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'+.^_`|~-]+)*$/,
      'CORS_ALLOW_HEADERS is a comma-separated list of header names (no *: a browser never lets it cover Authorization)',
    )
    .default('Authorization,Content-Type,Accept,X-API-Key,X-Tenant-ID,X-Request-Id,If-Match,If-None-Match,Idempotency-Key,Cache-Control,X-End-User-ID'),
  /** How long a browser may keep a preflight's answer, in seconds. */
  CORS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** br/gzip for answers a caller accepts them for (compression.ts); static pages are compressed once either way. */
  COMPRESSION: z.enum(['on', 'off']).default('on'),
  COMPRESSION_MIN_BYTES: z.coerce.number().int().min(0).default(1024),
  /** Where tenants' own routes answer (`/gw/<route path>`): a prefix no legacy API uses. */
  TENANT_ROUTES_PREFIX: z
    .string()
    .regex(/^\/[a-z0-9][a-z0-9_-]{0,31}$/, 'TENANT_ROUTES_PREFIX is one path segment such as /gw')
    .refine(
      (value) => !['/api', '/graphql', '/tenant', '/tenants', '/docs', '/console', '/metrics', '/usage', '/admin'].includes(value),
      'TENANT_ROUTES_PREFIX must not be a path the gateway itself serves',
    )
    .default('/gw'),
  /** Tenant routes' upstreams on loopback, private or link-local addresses: refused unless on (tests, private deployments). */
  TENANT_ROUTES_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
  TENANT_ROUTES_MAX_REQUEST_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1_048_576),
  TENANT_ROUTES_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1_048_576),
  /** Memory for tenants' kept route answers (gateway config `cache`), in MB; 0 keeps none. */
  TENANT_ROUTES_CACHE_MB: z.coerce.number().min(0).max(65_536).default(64),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  /** How often webhook deliveries are looked for when nothing woke the process; default JOBS_POLL_MS. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  RATE_LIMIT_IP_PER_SECOND: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_IP_BAN_AFTER: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_IP_BAN_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Per-tenant requests a minute for FREE, BASIC, PRO, ENTERPRISE tenant keys. */
  RATE_LIMIT_TIER_PER_MINUTE: z
    .string()
    .regex(/^\d+,\d+,\d+,\d+$/, 'RATE_LIMIT_TIER_PER_MINUTE is four numbers: FREE,BASIC,PRO,ENTERPRISE')
    .default('60,300,1000,5000'),
  /** On-demand backup requests an hour per project (per tenant outside projects) for FREE, BASIC, PRO, ENTERPRISE; dedicated tenants are exempt. */
  RATE_LIMIT_BACKUPS_PER_HOUR: z
    .string()
    .regex(/^\d+,\d+,\d+,\d+$/, 'RATE_LIMIT_BACKUPS_PER_HOUR is four numbers: FREE,BASIC,PRO,ENTERPRISE')
    .default('5,20,50,100'),
  RATE_LIMIT_CONFIG_READS_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_FEATURE_QUERIES_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  REST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Largest POST /graphql body from a caller with credentials. */
  /** V8's optimizing tier for WebAssembly (src/lib/wasm-tiering.ts, read before this schema): auto is off on PostgreSQL, on with PGlite. */
  WASM_TIER_UP: z.enum(['auto', 'on', 'off']).default('auto'),
  /** The old generation's growth between full collections, in percent (src/lib/heap-growth.ts, read before this schema); 0 leaves it to V8 (up to 300 %). */
  HEAP_GROWTH_PERCENT: z
    .string()
    .regex(/^(?:[0-9]|[1-9][0-9]|[12][0-9]{2}|300)$/, 'HEAP_GROWTH_PERCENT is a whole number of percent from 0 to 300, digits only')
    .default('50')
    .transform(Number),
  /** Run operations compiled by graphql-jit (off: graphql-tools' executor for everything). */
  GRAPHQL_JIT: z.enum(['on', 'off']).default('on'),
  GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Largest POST /graphql body without credentials (GraphiQL's introspection is ~3 KB): larger is 413, unread. */
  GRAPHQL_ANONYMOUS_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(65_536),
  CONFIG_API_PREFIX: mountPrefix('/api/v1'),
  EVENT_HISTORY_API_PREFIX: mountPrefix('/api'),
  TENANT_API_PREFIX: mountPrefix(''),
  TENANTSDB_API_PREFIX: mountPrefix(''),
  /** Control Core (seed 003) shares /api/v1 with the Tenant Configuration API; no two routes collide. */
  CONTROL_CORE_API_PREFIX: mountPrefix('/api/v1'),
  /** Tenants' default domains are `<name>.<this>`; such a Host names its tenant. */
  CONTROL_CORE_BASE_DOMAIN: z
    .string()
    .toLowerCase()
    .regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'CONTROL_CORE_BASE_DOMAIN is a DNS name such as controlcore.io')
    .default('controlcore.io'),
  /** The API's own names under CONTROL_CORE_BASE_DOMAIN besides api. and www. (comma-separated): as a Host they name no tenant. */
  CONTROL_CORE_API_HOSTS: z
    .string()
    .toLowerCase()
    .regex(
      /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(,([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})*$/,
      'CONTROL_CORE_API_HOSTS is host names separated by commas',
    )
    .optional()
    .transform((value) => value?.split(',') ?? []),
  /** JWT credentials (every Bearer dialect): verified against this JWKS, or against JWT_PUBLIC_KEY (PEM); unset, JWTs are refused. */
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_PUBLIC_KEY: z.string().includes('-----BEGIN PUBLIC KEY-----', { error: 'JWT_PUBLIC_KEY is a PEM public key (-----BEGIN PUBLIC KEY-----)' }).optional(),
  /** When set, a JWT's iss and aud must be these. */
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** The longest a JWT may live: exp - iat, and exp - now, beyond it are refused (a token without exp always is). */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(86_400),
  /**
   * The TenantsDB data plane: a PostgreSQL URL whose login may create databases and roles
   * (CREATEDB, CREATEROLE; it never runs tenant SQL), or a PGlite directory. Unset: on PostgreSQL
   * the gateway's own server and login (each project in a database of its own, never the
   * gateway's); on PGlite an embedded instance of its own beside the gateway's directory.
   */
  DATA_PLANE_URL: z.string().min(1).optional(),
  /**
   * More data-plane PostgreSQL servers, each in a region (`name@region=postgresql://…`, comma
   * separated): a dedicated (L2) tenant database gets a database of its own on the least loaded
   * server of its region, and GET /regions lists the regions these serve. Unset: the shared
   * server (DATA_PLANE_URL) holds every database, of every zone.
   */
  DATA_PLANE_SERVERS: dataPlaneServerList,
  /** Data-plane connections this process opens at most, tenant logins and provisioning together. */
  DATA_PLANE_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(10_000).default(24),
  /** An idle data-plane connection is closed after this long. */
  DATA_PLANE_IDLE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** How long a query waits for a data-plane connection to come free before RATE_LIMITED. */
  DATA_PLANE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** `on` lets a production gateway run TenantsDB databases on the embedded PGlite data plane, whose isolation is the classifier's alone. */
  DATA_PLANE_EMBEDDED: z.enum(['on', 'off']).default('off'),
  /** Storage per project's data-plane database, in MB, for FREE, BASIC, PRO, ENTERPRISE: past it, writes that add data are refused. */
  DATA_PLANE_STORAGE_MB: z
    .string()
    .regex(/^\d+,\d+,\d+,\d+$/, 'DATA_PLANE_STORAGE_MB is four numbers: FREE,BASIC,PRO,ENTERPRISE')
    .default('256,2048,20480,204800'),
  /** Bytes of rows one statement's answer holds at most, for FREE, BASIC, PRO, ENTERPRISE: past it the answer is truncated. */
  DATA_PLANE_RESULT_BYTES: z
    .string()
    .regex(/^\d+,\d+,\d+,\d+$/, 'DATA_PLANE_RESULT_BYTES is four numbers: FREE,BASIC,PRO,ENTERPRISE')
    .default('4194304,16777216,33554432,67108864'),
  /** The pg_dump program moving schemas an older gateway kept in its own PostgreSQL database into the data plane (once, at start). */
  PG_DUMP: z.string().min(1).default('pg_dump'),
  /** The TenantsDB database proxy (PostgreSQL's wire protocol, its own port): on, or off (nothing listens). */
  TENANTSDB_PROXY: z.enum(['on', 'off']).default('on'),
  /** The host TenantsDB connection strings name (and the proxy's self-signed certificate). */
  TENANTSDB_PROXY_HOST: z.string().min(1).default('localhost'),
  /** The proxy's port, which connection strings name too. 0: any free port (tests). */
  TENANTSDB_PROXY_PORT: z.coerce.number().int().min(0).max(65535).default(5432),
  /** The address the proxy listens on; unset: HOST's. */
  TENANTSDB_PROXY_LISTEN_HOST: z.string().min(1).optional(),
  /** allow: clients may connect without TLS (authenticated by SCRAM-SHA-256 then). off: TLS only, as sslmode=require expects. */
  TENANTSDB_PROXY_PLAINTEXT: z.enum(['allow', 'off']).default('off'),
  /** PEM files of the certificate and key the proxy answers TLS with (both or neither); unset: a self-signed pair made once, its key sealed. */
  TENANTSDB_PROXY_TLS_CERT_FILE: z.string().min(1).optional(),
  TENANTSDB_PROXY_TLS_KEY_FILE: z.string().min(1).optional(),
  /** DNS servers custom domain verification asks (comma-separated `ip:port`, `[ipv6]:port`); unset: the system's. */
  DNS_RESOLVERS: z
    .string()
    .regex(
      /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d{1,5})?)(,(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d{1,5})?)*$/,
      'DNS_RESOLVERS is ip:port entries separated by commas ([ipv6]:port for IPv6)',
    )
    .optional()
    .transform((value) => value?.split(',')),
  /** How long a TenantsDB login or switch session key lives. */
  SESSION_KEY_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Failed TenantsDB logins per email from one client address, and per client address, within LOGIN_FAILURE_WINDOW_SECONDS before further attempts from there are 429. */
  LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS: z.coerce.number().int().min(1).optional(),
  /** Its older name: it counted per email alone, which let a stranger lock an account (the new name wins). */
  LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).optional(),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  /** Failed logins per email, every address together, before its attempts are spaced by growing delays (never a lock). */
  LOGIN_DELAY_AFTER_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** TenantsDB signups (POST /signup, the signup mutation) per client address per hour before further ones are 429. */
  SIGNUP_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).default(10),
});

export type Environment = z.infer<typeof environmentSchema>;

/** The only reader of process.env; tests pass their own values instead. */
/** A variable with a value the gateway cannot use: the message names each one. */
export class InvalidEnvironmentError extends Error {
  override name = 'InvalidEnvironmentError';
}

/** The job queue's settings per kind, with the older names as aliases. */
export function jobSettings(env: Environment) {
  const leaseMs = env.JOBS_LEASE_MS ?? 30_000;
  return {
    pollMs: env.JOBS_POLL_MS ?? env.DEPLOYMENT_POLL_MS ?? 1_000,
    leaseMs,
    backupJobLeaseMs: env.BACKUP_JOB_LEASE_MS ?? env.DEPLOYMENT_LEASE_MS ?? leaseMs,
    schemaRolloutLeaseMs: env.SCHEMA_ROLLOUT_LEASE_MS ?? env.DEPLOYMENT_LEASE_MS ?? leaseMs,
    webhookPollMs: env.WEBHOOK_POLL_MS,
  };
}

/** How long the timed phases last, with the older names as aliases (the new names win). */
export function phaseTimings(env: Environment) {
  return {
    tenantDatabase: {
      provisionMs: env.TENANT_DATABASE_PROVISION_MS ?? env.DATABASE_PROVISION_MS ?? 0,
      syncMs: env.TENANT_DATABASE_SYNC_MS ?? env.DATABASE_SYNC_MS ?? 0,
      cutoverMs: env.TENANT_DATABASE_CUTOVER_MS ?? env.DATABASE_CUTOVER_MS ?? 0,
    },
    regionalDeploy: {
      databaseMigrationMs: env.REGIONAL_DEPLOY_DATABASE_MIGRATION_MS ?? env.DEPLOY_DATABASE_MIGRATION_MS ?? 60_000,
      dnsUpdateMs: env.REGIONAL_DEPLOY_DNS_UPDATE_MS ?? env.DEPLOY_DNS_UPDATE_MS ?? 30_000,
      sslSetupMs: env.REGIONAL_DEPLOY_SSL_SETUP_MS ?? env.DEPLOY_SSL_SETUP_MS ?? 30_000,
    },
  };
}

export function readEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = environmentSchema
    .refine((env) => env.CHANGE_FEED !== 'redis' || env.REDIS_URL, {
      path: ['CHANGE_FEED'],
      message: 'CHANGE_FEED=redis needs REDIS_URL (the Redis the relay publishes on)',
    })
    .refine((env) => !env.TENANTSDB_PROXY_TLS_CERT_FILE === !env.TENANTSDB_PROXY_TLS_KEY_FILE, {
      path: ['TENANTSDB_PROXY_TLS_CERT_FILE'],
      message: 'TENANTSDB_PROXY_TLS_CERT_FILE and TENANTSDB_PROXY_TLS_KEY_FILE are set together (or neither)',
    })
    .safeParse(Object.fromEntries(Object.entries(source).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidEnvironmentError(`Invalid environment:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
