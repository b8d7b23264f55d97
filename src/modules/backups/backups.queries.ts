import { builder } from '../../graphql/builder.js';
import { listBackups } from './backups.service.js';
import { BackupRecordRef } from './backups.types.js';

builder.queryField('tenantBackups', (t) =>
  t.prismaField({
    type: [BackupRecordRef],
    description: "A tenant's backups, newest first",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_query, _root, args, ctx) => listBackups(ctx, String(args.tenant)),
  }),
);
