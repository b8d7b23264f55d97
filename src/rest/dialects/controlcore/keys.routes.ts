import type { Route } from '../../types.js';

/** Tenant API keys (cc_live_…). */
export const keyRoutes: Route[] = [];
