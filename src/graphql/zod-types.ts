import type { z } from 'zod';
import { enumValueName } from '../lib/case.js';
import { builder } from './builder.js';

// GraphQL types derived from a zod schema, so one spec serves validation, OpenAPI and GraphQL.
// Objects become object (or input) types named by their path; arrays lists; records and
// anything without a GraphQL shape JSON; enums GraphQL enums, each value named in upper snake
// case (config.updated is CONFIG_UPDATED) and standing for the spec's own value, which is what
// services receive and return. An enum behind a transform (a case-insensitive method) stays
// String on the input side. Validation stays with zod: input types only carry the shape.

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  entries?: Record<string, string>;
};
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

const pascal = (name: string) => name.replace(/(^|[_-])(\w)/g, (_match, _sep, letter: string) => letter.toUpperCase());
const singular = (name: string) => (name.endsWith('s') ? name.slice(0, -1) : `${name}Item`);

/** Strips optional, nullable, default and pipes (the input side for inputs, the output side for outputs). */
function unwrap(schema: z.ZodType, side: 'input' | 'output'): { schema: z.ZodType; optional: boolean } {
  let optional = false;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'prefault') {
      optional = optional || def.type !== 'default' || side === 'input';
      current = def.innerType!;
    } else if (def.type === 'pipe') {
      current = side === 'input' ? def.in! : defOf(def.out!).type === 'transform' ? def.in! : def.out!;
    } else {
      return { schema: current, optional };
    }
  }
}

const enumNames = new Map<string, { name: string; description?: string }>();
const enumTypes = new Map<string, unknown>();
const valuesKey = (values: readonly string[]) => values.join('\u0000');

/** Names the GraphQL enum of a list of values; unnamed enums are named by the first path that uses them. */
export function nameZodEnum(values: readonly string[], name: string, description?: string): void {
  enumNames.set(valuesKey(values), { name, description });
}

function enumType(values: string[], name: string): unknown {
  const key = valuesKey(values);
  let type = enumTypes.get(key);
  if (!type) {
    const named = enumNames.get(key);
    type = builder.enumType(named?.name ?? name, {
      description: named?.description,
      values: Object.fromEntries(
        values.map((value) => [
          enumValueName(value),
          { value, description: value === enumValueName(value) ? undefined : `On the REST API and in webhook bodies: ${value}` },
        ]),
      ),
    });
    enumTypes.set(key, type);
  }
  return type;
}

function describe(schema: z.ZodType): string | undefined {
  const def = defOf(schema);
  if (def.type === 'enum') return `One of: ${Object.values(def.entries!).join(', ')}`;
  return (schema as unknown as { description?: string }).description;
}

export function zodGraphQLType(schema: z.ZodType, name: string, side: 'input' | 'output'): { type: unknown; optional: boolean; description?: string } {
  const { schema: inner, optional } = unwrap(schema, side);
  const def = defOf(inner);
  switch (def.type) {
    case 'string':
      return { type: 'String', optional, description: describe(inner) };
    case 'enum':
      return { type: enumType(Object.values(def.entries!), name), optional, description: (inner as unknown as { description?: string }).description };
    case 'number':
      return { type: (inner as unknown as { isInt?: boolean }).isInt ? 'Int' : 'Float', optional, description: describe(inner) };
    case 'boolean':
      return { type: 'Boolean', optional, description: describe(inner) };
    case 'array': {
      const element = zodGraphQLType(def.element!, singular(name), side);
      return { type: [element.type], optional, description: describe(inner) ?? element.description };
    }
    case 'object':
      return { type: objectType(def.shape!, name, side), optional, description: describe(inner) };
    default:
      return { type: def.type === 'record' ? 'JSONObject' : 'JSON', optional, description: describe(inner) };
  }
}

function objectType(shape: Record<string, z.ZodType>, name: string, side: 'input' | 'output'): unknown {
  const fieldsOf = Object.entries(shape).map(([key, field]) => [key, zodGraphQLType(field, `${name}${pascal(key)}`, side)] as const);
  if (side === 'input') {
    return builder.inputType(`${name}Input`, {
      fields: (t) =>
        Object.fromEntries(
          fieldsOf.map(([key, field]) => [key, t.field({ type: field.type as never, required: !field.optional, description: field.description })]),
        ),
    });
  }
  return builder.objectRef<Record<string, unknown>>(name).implement({
    fields: (t) =>
      Object.fromEntries(
        fieldsOf.map(([key, field]) => [
          key,
          t.field({ type: field.type as never, nullable: field.optional, description: field.description, resolve: (parent) => parent[key] as never }),
        ]),
      ),
  });
}

/** A zod object schema as a GraphQL object or input type (nested objects get their own types). */
export function zodObjectType(schema: z.ZodType, name: string, side: 'input' | 'output'): unknown {
  return zodGraphQLType(schema, name, side).type;
}
