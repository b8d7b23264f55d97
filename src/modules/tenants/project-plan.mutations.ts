import { builder } from '../../graphql/builder.js';
import { setProjectTier } from './project-plan.service.js';
import { PlanTier } from './tenants.types.js';

builder.mutationField('setProjectTier', (t) =>
  t.prismaField({
    description: "An operator sets a project's plan, its tenants' ceiling: tenants above a lower plan are lowered to it",
    type: 'Project',
    args: {
      project: t.arg.id({ required: true, description: "The project's id or slug" }),
      tier: t.arg({ type: PlanTier, required: true }),
    },
    resolve: (_query, _root, { project, tier }, ctx) => setProjectTier(ctx, { project: String(project), tier }),
  }),
);
