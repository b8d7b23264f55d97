import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** What an operation answered: its errors (none for a subscription that opened: its events are not its answer). */
export type OperationOutcome = { errors: readonly GraphQLError[] };

/**
 * One hook for every operation. Queries and mutations are executed (`onExecute`); a subscription
 * is subscribed (`onSubscribe`) and never passes through `onExecute`, so a plugin hooked on
 * execution alone lets subscriptions skip what it enforces or counts. `begin` is called before
 * the operation runs, may refuse it (`stop`, which also skips the later plugins' hooks, as
 * envelop's `setResultAndStopExecution` does), and may return what to call with its outcome:
 * an execution's result, or a subscription's answer to opening (refused, or opened).
 */
export function onEveryOperation<C extends Record<string, unknown>>(
  begin: (args: Omit<ExecutionArgs, 'contextValue'> & { contextValue: C }, stop: (result: ExecutionResult) => void) => Begun | Promise<Begun>,
): Pick<Plugin<C>, 'onExecute' | 'onSubscribe'> {
  return {
    onExecute: ({ args, setResultAndStopExecution }) =>
      after(begin(args, setResultAndStopExecution), (done) => ({ onExecuteDone: ({ result }) => done(outcomeOf(result)) })),
    onSubscribe: ({ args, setResultAndStopExecution }) =>
      after(begin(args, setResultAndStopExecution), (done) => ({ onSubscribeResult: ({ result }) => done(outcomeOf(result)) })),
  };
}

type Done = (outcome: OperationOutcome) => void;
type Begun = Done | undefined;

/** The hooks for `done`, without a promise when `begin` answered without one (most operations: no await per request). */
function after<R>(begun: Begun | Promise<Begun>, hooks: (done: Done) => R): R | undefined | Promise<R | undefined> {
  const then = (done: Begun) => (done ? hooks(done) : undefined);
  return begun instanceof Promise ? begun.then(then) : then(begun);
}

function outcomeOf(result: ExecutionResult | AsyncIterable<unknown>): OperationOutcome {
  return { errors: Symbol.asyncIterator in result ? [] : (result.errors ?? []) };
}
