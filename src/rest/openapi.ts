import type { OpenAPIV3_1 } from 'openapi-types';
import { jsonSchemaOf as schemaOf, queryParameters } from './query.js';
import type { Dialect, Route } from './types.js';

/**
 * Every dialect that takes `Authorization: Bearer` takes the same keys, so they share one scheme:
 * Swagger UI's Authorize asks for the key once. A dialect reading another header has its own.
 */
const schemeName = (security: Dialect['security']) => (security.scheme === 'bearer' ? 'bearerAuth' : security.header);

function securityScheme(security: Dialect['security']): OpenAPIV3_1.SecuritySchemeObject {
  return security.scheme === 'bearer'
    ? {
        type: 'http',
        scheme: 'bearer',
        description: "A gateway API key (tgw_…, a TenantsDB project's tenantsdb_sk_…, a Control Core tenant's cc_live_…) or a JWT",
      }
    : { type: 'apiKey', in: 'header', name: security.header, description: `A gateway API key, sent as ${security.header} instead of Authorization` };
}

function operation(dialect: Dialect, route: Route, errorRef: string): OpenAPIV3_1.OperationObject {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map(
    ([, name]): OpenAPIV3_1.ParameterObject => ({ name: name!, in: 'path', required: true, schema: { type: 'string' } }),
  );
  const queryParams = queryParameters(route.query).map(
    (parameter): OpenAPIV3_1.ParameterObject => ({
      name: parameter.name,
      in: 'query',
      required: parameter.required,
      description: parameter.description,
      schema: parameter.json as OpenAPIV3_1.ParameterObject['schema'],
    }),
  );
  const headerParams = (route.headers ?? []).map(
    (header): OpenAPIV3_1.ParameterObject => ({
      name: header.name,
      in: 'header',
      required: header.required,
      description: header.description,
      schema: { type: 'string' },
    }),
  );
  const success: OpenAPIV3_1.ResponseObject = { description: route.success.description };
  if (route.success.schema) success.content = { 'application/json': { schema: schemaOf(route.success.schema) } };
  const responses: OpenAPIV3_1.ResponsesObject = { [String(route.success.status)]: success };
  for (const answer of route.otherAnswers ?? []) responses[String(answer.status)] = { description: answer.description };
  for (const status of dialect.errorStatuses) {
    responses[String(status)] = { description: `Error (${status})`, content: { 'application/json': { schema: { $ref: errorRef } } } };
  }
  return {
    operationId: `${dialect.name}-${route.method.toLowerCase()}${route.path.replace(/\{(\w+)\}/g, 'by-$1').replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-$/, ''),
    summary: route.summary,
    tags: [dialect.title],
    // Public routes take no credential: a validating proxy must let anonymous callers through.
    security: route.public ? [] : [{ [schemeName(dialect.security)]: [] }],
    parameters: [...pathParams, ...queryParams, ...headerParams],
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every mounted legacy route, generated from the dialects' route tables. */
export function buildOpenApi(dialects: Dialect[]): OpenAPIV3_1.Document {
  const paths: OpenAPIV3_1.PathsObject = {};
  const schemas: Record<string, OpenAPIV3_1.SchemaObject> = {};
  const securitySchemes: Record<string, OpenAPIV3_1.SecuritySchemeObject> = {};
  for (const dialect of dialects) {
    const errorName = `${dialect.name}-error`;
    schemas[errorName] = schemaOf(dialect.errorSchema);
    securitySchemes[schemeName(dialect.security)] = securityScheme(dialect.security);
    for (const route of dialect.routes) {
      const path = `${dialect.prefix}${route.path}`;
      const item = (paths[path] ??= {}) as Record<string, OpenAPIV3_1.OperationObject>;
      item[route.method.toLowerCase()] = operation(dialect, route, `#/components/schemas/${errorName}`);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tenant-gateway legacy REST APIs',
      version: '1.0.0',
      description: 'Legacy routes served by executing GraphQL operations; GraphQL lives at /graphql.',
    },
    servers: [{ url: '/', description: 'This gateway' }],
    paths,
    components: { schemas, securitySchemes },
  };
}
