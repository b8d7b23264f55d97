import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';

export { SpanKind };
export type { Span };

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
export function inSpan<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>, lasting?: Lasting<T>): Promise<T> {
  if (!tracer) return work();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      let result: T;
      try {
        result = await work(span);
      } catch (error) {
        spanFailed(span, error);
        span.end();
        throw error;
      }
      if (!lasting) {
        span.end();
        return result;
      }
      return lasting(result, (error) => {
        if (error !== undefined) spanFailed(span, error);
        span.end();
      });
    },
  );
}

/**
 * For work whose result outlives its promise (a response whose body still streams): gets the
 * result and what ends the span (with the error that cut it short, if one did), and answers the
 * result to give back, having ended the span or arranged for it to end.
 */
export type Lasting<T> = (result: T, end: (error?: unknown) => void) => T;

/**
 * Marks a span failed: status ERROR with the error's message, and the exception recorded. For work
 * that catches its own failure (a job whose failure is recorded, not thrown), which `inSpan` alone
 * would end as a success. Nothing when `span` is undefined (tracing off).
 */
export function spanFailed(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
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
