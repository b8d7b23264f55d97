import { inSpan, SpanKind } from '../lib/tracing.js';
import type { DataPlane, SchemaLogin, TenantSession } from './data-plane.js';

/** The statement's first word (SELECT, INSERT, CREATE…): what a span says of tenant SQL, whose text may hold values. */
const commandOf = (statement: string) => /^\s*([A-Za-z]+)/.exec(statement)?.[1]?.toUpperCase() ?? 'UNKNOWN';

const where = (login: Pick<SchemaLogin, 'server' | 'database' | 'schemaName'>) => ({
  'db.system.name': 'postgresql',
  'db.namespace': login.database,
  'tenantsdb.server': login.server,
  'tenantsdb.schema': login.schemaName,
});

function tracedSession(session: TenantSession, login: SchemaLogin): TenantSession {
  return {
    run: (statement, caps, plainRead) => {
      const command = commandOf(statement);
      return inSpan(`tenantsdb ${command}`, { kind: SpanKind.CLIENT, attributes: { ...where(login), 'db.operation.name': command } }, async (span) => {
        const result = await session.run(statement, caps, plainRead);
        span?.setAttributes({ 'db.response.returned_rows': result.rowCount, 'tenantsdb.truncated': result.truncated });
        return result;
      });
    },
    query: (sql, params) =>
      inSpan(`tenantsdb gateway ${commandOf(sql)}`, { kind: SpanKind.CLIENT, attributes: { ...where(login), 'db.operation.name': commandOf(sql) } }, () =>
        session.query(sql, params),
      ),
  };
}

/**
 * The data plane with a span around each tenant transaction and each statement in it (while
 * tracing is on): where the database is and the statement's command, never its text, its
 * parameters or the login's password.
 */
export function tracedDataPlane(plane: DataPlane): DataPlane {
  return {
    ...plane,
    transaction: (login, options, work) =>
      inSpan('tenantsdb transaction', { kind: SpanKind.INTERNAL, attributes: where(login) }, () =>
        plane.transaction(login, options, (session) => work(tracedSession(session, login))),
      ),
  };
}
