import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../lib/errors.js';
import type { GraphQLContext } from './context.js';

/** The taxonomy code of an error before masking: the domain error it wraps, or the code graphql-js or a plugin gave it. */
function codeOf(error: { extensions?: Record<string, unknown>; originalError?: unknown }): { code: string; policy?: string } {
  let original: unknown = error.originalError;
  while (original && !(original instanceof DomainError) && (original as { originalError?: unknown }).originalError)
    original = (original as { originalError?: unknown }).originalError;
  if (original instanceof DomainError) return { code: original.code, policy: original.details.policy as string | undefined };
  const extensions = (error.extensions ?? {}) as { code?: string; policy?: string };
  return { code: extensions.code ?? 'INTERNAL', policy: extensions.policy };
}

export type OperationObserver = {
  operation(name: string, outcome: 'ok' | 'error', seconds: number): void;
  error(code: string, policy: string | undefined): void;
  /** The tenant an execution concerned, for the log line of the HTTP request it served. */
  tenant(request: Request | undefined, tenantId: string | undefined): void;
};

/** Every execution's duration by operation (a REST route by its template), and every error it answers by code. */
export function useOperationMetrics(observer: OperationObserver): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          const errors = ('errors' in result ? result.errors : undefined) ?? [];
          const context = args.contextValue as GraphQLContext & { request?: Request };
          observer.tenant(context.request, context.meteredTenantId ?? context.principal?.tenantId ?? undefined);
          // Operation names are the caller's choice: only a REST route's template is a label; every
          // /graphql execution is one series, so callers cannot grow the metrics without bound.
          const name = args.contextValue.restRoute ?? 'graphql';
          observer.operation(name, errors.length ? 'error' : 'ok', (performance.now() - started) / 1000);
          for (const error of errors) {
            const { code, policy } = codeOf(error);
            observer.error(code, policy);
          }
        },
      };
    },
  };
}
