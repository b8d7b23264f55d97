import type { DataPlane } from './data-plane.js';

/**
 * Several data-plane servers as one DataPlane: each call goes to the server its login or its
 * `server` argument names (`shared`: the one new project databases are placed on). A name no
 * server answers to is an error, never another server. Connections are bounded per server.
 */
export function routedDataPlane(shared: DataPlane, others: ReadonlyMap<string, DataPlane>): DataPlane {
  const planes = new Map<string, DataPlane>([[shared.defaultServer, shared], ...others]);
  const on = (server: string): DataPlane => {
    const plane = planes.get(server);
    if (!plane) throw new Error(`data-plane server "${server}" is not configured (DATA_PLANE_SERVERS lists ${[...planes.keys()].join(', ')})`);
    return plane;
  };
  return {
    kind: shared.kind,
    defaultServer: shared.defaultServer,
    transaction: (login, options, work) => on(login.server).transaction(login, options, work),
    createDatabase: (server, name) => on(server).createDatabase(server, name),
    dropDatabase: (server, name, roles) => on(server).dropDatabase(server, name, roles),
    createLogin: (login, settings) => on(login.server).createLogin(login, settings),
    dropLogin: (server, database, roleName) => on(server).dropLogin(server, database, roleName),
    setPassword: (login, options) => on(login.server).setPassword(login, options),
    endSessions: (server, roleName) => on(server).endSessions(server, roleName),
    storageBytes: (server, database, schemas) => on(server).storageBytes(server, database, schemas),
    inspect: (server, database, sql, params) => on(server).inspect(server, database, sql, params),
    openWire: (login, screen) => on(login.server).openWire(login, screen),
    connections: () =>
      [...planes.values()].reduce(
        (sum, plane) => {
          const { open, max } = plane.connections();
          return { open: sum.open + open, max: sum.max + max };
        },
        { open: 0, max: 0 },
      ),
    close: async () => {
      await Promise.all([...planes.values()].map((plane) => plane.close()));
    },
  };
}
