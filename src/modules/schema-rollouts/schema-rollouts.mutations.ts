import { builder } from '../../graphql/builder.js';
import { deployBlueprint } from './schema-rollouts.service.js';
import { DeployBlueprintInput, SchemaRolloutRef } from './schema-rollouts.types.js';

builder.mutationField('deployBlueprint', (t) =>
  t.field({
    type: SchemaRolloutRef,
    description: "Deploys a blueprint's pending DDL as its next version to its tenant databases, as a job (TenantsDB POST /deployments)",
    args: { input: t.arg({ type: DeployBlueprintInput, required: true }) },
    resolve: (_root, args, ctx) => deployBlueprint(ctx, args.input, ctx.schemaRollouts),
  }),
);
