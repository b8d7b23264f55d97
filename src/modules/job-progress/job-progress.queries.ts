import { builder } from '../../graphql/builder.js';
import { findJobProgress } from './job-progress.service.js';
import { JobProgressRef } from './job-progress.types.js';

builder.queryField('jobProgress', (t) =>
  t.field({
    type: JobProgressRef,
    description:
      'Where a job stands by its id: a backup job (tenantBackupJobs), a TenantsDB deployment (schemaRollout), a regional deploy (tenantDeployment) or a tenant database being moved (its id). The subscription of the same name sends each change',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => findJobProgress(ctx, String(args.id)),
  }),
);
