import { randomBytes } from 'node:crypto';
import { asSchemaQueryError, type SchemaLogin, type TenantSession } from '../../data-plane/data-plane.js';
import type { DataPlacement, DataPlaneDatabase, PrismaClient } from '../../generated/prisma/client.js';
import { ConflictError } from '../../lib/errors.js';
import { type Keyring, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';
import { installCapture, markChange } from './change-capture.js';
import type { DataPlaneDeps } from './data-plane-deps.js';
import { pickDedicatedServer } from './data-plane-servers.js';

/** A placement with the database it is in: everything needed to reach the schema. */
export type Placed = DataPlacement & { database: DataPlaneDatabase };

/** Include this on a TenantDatabase or Workspace query to have its placement with its database. */
export const withPlacement = { placement: { include: { database: true } } } as const;

/** Bound to its role: a sealed password copied onto another placement does not open there. */
const roleContext = (roleName: string) => `data-plane-role:${roleName}`;
/** Before the keyring format: sealed with a keyring key directly, the same words as additional data. */
const legacyRole = (roleName: string) => ({ aad: roleContext(roleName) });
const opaque = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const mintPassword = () => randomBytes(32).toString('base64url');

/** The role's role default timeout: the longest any plan allows (each transaction sets its own, shorter, one). */
const roleTimeoutCeiling = (deps: Pick<DataPlaneDeps, 'plans'>) => Math.max(...Object.values(deps.plans).map((plan) => plan.queryTimeoutCeilingMs));

/** The login that reaches the placement's schema, its password opened with the keyring. */
export function schemaLogin(deps: Pick<DataPlaneDeps, 'keyring'>, placed: Placed): SchemaLogin {
  const password = open(deps.keyring, roleContext(placed.roleName), placed.passwordSealed, legacyRole(placed.roleName));
  if (!password) throw new Error(`the password of data-plane role ${placed.roleName} does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS`);
  return {
    server: placed.database.server,
    database: placed.database.name,
    schemaName: placed.schemaName,
    roleName: placed.roleName,
    password: password.toString('utf8'),
  };
}

const sealPassword = (deps: Pick<DataPlaneDeps, 'keyring'>, roleName: string, password: string) => seal(deps.keyring, roleContext(roleName), password);

/** Key rotation: every role's password, as it is, under the current key (rotatePlacementPasswords changes the passwords themselves). */
export function rewrapPlacementPasswords(prisma: Pick<PrismaClient, 'dataPlacement'>, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    (after) =>
      prisma.dataPlacement.findMany({
        where: after ? { id: { gt: after } } : {},
        select: { id: true, roleName: true, passwordSealed: true },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      }),
    (row) => rewrap(keyring, roleContext(row.roleName), row.passwordSealed, legacyRole(row.roleName)),
    async (row, passwordSealed) =>
      (await prisma.dataPlacement.updateMany({ where: { id: row.id, passwordSealed: { equals: row.passwordSealed } }, data: { passwordSealed } })).count === 1,
  );
}

/**
 * The project's database on the data plane, made on first use: its record first (so whatever is
 * made on the server has one), then the database, then the record marked ready. One per project,
 * made under a name lock so two first uses make one.
 */
export async function projectDatabase(deps: DataPlaneDeps, projectId: string): Promise<DataPlaneDatabase> {
  const ready = await deps.prisma.dataPlaneDatabase.findFirst({
    where: { projectId, dedicated: false, readyAt: { not: null } },
    orderBy: { createdAt: 'asc' },
  });
  if (ready) return ready;
  return deps.sql.withNameLocks([`data-plane-database:${projectId}`], async () => {
    const existing = await deps.prisma.dataPlaneDatabase.findFirst({ where: { projectId, dedicated: false }, orderBy: { createdAt: 'asc' } });
    const record =
      existing ?? (await deps.prisma.dataPlaneDatabase.create({ data: { projectId, server: deps.dataPlane.defaultServer, name: opaque('tdbd') } }));
    if (record.readyAt) return record;
    // Making one that is there already (a process died before marking it) is not an error.
    await deps.dataPlane.createDatabase(record.server, record.name);
    return deps.prisma.dataPlaneDatabase.update({ where: { id: record.id }, data: { readyAt: new Date() } });
  });
}

/**
 * Where a dedicated (L2) tenant database of `region` goes: on PostgreSQL a database of its own, on
 * the least loaded server of its zone (pickDedicatedServer), its record written first; on the
 * embedded data plane, one instance, the project's database (nothing more apart is possible there).
 */
