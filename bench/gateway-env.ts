/** The operator key the bench's gateways are started with (GATEWAY_ADMIN_KEY). */
export const operatorKey = 'bench-operator-key-0123456789abcdef';

/** The environment of a production gateway under the bench, on `databaseUrl`. */
export const gatewayEnv = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  GATEWAY_ADMIN_KEY: operatorKey,
  // The shipped default: the access log's line per request is part of what a request costs.
  LOG_LEVEL: 'info',
  // The load is requests; scheduled backups of every seeded tenant would be another workload.
  BACKUP_SCHEDULER: 'off',
  SECRETS_KEY: '0'.repeat(64),
  // Limits are raised so the load measures the work, not the refusals; the checks still run.
  RATE_LIMIT_IP_PER_SECOND: '100000000',
  RATE_LIMIT_CONFIG_READS_PER_MINUTE: '100000000',
  RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: '100000000',
  RATE_LIMIT_FEATURE_QUERIES_PER_MINUTE: '100000000',
  // Project keys (the admin-query workload's) count per project a minute too.
  RATE_LIMIT_TIER_PER_MINUTE: '100000000,100000000,100000000,100000000',
  // The TenantsDB database proxy on any free loopback port (connection strings follow it); plaintext
  // allowed (SCRAM) so the proxy workload compares like with like: the direct side has no TLS either.
  TENANTSDB_PROXY_PORT: '0',
  TENANTSDB_PROXY_HOST: '127.0.0.1',
  TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1',
  TENANTSDB_PROXY_PLAINTEXT: 'allow',
  // R1's upstream is on loopback.
  TENANT_ROUTES_ALLOW_PRIVATE: 'on',
  ...extra,
});
