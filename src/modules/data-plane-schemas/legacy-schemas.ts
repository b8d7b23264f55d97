import type { Database } from '../../gateway-db/client.js';
import { dumpSchemaDdl } from '../../gateway-db/schema-dump.js';
import type { Logger } from '../../lib/logger.js';
import type { DataPlaneDeps } from './data-plane-deps.js';
import { quotedName } from './physical-names.js';
import { createPlacement, markSchemaVersion } from './placements.js';
import { readSchemaData, restoreSchemaData } from './schema-data.js';
import { classifySql } from './sql-classifier.js';
import { inSchemaSession } from './tenant-schemas.js';

type Legacy = { kind: 'tenantDatabase' | 'workspace'; id: string; projectId: string; schemaName: string; version: number };

/** What of pg_dump's text re-creates the schema's objects: not its session settings, nor the schema itself (made with its owner). */
const dumpSetup = /^(SET|RESET|CREATE SCHEMA|COMMENT ON SCHEMA|ALTER SCHEMA)$/;

/**
 * Moves the schemas an older gateway kept in its own database (each owned by a NOLOGIN role of
 * its name, the gateway's login a member of it) into the data plane, one at a time: a placement
 * in the project's data-plane database with a login of its own, the schema's DDL as pg_dump
 * prints it and its rows run there as that login in one transaction (with the blueprint version
 * marked), then, in one transaction of the gateway's database, the record pointed at the
 * placement and the old schema and role dropped. A process that dies midway leaves the record on
 * its old schema and a placement nobody names, which the next start takes over and makes again.
 * A schema that cannot be moved stays where it is, logged; its database answers "being moved".
 */
export async function moveLegacySchemas(database: Database, deps: DataPlaneDeps, logger: Logger, pgDump?: string): Promise<number> {
  const prisma = database.prisma;
  const legacy: Legacy[] = [
    ...(await prisma.tenantDatabase.findMany({ where: { legacySchemaName: { not: null } }, include: { tenant: { select: { projectId: true } } } }))
      .filter((record) => record.tenant.projectId)
      .map((record) => ({
        kind: 'tenantDatabase' as const,
        id: record.id,
        projectId: record.tenant.projectId!,
        schemaName: record.legacySchemaName!,
        version: record.schemaVersion,
      })),
    ...(await prisma.workspace.findMany({ where: { legacySchemaName: { not: null } } })).map((record) => ({
      kind: 'workspace' as const,
      id: record.id,
      projectId: record.projectId,
      schemaName: record.legacySchemaName!,
      version: 0,
    })),
  ];
  let moved = 0;
  for (const schema of legacy) {
    try {
      await moveOne(database, deps, schema, pgDump);
      moved++;
      logger.info('moved a TenantsDB schema from the gateway database to the data plane', { schema: schema.schemaName, kind: schema.kind });
    } catch (error) {
      logger.error('could not move a TenantsDB schema to the data plane; it stays in the gateway database until the next start', {
        schema: schema.schemaName,
        error,
      });
    }
  }
  return moved;
}

async function moveOne(database: Database, deps: DataPlaneDeps, schema: Legacy, pgDump?: string): Promise<void> {
  const ddl = (await classifySql(await dumpSchemaDdl(database, schema.schemaName, pgDump))).filter(
    (statement) => !dumpSetup.test(statement.command) && !/^SELECT pg_catalog\.set_config\(/i.test(statement.text),
  );
  // Read as the gateway's login, which the old layout made a member of the schema's role: the gateway's own SQL.
  const tables = await database.sql.transaction((tx) => readSchemaData(tx, schema.schemaName));
  await deps.sql.withNameLocks([schema.schemaName], async (held) => {
    const placed = await createPlacement(deps, schema.projectId, schema.schemaName, undefined, held);
    await inSchemaSession(deps, placed, async (session) => {
      for (const statement of ddl) await session.run(statement.text, { maxRows: 1, maxBytes: 1 << 20 });
      await restoreSchemaData(session, schema.schemaName, tables);
      await markSchemaVersion(session, schema.schemaName, schema.version);
    });
    const name = quotedName(schema.schemaName);
    await database.prisma.$transaction(async (tx) => {
      const data = { placementId: placed.id, legacySchemaName: null };
      if (schema.kind === 'tenantDatabase') await tx.tenantDatabase.update({ where: { id: schema.id }, data });
      else await tx.workspace.update({ where: { id: schema.id }, data });
      await tx.$executeRawUnsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await tx.$executeRawUnsafe(`DROP ROLE IF EXISTS ${name}`);
    });
  });
}