export async function dedicatedDatabase(deps: DataPlaneDeps, projectId: string, region: string, field?: string): Promise<DataPlaneDatabase> {
  if (deps.dataPlane.kind === 'pglite') return projectDatabase(deps, projectId);
  const server = await pickDedicatedServer(deps.prisma, deps.servers, region, field);
  const record = await deps.prisma.dataPlaneDatabase.create({ data: { projectId, server, name: opaque('tdbd'), dedicated: true } });
  try {
    await deps.dataPlane.createDatabase(record.server, record.name);
  } catch (error) {
    await dropDatabaseRecord(deps, record).catch(() => {});
    throw error;
  }
  return deps.prisma.dataPlaneDatabase.update({ where: { id: record.id }, data: { readyAt: new Date() } });
}

/**
 * Drops the dedicated databases of the project holding a schema of this name that nothing names
 * (no tenant database, workspace or move in progress): what a provisioning or a move left when its
 * process died between making the database and recording it. Called before making another.
 */
export async function dropStrayDedicated(deps: DataPlaneDeps, projectId: string, schemaName: string): Promise<void> {
  const candidates = await deps.prisma.dataPlacement.findMany({
    where: { schemaName, database: { projectId, dedicated: true }, tenantDatabase: null, workspace: null },
    select: { id: true },
  });
  for (const { id } of candidates) {
    if (await deps.prisma.tenantDatabase.count({ where: { movingToPlacementId: id } })) continue;
    await dropPlacement(deps, id);
  }
}

/** Drops a database the gateway made and its record (its placements' records gone first). */
async function dropDatabaseRecord(deps: DataPlaneDeps, database: DataPlaneDatabase): Promise<void> {
  await deps.dataPlane.dropDatabase(database.server, database.name, []);
  await deps.prisma.dataPlaneDatabase.deleteMany({ where: { id: database.id } });
}

/** Whether a TenantDatabase or Workspace names the placement. */
async function referenced(deps: DataPlaneDeps, placementId: string): Promise<boolean> {
  const [database, workspace] = await Promise.all([
    deps.prisma.tenantDatabase.count({ where: { placementId } }),
    deps.prisma.workspace.count({ where: { placementId } }),
  ]);
  return database + workspace > 0;
}

/**
 * A schema of the project on the data plane: the placement's record (a random role name, its
 * password sealed), then the login role and the schema it owns, then `statements` (a blueprint's
 * DDL chain) run as that login in one transaction with `version` marked on the schema, then the
 * record marked ready. When a step fails, what was made is dropped and the error thrown.
 *
 * A placement of that schema name already there is CONFLICT, unless the caller holds the name's
 * lock (`held`, from `sql.withNameLocks`, kept until its records are written) and no record names
 * it: a leftover of the gateway's own (a drop that failed, a process that died), dropped first.
 */
