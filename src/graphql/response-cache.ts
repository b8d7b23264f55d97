import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../kernel/principal.js';
import { DomainError } from '../lib/errors.js';
import type { FieldPolicy } from '../rate-limit/limits.js';
import type { FieldLimiter } from '../rate-limit/field-limits.js';
import type { UsageMeter } from '../modules/usage/meter.js';
import { countQuota, type Quotas } from './auth-guard.js';
import { isCacheableOperation } from './cacheable-operations.js';
import type { GraphQLContext } from './context.js';
import { domainGraphQLError } from './errors.js';
import type { OperationObserver } from './operation-metrics.js';
import type { ResponseCache } from './response-cache-store.js';
import { requestMemo } from '../lib/request-memo.js';

type Verdict = { principal: Principal | null; authFailure?: string };
type Operation = { query: string; variables?: unknown; operationName?: string | null };

/** What an answer needs to be served again: its data, and what its execution counted and metered. */
type Kept = { data: Record<string, unknown>; meteredTenantId?: string; endpoint: string; fieldUses: [FieldPolicy, string][] };

export type ResponseCacheDeps = {
  cache: ResponseCache;
  credentials: (request: Request) => Promise<Verdict>;
  /** The per-minute quotas of the auth guard; absent when rate limits are off. */
  quotas?: Quotas;
  fieldLimiter?: FieldLimiter;
  /** Absent when metering is off. */
  meter?: UsageMeter;
  observer: OperationObserver;
};

const principalKeys = new WeakMap<Principal, string>();

/** Who an answer was made for: the key and everything about it an answer can depend on. */
function principalKey(principal: Principal): string {
  let key = principalKeys.get(principal);
  if (key === undefined) {
    key = [principal.id, principal.owner, principal.tenantId, principal.projectId, principal.tenantStanding, [...principal.scopes].sort().join(',')].join('|');
    principalKeys.set(principal, key);
  }
  return key;
}

/**
 * A document's number in keys, rather than its text (a REST route's document is ~1.5 KB: as
 * much as the answer). Numbers are never reused: forgetting the table (beyond 10,000 distinct
 * documents) leaves old keys unreachable until they age out, never pointing at another document.
 */
const documentIds = new Map<string, number>();
let lastDocumentId = 0;
function documentId(query: string): number {
  let id = documentIds.get(query);
  if (id === undefined) {
    if (documentIds.size >= 10_000) documentIds.clear();
    documentIds.set(query, (id = ++lastDocumentId));
  }
  return id;
}

/** The caller, the REST route serving the operation (what its hits are metered as), the operation and its variables. */
const cacheKey = (principal: Principal, operation: Operation, restRoute: string | undefined) =>
  `${principalKey(principal)}\u0000${restRoute ?? ''}\u0000${operation.operationName ?? ''}\u0000${documentId(operation.query)}\u0000${JSON.stringify(operation.variables ?? {})}`;

/** `Cache-Control: no-cache` (or `Pragma: no-cache`) reads through: the answer is made again, and kept; `no-store` is not kept either. */
function readsThrough(request: Request): boolean {
  return /no-cache|no-store/i.test(request.headers.get('cache-control') ?? '') || /no-cache/i.test(request.headers.get('pragma') ?? '');
}
const keepsNothing = (request: Request | undefined) => !!request && /no-store/i.test(request.headers.get('cache-control') ?? '');

export type CachedResult = { data: Record<string, unknown> } | { errors: ReturnType<typeof domainGraphQLError>[] };

/**
 * The response cache's two halves. `serve` answers a request from what was kept, before
 * anything is parsed or executed: the credential from the principal cache, the per-minute
 * quota and the field limits counted as an execution would, metering in memory. `plugin` keeps
 * what cacheable queries answer, and drops what a mutation of this replica touched before its
 * answer leaves (other replicas hear the change feed).
 */
