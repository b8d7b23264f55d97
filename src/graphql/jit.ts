import { type DocumentNode, type ExecutionResult, getOperationAST } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { makeExecute, type Plugin } from 'graphql-yoga';

/**
 * Executes operations with graphql-jit: each (document, operation) is compiled once into a
 * function and the compiled function runs on every later request (documents come from the
 * parse cache, so the same text is the same object). What graphql-jit cannot compile runs on
 * the standard executor instead, and `onFallback` hears why, once per document.
 */
export function useJit(onFallback: (reason: ExecutionResult) => void): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  function compiledFor(schema: Parameters<typeof compileQuery>[0], document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let entry = byOperation.get(key);
    if (entry === undefined) {
      const result = compileQuery(schema, document, operationName);
      entry = isCompiledQuery(result) ? result : null;
      if (!entry) onFallback(result as ExecutionResult);
      byOperation.set(key, entry);
    }
    return entry;
  }

  // Variables are checked by graphql-js first, so a bad variable is refused with its messages
  // (naming the path, e.g. input.maxUsers), exactly as on the standard executor; the compiled
  // query then coerces the raw values itself (coerced values, a Date or an enum's internal
  // value, would not coerce a second time).
  const execute = makeExecute((args) => {
    const operation = getOperationAST(args.document, args.operationName)!;
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const query = compiledFor(args.schema, args.document, args.operationName ?? undefined)!;
    return query.query(args.rootValue, args.contextValue, args.variableValues);
  });

  return {
    onExecute({ args, setExecuteFn }) {
      if (compiledFor(args.schema, args.document, args.operationName ?? undefined)) setExecuteFn(execute);
    },
  };
}
