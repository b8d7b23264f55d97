import { GraphQLError } from 'graphql';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { DomainError, type ErrorCode, httpStatusByCode } from '../lib/errors.js';

/** Errors that decide the HTTP status of a GraphQL response; the others are answered 200 beside partial data. */
const transportCodes = new Set<ErrorCode>(['UNAUTHENTICATED', 'RATE_LIMITED']);

/** Codes graphql-js and Yoga give request errors; to a caller they are all bad input. */
const requestErrorCodes = new Set([undefined, 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST']);

type GraphQLErrorLike = Pick<GraphQLError, 'message' | 'nodes' | 'source' | 'positions' | 'path' | 'extensions' | 'originalError'>;

// Duck-typed: graphql ships as CJS and ESM, and the executor may hold the other copy's class.
function isGraphQLErrorLike(error: unknown): error is GraphQLErrorLike {
  return error instanceof Error && 'extensions' in error && 'path' in error;
}

export function domainGraphQLError(error: DomainError, source?: GraphQLErrorLike): GraphQLError {
  const status = transportCodes.has(error.code) ? httpStatusByCode[error.code] : undefined;
  const headers = error.headers;
  return new GraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    originalError: error,
    extensions: {
      code: error.code,
      ...error.details,
      ...(status ? { http: { status, ...(Object.keys(headers).length ? { headers } : {}) } } : {}),
    },
  });
}

/**
 * graphql-js's hints (`Did you mean "tenants"?`, `Did you mean the enum value "PRO"?`, `Did you
 * mean "a", "b", or "c"?`) spell out the schema to callers who may not read it: every one is cut,
 * whether validation or variable coercion made the error.
 */
export const withoutSuggestions = (message: string) => message.replace(/\s*Did you mean\b[^?]*\?/g, '');

/** GraphQL's own request errors (syntax, unknown fields, wrong types, bad JSON) become BAD_USER_INPUT, without suggestions. */
export function asBadUserInput(error: GraphQLErrorLike): GraphQLError {
  const { http, originalError: _original, ...extensions } = (error.extensions ?? {}) as { http?: { status?: number }; originalError?: unknown };
  return new GraphQLError(withoutSuggestions(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    // No `spec` flag: Yoga would then answer 200 to application/json callers, and a bad request is a 400.
    extensions: { ...extensions, code: 'BAD_USER_INPUT', http: { status: http?.status ?? httpStatusByCode.BAD_USER_INPUT } },
  });
}

/**
 * Domain errors keep their message and gain `extensions.code`; errors graphql-js raises
 * about the request itself are BAD_USER_INPUT; anything else is masked as INTERNAL and logged.
 */
export function maskError(log: (error: unknown) => void): NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean>>['maskError'] {
  return (error, message) => {
    const graphQLError = isGraphQLErrorLike(error) ? error : undefined;
    let original: unknown = graphQLError ? (graphQLError.originalError ?? graphQLError) : error;
    while (isGraphQLErrorLike(original) && original.originalError) original = original.originalError;
    if (original instanceof DomainError) return domainGraphQLError(original, graphQLError);
    if (isGraphQLErrorLike(original)) {
      const code = original.extensions?.code as string | undefined;
      return requestErrorCodes.has(code) ? asBadUserInput(graphQLError ?? original) : (original as GraphQLError);
    }
    log(original);
    return new GraphQLError(message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: { code: 'INTERNAL' },
    });
  };
}

/** Validation errors never reach maskError; this gives them the same code. */
export function useBadUserInputValidation(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length) setResult(result.map((error) => asBadUserInput(error as GraphQLErrorLike)));
      },
  };
}
