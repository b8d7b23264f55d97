import { builder } from '../../graphql/builder.js';
import { backupTenant } from './backups.service.js';
import { recoverTenant, rollbackTenant, undoRecovery } from './restores.service.js';
import { BackupRecordRef, RecoveryResultRef, RollbackResultRef, UndoRecoveryResultRef } from './backups.types.js';

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
    description:
      'Restore the tenant to a backup (checksum verified first; the current state is backed up before). A tenant whose databases hold rows is restored by a durable job: the answer shows it RESTORING with the job, and it returns to its status when the job ends',
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      storagePath: t.arg.string({ required: true, description: "The storagePath of one of the tenant's backups" }),
    },
    resolve: (_root, args, ctx) => rollbackTenant(ctx, ctx.backups, String(args.tenant), args.storagePath),
  }),
);

builder.mutationField('recoverTenant', (t) =>
  t.field({
    type: RecoveryResultRef,
    description: 'Point-in-time recovery (dedicated tenants): the tenant as it was at the timestamp; undoable for 24 hours',
    args: { tenant: t.arg.id({ required: true }), timestamp: t.arg({ type: 'DateTime', required: true }) },
    resolve: (_root, args, ctx) => recoverTenant(ctx, ctx.backups, String(args.tenant), args.timestamp),
  }),
);

builder.mutationField('undoRecovery', (t) =>
  t.field({
    type: UndoRecoveryResultRef,
    description: 'Return to the state before the latest point-in-time recovery, within 24 hours of it',
    args: { tenant: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => undoRecovery(ctx, ctx.backups, String(args.tenant)),
  }),
);
