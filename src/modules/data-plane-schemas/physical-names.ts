import { createHash } from 'node:crypto';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
const identifierLimit = 63;

/** The database name callers see: `fintech__acme`. */
export const tenantDatabaseName = (blueprint: string, tenant: string) => `${blueprint}__${tenant}`;

/** The database user a project's connection strings and backup files name: tdb_ and the first 8 hex digits of its id. */
export const projectDatabaseUser = (projectId: string) => `tdb_${projectId.replace(/-/g, '').slice(0, 8)}`;

/** The workspace's database name callers see: `myapp_workspace`. */
export const workspaceDatabaseName = (workspace: string) => `${workspace}_workspace`;

/**
 * The PostgreSQL schema (and the role owning it) behind a name callers see. Tenant slugs and
 * blueprint names are unique per project only, so two projects may both have `fintech__acme`:
 * the physical name starts with `p` and the first 8 hex digits of the project's id
 * (`p1a2b3c4d_fintech__acme`). A name past 63 bytes keeps its first 49 characters and ends with
 * 12 hex digits of the SHA-256 of the whole name, so it stays unique and readable. The unique
 * indexes on Workspace.schemaName and TenantDatabase.schemaName catch the one-in-2^32 prefix clash.
 */
export function physicalSchemaName(projectId: string, visibleName: string): string {
  const name = `p${projectId.replace(/-/g, '').slice(0, 8).toLowerCase()}_${visibleName.toLowerCase()}`;
  if (Buffer.byteLength(name, 'utf8') <= identifierLimit) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${Buffer.from(name, 'utf8')
    .subarray(0, 49)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')}_${digest}`;
}

/** A name we made, double-quoted: our names may hold `-` (workspace `control-plane`). */
export const quotedName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Whether a schema name is one physicalSchemaName makes: `p` and 8 hex digits, `_`, then a
 * tenant database's `<blueprint>__<tenant>`, a workspace's `<name>_workspace`, or a long name's
 * first characters and `_` with 12 hex digits; lowercase letters, digits, `_` and `-`, within 63 bytes.
 */
export const isPhysicalSchemaName = (name: string) =>
  Buffer.byteLength(name, 'utf8') <= identifierLimit && /^p[0-9a-f]{8}_[a-z][a-z0-9_-]*(__[a-z0-9][a-z0-9_-]*|_workspace|_[0-9a-f]{12})$/.test(name);
