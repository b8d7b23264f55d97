import type { PrismaClient } from '../../generated/prisma/client.js';
import { InvalidInputError } from '../../lib/errors.js';
import { defaultRegion, regionCatalog } from '../regions/regions.catalog.js';

/** A data-plane server the gateway places databases on, and the zone it is in. */
export type DataPlaneServer = { name: string; region: string };

/**
 * Where databases go. Projects' own databases (their workspaces and shared, L1, tenant
 * databases) live on the shared server; a dedicated (L2) tenant database gets a database of its
 * own on a server of its zone. With no dedicated servers configured the shared server holds
 * them too, of every zone (one server, the embedded default or DATA_PLANE_URL).
 */
export type ServerDirectory = { shared: DataPlaneServer; dedicated: DataPlaneServer[] };

const zones = new Set(regionCatalog.filter((region) => region.kind === 'ZONE').map((region) => region.id));

/** The directory DATA_PLANE_SERVERS describes; a region that is not a zone is refused at start. */
export function serverDirectory(sharedName: string, dedicated: DataPlaneServer[]): ServerDirectory {
  for (const server of dedicated) {
    if (!zones.has(server.region)) {
      throw new Error(`DATA_PLANE_SERVERS: server "${server.name}" is in "${server.region}", which is not a zone (${[...zones].join(', ')})`);
    }
  }
  return { shared: { name: sharedName, region: defaultRegion }, dedicated };
}

/** The zones databases can be placed in: every zone on one server; with dedicated servers, theirs and the shared server's. */
export function servedZones(directory: ServerDirectory): Set<string> {
  if (directory.dedicated.length === 0) return zones;
  return new Set([directory.shared.region, ...directory.dedicated.map((server) => server.region)]);
}

/**
 * The server a new dedicated database of `region` goes to: of the zone's servers, the one holding
 * the fewest databases now (ties: by name). A zone no server serves is BAD_USER_INPUT naming the
 * served ones, on `field`.
 */
export async function pickDedicatedServer(
  prisma: Pick<PrismaClient, 'dataPlaneDatabase'>,
  directory: ServerDirectory,
  region: string,
  field = 'region',
): Promise<string> {
  if (directory.dedicated.length === 0) return directory.shared.name;
  const inZone = directory.dedicated.filter((server) => server.region === region).map((server) => server.name);
  const candidates = inZone.length ? inZone : region === directory.shared.region ? [directory.shared.name] : [];
  if (candidates.length === 0) {
    throw new InvalidInputError([
      {
        field,
        rule: 'served_zone',
        message: `region "${region}" has no database server here; served zones: ${[...servedZones(directory)].join(', ')} (see GET /regions)`,
      },
    ]);
  }
  if (candidates.length === 1) return candidates[0]!;
  const held = await prisma.dataPlaneDatabase.groupBy({ by: ['server'], where: { server: { in: candidates } }, _count: { _all: true } });
  const load = new Map(held.map((row) => [row.server, row._count._all]));
  return [...candidates].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b))[0]!;
}
