import { BREAK, type DocumentNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InvalidInputError, type Violation } from '../lib/errors.js';
import { textProblem, unsafeInput } from '../lib/input-safety.js';
import { asBadUserInput, domainGraphQLError } from './errors.js';

const prototypeKeys = new Set(['__proto__', 'constructor', 'prototype']);

function badInput(violation: Violation) {
  return asBadUserInput(domainGraphQLError(new InvalidInputError([violation])));
}

/** A string literal PostgreSQL cannot store, or an object literal key naming the prototype. */
function unsafeLiteral(document: DocumentNode): Violation | null {
  let found: Violation | null = null;
  visit(document, {
    StringValue(node) {
      const problem = textProblem(node.value);
      if (!problem) return undefined;
      found = { field: '', rule: 'text', message: `A string in the document ${problem}` };
      return BREAK;
    },
    ObjectField(node) {
      if (!prototypeKeys.has(node.name.value)) return undefined;
      found = { field: node.name.value, rule: 'key', message: `The key "${node.name.value}" is not allowed` };
      return BREAK;
    },
  });
  return found;
}

/**
 * The GraphQL side of the input boundary the REST engine keeps for its bodies: variables and
 * literals with NUL, lone surrogates or prototype keys are BAD_USER_INPUT before anything runs.
 */
export function useInputBoundary(): Plugin {
  return {
    onParams({ params, setResult }) {
      const variables = params.variables;
      if (!variables || typeof variables !== 'object') return;
      for (const name of Object.keys(variables)) {
        const violation = unsafeInput((variables as Record<string, unknown>)[name], name);
        if (violation) return setResult({ errors: [badInput(violation)] });
      }
      return undefined;
    },
    onValidate({ params }) {
      const violation = unsafeLiteral(params.documentAST);
      if (!violation) return undefined;
      return ({ result, setResult }) => setResult([...result, badInput(violation)]);
    },
  };
}
