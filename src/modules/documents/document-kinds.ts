import type { DocumentKind } from '../../generated/prisma/enums.js';
import type { Scope } from '../../kernel/principal.js';

type KindRules = {
  /** What a caller calls one (messages). */
  noun: string;
  read: Scope;
  write: Scope;
  /** The tenant's limit on how many it may hold, if any. */
  limitField?: 'maxPolicies' | 'maxBouncers';
};

export const documentKinds: Record<DocumentKind, KindRules> = {
  POLICY: { noun: 'policy', read: 'policies:read', write: 'policies:write', limitField: 'maxPolicies' },
  RESOURCE: { noun: 'resource', read: 'resources:read', write: 'resources:write' },
  BOUNCER: { noun: 'bouncer', read: 'bouncers:read', write: 'bouncers:write', limitField: 'maxBouncers' },
};
