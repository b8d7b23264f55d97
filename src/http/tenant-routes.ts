import { STATUS_CODES } from 'node:http';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError, httpStatusByCode } from '../lib/errors.js';
import type { Keyring } from '../lib/keyring.js';
import { checkRouteLimit } from '../rate-limit/limits.js';
import type { CounterStore } from '../rate-limit/store.js';
import type { Logger } from '../lib/logger.js';
import type { UsageMeter } from '../modules/usage/meter.js';
import {
  announceRouteCall,
  MethodNotAllowedError,
  type PlannedCall,
  planTenantCall,
  RouteWithoutUpstreamError,
  routeResources,
} from '../modules/tenant-routes/tenant-routes.service.js';
import { llmUsageReader } from '../upstreams/llm-usage.js';
import { type UpstreamCaller, UpstreamFailure } from '../upstreams/upstream-call.js';
import { jsonResponse } from '../rest/http.js';
import type { Credentials } from './credentials.js';
import { noteTenant, requestOrigin } from './request-log.js';
import { keepableFor, maxKeptBodyBytes, type RouteAnswerCache, routeCacheKey } from './route-answer-cache.js';

type TenantRouteDeps = {
  prefix: string;
  prisma: PrismaClient;
  keyring: Keyring;
  credentials: Credentials;
  caller: UpstreamCaller;
  /** The tenants' kept answers (gateway config `cache`). */
  cache: RouteAnswerCache;
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

function refusal(error: DomainError): Response {
  const status = error instanceof MethodNotAllowedError ? 405 : error instanceof RouteWithoutUpstreamError ? 501 : httpStatusByCode[error.code];
  const { field, rule, limit } = error.details as { field?: string; rule?: string; limit?: string };
  return failure(status, error.code, error.message, { ...(field ? { field } : {}), ...(rule ? { rule } : {}), ...(limit ? { limit } : {}) }, error.headers);
}

/** Passes a body on unchanged, telling `seen` of each chunk and `done` at its end. */
function tapped(body: ReadableStream<Uint8Array>, seen: (chunk: Uint8Array) => void, done: () => void = () => {}): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen(chunk);
        controller.enqueue(chunk);
      },
      flush: done,
    }),
  );
}

/**
 * Serves `<prefix>/<path>`: the tenant's route for the method and path, sent to its upstream
 * (tenant-routes.service.ts decides, upstream-call.ts sends), or answered from the tenant's
 * kept answers. Each call is metered on the tenant as `route <METHOD> <path template>`
 * (failures: the upstream's 5xx, 502, 504), its bytes both ways as `bandwidth`/`bytes`, and an
 * LLM upstream's reported tokens as `llm`/`tokens`.
 */
