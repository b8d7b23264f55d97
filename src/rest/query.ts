import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import type { Violation } from '../lib/errors.js';
import type { QuerySchema } from './types.js';

/** A zod schema as OpenAPI 3.1 embeds it (JSON Schema 2020-12, the request's side of transforms). */
export function jsonSchemaOf(schema: z.ZodType): OpenAPIV3_1.SchemaObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json as OpenAPIV3_1.SchemaObject;
}

/** One declared query parameter, as both the engine and the OpenAPI document read it. */
export type QueryParameter = {
  name: string;
  schema: z.ZodType;
  required: boolean;
  description: string | undefined;
  /** Its JSON Schema, the description on the parameter instead. */
  json: OpenAPIV3_1.SchemaObject;
};

export function queryParameters(query: QuerySchema | undefined): QueryParameter[] {
  return Object.entries(query?.shape ?? {}).map(([name, schema]) => {
    const { description, ...json } = jsonSchemaOf(schema);
    return { name, schema, required: !schema.isOptional(), description, json };
  });
}

/** A query value as its documented type reads it (OpenAPI's form style): digits are a number, true/false a boolean; anything else stays text for the schema to refuse. */
function decode(json: OpenAPIV3_1.SchemaObject, raw: string): unknown {
  if ((json.type === 'integer' || json.type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (json.type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

/**
 * The declared parameters that are present and valid, and the first that is not, as a violation
 * naming it. A parameter the route does not declare is not read.
 */
export function readQuery(parameters: QueryParameter[], search: URLSearchParams): { values: Record<string, unknown>; violation: Violation | null } {
  const values: Record<string, unknown> = {};
  let violation: Violation | null = null;
  for (const { name, schema, json } of parameters) {
    const raw = search.get(name);
    const parsed = schema.safeParse(raw === null ? undefined : decode(json, raw));
    if (parsed.success) {
      if (parsed.data !== undefined) values[name] = parsed.data;
    } else if (!violation) {
      const issue = parsed.error.issues[0]!;
      violation = { field: name, rule: issue.code, message: issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}` };
    }
  }
  return { values, violation };
}
