import { jobSettings, phaseTimings, readEnvironment } from '../src/env.js';

// What each environment variable means, for docs/configuration.md (npm run generate:config-docs).
// Defaults come from the schema in src/env.ts; `unset` is written only where the schema has none
// because the code that reads the value applies one, or because unset has a meaning of its own.
// Links are relative to docs/.

export type VariableDoc =
  | { meaning: string; unset?: string }
  /** An older name still read when the newer one is unset; `why` it was renamed. */
  | { olderNameOf: string[]; why?: string };

export type Section = { title: string; variables: Record<string, VariableDoc> };

const unsetEnvironment = readEnvironment({});
const jobs = jobSettings(unsetEnvironment);
const phases = phaseTimings(unsetEnvironment);
const code = (value: string | number) => `\`${value}\``;

export const sections: Section[] = [
  {
    title: 'Server',
    variables: {
      NODE_ENV: { meaning: '`production` refuses anonymous GraphQL requests, introspection included' },
      PORT: { meaning: 'HTTP port' },
      HOST: { meaning: 'interface to listen on' },
      LOG_LEVEL: { meaning: '`trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`; logs are JSON lines on stderr' },
      REQUEST_TIMEOUT_MS: { meaning: 'a request whose headers and body have not all arrived by then is answered 408 and closed' },
      HEADERS_TIMEOUT_MS: { meaning: 'the same for the headers alone' },
      MAX_CONNECTIONS_PER_ADDRESS: { meaning: 'open connections one client address may hold; more are closed at once' },
      SHUTDOWN_TIMEOUT_MS: { meaning: 'on SIGTERM/SIGINT: how long requests in flight may take to finish before their connections are cut' },
      REST_MAX_BODY_BYTES: { meaning: 'largest legacy request body (413 beyond)' },
      GRAPHQL_MAX_BODY_BYTES: { meaning: 'largest `POST /graphql` body with credentials (413 `REQUEST_ENTITY_TOO_LARGE` beyond)' },
      GRAPHQL_ANONYMOUS_MAX_BODY_BYTES: { meaning: 'largest `POST /graphql` body without credentials: larger is refused before it is read' },
      GRAPHQL_JIT: {
        meaning:
          "run operations compiled by graphql-jit (what it cannot compile runs on the standard executor, logged once); `off`: graphql-tools' executor for everything",
      },
      WASM_TIER_UP: {
        meaning:
          "V8's optimizing compiler for WebAssembly: `auto` is off on PostgreSQL (Prisma's query compiler then runs on the baseline tier, ~90 MB less resident memory for ~5 % more CPU on a read the response cache misses) and on with PGlite (the database itself is WebAssembly); `on`, `off` force it",
      },
      HEAP_GROWTH_PERCENT: {
        meaning:
          "how far V8 lets the old generation grow past what survived the last full collection before it collects again, 0–300 %; `0` leaves it to V8, which picks up to 300 % on a machine with memory to spare. At 100,000 tenants the bench's peak resident memory was 961 MB with V8's choice, 535 MB at 50 % and 483 MB at 20 %, reads no slower; a smaller growth means more full collections (docs/performance.md)",
      },
      METRICS_TOKEN: { meaning: 'when set (16+ characters), `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`' },
      CORS_ORIGINS: {
        unset: 'none in production; `http://localhost:*,http://127.0.0.1:*,http://[::1]:*` otherwise',
        meaning:
          "browser origins that may call the gateway from another origin, comma-separated (`https://app.example.com`, `http://localhost:*` for any port, or `*`; no wildcard within a host name; written as a browser sends them, so `https://App.example.com/` is read as `https://app.example.com`); one policy for `/graphql`, every REST route and the tenant routes: a preflight (counted on the address limit) is answered with the methods its path serves (403 for another origin, naming this setting), an answer names the allowed origin with `Vary: Origin`, a tenant route's upstream cannot grant an origin itself, and `/metrics`, `/readyz` and `/healthz` never carry CORS headers. An `OPTIONS` that is not a preflight goes to the route as any method does (on `/graphql`: 405)",
      },
      CORS_ALLOW_CREDENTIALS: {
        meaning: "`on` lets cross-origin calls carry the browser's cookies (API keys travel in a header and need none); refused with `CORS_ORIGINS=*`",
      },
      CORS_ALLOW_HEADERS: { meaning: 'request headers a cross-origin call may send (`*` is refused: browsers never let it cover `Authorization`)' },
      CORS_MAX_AGE_SECONDS: { meaning: "how long a browser keeps a preflight's answer" },
      COMPRESSION: {
        meaning:
          "br or gzip for text answers a caller's `Accept-Encoding` allows, above `COMPRESSION_MIN_BYTES` (never an event stream, nor a tenant route's upstream answer); static pages (GraphiQL, `/docs`, `/openapi.json`) are compressed once either way",
      },
      COMPRESSION_MIN_BYTES: { meaning: 'the smallest answer compressed' },
      TRUSTED_DOCUMENTS: {
        unset: '`enforce` when `TRUSTED_DOCUMENTS_FILE` is set, else `off`',
        meaning:
          "which documents `/graphql` runs: `off` any; `allow-arbitrary` the manifest's by id and any other; `enforce` only the manifest's (a global `admin` key, `GATEWAY_ADMIN_KEY` among them, may still send any: GraphiQL stays the operators'). The REST routes' own operations always run. See [Trusted documents](graphql-api.md#trusted-documents)",
      },
      TRUSTED_DOCUMENTS_FILE: {
        unset: 'no manifest',
        meaning:
          "the manifest of trusted documents: a JSON object of id to document, as GraphQL Code Generator's client preset writes it (`persisted-documents.json`); every document is validated at start, and an id of 64 hex digits (with or without `sha256:`) must be its document's SHA-256, or the gateway does not start",
      },
      GATEWAY_COMMIT: {
        meaning: "the commit `GET /version` names, for a build run without its checkout (a container); unset: the checkout's (`git rev-parse HEAD`), else null",
      },
    },
  },
  {
    title: 'Database and keys',
    variables: {
      DATABASE_URL: {
        meaning:
          '`postgres://…` or `postgresql://…`: PostgreSQL through node-postgres. Anything else: a PGlite data directory (`memory://` keeps it in memory)',
      },
      GATEWAY_ADMIN_KEY: {
        meaning: 'the operator (global, `admin`) API key, at least 16 characters; unset: one is minted on first start and printed once',
      },
      SECRETS_KEY: {
        meaning:
          "32-byte key (64 hex characters), the current key of the keyring that seals everything sealed at rest (see [Keys and sealing](security.md#keys-and-sealing)): tenants' data keys, TenantsDB proxy, workspace and data-plane login passwords, custom domains' private keys, and each encrypted backup file's data key; unset: a random key is generated once into `SECRETS_KEY_FILE` (logged as a warning). Keep it: nothing sealed opens without it",
      },
      SECRETS_KEY_PREVIOUS: {
        meaning:
          'keys `SECRETS_KEY` replaced, comma-separated: what they sealed still opens, nothing new is sealed with them; the operator mutation `rewrapSealedValues` moves everything under `SECRETS_KEY`, after which they can be dropped (rotation steps: [Rotation](security.md#rotation))',
      },
      SECRETS_KEY_FILE: { meaning: 'where the generated key lives when `SECRETS_KEY` is unset' },
    },
  },
  {
    title: 'Callers: keys, JWTs, accounts',
    variables: {
      PRINCIPAL_CACHE_MS: {
        meaning:
          'how long a replica remembers who an API key is (by its hash); a revocation, a suspension or a plan change takes effect at once on the replica that made it and on every other within this time. `0` looks every key up on every request',
      },
      API_KEY_LAST_USED_FLUSH_MS: {
        meaning:
          "how often API keys' last use (`lastUsedAt`, TenantsDB `last_used_at`) is written, in one statement for all keys used meanwhile (and on shutdown): a use shows within this time",
      },
      JWT_JWKS_URL: {
        meaning:
          "JWT credentials on every Bearer dialect: verify against this JWKS (jose); claims `tenant_id` (the tenant: its UUID, or the slug of a tenant with no project — a TenantsDB project's tenant is named by UUID, since slugs are unique only within a project), `scope` (space-separated) or `scopes` (list), `sub` (the label); `admin` and `keys:write` are never granted by a token",
      },
      JWT_PUBLIC_KEY: { meaning: 'instead of a JWKS, a PEM public key (RS*, PS*, ES*, EdDSA; never `none` or HMAC)' },
      JWT_ISSUER: { meaning: "when set, a JWT's `iss` must be this" },
      JWT_AUDIENCE: { meaning: "when set, a JWT's `aud` must be this" },
      JWT_MAX_LIFETIME_SECONDS: {
        meaning:
          'the longest a JWT may live: `exp` is required, and a token whose `exp - iat` (or, without `iat`, `exp - now`) is beyond this is refused, as is an `iat` in the future; clocks may differ by 30 seconds (for `exp`, `nbf` and `iat`)',
      },
      SESSION_KEY_TTL_DAYS: { meaning: 'how long a TenantsDB session key (minted by login and switch) works' },
      SIGNUP_PER_ADDRESS_PER_HOUR: {
        meaning:
          'TenantsDB signups (`POST /signup`, the `signup` mutation) one client address (an IPv6 address counts by its /64) may make in an hour; further ones are 429 `RATE_LIMITED` with `Retry-After` until the hour ends',
      },
      LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS: {
        unset: code(5),
        meaning:
          'failed TenantsDB logins per email from one client address (IPv6 by its /64) within `LOGIN_FAILURE_WINDOW_SECONDS` before every further attempt from there is 429',
      },
      LOGIN_MAX_FAILURES_PER_EMAIL: {
        olderNameOf: ['LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS'],
        why: 'it counted per email alone, which let a stranger lock an account',
      },
      LOGIN_MAX_FAILURES_PER_ADDRESS: {
        meaning:
          'failed TenantsDB logins per client address for any email (IPv6 by its /64) within `LOGIN_FAILURE_WINDOW_SECONDS` before every further attempt from there is 429',
      },
      LOGIN_DELAY_AFTER_FAILURES_PER_EMAIL: {
        meaning:
          "past this many failed logins for one email from all addresses together (in the window), each further failure makes the email's next attempt wait 1, 2, 4 … seconds, at most `LOGIN_MAX_DELAY_SECONDS` (429 with `Retry-After` inside the wait); addresses that logged in to that account within `SESSION_KEY_TTL_DAYS` skip the wait. A slowdown, never a lock (see [Accounts, sessions and keys](security.md#accounts-sessions-and-keys))",
      },
      LOGIN_MAX_DELAY_SECONDS: { meaning: 'the longest of those waits' },
      LOGIN_FAILURE_WINDOW_SECONDS: { meaning: 'the window those failures are counted over' },
    },
  },
  {
    title: 'Legacy APIs',
    variables: {
      CONFIG_API_PREFIX: { meaning: 'mount prefix of the Tenant Configuration API routes' },
      CONTROL_CORE_API_PREFIX: { meaning: 'mount prefix of the Control Core routes (shared with the Tenant Configuration API; no route collides)' },
      CONTROL_CORE_BASE_DOMAIN: {
        meaning:
          "tenants' default domains are `<name>.<this>`; a `Host` naming one is that tenant's context, and any other name under it that names no tenant the caller reaches is refused as a tenant out of reach",
      },
      CONTROL_CORE_API_HOSTS: {
        meaning:
          "the API's own names under `CONTROL_CORE_BASE_DOMAIN` besides `api.` and `www.` (comma-separated, e.g. `gateway.controlcore.io`): as a `Host` they name no tenant, and no tenant may take them as its domain",
      },
      EVENT_HISTORY_API_PREFIX: { meaning: 'mount prefix of the Event History routes' },
      TENANT_API_PREFIX: { meaning: 'mount prefix of the gateway tenant API routes; unset: the root' },
      TENANTSDB_API_PREFIX: { meaning: 'mount prefix of the TenantsDB routes; unset: the root' },
      DNS_RESOLVERS: {
        meaning: "DNS servers custom-domain verification asks for TXT records, comma-separated `ip:port` (`[ipv6]:port`); unset: the system's",
      },
      REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: {
        unset: code(phases.regionalDeploy.databaseMigrationMs),
        meaning: 'Control Core regional deploys: how long the database migration phase lasts',
      },
      REGIONAL_DEPLOY_DNS_UPDATE_MS: { unset: code(phases.regionalDeploy.dnsUpdateMs), meaning: 'how long the DNS update phase lasts' },
      REGIONAL_DEPLOY_SSL_SETUP_MS: { unset: code(phases.regionalDeploy.sslSetupMs), meaning: 'how long the SSL setup phase lasts' },
      DEPLOY_DATABASE_MIGRATION_MS: {
        olderNameOf: ['REGIONAL_DEPLOY_DATABASE_MIGRATION_MS'],
        why: 'TenantsDB deployments (schema rollouts) are deployments too',
      },
      DEPLOY_DNS_UPDATE_MS: { olderNameOf: ['REGIONAL_DEPLOY_DNS_UPDATE_MS'], why: 'TenantsDB deployments (schema rollouts) are deployments too' },
      DEPLOY_SSL_SETUP_MS: { olderNameOf: ['REGIONAL_DEPLOY_SSL_SETUP_MS'], why: 'TenantsDB deployments (schema rollouts) are deployments too' },
    },
  },
  {
    title: 'Tenant routes and webhooks',
    variables: {
      TENANT_ROUTES_PREFIX: {
        meaning:
          "where tenants' own routes answer (`/gw/<route path>`; see the Tenant API dialect's [Tenant routes](../src/rest/dialects/tenant-api/README.md#tenant-routes-gwpath-issue-29))",
      },
      TENANT_ROUTES_ALLOW_PRIVATE: {
        meaning:
          "`on` lets tenant routes' upstreams be loopback, private or link-local (the same address rules as webhooks, checked as each connection resolves the name)",
      },
      TENANT_ROUTES_MAX_REQUEST_BYTES: { meaning: "body cap of a tenant route's call (10 MiB; 413 beyond)" },
      TENANT_ROUTES_MAX_RESPONSE_BYTES: { meaning: "body cap of a tenant route's answer (100 MiB; 502 `response_too_large` beyond)" },
      TENANT_ROUTES_CACHE_MB: { meaning: "memory for tenants' kept route answers (gateway config `cache`); 0 keeps none" },
      WEBHOOK_ALLOW_PRIVATE: {
        meaning:
          '`on` lets tenant webhooks target loopback, private and link-local addresses (checked after DNS resolution; the request goes to the address checked). IPv6 addresses carrying IPv4 — mapped `::ffff:0:0/96`, translated `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16` — are judged by the IPv4 address they carry; IPv4-compatible `::/96` is never public',
      },
      WEBHOOK_MAX_ATTEMPTS: { meaning: 'attempts per webhook event before it is `FAILED`' },
      WEBHOOK_RETRY_BASE_MS: { meaning: 'retry backoff: base × 2^(attempt − 1), capped at `WEBHOOK_RETRY_MAX_MS`' },
      WEBHOOK_RETRY_MAX_MS: { meaning: 'the cap of that backoff' },
      WEBHOOK_POLL_MS: {
        unset: '`JOBS_POLL_MS`',
        meaning: "the job queue's poll for webhook deliveries alone (a new event and a retry start at their time without it)",
      },
      WEBHOOK_TIMEOUT_MS: { meaning: 'how long a webhook receiver may take to answer' },
    },
  },
  {
    title: 'Rate limits and metering',
    variables: {
      RATE_LIMIT_IP_PER_SECOND: { meaning: 'requests a second per client address, before authentication' },
      RATE_LIMIT_IP_BAN_AFTER: { meaning: 'violations after which an address is banned' },
      RATE_LIMIT_IP_BAN_SECONDS: { meaning: 'ban length; every request of a banned address is 429' },
      RATE_LIMIT_TIER_PER_MINUTE: {
        meaning: 'requests a minute for FREE, BASIC, PRO, ENTERPRISE: per tenant (its keys), and per project (its project keys)',
      },
      RATE_LIMIT_CONFIG_READS_PER_MINUTE: { meaning: 'configuration reads per tenant (GraphQL and REST together)' },
      RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: { meaning: 'configuration updates per tenant' },
      RATE_LIMIT_FEATURE_QUERIES_PER_MINUTE: { meaning: 'feature queries per tenant' },
      RATE_LIMIT_BACKUPS_PER_HOUR: {
        meaning: 'on-demand backups an hour per project (per tenant outside projects) for FREE, BASIC, PRO, ENTERPRISE; dedicated tenants are exempt',
      },
      REDIS_URL: { meaning: 'rate-limit counters shared by every replica; unset: in memory, per process' },
      SUBSCRIPTIONS_PER_KEY: {
        meaning: 'subscriptions one key (or JWT subject, or the operator key) may hold open on one replica; one more is `RATE_LIMITED`',
      },
      SUBSCRIPTIONS_MAX: { meaning: 'subscriptions one replica holds open in all; one more is `RATE_LIMITED`' },
      CHANGE_FEED: {
        meaning:
          'how committed changes (what drops cached answers and wakes subscriptions) reach every replica: `postgres`, each process LISTENs on the database; `redis`, one process (a leader) LISTENs and relays them on Redis pub/sub (needs `REDIS_URL` and PostgreSQL): one listening connection whatever the number of replicas, and replicas may reach the database through a pooler in transaction mode',
      },
      RATE_LIMITS: { meaning: '`off` turns every rate limit off (benchmarks only; never in production)' },
      METERING: { meaning: '`off` stops counting API calls (benchmarks compare on and off)' },
      OTEL_TRACES_EXPORTER: {
        meaning:
          '`otlp` sends OpenTelemetry spans to an OTLP/HTTP collector (see [Tracing](tracing.md)); `none` turns tracing off: no tracing code is loaded and requests do no tracing work',
        unset: '`otlp` when an OTLP endpoint below is set, else `none`',
      },
      OTEL_EXPORTER_OTLP_ENDPOINT: {
        meaning: "the collector's base URL; spans go to `<endpoint>/v1/traces`",
        unset: 'http://localhost:4318 when `OTEL_TRACES_EXPORTER=otlp`',
      },
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { meaning: 'the full URL spans are posted to, instead of `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`' },
      OTEL_SERVICE_NAME: { meaning: '`service.name` of every span' },
      USAGE_FLUSH_INTERVAL_MS: { meaning: 'how often metered API calls are written (the most a crash can lose)' },
    },
  },
  {
    title: 'Response cache',
    variables: {
      RESPONSE_CACHE: {
        meaning:
          'keep the answers of cacheable reads in memory and serve them again without SQL or GraphQL execution until the change feed announces a change to them (see [The response cache](performance.md#the-response-cache)); `off` executes every read',
      },
      RESPONSE_CACHE_MAX_MB: {
        meaning:
          "the response cache's budget (estimated bytes; least recently used answers go first). An answer is kept as its JSON text (a configuration: ~1.7 KB), the most recently used also as an object (~5 KB more; at most half the budget, down to an eighth when answers need the room): every one of N tenants' configurations fits in about N × 1.7 KB × 8/7",
      },
      RESPONSE_CACHE_TTL_MS: { meaning: 'the longest an answer is kept even when no change to it is heard' },
    },
  },
  {
    title: 'Backups',
    variables: {
      BACKUP_DIR: { meaning: 'the local backup destination (tenants without an `s3` destination)' },
      S3_ENDPOINT: { meaning: 'an S3-compatible server for `s3` destinations (MinIO, s3rver …); unset: AWS' },
      S3_FORCE_PATH_STYLE: { meaning: '`on` for servers that need path-style bucket addressing' },
      S3_ACCESS_KEY_ID: {
        meaning: "S3 credentials, with `S3_SECRET_ACCESS_KEY`; unset: the AWS SDK's own chain (`AWS_*` variables, profiles, instance roles)",
      },
      S3_SECRET_ACCESS_KEY: { meaning: 'the secret of `S3_ACCESS_KEY_ID`' },
      BACKUP_S3_BUCKETS: {
        meaning:
          'the buckets tenants may name as `s3` backup destinations, comma-separated `bucket` or `bucket/prefix` (e.g. `tenant-backups,shared/gateway`); objects go under `<prefix>/<tenant id>/`. Unset: `s3` destinations are refused',
      },
      BACKUP_SCHEDULER: {
        meaning:
          "scheduled backups and their retention, run by the scheduler's leader (one process among those sharing a database; see [Background work](operations.md#background-work))",
      },
      BACKUP_SCHEDULER_INTERVAL_MS: { meaning: 'how often the schedule is checked' },
    },
  },
  {
    title: 'TenantsDB data plane',
    variables: {
      DATA_PLANE_URL: {
        meaning:
          "where TenantsDB databases live (never the gateway's own database): a PostgreSQL URL whose login may create databases and roles (`CREATEDB`, `CREATEROLE`, or a superuser) and runs only the gateway's own provisioning SQL; each project gets a database of its own there. Unset: on PostgreSQL the gateway's own server and login; on PGlite an embedded instance of its own in `<DATABASE_URL>-data-plane` (see [data-plane.md](data-plane.md))",
      },
      DATA_PLANE_SERVERS: {
        meaning:
          'more data-plane PostgreSQL servers for dedicated (L2) tenant databases, each in a zone: `name@zone=postgresql://…`, comma separated (see [Data-plane servers, zones and moves](data-plane.md#data-plane-servers-zones-and-moves)); `GET /regions` lists the zones they serve',
      },
      DATA_PLANE_MAX_CONNECTIONS: {
        meaning:
          "data-plane connections this process opens at most (each tenant's own login, and provisioning, together); when all are busy the least recently used idle one is closed",
      },
      DATA_PLANE_IDLE_MS: { meaning: 'an idle data-plane connection is closed after this long' },
      DATA_PLANE_ACQUIRE_TIMEOUT_MS: { meaning: 'how long a query waits for a data-plane connection to come free before 429 `RATE_LIMITED`' },
      DATA_PLANE_EMBEDDED: {
        meaning:
          '`on` lets `NODE_ENV=production` run TenantsDB databases on the embedded (PGlite) data plane, whose isolation is the SQL classifier alone; otherwise production refuses them there (`PRECONDITION_FAILED`)',
      },
      DATA_PLANE_STORAGE_MB: {
        meaning: "what a project's tables may take in its data-plane database, in MB, for FREE, BASIC, PRO, ENTERPRISE (see [data-plane.md](data-plane.md))",
      },
      DATA_PLANE_RESULT_BYTES: { meaning: "the most bytes of rows one statement's answer carries, for FREE, BASIC, PRO, ENTERPRISE" },
      PG_DUMP: {
        meaning: 'the program that reads the schemas an older gateway kept in its own PostgreSQL database, moved into the data plane once, at start',
      },
      TENANT_DATABASE_PROVISION_MS: {
        unset: code(phases.tenantDatabase.provisionMs),
        meaning:
          "TenantsDB tenant databases' phases: the least a new dedicated database reports `provisioning` (the job makes it meanwhile); the work itself takes what it takes",
      },
      TENANT_DATABASE_SYNC_MS: { unset: code(phases.tenantDatabase.syncMs), meaning: "the least a move's `syncing` (its target built) lasts" },
      TENANT_DATABASE_CUTOVER_MS: {
        unset: code(phases.tenantDatabase.cutoverMs),
        meaning: "the least a move's `migrating` (cutover: writes stop, rows copied, routing switched) lasts",
      },
      DATABASE_PROVISION_MS: {
        olderNameOf: ['TENANT_DATABASE_PROVISION_MS'],
        why: "beside `DATABASE_URL` it read as a setting of the gateway's own database",
      },
      DATABASE_SYNC_MS: { olderNameOf: ['TENANT_DATABASE_SYNC_MS'], why: "beside `DATABASE_URL` it read as a setting of the gateway's own database" },
      DATABASE_CUTOVER_MS: { olderNameOf: ['TENANT_DATABASE_CUTOVER_MS'], why: "beside `DATABASE_URL` it read as a setting of the gateway's own database" },
      TENANT_DATABASE_WORK_ATTEMPTS: {
        meaning:
          'failed attempts in a row (retried after 1 s, 2 s, 4 s …) before a move between servers is given up: the database stays `ready` where it was, the target it was building is dropped, and the audit trail records `database.move_failed` with the reason; a dedicated database still provisioning keeps trying every five minutes',
      },
      QUERY_LOG_RETENTION_DAYS: {
        meaning: "how long TenantsDB query logs (`GET /tenants/{id}/logs`) are kept (pruned by the scheduler's leader when it takes the lead, then hourly)",
      },
      SLOW_QUERY_MS: { meaning: 'a tenant database query taking at least this long is slow (`?type=slow`, `slow_queries`)' },
    },
  },
  {
    title: 'TenantsDB database proxy',
    variables: {
      TENANTSDB_PROXY: { meaning: "the TenantsDB database proxy (PostgreSQL's wire protocol); `off`: nothing listens" },
      TENANTSDB_PROXY_HOST: { meaning: "the host connection strings name (and the proxy's self-signed certificate)" },
      TENANTSDB_PROXY_PORT: { meaning: 'the port connection strings name; the proxy listens on it (`0`: any free port)' },
      TENANTSDB_PROXY_LISTEN_HOST: { unset: "`HOST`'s", meaning: 'the address the proxy listens on' },
      TENANTSDB_PROXY_TLS_CERT_FILE: {
        meaning:
          'PEM certificate the proxy answers TLS with, set with `TENANTSDB_PROXY_TLS_KEY_FILE` (both or neither); unset: a self-signed pair made once, its key sealed',
      },
      TENANTSDB_PROXY_TLS_KEY_FILE: { meaning: "the PEM key of `TENANTSDB_PROXY_TLS_CERT_FILE`'s certificate" },
      TENANTSDB_PROXY_PLAINTEXT: { meaning: '`allow`: clients may connect without TLS (SCRAM-SHA-256 then)' },
    },
  },
  {
    title: 'Background work and retention',
    variables: {
      JOBS_POLL_MS: {
        unset: code(jobs.pollMs),
        meaning:
          'how often the job queue looks for due jobs of each kind that no NOTIFY woke this process for (leases a dead process left running out); a job recorded anywhere starts at once, one due later at its time',
      },
      DEPLOYMENT_POLL_MS: { olderNameOf: ['JOBS_POLL_MS'] },
      JOBS_LEASE_MS: {
        unset: code(jobs.leaseMs),
        meaning:
          'how long a claim holds a job without its heartbeat (renewed every third of it while the job runs) before another process takes the job over, for kinds without a setting of their own: database phases (TenantsDB provisioning and migrations) and Control Core regional deployment phases',
      },
      BACKUP_JOB_LEASE_MS: { unset: '`JOBS_LEASE_MS`', meaning: 'the same for backup jobs (backups and restores of tenants whose databases hold rows)' },
      SCHEMA_ROLLOUT_LEASE_MS: { unset: '`JOBS_LEASE_MS`', meaning: 'the same for TenantsDB deployments (a blueprint version applied to each tenant)' },
      DEPLOYMENT_LEASE_MS: { olderNameOf: ['BACKUP_JOB_LEASE_MS', 'SCHEMA_ROLLOUT_LEASE_MS'] },
      AUDIT_RETENTION_DAYS: {
        meaning: "how long audit events are kept (pruned by the scheduler's leader when it takes the lead, then hourly)",
      },
    },
  },
];

