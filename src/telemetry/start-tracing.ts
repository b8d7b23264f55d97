import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Environment } from '../env.js';
import { setTracer } from '../lib/tracing.js';

export type Tracing = {
  /** Sends what is buffered and unregisters everything tracing registered. */
  stop(): Promise<void>;
};

type TracingSettings = Pick<Environment, 'OTEL_TRACES_EXPORTER' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>;

/** Whether the environment asks for traces: `OTEL_TRACES_EXPORTER=otlp`, or an OTLP endpoint with the exporter unset. */
export function tracingWanted(env: TracingSettings): boolean {
  if (env.OTEL_TRACES_EXPORTER) return env.OTEL_TRACES_EXPORTER === 'otlp';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

function tracesUrl(env: TracingSettings): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts OpenTelemetry tracing when the environment asks for it (or `exporter` is given: tests
 * pass an in-memory one), before the app is created: the SDK is imported only then, so a gateway
 * without tracing never loads it. Registers the tracer provider, the AsyncLocalStorage context
 * manager and the W3C trace-context propagator globally, and Prisma's instrumentation (its client
 * reads a global tracing helper at each query, driver adapters included). Spans are batched to
 * the OTLP/HTTP exporter; a given exporter gets each span as it ends.
 */
export async function startTracing(env: TracingSettings, exporter?: SpanExporter): Promise<Tracing | undefined> {
  if (!exporter && !tracingWanted(env)) return undefined;
  const [
    { NodeTracerProvider },
    { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, SamplingDecision, SimpleSpanProcessor },
    { resourceFromAttributes },
    { PrismaInstrumentation },
    api,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@prisma/instrumentation'),
    import('@opentelemetry/api'),
  ]);
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: tracesUrl(env) }));
  // A Prisma query outside any request or job run (the workers' polling, batched flushes) would
  // start a trace of its own every few hundred milliseconds: those are not recorded.
  const parentBased = new ParentBasedSampler({ root: new AlwaysOnSampler() });
  const sampler: Sampler = {
    shouldSample: (parent, traceId, name, kind, attributes, links) =>
      !api.trace.getSpanContext(parent) && name.startsWith('prisma:')
        ? { decision: SamplingDecision.NOT_RECORD }
        : parentBased.shouldSample(parent, traceId, name, kind, attributes, links),
    toString: () => 'ParentBased{root=AlwaysOn, except Prisma queries without a parent}',
  };
  const provider = new NodeTracerProvider({
    sampler,
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME }),
    spanProcessors: [processor],
  });
  provider.register();
  const prisma = new PrismaInstrumentation({ enabled: false });
  prisma.setTracerProvider(provider);
  prisma.enable();
  setTracer(provider.getTracer('tenant-gateway'));
  return {
    async stop() {
      setTracer(undefined);
      prisma.disable();
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
