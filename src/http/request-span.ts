import { context, propagation, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ReadableStream, Response } from '@whatwg-node/fetch';
import { inSpan, type Lasting } from '../lib/tracing.js';

type Serve<S> = (request: Request, server?: S, span?: Span) => Promise<Response>;

const fromHeaders = {
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  keys: (headers: Headers) => [...headers.keys()],
};

/**
 * Serves each request in a server span that continues the caller's trace when it sent a W3C
 * `traceparent` (a new trace otherwise); what the request runs (GraphQL, Prisma, upstream calls)
 * is its child. Only installed while tracing is on.
 */
export function tracedRequests<S>(serve: Serve<S>): (request: Request, server?: S) => Promise<Response> {
  return (request, server) =>
    inSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        parent: propagation.extract(context.active(), request.headers, fromHeaders),
        attributes: { 'http.request.method': request.method, 'url.path': new URL(request.url).pathname },
      },
      (span) => serve(request, server, span),
      untilBodyEnds,
    );
}

/**
 * A body that streams (an event stream, a tenant route's upstream answer: no Content-Length) is
 * the request still being served: its span ends when the body ends or the caller closes it, not
 * when the response starts. A body of known length is sent at once: the span ends now.
 */
const untilBodyEnds: Lasting<Response> = (response, end) => {
  if (!response.body || response.headers.has('content-length')) {
    end();
    return response;
  }
  const reader = response.body.getReader();
  let ended = false;
  const once = (error?: unknown) => {
    if (ended) return;
    ended = true;
    end(error);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        controller.close();
        once();
      } catch (error) {
        controller.error(error);
        once(error);
      }
    },
    async cancel(reason) {
      once();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
};

/**
 * Names the span after the route that answered (`GET /api/v1/tenants/{id}/config`), with the
 * status, tenant and GraphQL operation: never the query string, a header or a body, where
 * credentials travel.
 */
export function describeRequestSpan(
  span: Span,
  request: Request,
  route: string,
  status: number,
  notes: { requestId: string; tenantId?: string; operation?: string },
): void {
  span.updateName(`${request.method} ${route}`);
  span.setAttributes({
    'http.route': route,
    'http.response.status_code': status,
    'gateway.request_id': notes.requestId,
    ...(notes.tenantId ? { 'gateway.tenant_id': notes.tenantId } : {}),
    ...(notes.operation ? { 'graphql.operation.name': notes.operation } : {}),
  });
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}
