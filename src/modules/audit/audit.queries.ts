import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { auditLogWhere } from './audit.service.js';
import { AuditEventRef, AuditFilterInput } from './audit.types.js';

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    description: "Audit events, newest first: one tenant's, or every tenant's for an operator (no tenant)",
    type: AuditEventRef,
    cursor: 'id',
    maxSize: maxPageSize,
    defaultSize: 20,
    args: { tenant: t.arg.id({ required: false }), filter: t.arg({ type: AuditFilterInput, required: false }) },
    resolve: async (query, _root, args, ctx) => {
      assertPageSize(args);
      return ctx.prisma.auditEvent.findMany({
        ...query,
        where: await auditLogWhere(ctx, args.tenant == null ? null : String(args.tenant), args.filter ?? {}),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
);
