import { Headers } from '@whatwg-node/fetch';
import type { GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import type { ResponseCaching } from '../graphql/response-cache.js';
import type { ExecuteGraphQL } from '../rest/engine.js';
import { continueRequest } from './request-log.js';
import type { RouteContext } from './yoga.js';

type ErrorLike = { message: string; extensions?: Record<string, unknown> };
const plain = (error: ErrorLike) => ({ message: error.message, extensions: { ...error.extensions } });

/**
 * The request a REST route's operation runs as: the caller's URL and signal, the headers the
 * operation needs. The caller's signal is asked for only when something listens: a server Request
 * makes its AbortSignal on first access, which costs as much as a cached answer's whole handling.
 *
 * A class, not an object literal with `get signal()`: a literal's getter is a new function each
 * time, so V8 keeps such an object's properties in a dictionary and the getter in an AccessorPair,
 * which it always allocates in the old generation (`Factory::NewAccessorPair`, `kOld`). That
 * pair held the getter, its closure and so the caller's whole request (headers, URL, body
 * reader) through every scavenge until the next full collection.
 * On cached W1 reads at 1,500 requests a second for 11 s (`--trace-gc-nvp`), this change alone
 * took the promoted bytes from 38 MB to 12 MB and the scavenges from 3.6-3.9 ms to 2.6-2.9 ms
 * (docs/performance.md, "Tail latency and promoted garbage").
 */
class InnerRequest {
  readonly method = 'POST';
  readonly url: string;
  readonly #outer: Request;
  constructor(
    readonly headers: Headers,
    outer: Request,
  ) {
    this.url = outer.url;
    this.#outer = outer;
  }
  get signal(): AbortSignal {
    return this.#outer.signal;
  }
}

/**
 * REST routes run their operation through the same envelop pipeline as /graphql (context,
 * auth guard, rate limits, metering, masking, parse and validate caches) without a second
 * HTTP round trip.
 */
export function graphqlBridge(yoga: YogaServerInstance<RouteContext, GraphQLContext>, cached?: ResponseCaching['serve']): ExecuteGraphQL {
  return async ({ query, variables, authorization, request, route, isPublic }) => {
    // The server's own Headers class (Node's validates every name and value through WebIDL).
    const headers = new Headers();
    if (authorization) headers.set('authorization', authorization);
    // The caller's own cache directives reach the response cache (`Cache-Control: no-cache` reads through).
    const cacheControl = request.headers.get('cache-control');
    if (cacheControl) headers.set('cache-control', cacheControl);
    const pragma = request.headers.get('pragma');
    if (pragma) headers.set('pragma', pragma);
    const inner = new InnerRequest(headers, request) as unknown as Request;
    continueRequest(inner, request);
    const hit = cached && (await cached(inner, { query, variables }, route));
    if (hit) return 'data' in hit ? hit : { errors: hit.errors.map(plain) };
    const initial = {
      request: inner,
      params: { query, variables: variables as Record<string, unknown> },
      restRoute: route,
      publicRoute: isPublic,
    };
    const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped(initial as never);
    const document = parse(query);
    const errors = validate(schema, document);
    if (errors.length) return { errors: errors.map((error: GraphQLError) => plain(error)) };
    const result = (await execute({
      schema,
      document,
      contextValue: await contextFactory(),
      variableValues: variables as Record<string, unknown>,
    })) as { data?: Record<string, unknown> | null; errors?: readonly ErrorLike[] };
    return { data: result.data, errors: result.errors?.map(plain) };
  };
}
