import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { z } from 'zod';
import type { ErrorCode } from '../lib/errors.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route sees of the HTTP request. */
export type RestRequest = {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  /** The JSON body, already checked against the route's `body` schema. */
  body: unknown;
  /** The JSON body as sent, key order included. */
  rawBody: unknown;
};

export type RestResult = { status: number; body?: unknown; headers?: Record<string, string> };

/** A GraphQL error as a dialect sees it: the taxonomy code and the details. */
export type Failure = { code: ErrorCode; message: string; extensions: Record<string, unknown> };

/** Why the engine refused a request before executing anything. */
export type RequestProblem =
  | { kind: 'malformed_json'; message: string }
  | { kind: 'unsupported_media_type'; message: string }
  | { kind: 'payload_too_large'; message: string; limit: number }
  | { kind: 'invalid_body'; issues: z.core.$ZodIssue[] };

/**
 * A legacy route is one line in its dialect's table: the operation it runs, how the
 * request becomes variables, how `data` becomes the documented JSON. No business rule.
 */
export type Route<TData = any, TVariables = any> = {
  method: Method;
  path: string;
  summary: string;
  /** The operation it runs; a route without one answers from `respond` alone (static documents). */
  operation?: TypedDocumentNode<TData, TVariables>;
  /** Served without a credential (the dialect documents it as public). */
  public?: boolean;
  /** The request body's shape (validated before anything runs, and documented in OpenAPI). */
  body?: z.ZodType;
  /** Request headers the route reads, for OpenAPI. */
  headers?: { name: string; description: string; required: boolean }[];
  /** Variables for the operation, or an answer given without executing it. */
  variables(request: RestRequest): TVariables | { answer: RestResult };
  respond(data: TData, request: RestRequest): RestResult;
  success: { status: number; description: string; schema?: z.ZodType };
  /** Answers this route documents for particular codes, in place of the dialect's default. */
  errors?: Partial<Record<ErrorCode, (failure: Failure, request: RestRequest) => RestResult>>;
  /** GraphQL variable paths back to the dialect's field names, for error messages. */
  fieldName?: (graphqlPath: string) => string;
};

export type Dialect = {
  name: string;
  title: string;
  prefix: string;
  /** The credential the route's GraphQL operation runs with, as an Authorization header value. */
  authorization(headers: Headers): string | null;
  security: { scheme: 'bearer' } | { scheme: 'apiKey'; header: string };
  error(failure: Failure, request: RestRequest): RestResult;
  problem(problem: RequestProblem, request: RestRequest): RestResult;
  methodNotAllowed(allowed: Method[]): RestResult;
  /** Every status this dialect answers errors with, and the body's schema, for OpenAPI. */
  errorStatuses: number[];
  errorSchema: z.ZodType;
  routes: Route[];
};

export function isAnswer<T>(value: T | { answer: RestResult }): value is { answer: RestResult } {
  return typeof value === 'object' && value !== null && 'answer' in value;
}
