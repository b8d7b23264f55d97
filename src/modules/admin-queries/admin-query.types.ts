import { builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import type { runAdminQuery, TenantQueryOutcome } from './admin-query.service.js';

export const AdminQueryInput = builder.inputType('AdminQueryInput', {
  fields: (t) => ({
    blueprint: t.string({ required: true, description: 'The blueprint whose tenant databases the query runs on' }),
    query: t.string({ required: true, description: 'Data SQL (queries and row changes); DDL is refused' }),
    tenant: t.id({ required: false, description: 'One tenant (UUID or slug); or allTenants' }),
    allTenants: t.boolean({ required: false, description: "Every live tenant of the caller's project with a database of the blueprint" }),
  }),
});

const AdminQueryTenantResultRef = builder.objectRef<TenantQueryOutcome>('AdminQueryTenantResult').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (outcome) => outcome.tenant }),
    columns: t.exposeStringList('columns'),
    rows: t.field({ type: 'JSON', description: 'Rows as arrays, in column order', resolve: (outcome) => outcome.rows }),
    rowCount: t.exposeInt('rowCount', { description: 'Rows returned, or rows changed by INSERT/UPDATE/DELETE without RETURNING' }),
    truncated: t.exposeBoolean('truncated', { description: "More rows matched than the workspace's max_rows_per_query" }),
    durationMs: t.exposeFloat('durationMs'),
    error: t.exposeString('error', { nullable: true, description: "PostgreSQL's message when the query failed on this tenant (all tenants only)" }),
  }),
});

export const AdminQueryResultRef = builder.objectRef<Awaited<ReturnType<typeof runAdminQuery>>>('AdminQueryResult').implement({
  fields: (t) => ({
    results: t.field({ type: [AdminQueryTenantResultRef], resolve: (result) => result.results }),
    durationMs: t.exposeFloat('durationMs'),
  }),
});
