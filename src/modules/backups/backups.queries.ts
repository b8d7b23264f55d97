import { builder } from '../../graphql/builder.js';
import { listBackupJobs, listBackups } from './backups.service.js';
import { BackupJobRef, BackupRecordRef } from './backups.types.js';

builder.queryField('tenantBackups', (t) =>
  t.prismaField({
    type: [BackupRecordRef],
    description: "A tenant's backups, newest first",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_query, _root, args, ctx) => listBackups(ctx, String(args.tenant)),
  }),
);

builder.queryField('tenantBackupJobs', (t) =>
  t.prismaField({
    type: [BackupJobRef],
    description: "A tenant's backup, rollback and recovery jobs (tenants whose databases hold rows), newest first: how each ended, and why one failed",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), limit: t.arg.int({ required: false, description: '1 to 500 (default 50)' }) },
    resolve: (_query, _root, args, ctx) => listBackupJobs(ctx, String(args.tenant), args.limit ?? 50),
  }),
);
