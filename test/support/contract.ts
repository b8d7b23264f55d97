import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { OpenAPIV3_1 } from 'openapi-types';

type Operation = { pattern: RegExp; method: string; responses: OpenAPIV3_1.ResponsesObject; query: OpenAPIV3_1.ParameterObject[] };

/** A query value as a validating proxy reads it for its schema's type (OpenAPI's form style). */
function coerce(schema: OpenAPIV3_1.SchemaObject, raw: string): unknown {
  if ((schema.type === 'integer' || schema.type === 'number') && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * Checks REST answers against the OpenAPI document the gateway serves: every answer of a
 * documented route must have a documented status, and its body the schema documented for it.
 * The REST tests all go through this, so the document cannot drift from what routes answer.
 * Like a validating proxy (Prism), it also reads the query of every request the gateway
 * accepted: a documented parameter the document would refuse, or a required one missing, fails.
 */
export function contractChecker(document: OpenAPIV3_1.Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
  const operations: Operation[] = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, OpenAPIV3_1.OperationObject>).map(([method, operation]) => ({
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`),
      method: method.toUpperCase(),
      responses: operation.responses ?? {},
      query: ((operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[]).filter((parameter) => parameter.in === 'query'),
    })),
  );
  // Concrete paths before templated ones: /tenants/{id} must not claim /tenants/x/backups.
  operations.sort((a, b) => b.pattern.source.length - a.pattern.source.length);
  const compiled = new Map<object, ValidateFunction>();

  const validatorOf = (schema: object) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  };

  function checkQuery(method: string, pathname: string, searchParams: URLSearchParams, status: number, operation: Operation): void {
    for (const parameter of operation.query) {
      const raw = searchParams.get(parameter.name);
      if (raw === null) {
        if (parameter.required)
          throw new Error(`Contract: ${method} ${pathname} answered ${status} without ?${parameter.name}, which it documents as required`);
        continue;
      }
      const schema = parameter.schema as OpenAPIV3_1.SchemaObject;
      if (!validatorOf(schema)(coerce(schema, raw))) {
        throw new Error(`Contract: ${method} ${pathname} answered ${status} to ?${parameter.name}=${raw}, which its documented schema refuses`);
      }
    }
  }

  return function check(method: string, url: string, status: number, body: unknown): void {
    const { pathname, searchParams } = new URL(url, 'http://gateway.test');
    const candidates = operations.filter((operation) => operation.pattern.test(pathname));
    const operation = candidates.find((candidate) => candidate.method === (method === 'HEAD' ? 'GET' : method));
    if (!operation) return; // not a documented route: the neutral 404/405 answers
    const response = operation.responses[String(status)] as OpenAPIV3_1.ResponseObject | undefined;
    if (!response) throw new Error(`Contract: ${method} ${pathname} answered ${status}, which its OpenAPI operation does not document`);
    if (status < 400) checkQuery(method, pathname, searchParams, status, operation);
    const schema = response.content?.['application/json']?.schema;
    if (!schema || body === undefined) return;
    const validate = validatorOf(schema as object);
    if (!validate(body)) {
      throw new Error(
        `Contract: ${method} ${pathname} ${status} does not match its documented schema:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n--- body\n${JSON.stringify(body, null, 2)}`,
      );
    }
  };
}