export async function createPlacement(
  deps: DataPlaneDeps,
  projectId: string,
  schemaName: string,
  chain: { statements: string[]; version: number } = { statements: [], version: 0 },
  held?: ReadonlySet<string>,
  /** A dedicated (L2) tenant database, in this zone: a database of its own (dedicatedDatabase). */
  dedicated?: { region: string; field?: string },
): Promise<Placed> {
  const database = dedicated ? await dedicatedDatabase(deps, projectId, dedicated.region, dedicated.field) : await projectDatabase(deps, projectId);
  const nameTaken = () =>
    new ConflictError(`A database named ${schemaName} already exists on the server; remove it or choose another name`, { schema: schemaName });
  const taken = await deps.prisma.dataPlacement.findUnique({ where: { databaseId_schemaName: { databaseId: database.id, schemaName } } });
  if (taken) {
    if (!held?.has(schemaName) || (await referenced(deps, taken.id))) throw nameTaken();
    await dropPlacement(deps, taken.id);
  }
  const roleName = opaque('tdbr');
  const password = mintPassword();
  let placed: Placed;
  try {
    placed = await deps.prisma.dataPlacement.create({
      data: { databaseId: database.id, schemaName, roleName, passwordSealed: sealPassword(deps, roleName, password) },
      include: { database: true },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002')
      throw new ConflictError(`A database named ${schemaName} is being created; retry shortly`, { schema: schemaName });
    throw error;
  }
  const login: SchemaLogin = { server: database.server, database: database.name, schemaName, roleName, password };
  try {
    await deps.dataPlane.createLogin(login, { statementTimeoutMs: roleTimeoutCeiling(deps) });
    await deps.dataPlane.transaction(login, { timeoutMs: roleTimeoutCeiling(deps) }, async (session) => {
      await markChange(session, 'R', chain.version);
      for (const statement of chain.statements) {
        try {
          // One statement per protocol message, as every statement a tenant wrote is sent.
          await session.run(statement, { maxRows: 1, maxBytes: 1 << 20 });
        } catch (error) {
          throw asSchemaQueryError(error, statement);
        }
      }
      await markChange(session, 'E', chain.version);
      await markSchemaVersion(session, schemaName, chain.version);
    });
  } catch (error) {
    await dropPlacement(deps, placed.id).catch(() => {});
    // A schema of that name no placement records (someone else's): never taken over.
    if ((error as { code?: string }).code === '42P06') throw nameTaken();
    throw error;
  }
  return deps.prisma.dataPlacement.update({ where: { id: placed.id }, data: { readyAt: new Date() }, include: { database: true } });
}

/**
 * Ends every session of the placements' logins: the database proxy's in this process, and every
 * one on their servers (other processes' proxy sessions and pooled connections included). What
 * they may open next is the caller's rule (a suspended tenant's proxy logins are refused).
 */
export async function endPlacementSessions(deps: DataPlaneDeps, placementIds: string[]): Promise<void> {
  if (placementIds.length === 0) return;
  const placements = await deps.prisma.dataPlacement.findMany({ where: { id: { in: placementIds } }, include: { database: true } });
  for (const placed of placements) {
    deps.proxySessions?.disconnect(placed.id);
    await deps.dataPlane.endSessions(placed.database.server, placed.roleName);
  }
}

/** Drops the placement's schema and role, then its record. Dropping what is gone is not an error. */
export async function dropPlacement(deps: DataPlaneDeps, placementId: string): Promise<void> {
  const placed = await deps.prisma.dataPlacement.findUnique({ where: { id: placementId }, include: { database: true } });
  if (!placed) return;
  deps.proxySessions?.disconnect(placed.id);
  await deps.dataPlane.dropLogin(placed.database.server, placed.database.name, placed.roleName);
  await deps.prisma.dataPlacement.delete({ where: { id: placementId } });
  // A dedicated database is its one placement's: it goes with it.
  if (placed.database.dedicated) await dropDatabaseRecord(deps, placed.database);
}

/**
 * Drops a placement after the records naming it were deleted, under its name's lock and only
 * while no record names it: a request that meanwhile took it over keeps it.
 */
export async function dropUnreferencedPlacement(deps: DataPlaneDeps, placementId: string): Promise<void> {
  const placed = await deps.prisma.dataPlacement.findUnique({ where: { id: placementId } });
  if (!placed) return;
  await deps.sql.withNameLocks([placed.schemaName], async () => {
    if (await referenced(deps, placementId)) return;
    await dropPlacement(deps, placementId);
  });
}

/** Drops the project's data-plane databases with every role in them, then their records (after the project's records went). */
export async function dropProjectDatabases(deps: DataPlaneDeps, projectId: string): Promise<void> {
  for (const database of await deps.prisma.dataPlaneDatabase.findMany({ where: { projectId }, include: { placements: true } })) {
    await deps.dataPlane.dropDatabase(
      database.server,
      database.name,
      database.placements.map((placement) => placement.roleName),
    );
    await deps.prisma.$transaction([
      deps.prisma.dataPlacement.deleteMany({ where: { databaseId: database.id } }),
      deps.prisma.dataPlaneDatabase.delete({ where: { id: database.id } }),
    ]);
  }
}

/** A new password for every role of the project (all projects when null), set on the server and sealed with the current key. */
export async function rotatePlacementPasswords(deps: DataPlaneDeps, projectId: string | null): Promise<number> {
  const placements = await deps.prisma.dataPlacement.findMany({
    where: { readyAt: { not: null }, ...(projectId ? { database: { projectId } } : {}) },
    include: { database: true },
  });
  for (const placed of placements) {
    const password = mintPassword();
    await deps.dataPlane.setPassword({ ...schemaLogin(deps, placed), password });
    await deps.prisma.dataPlacement.update({ where: { id: placed.id }, data: { passwordSealed: sealPassword(deps, placed.roleName, password) } });
  }
  return placements.length;
}

const versionMark = /^tenant-gateway schema version (\d+)$/;

/**
 * The blueprint version a schema's DDL is at, as marked on the schema in the data plane by the
 * transaction that applied it: when the gateway's record and the schema disagree (a process died
 * between the data plane's commit and the record's), the schema's mark says what was applied.
 */
export async function schemaVersionMark(session: TenantSession, schemaName: string): Promise<number | null> {
  const { rows } = await session.query(`SELECT pg_catalog.obj_description(oid, 'pg_namespace') FROM pg_catalog.pg_namespace WHERE nspname = $1`, [schemaName]);
  const match = versionMark.exec(String(rows[0]?.[0] ?? ''));
  return match ? Number(match[1]) : null;
}

/** Marks the schema with its DDL's version, in the transaction that applied the DDL (as its owner). */
export async function markSchemaVersion(session: TenantSession, schemaName: string, version: number): Promise<void> {
  await session.query(`COMMENT ON SCHEMA "${schemaName.replace(/"/g, '""')}" IS 'tenant-gateway schema version ${Math.trunc(version)}'`);
  // Every DDL path ends here: the tables it made get their change capture in the same transaction.
  await installCapture(session, schemaName);
}
