import { builder } from '../../graphql/builder.js';
import { backupTenant, rollbackTenant } from './backups.service.js';
import { BackupRecordRef, RollbackResultRef } from './backups.types.js';

builder.mutationField('backupTenant', (t) =>
  t.prismaField({
    type: BackupRecordRef,
    description: "Back up the tenant's restorable state now",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_query, _root, args, ctx) => backupTenant(ctx, ctx.backups, String(args.tenant)),
  }),
);

builder.mutationField('rollbackTenant', (t) =>
  t.field({
    type: RollbackResultRef,
    description: 'Restore the tenant to a backup (checksum verified first; the current state is backed up before)',
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      storagePath: t.arg.string({ required: true, description: 'The storagePath of one of the tenant\'s backups' }),
    },
    resolve: (_root, args, ctx) => rollbackTenant(ctx, ctx.backups, String(args.tenant), args.storagePath),
  }),
);
