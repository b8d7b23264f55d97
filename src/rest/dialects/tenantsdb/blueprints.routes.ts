import { z } from 'zod';
import { TenantsDbBlueprintDetailDocument, TenantsDbBlueprintsDocument, TenantsDbBlueprintVersionsDocument } from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { envelope, isoSeconds, ok } from './envelope.js';

type BlueprintFields = { name: string; databaseType: string; workspaceName: string; currentVersion: number; tenantCount: number };

const blueprintJson = (blueprint: BlueprintFields) => ({
  name: blueprint.name,
  database: blueprint.databaseType.toLowerCase(),
  workspace_id: blueprint.workspaceName,
  current_version: blueprint.currentVersion,
});
const blueprintSchema = { name: z.string(), database: z.string(), workspace_id: z.string(), current_version: z.number().int(), tenant_count: z.number().int() };

export const blueprintsRoute = defineRoute(TenantsDbBlueprintsDocument, {
  method: 'GET',
  path: '/blueprints',
  summary: "The project's blueprints",
  variables: () => ({}),
  respond: (data) => {
    const blueprints = data.blueprints.map((blueprint) => ({ ...blueprintJson(blueprint), tenant_count: blueprint.tenantCount }));
    return ok({ blueprints, count: blueprints.length });
  },
  success: {
    status: 200,
    description: 'The blueprints',
    schema: z.object({ ...envelope, blueprints: z.array(z.object(blueprintSchema)), count: z.number().int() }),
  },
});

export const blueprintRoute = defineRoute(TenantsDbBlueprintDetailDocument, {
  method: 'GET',
  path: '/blueprints/{name}',
  summary: 'A blueprint: the DDL of its deployed versions and how many tenants use it',
  variables: ({ params }) => ({ name: params.name! }),
  respond: (data) => ok({ ...blueprintJson(data.blueprint), schema: data.blueprint.schema, tenant_count: data.blueprint.tenantCount }),
  success: { status: 200, description: 'The blueprint', schema: z.object({ ...envelope, ...blueprintSchema, schema: z.array(z.string()) }) },
});

export const blueprintVersionsRoute = defineRoute(TenantsDbBlueprintVersionsDocument, {
  method: 'GET',
  path: '/blueprints/{name}/versions',
  summary: "A blueprint's versions, newest first",
  variables: ({ params }) => ({ name: params.name! }),
  respond: (data) => {
    const versions = data.blueprintVersions.map((version) => ({
      version: version.number,
      ddl_count: version.ddlCount,
      deployed_at: version.deployedAt ? isoSeconds(version.deployedAt) : null,
    }));
    return ok({ versions, count: versions.length });
  },
  success: {
    status: 200,
    description: 'The versions',
    schema: z.object({
      ...envelope,
      versions: z.array(z.object({ version: z.number().int(), ddl_count: z.number().int(), deployed_at: z.string().nullable() })),
      count: z.number().int(),
    }),
  },
});
