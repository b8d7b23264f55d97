import type { Route } from '../../types.js';

/** Tenant-scoped policies, resources and bouncers. */
export const documentRoutes: Route[] = [];
