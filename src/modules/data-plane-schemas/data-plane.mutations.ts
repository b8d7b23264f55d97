import { builder } from '../../graphql/builder.js';
import { rotateDataPlanePasswords } from './data-plane.service.js';
import { DataPlaneRotationRef } from './data-plane.types.js';

builder.mutationField('rotateDataPlanePasswords', (t) =>
  t.field({
    description:
      'Operator: a new random password for every TenantsDB data-plane login (of one project when given: its id or tdb_ id), set on its server and sealed with the current SECRETS_KEY',
    type: DataPlaneRotationRef,
    args: { project: t.arg.string({ required: false }) },
    resolve: (_root, { project }, ctx) => rotateDataPlanePasswords(ctx, ctx.dataPlane, project ?? null),
  }),
);
