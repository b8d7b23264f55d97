import type { Dialect } from '../../types.js';
import { alertRoutes } from './alerts.routes.js';
import { documentRouteGroup } from './documents.routes.js';
import { error, errorSchema, errorStatuses, problem } from './envelope.js';
import { keyRoutes } from './keys.routes.js';
import { opsRoutes } from './ops.routes.js';
import { tenantRoutes } from './tenants.routes.js';

// Control Core multi-tenant API (seed 003). The decisions where the seed is silent: README.md beside this file.

/** Every route of the table, group by group; each group is its own file. */
export const controlCoreRoutes = [...tenantRoutes, ...documentRouteGroup, ...alertRoutes, ...keyRoutes, ...opsRoutes];

export function controlCoreDialect(prefix: string): Dialect {
  return {
    name: 'controlcore',
    title: 'Control Core multi-tenant API',
    prefix,
    authorization: (headers) => headers.get('authorization'),
    security: { scheme: 'bearer' },
    error,
    problem,
    methodNotAllowed: () => ({ status: 405, body: { error: 'method_not_allowed', message: 'Method not allowed', tenant_id: null } }),
    errorStatuses,
    errorSchema,
    routes: controlCoreRoutes,
  };
}
