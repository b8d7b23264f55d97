import type { Actor } from '../modules/identity/principal.js';

export type GraphQLContext = Actor & {
  /** Production refuses anonymous introspection; explorers in development may browse without a key. */
  production: boolean;
};
