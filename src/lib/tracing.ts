import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';

export { SpanKind };

/**
 * The gateway's tracer while tracing is on (src/telemetry/start-tracing.ts sets it), undefined
 * otherwise: every helper here checks it first, so with tracing off a request does no tracing
 * work at all, not even a no-op span.
 */
let tracer: Tracer | undefined;

export function setTracer(next: Tracer | undefined): void {
  tracer = next;
}

export function tracingOn(): boolean {
  return tracer !== undefined;
}

type SpanOptions = { kind?: SpanKind; attributes?: Attributes; parent?: Context };

/**
 * Runs `work` in a span that is the active one while it runs, ended when it settles, its status an
 * error when it throws. Attributes never carry a secret: callers pass names, ids and statuses.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>): Promise<T> {
  if (!tracer) return work();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Adds the active trace's `traceparent` (and `tracestate`) to headers of an outgoing request; nothing when tracing is off. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (tracer) propagation.inject(context.active(), headers);
}

/** The active trace as a W3C `traceparent`, for work that continues it later (a queued job); undefined when tracing is off. */
export function activeTraceparent(): string | undefined {
  if (!tracer || !trace.getSpan(context.active())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a recorded or received `traceparent` (and `tracestate`) continues; the root context when there is none or it is malformed. */
export function traceContextFrom(carrier: { traceparent?: string | null; tracestate?: string | null }): Context {
  if (!tracer || !carrier.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (from, key) => (from as Record<string, string | null | undefined>)[key] ?? undefined,
    keys: (from) => Object.keys(from),
  });
}
