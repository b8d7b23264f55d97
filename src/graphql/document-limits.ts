import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { ParseOptions } from 'graphql';

/**
 * Bounds on every document, /graphql and REST routes alike. The largest legitimate one, a page
 * of 100 tenants with every tenant field, the whole configuration and the features, has depth 7,
 * cost about 65,000 and about 140 tokens (the benchmark's page of 50: depth 6, cost 6,128).
 */
export const documentLimits = {
  tokens: 2_000,
  depth: 10,
  aliases: 30,
  directives: 10,
  cost: 100_000,
} as const;

/** GraphQL Armor: refusals are GraphQL errors the error masking turns into BAD_USER_INPUT (400). */
export function useDocumentLimits() {
  return EnvelopArmorPlugin({
    // graphql-js's own parser limit as well: Armor's token counter is a subclass of its Parser.
    maxTokens: { n: documentLimits.tokens, ...({ maxTokens: documentLimits.tokens } satisfies ParseOptions) },
    maxDepth: { n: documentLimits.depth, flattenFragments: true },
    maxAliases: { n: documentLimits.aliases },
    maxDirectives: { n: documentLimits.directives },
    costLimit: { maxCost: documentLimits.cost, flattenFragments: true },
    // Its mask misses enum-value and variable suggestions; asBadUserInput (errors.ts) cuts them all.
    blockFieldSuggestion: { enabled: false },
  });
}