export function tenantRouteHandler({ prefix, prisma, keyring, credentials, caller, cache, meter, limits, logger }: TenantRouteDeps) {
  return async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.slice(prefix.length) || '/';
    const { principal, authFailure } = await credentials(request);
    let plan: PlannedCall;
    try {
      plan = await planTenantCall(
        { prisma, principal, authFailure, origin: requestOrigin(request), signal: request.signal },
        keyring,
        { tenantRef: request.headers.get('x-tenant-id'), method: request.method, path, search: url.search },
        { countLimit: limits && ((tenant, limit) => checkRouteLimit(limits, tenant, limit)), meter },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return refusal(error);
    }
    const tenantId = plan.tenant.id;
    noteTenant(request, tenantId);
    const started = performance.now();
    const metered = (ok: boolean) => meter?.record({ tenantId, endpoint: `route ${plan.endpoint}`, ok, latencyMs: performance.now() - started });
    // Webhook events (route.called, route.failed) are written beside the answer, never holding it up.
    const announce = (status: number, error: string | null = null) => {
      if (!plan.announces.called && !plan.announces.failed) return;
      const cacheState = extra.get('x-cache') as 'HIT' | 'MISS' | 'BYPASS' | null;
      const outcome = { method: request.method, path, status, latencyMs: performance.now() - started, cache: cacheState, error };
      announceRouteCall(prisma, plan, outcome).catch((failure: unknown) =>
        logger.warn('route call event not written', { tenant: tenantId, route: plan.endpoint, error: failure }),
      );
    };
    const bytes = (chunk: Uint8Array) => meter?.add({ tenantId, ...routeResources.bandwidth, amount: chunk.byteLength });
    const extra = new Headers();
    if (plan.warnings.length) {
      extra.set(
        'x-usage-warning',
        plan.warnings
          .map((entry) => `${entry.limit.resource} ${entry.limit.metric} ${entry.current}/${entry.effectiveLimit} per ${entry.limit.period.toLowerCase()}`)
          .join(', '),
      );
    }

    const key = plan.cache && routeCacheKey(plan.tenant.id, plan.cache.version, plan.url, plan.cache.varyBy, request.headers);
    const asked = `${request.headers.get('cache-control') ?? ''} ${request.headers.get('pragma') ?? ''}`.toLowerCase();
    if (key) {
      const fresh = /\bno-cache\b|\bno-store\b|\bmax-age=0\b/.test(asked);
      const kept = fresh ? undefined : cache.get(key);
      if (kept) {
        metered(true);
        bytes(kept.answer.body);
        const headers = new Headers(kept.answer.headers);
        for (const [name, value] of extra) headers.set(name, value);
        headers.set('age', String(kept.ageSeconds));
        headers.set('x-cache', 'HIT');
        extra.set('x-cache', 'HIT');
        announce(kept.answer.status);
        return new Response(kept.answer.body.byteLength ? (kept.answer.body as Uint8Array<ArrayBuffer>) : null, {
          status: kept.answer.status,
          statusText: STATUS_CODES[kept.answer.status],
          headers,
        });
      }
      extra.set('x-cache', fresh ? 'BYPASS' : 'MISS');
    }

    try {
      const sending = await plan.credential();
      const response = await caller.call({
        url: sending.url,
        method: request.method,
        request,
        clientAddress: requestOrigin(request).clientAddress,
        credentialHeaders: sending.headers,
        timeoutMs: plan.timeoutMs,
        signal: request.signal,
        body: request.body && tapped(request.body, bytes),
      });
      metered(response.status < 500);
      announce(response.status);
      const headers = new Headers(response.headers);
      for (const [name, value] of extra) headers.set(name, value);
      const keep = key && plan.cache && !/\bno-store\b/.test(asked) ? keepableFor(response, plan.cache) : null;
      const tokens = plan.llm ? llmUsageReader(response.headers.get('content-type')) : null;
      let kept: Uint8Array[] | null = keep ? [] : null;
      let size = 0;
      const seen = (chunk: Uint8Array) => {
        bytes(chunk);
        tokens?.push(chunk);
        if (!kept) return;
        size += chunk.byteLength;
        if (size > maxKeptBodyBytes) kept = null;
        else kept.push(chunk);
      };
      const done = () => {
        const counted = tokens?.tokens();
        if (counted) meter?.add({ tenantId, ...routeResources.llm, amount: counted });
        if (key && keep && kept) {
          const answer = {
            scope: `${tenantId} ${plan.cache!.version}`,
            status: response.status,
            headers: [...response.headers],
            body: Buffer.concat(kept),
            storedAt: Date.now(),
          };
          cache.set(key, answer, keep.ttlSeconds, keep.maxEntries);
        }
      };
      if (!response.body) {
        done();
        return new Response(null, { status: response.status, statusText: STATUS_CODES[response.status], headers });
      }
      const passed = tapped(response.body, seen, done);
      // The reason phrase is the standard one (undici does not pass the upstream's on).
      return new Response(passed, { status: response.status, statusText: STATUS_CODES[response.status], headers });
    } catch (error) {
      if (error instanceof DomainError) return refusal(error);
      metered(false);
      if (error instanceof UpstreamFailure) {
        announce(error.status, error.code.toLowerCase());
        logger.info('tenant route call failed', { tenant: tenantId, route: plan.endpoint, status: error.status, code: error.code, detail: error.detail });
        return failure(error.status, error.code, error.message);
      }
      throw error;
    }
  };
}
