import type { Route } from '../../types.js';

/** Tenants: POST /tenants, GET/PUT/DELETE /tenants/{tenant_id}. */
export const tenantRoutes: Route[] = [];
