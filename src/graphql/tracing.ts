import { useOpenTelemetry } from '@envelop/opentelemetry';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';

const tracer = () => trace.getTracer('tenant-gateway.graphql');

/** A span around each parse and each validation, children of the request's span (envelop's plugin traces only execution). */
function useParseAndValidateSpans(): Plugin {
  return {
    onParse() {
      const span = tracer().startSpan('graphql.parse', {}, context.active());
      return ({ result }) => {
        if (result instanceof Error) span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
        span.end();
      };
    },
    onValidate() {
      const span = tracer().startSpan('graphql.validate', {}, context.active());
      return ({ valid }) => {
        if (!valid) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the document is invalid' });
        span.end();
      };
    },
  };
}

/**
 * GraphQL's spans while tracing is on: parse, validate, and envelop's execution span
 * (`query.OperationName`). Never variables, results or resolver arguments (credentials and
 * personal data travel there); the document only when it holds no inline argument, as envelop
 * decides.
 */
export function useGraphQLTracing(): Plugin[] {
  return [
    useParseAndValidateSpans(),
    useOpenTelemetry(
      { resolvers: false, variables: false, result: false, document: true },
      trace.getTracerProvider(),
      SpanKind.INTERNAL,
      {},
      'tenant-gateway.graphql',
      'graphql.execute ',
    ) as Plugin,
  ];
}
