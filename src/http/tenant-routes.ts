import { STATUS_CODES } from 'node:http';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError, httpStatusByCode } from '../lib/errors.js';
import type { Keyring } from '../lib/keyring.js';
import type { Actor } from '../kernel/principal.js';
import type { RememberedTenants } from '../kernel/remembered-tenants.js';
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
import { applyHeaderRules } from '../upstreams/header-rules.js';
import { llmUsageReader } from '../upstreams/llm-usage.js';
import { type BodyWatcher, type UpstreamCaller, UpstreamFailure } from '../upstreams/upstream-call.js';
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
  /** Where tenants' default domains are: a Host naming one (or a verified custom domain) names the tenant. */
  domains?: Actor['domains'];
  /** The tenants' rows kept between calls (dropped on their change). */
  remembered?: RememberedTenants;
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
 * Route call events written beside the answers: at most 4 at once (each a transaction), at most
 * 1,000 waiting; past that an event is dropped and the log says so, never the database's pool
 * spent on them.
 */
function boundedWrites(logger: Logger, concurrency = 4, waiting = 1_000) {
  let running = 0;
  let dropped = 0;
  const queue: (() => Promise<void>)[] = [];
  const next = () => {
    while (running < concurrency && queue.length) {
      const write = queue.shift()!;
      running++;
      write().finally(() => {
        running--;
        next();
      });
    }
  };
  return {
    write(write: () => Promise<void>, context: Record<string, unknown>) {
      if (queue.length >= waiting) {
        dropped++;
        logger.warn('route call event dropped: too many waiting', { ...context, dropped });
        return;
      }
      queue.push(() => write().catch((failure: unknown) => logger.warn('route call event not written', { ...context, error: failure })));
      next();
    },
  };
}

/**
 * Serves `<prefix>/<path>`: the tenant's route for the method and path, sent to its upstream
 * (tenant-routes.service.ts decides, upstream-call.ts sends), or answered from the tenant's
 * kept answers. Each call is metered on the tenant as `route <METHOD> <path template>`
 * (failures: the upstream's 5xx, 502, 504), its bytes both ways as `bandwidth`/`bytes`, and an
 * LLM upstream's reported tokens as `llm`/`tokens`.
 */
export function tenantRouteHandler({ prefix, prisma, keyring, credentials, caller, cache, domains, remembered, meter, limits, logger }: TenantRouteDeps) {
  const events = boundedWrites(logger);
  return async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.slice(prefix.length) || '/';
    const { principal, authFailure } = await credentials(request);
    let plan: PlannedCall;
    try {
      plan = await planTenantCall(
        { prisma, principal, authFailure, origin: requestOrigin(request), signal: request.signal, domains },
        keyring,
        {
          tenantRef: request.headers.get('x-tenant-id'),
          host: request.headers.get('host'),
          method: request.method,
          path,
          search: url.search,
          header: (name) => request.headers.get(name),
        },
        { countLimit: limits && ((tenant, limit) => checkRouteLimit(limits, tenant, limit)), meter, remembered },
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
      events.write(() => announceRouteCall(prisma, plan, outcome), { tenant: tenantId, route: plan.endpoint });
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

    const key =
      plan.cache &&
      routeCacheKey(plan.tenant.id, plan.cache.version, `${plan.endpoint} ${plan.route.credential ?? ''}`, plan.url, plan.cache.varyBy, request.headers);
    // A caller's cookie goes upstream and may make the answer theirs: such a call neither reads nor leaves a kept answer.
    const personal = request.headers.has('cookie');
    const asked = `${request.headers.get('cache-control') ?? ''} ${request.headers.get('pragma') ?? ''}${personal ? ' no-store' : ''}`.toLowerCase();
    if (key) {
      const fresh = /\bno-cache\b|\bno-store\b|\bmax-age=0\b/.test(asked);
      const kept = fresh ? undefined : cache.get(key);
      if (kept) {
        metered(true);
        bytes(kept.answer.body);
        const headers = new Headers(kept.answer.headers);
        applyHeaderRules(headers, plan.route.headers?.response);
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

    let response: Response | undefined;
    try {
      // Told of the answer's body as the caller reads it (set below, once the answer's headers say what to keep and count).
      const watcher: BodyWatcher = { chunk: () => {}, end: () => {} };
      const sending = await plan.credential();
      response = await caller.call({
        url: sending.url,
        method: request.method,
        request,
        clientAddress: requestOrigin(request).clientAddress,
        // An LLM upstream is asked for an uncompressed answer: its usage is read on the way past.
        credentialHeaders: plan.llm ? { ...sending.headers, 'accept-encoding': 'identity' } : sending.headers,
        headerRules: plan.route.headers?.request,
        timeoutMs: plan.timeoutMs,
        signal: request.signal,
        body: request.body && tapped(request.body, bytes),
        watcher,
      });
      const answered = response;
      metered(answered.status < 500);
      announce(answered.status);
      const headers = new Headers(answered.headers);
      applyHeaderRules(headers, plan.route.headers?.response);
      for (const [name, value] of extra) headers.set(name, value);
      const keep = key && plan.cache && !/\bno-store\b/.test(asked) ? keepableFor(answered, plan.cache) : null;
      const tokens = plan.llm ? llmUsageReader(answered.headers.get('content-type')) : null;
      // Tokens are metered as soon as the answer reports them (an event stream's usage chunk), so a
      // caller who leaves before the stream's end is still counted; a JSON body's at its end.
      let countedTokens = 0;
      const countTokens = () => {
        const reported = tokens?.tokens() ?? 0;
        if (reported > countedTokens) meter?.add({ tenantId, ...routeResources.llm, amount: reported - countedTokens });
        countedTokens = Math.max(countedTokens, reported);
      };
      let kept: Uint8Array[] | null = keep ? [] : null;
      let size = 0;
      const seen = (chunk: Uint8Array) => {
        bytes(chunk);
        tokens?.push(chunk);
        if (tokens?.streaming) countTokens();
        if (!kept) return;
        size += chunk.byteLength;
        if (size > maxKeptBodyBytes) kept = null;
        else kept.push(chunk);
      };
      const done = () => {
        countTokens();
        if (key && keep && kept) {
          const answer = {
            scope: `${tenantId} ${plan.cache!.version}`,
            status: answered.status,
            headers: [...answered.headers],
            body: Buffer.concat(kept),
            storedAt: Date.now(),
          };
          cache.set(key, answer, keep.ttlSeconds, keep.maxEntries);
        }
      };
      if (!answered.body) done();
      watcher.chunk = seen;
      watcher.end = done;
      // The reason phrase is the standard one (undici does not pass the upstream's on).
      return new Response(answered.body, { status: answered.status, statusText: STATUS_CODES[answered.status], headers });
    } catch (error) {
      // An answer that is not passed on is let go, or its upstream connection (shared by every tenant of that origin) stays taken.
      if (response) {
        response.body?.cancel().catch(() => {});
        throw error;
      }
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
