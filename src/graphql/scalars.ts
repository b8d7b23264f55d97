import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.js';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

builder.scalarType('DateTime', {
  description: 'An instant as an ISO 8601 string with a time zone, e.g. 2025-12-09T10:30:00Z',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' && /T.*(Z|[+-]\d\d:\d\d)$/.test(value) ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw badInput(`DateTime must be an ISO 8601 string with a time zone, got ${JSON.stringify(value)}`);
    return date;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw badInput(`DateTime must be an ISO 8601 string, got "${ast.value}"`);
    return date;
  },
});

function literalValue(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((value) => literalValue(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalValue(ast, variables),
});

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('Expected a JSON object');
  return value as Record<string, unknown>;
}

builder.scalarType('JSONObject', {
  description: 'A JSON object',
  serialize: (value) => value,
  parseValue: asObject,
  parseLiteral: (ast, variables) => asObject(literalValue(ast, variables)),
});