/** Variables the tests and the benchmark read; the gateway never does. */
export const readOutsideTheGateway: Record<string, { readBy: string; meaning: string }> = {
  TEST_POSTGRES_URL: {
    readBy: 'test/support/gateway.ts',
    meaning: '`npm test` against this PostgreSQL server, one fresh database per test file; unset: an in-memory PGlite per file',
  },
  TEST_REDIS_URL: { readBy: 'test/redis.test.ts', meaning: 'a Redis for the two-process rate-limit test, which is skipped without it' },
  XDG_CACHE_HOME: {
    readBy: 'src/gateway-db/pglite-template.ts',
    meaning:
      "where a new embedded database's copy is kept for the next new one (`$XDG_CACHE_HOME/tenant-gateway/`, else `~/.cache/tenant-gateway/`; about 40 MB per PGlite version and baseline; delete it freely)",
  },
  GENERATE_ROOT: { readBy: 'scripts/generate-if-changed.mjs', meaning: 'the checkout whose generated code `npm start` checks (its tests point it at a copy)' },
  FUZZ_RUNS: { readBy: 'test/fuzz.test.ts', meaning: 'generated bodies per route and mutation (`npm run fuzz` sets 20,000)' },
  FUZZ_SEED: { readBy: 'test/fuzz.test.ts', meaning: "the generator's seed (fixed by default)" },
  CHROMIUM_PATH: { readBy: 'test/support/chromium.ts', meaning: 'the Chromium the browser tests drive (default `/usr/bin/chromium`)' },
  CI: { readBy: 'test/support/chromium.ts', meaning: 'when set, a missing Chromium fails the browser tests instead of skipping them' },
  DEBUG_UPGRADE: { readBy: 'test/data-plane-upgrade.test.ts', meaning: "when set, the upgraded gateway's errors are logged" },
  TEST_PGLITE_TEMPLATE: { readBy: 'test/support/gateway.ts', meaning: "set by the tests' global setup: the migrated PGlite every test file starts from" },
  TEST_POSTGRES_TEMPLATE: { readBy: 'test/support/gateway.ts', meaning: "set by the tests' global setup: the migrated template database on PostgreSQL" },
  TEST_PGLITE_DATA_PLANE_TEMPLATE: {
    readBy: 'test/support/gateway.ts',
    meaning: "set by the tests' global setup: the initdb the embedded data plane starts from",
  },
  BASELINE_DATABASE_URL: { readBy: 'bench/baseline.ts', meaning: "set by `npm run bench`: the baseline server's database" },
};
