import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { z } from 'zod';
import type { ErrorCode } from '../lib/errors.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What a route sees of the HTTP request: `body` is the JSON body after the route's schema,
 * `query` the query parameters the route declares, decoded and checked; no other reaches it.
 */
export type RestRequest<TBody = unknown, TQuery = Readonly<Record<string, unknown>>> = {
  params: Record<string, string>;
  query: TQuery;
  headers: Headers;
  body: TBody;
  /** The JSON body as sent, key order included. */
  rawBody: unknown;
};

export type RestResult = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * A GraphQL error as a dialect sees it: the taxonomy code, the details, and the HTTP status
 * and headers decided where the error was made (`extensions.http`). A dialect renders the body.
 */
export type Failure = { code: ErrorCode; message: string; status: number; headers: Record<string, string>; extensions: Record<string, unknown> };

/** Why the engine refused a request before executing anything. */
export type RequestProblem =
  | { kind: 'malformed_json'; message: string }
  | { kind: 'unsupported_media_type'; message: string }
  | { kind: 'payload_too_large'; message: string; limit: number }
  | { kind: 'invalid_body'; issues: z.core.$ZodIssue[] };

/** A route's query parameters by name: strings on the wire, decoded by each schema's JSON type (integer, number, boolean) before it checks them. */
export type QuerySchema = z.ZodObject;

type BodyOf<TSchema> = TSchema extends z.ZodType ? z.output<TSchema> : undefined;
/** Without a declaration a route reads no query parameter: naming one fails `npm run check`. */
type QueryOf<TQuery> = TQuery extends z.ZodType ? z.output<TQuery> : Record<never, never>;
type RouteRequest<TSchema, TQuery> = RestRequest<BodyOf<TSchema>, QueryOf<TQuery>>;

type RouteCommon = {
  method: Method;
  path: string;
  summary: string;
  /** Served without a credential (the dialect documents it as public). */
  public?: boolean;
  /** Request headers the route reads, for OpenAPI. */
  headers?: { name: string; description: string; required: boolean }[];
  success: { status: number; description: string; schema?: z.ZodType };
  /** Further answers without a body (304), for OpenAPI. */
  otherAnswers?: { status: number; description: string }[];
};

/**
 * A legacy route is one line in its dialect's table: the operation it runs, how the request
 * becomes variables, how `data` becomes the documented JSON. No business rule. Every type
 * comes from the operation's TypedDocumentNode and the body's zod schema: `respond` reading
 * a field its operation does not select fails `npm run check`.
 */
export type RouteSpec<TData, TVariables, TSchema extends z.ZodType | undefined, TQuery extends QuerySchema | undefined> = RouteCommon & {
  /** The request body's shape (validated before anything runs, and documented in OpenAPI). */
  body?: TSchema;
  /**
   * The query parameters the route reads, each a schema (optional unless required) with its
   * `.describe()`: the engine decodes and checks them before anything runs, OpenAPI documents
   * them, and `request.query` holds them and nothing else.
   */
  query?: TQuery;
  /** Variables for the operation, or an answer given without executing it. */
  variables(request: RouteRequest<TSchema, TQuery>): NoInfer<TVariables> | { answer: RestResult };
  respond(data: NoInfer<TData>, request: RouteRequest<TSchema, TQuery>): RestResult;
  /** Answers this route documents for particular codes, in place of the dialect's default. */
  errors?: Partial<Record<ErrorCode, (failure: Failure, request: RouteRequest<TSchema, TQuery>) => RestResult>>;
};

/** A route as the engine holds it, its types erased once `defineRoute` has checked them. */
export type Route = RouteCommon & {
  operation?: TypedDocumentNode<unknown, unknown>;
  body?: z.ZodType;
  query?: QuerySchema;
  variables(request: RestRequest): unknown;
  respond(data: unknown, request: RestRequest): RestResult;
  errors?: Partial<Record<ErrorCode, (failure: Failure, request: RestRequest) => RestResult>>;
};

export function defineRoute<TData, TVariables, TSchema extends z.ZodType | undefined = undefined, TQuery extends QuerySchema | undefined = undefined>(
  operation: TypedDocumentNode<TData, TVariables>,
  spec: RouteSpec<TData, TVariables, TSchema, TQuery>,
): Route {
  return { ...spec, operation } as unknown as Route;
}

/** A route that answers without running an operation (static documents such as /errors). */
export function defineStaticRoute(spec: RouteCommon & { respond(request: RestRequest<undefined>): RestResult }): Route {
  return { ...spec, variables: () => ({}), respond: (_data, request) => spec.respond(request as RestRequest<undefined>) };
}

export type Dialect = {
  name: string;
  title: string;
  prefix: string;
  /** The credential the route's GraphQL operation runs with, as an Authorization header value. */
  authorization(headers: Headers): string | null;
  security: { scheme: 'bearer' } | { scheme: 'apiKey'; header: string };
  /** The dialect's body for an error; its status is `failure.status` unless the dialect's document says otherwise. */
  error(failure: Failure, request: RestRequest): RestResult;
  problem(problem: RequestProblem, request: RestRequest): RestResult;
  methodNotAllowed(allowed: Method[]): RestResult;
  /**
   * The dialect's 404 for a path under its prefix that no route serves. Without it, such
   * paths get the gateway's neutral 404 (the Tenant Configuration API shares /api/v1 with
   * Control Core, so its unknown paths belong to neither).
   */
  notFound?(pathname: string): RestResult;
  /** Every status this dialect answers errors with, and the body's schema, for OpenAPI. */
  errorStatuses: number[];
  errorSchema: z.ZodType;
  routes: Route[];
};

export function isAnswer<T>(value: T | { answer: RestResult }): value is { answer: RestResult } {
  return typeof value === 'object' && value !== null && 'answer' in value;
}
