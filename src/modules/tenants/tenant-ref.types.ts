import type { builder } from '../../graphql/builder.js';
import { TenantContextInput } from './tenant-context.types.js';

type ArgBuilder = Parameters<Parameters<typeof builder.queryField>[1]>[0]['arg'];

/** `tenant` (UUID or slug) or `context` (a Control Core request's tenant context): fields that serve both take these two. */
export const tenantArgs = (t: { arg: ArgBuilder }) => ({
  tenant: t.arg.id({ required: false, description: "UUID or slug; a tenant key's own tenant when neither this nor context is given" }),
  context: t.arg({ type: TenantContextInput, required: false, description: "The request's tenant context (Control Core routes); wins over tenant" }),
});
