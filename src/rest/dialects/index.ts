import type { Environment } from '../../env.js';
import type { Dialect } from '../types.js';
import { configApiDialect } from './config-api/routes.js';
import { controlCoreDialect } from './controlcore/routes.js';
import { eventHistoryDialect } from './event-history/routes.js';
import { tenantApiDialect } from './tenant-api/routes.js';
import { tenantsDbDialect } from './tenantsdb/routes.js';
import type { Connection } from './tenantsdb/tenants.routes.js';

/**
 * Every legacy API the gateway serves, at the prefixes the environment gives. `proxy`: where
 * TenantsDB connection strings point (the proxy's port is the one it took when it listens on 0).
 */
export function mountedDialects(env: Environment, proxy: Connection = { proxyHost: env.TENANTSDB_PROXY_HOST, proxyPort: env.TENANTSDB_PROXY_PORT }): Dialect[] {
  return [
    configApiDialect(env.CONFIG_API_PREFIX),
    controlCoreDialect(env.CONTROL_CORE_API_PREFIX),
    eventHistoryDialect(env.EVENT_HISTORY_API_PREFIX),
    tenantApiDialect(env.TENANT_API_PREFIX),
    tenantsDbDialect(env.TENANTSDB_API_PREFIX, proxy),
  ];
}
