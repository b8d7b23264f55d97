import { progressTables } from '../../gateway-db/change-feed.js';
import { builder } from '../../graphql/builder.js';
import { changesOf } from '../../graphql/subscriptions.js';
import { type JobProgress, findJobProgress } from './job-progress.service.js';
import { JobProgressRef } from './job-progress.types.js';

builder.subscriptionField('jobProgress', (t) =>
  t.field({
    type: JobProgressRef,
    description:
      'A job’s progress, now and at each step it takes on any replica (GraphQL over SSE): a backup or restore, a TenantsDB deployment, a regional deploy or a database move. Ends after the state that finishes the job; NOT_FOUND for a job the key may not see; UNAUTHENTICATED when the key is revoked or expires',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) =>
      changesOf<JobProgress>(
        ctx,
        {
          tenant: String(args.id),
          tenantId: (progress) => progress.id,
          tables: [...progressTables],
          watched: (progress) => progress.watched,
          initial: true,
          finished: (progress) => progress.finished,
        },
        (id) => findJobProgress(ctx, id),
        (progress) => `${progress.phase}/${progress.done}/${progress.total}/${progress.error ?? ''}`,
      ),
    resolve: (progress) => progress,
  }),
);
