import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError, httpStatusByCode } from '../lib/errors.js';
import type { Keyring } from '../lib/keyring.js';
import { checkRouteLimit } from '../rate-limit/limits.js';
import type { CounterStore } from '../rate-limit/store.js';
import type { Logger } from '../lib/logger.js';
import type { UsageMeter } from '../modules/usage/meter.js';
import { MethodNotAllowedError, planTenantCall, RouteWithoutUpstreamError } from '../modules/tenant-routes/tenant-routes.service.js';
import { type UpstreamCaller, UpstreamFailure } from '../upstreams/upstream-call.js';
import { jsonResponse } from '../rest/http.js';
import type { Credentials } from './credentials.js';
import { noteTenant, requestOrigin } from './request-log.js';

type TenantRouteDeps = {
  prefix: string;
  prisma: PrismaClient;
  keyring: Keyring;
  credentials: Credentials;
  caller: UpstreamCaller;
  /** Absent when metering is off. */
  meter?: UsageMeter;
  /** The shared rate-limit counters; absent when rate limits are off. */
  limits?: CounterStore;
  logger: Logger;
};

/** A refusal or failure of a tenant route's call: `{error, message}` (the gateway's neutral format) with the field and rule when one is at fault. */
function failure(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { error: code.toLowerCase(), message, ...extra }, headers);
}

/**
 * Serves `<prefix>/<path>`: the tenant's route for the method and path, sent to its upstream
 * (tenant-routes.service.ts decides, upstream-call.ts sends). Each call is metered on the
 * tenant as `route <METHOD> <path template>`, failures (the upstream's 5xx, 502, 504) as failed.
 */
export function tenantRouteHandler({ prefix, prisma, keyring, credentials, caller, meter, limits, logger }: TenantRouteDeps) {
  return async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.slice(prefix.length) || '/';
    const { principal, authFailure } = await credentials(request);
    let plan: Awaited<ReturnType<typeof planTenantCall>>;
    try {
      plan = await planTenantCall(
        { prisma, principal, authFailure, origin: requestOrigin(request), signal: request.signal },
        keyring,
        { tenantRef: request.headers.get('x-tenant-id'), method: request.method, path, search: url.search },
        limits && ((tenant, limit) => checkRouteLimit(limits, tenant, limit)),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const status = error instanceof MethodNotAllowedError ? 405 : error instanceof RouteWithoutUpstreamError ? 501 : httpStatusByCode[error.code];
      const { field, rule } = error.details as { field?: string; rule?: string };
      return failure(status, error.code, error.message, { ...(field ? { field } : {}), ...(rule ? { rule } : {}) }, error.headers);
    }
    noteTenant(request, plan.tenant.id);
    const started = performance.now();
    const metered = (ok: boolean) =>
      meter?.record({ tenantId: plan.tenant.id, endpoint: `route ${plan.endpoint}`, ok, latencyMs: performance.now() - started });
    try {
      const response = await caller.call({
        url: plan.url,
        method: request.method,
        request,
        clientAddress: requestOrigin(request).clientAddress,
        credentialHeaders: plan.credentialHeaders,
        timeoutMs: plan.timeoutMs,
        signal: request.signal,
      });
      metered(response.status < 500);
      return response;
    } catch (error) {
      metered(false);
      if (error instanceof UpstreamFailure) {
        logger.info('tenant route call failed', { tenant: plan.tenant.id, route: plan.endpoint, status: error.status, code: error.code, detail: error.detail });
        return failure(error.status, error.code, error.message);
      }
      throw error;
    }
  };
}
