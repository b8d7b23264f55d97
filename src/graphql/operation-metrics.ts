import { type DocumentNode, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../lib/errors.js';
import type { GraphQLContext } from './context.js';
import { onEveryOperation } from './every-operation.js';
import { requestMemo } from '../lib/request-memo.js';

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
  /** The operation a request ran (null when none was parsed) and the codes of the errors it answered, for its log line. */
  answered(request: Request, operation: string | undefined, errorCodes: string[]): void;
};

/** The name of a document's first operation. */
function nameIn(document: DocumentNode): string | undefined {
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operation && 'name' in operation ? operationName(operation.name?.value) : undefined;
}

/** An operation name as a log may carry it: a GraphQL name, bounded. */
const operationName = (name: unknown) => (typeof name === 'string' && /^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name) ? name : undefined);

/** Every execution's duration by operation (a REST route by its template), and every error it answers by code. */
export function useOperationMetrics(observer: OperationObserver): Plugin<GraphQLContext> {
  const named = requestMemo<string>('operation name');
  return {
    onParams({ params, request }) {
      const name = operationName(params.operationName);
      if (name) named.set(request, name);
    },
    onValidate({ params, context }) {
      // Named before validation, so a document refused there still has its name on the line.
      const request = (context as { request?: Request }).request;
      if (!request || named.has(request)) return;
      const name = nameIn(params.documentAST);
      if (name) named.set(request, name);
    },
    onResultProcess({ request, result }) {
      // What was refused before execution (parse, validation) is told here; an execution told its own.
      // An event stream's results are many; its request line has its name, not each event's errors.
      const errors = Symbol.asyncIterator in result || Array.isArray(result) ? [] : (result.errors ?? []);
      observer.answered(
        request,
        named.get(request),
        errors.map((error) => String((error.extensions as { code?: unknown } | undefined)?.code ?? 'INTERNAL')),
      );
    },
    // A subscription is observed when it opens (or is refused): how long opening took, and its refusal's code.
    ...onEveryOperation<GraphQLContext>((args) => {
      const started = performance.now();
      return ({ errors }) => {
        const context = args.contextValue as GraphQLContext & { request?: Request };
        observer.tenant(context.request, context.meteredTenantId ?? context.principal?.tenantId ?? undefined);
        // Operation names are the caller's choice: only a REST route's template is a label; every
        // /graphql execution is one series, so callers cannot grow the metrics without bound.
        const name = args.contextValue.restRoute ?? 'graphql';
        observer.operation(name, errors.length ? 'error' : 'ok', (performance.now() - started) / 1000);
        const codes = errors.map((error) => {
          const { code, policy } = codeOf(error);
          observer.error(code, policy);
          return code;
        });
        if (context.request) observer.answered(context.request, operationName(args.operationName) ?? nameIn(args.document), codes);
      };
    }),
  };
}