export function responseCaching({ cache, credentials, quotas, fieldLimiter, meter, observer }: ResponseCacheDeps) {
  /** Requests a hit could not answer after counting their quota and these field uses: their execution does not count them again. */
  const counted = requestMemo<[FieldPolicy, string][]>('counted field uses');

  async function serve(request: Request, operation: Operation, restRoute?: string): Promise<CachedResult | null> {
    if (readsThrough(request)) return null;
    const { principal, authFailure } = await credentials(request);
    if (!principal || authFailure) return null;
    const kept = cache.get(cacheKey(principal, operation, restRoute)) as Kept | undefined;
    if (!kept) return null;
    const started = performance.now();
    const tenantId = kept.meteredTenantId ?? principal.tenantId ?? undefined;
    let refusal: ReturnType<typeof domainGraphQLError> | undefined;
    try {
      await countQuota(principal, quotas ?? noQuotas);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusal = domainGraphQLError(error);
      observer.error(String(refusal.extensions.code), error.details.policy as string | undefined);
    }
    if (!refusal && fieldLimiter) {
      const taken: [FieldPolicy, string][] = [];
      for (const use of kept.fieldUses) {
        try {
          await fieldLimiter.count(...use);
          taken.push(use);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          // A field over its limit is refused where it stands, beside what still resolves: the
          // execution answers that, counting neither the quota nor the uses taken here again.
          counted.set(request, taken);
          return null;
        }
      }
    }
    // Counted and metered as the execution it stands for would have been: one refused at the
    // quota is observed as an error and is no call (the auth guard stops it before metering).
    observer.tenant(request, tenantId);
    const seconds = (performance.now() - started) / 1000;
    observer.operation(restRoute ?? 'graphql', refusal ? 'error' : 'ok', seconds);
    if (tenantId && !refusal) meter?.record({ tenantId, endpoint: restRoute ?? kept.endpoint, ok: true, latencyMs: seconds * 1000 });
    return refusal ? { errors: [refusal] } : { data: kept.data };
  }

  const plugin: Plugin<GraphQLContext> = {
    async onParams({ params, request, setResult }) {
      const served = await serve(request, { query: params.query ?? '', variables: params.variables, operationName: params.operationName });
      if (served) setResult(served as never);
    },
    onExecute({ args }) {
      const ctx = args.contextValue;
      const operation = getOperationAST(args.document, args.operationName);
      // What a mutation changed is dropped before its answer leaves (changes-made.ts); the feed tells the other replicas.
      if (operation?.operation === 'mutation') return;
      const already = (ctx as { request?: Request }).request && counted.get((ctx as { request: Request }).request);
      if (already) {
        ctx.quotaCounted = true;
        const limiter = ctx.fieldLimiter;
        if (limiter) {
          ctx.fieldLimiter = {
            count: (policy, tenantId) => {
              const index = already.findIndex(([takenPolicy, takenTenant]) => takenPolicy === policy && takenTenant === tenantId);
              if (index < 0) return limiter.count(policy, tenantId);
              already.splice(index, 1);
              return Promise.resolve();
            },
          };
        }
        return;
      }
      const { principal } = ctx;
      const params = (ctx as { params?: Partial<Operation> }).params;
      if (keepsNothing((ctx as { request?: Request }).request)) return;
      if (!principal || !params?.query || !isCacheableOperation(args.schema, args.document, args.operationName)) return;
      const generation = cache.generation;
      const key = cacheKey(principal, { query: params.query, variables: params.variables, operationName: params.operationName }, ctx.restRoute);
      // The field limits this execution counts are counted again on every hit.
      const fieldUses: [FieldPolicy, string][] = [];
      const limiter = ctx.fieldLimiter;
      if (limiter) {
        ctx.fieldLimiter = {
          count: (policy, tenantId) => {
            fieldUses.push([policy, tenantId]);
            return limiter.count(policy, tenantId);
          },
        };
      }
      return {
        onExecuteDone({ result }) {
          if (!('data' in result) || !result.data || result.errors?.length) return;
          const data = result.data as Record<string, unknown>;
          const endpoint = ctx.restRoute ?? `graphql ${operation?.name?.value ?? 'anonymous'}`;
          const kept: Kept = { data, meteredTenantId: ctx.meteredTenantId, endpoint, fieldUses };
          cache.store(key, kept, ctx.cacheTags ?? [], generation);
        },
      };
    },
  };
  return { serve, plugin, cache };
}

const noQuotas: Quotas = { tenant: () => Promise.resolve(), project: () => Promise.resolve() };

export type ResponseCaching = ReturnType<typeof responseCaching>;
