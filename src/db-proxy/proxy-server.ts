import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { BackendError, createScramSha256Data, type PostgresConnection, type ScramSha256AuthOptions, verifyScramSha256Password } from 'pg-gateway';
import { fromNodeSocket } from 'pg-gateway/node';
import type { SchemaLogin, WireSession, WireTarget as ProxyTarget } from '../data-plane/data-plane.js';
import type { Logger } from '../lib/logger.js';
import { type ClientTransport, clientTransport } from './client-transport.js';
import { type ProxiedStatement, SessionWatch } from './session-watch.js';

export type DatabaseProxyOptions = {
  /** Where to listen. Port 0: any free port (`listen` answers the one taken). */
  host: string;
  port: number;
  /** The certificate and key clients' `sslmode=require` is answered with. */
  tls: () => Promise<{ key: Buffer; cert: Buffer }>;
  /** Whether a client may connect without TLS (SCRAM-SHA-256 then, never a clear password). */
  allowPlaintext: boolean;
  /** The databases a (user, database) pair may mean: none when nothing matches. */
  targets(user: string, database: string): Promise<ProxyTarget[]>;
  /** A session as the target's own login. */
  openWire(login: SchemaLogin): Promise<WireSession>;
  /** Before authentication: counts the connection against its address; a refusal's message when refused (a ban). */
  admit(address: string): Promise<string | null>;
  /** A wrong password from the address: counts toward its ban. */
  refused(address: string): Promise<void>;
  /** A statement a session ran, for the target's query log (batched by the caller). */
  ran(target: ProxyTarget, statement: ProxiedStatement): void;
  /** Statements a session's transaction committed (the target's `changes`: its DDL becomes pending changes). */
  committed(target: ProxyTarget, texts: string[]): void;
  logger: Logger;
};

export type DatabaseProxy = {
  /** Starts listening; answers the address taken. */
  listen(): Promise<{ host: string; port: number }>;
  /** Sessions open now, per target key. */
  sessions(): Map<string, number>;
  /** Closes the sessions of a target (its database moved, its password changed): clients reconnect. */
  disconnect(key: string): number;
  /** Stops listening and closes every session. */
  close(): Promise<void>;
};

const fatal = (code: string, message: string) => BackendError.create({ severity: 'FATAL', code, message });

const samePassword = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** How long a client has from connecting to being authenticated. */
const handshakeMs = 30_000;

/** The grace past a plan's query timeout before the proxy cancels (the server's own statement_timeout comes first). */
const deadlineGraceMs = 1_000;

/**
 * The TenantsDB database proxy: PostgreSQL's wire protocol on its own port. pg-gateway speaks the
 * server side of the handshake (TLS, startup, authentication); once the client is authenticated
 * the proxy opens a session as the database's own login on the data plane, relays its greeting
 * (the server's parameters and key data) and then the bytes both ways, watching them for the
 * query log and the plan's deadline. The client's credentials never reach the data plane, and
 * the login's password never reaches the client.
 */
export function createDatabaseProxy(options: DatabaseProxyOptions): DatabaseProxy {
  const open = new Map<string, Set<() => void>>();
  const sockets = new Set<Socket>();
  /** Open sessions by their cancel key (process id and secret key, as the greeting gave them to the client). */
  const cancels = new Map<string, WireSession>();
  /** Places taken by sessions being opened, per target key (max_connections counts them). */
  const reserved = new Map<string, number>();
  let server: Server | null = null;

  function track(key: string, end: () => void): () => void {
    let set = open.get(key);
    if (!set) open.set(key, (set = new Set()));
    set.add(end);
    return () => {
      set.delete(end);
      if (set.size === 0) open.delete(key);
    };
  }

  async function serve(socket: Socket): Promise<void> {
    const address = socket.remoteAddress ?? 'unknown';
    let candidates: ProxyTarget[] = [];
    let chosen: ProxyTarget | null = null;
    let scram: Awaited<ReturnType<typeof createScramSha256Data>> | null = null;
    let connection: PostgresConnection | null = null;
    // A client that does not finish the handshake in time is cut (slow or stalled TLS, startup, password).
    const handshake = setTimeout(() => socket.destroy(), handshakeMs);
    socket.once('close', () => clearTimeout(handshake));
    const transport = clientTransport(socket, options.tls);
    // The client's own cancel requests arrive on connections of their own, before any startup.

    /**
     * Ends the connection with a FATAL error, as PostgreSQL does. Not thrown into pg-gateway: its
     * handler writes to the client without catching, and a client already gone would make that an
     * unhandled rejection. The streams are the proxy's once pg-gateway's step returns.
     */
    const refuse = async (code: string, message: string) => {
      await connection!.detach();
      handshake.refresh();
      const client = transport.takeOver(() => {});
      if (!client.destroyed) client.end(fatal(code, message).flush());
    };
    const startup = async (user: string, database: string) => {
      try {
        candidates = await options.targets(user, database);
      } catch (error) {
        // The gateway's database failing: nothing matches, the password is refused, the client retries.
        options.logger.error('database proxy: resolving a database failed', { error });
        candidates = [];
      }
    };
    const wrong = async () => {
      await options.refused(address);
      return false;
    };

    connection = await fromNodeSocket(transport.handshake as Socket, {
      serverVersion: '15 (tenantsdb proxy)',
      auth: {
        method: 'password',
        getClearTextPassword: () => '',
        validateCredentials: async ({ password }) => {
          chosen = candidates.find((target) => samePassword(password, target.password)) ?? null;
          return chosen ? true : wrong();
        },
      },
      onMessage: (data, state) => {
        if (!state.hasStarted && isRequest(data, gssEncryptionRequest)) return new Uint8Array([0x4e]); // N: no GSSAPI encryption here
        if (!state.hasStarted && isCancelRequest(data)) {
          const key = Buffer.from(data.subarray(8, 16)).toString('hex');
          void cancels.get(key)?.cancel();
          // The server answers a cancel request by closing; after pg-gateway is done with this message.
          setImmediate(() => socket.end());
          return new Uint8Array(0);
        }
        // The startup message (after TLS, if any): the address is counted, and refused when banned.
        if (!state.hasStarted && data.length >= 8 && !isRequest(data, sslRequest)) {
          if (!transport.encrypted() && !options.allowPlaintext) {
            setImmediate(() => socket.end());
            return fatal('08P01', 'SSL connection is required').flush();
          }
          return options.admit(address).then((refusal) => {
            if (!refusal) return admitted(state);
            setImmediate(() => socket.end());
            return fatal('08004', refusal).flush();
          });
        }
        return undefined;
      },
      onStartup: async (state) => {
        await startup(state.clientParams?.user ?? '', state.clientParams?.database ?? state.clientParams?.user ?? '');
      },
      onAuthenticated: async () => {
        await authenticated();
      },
    });

    /** An admitted startup message: without TLS (allowed by a setting) authentication is SCRAM-SHA-256. */
    function admitted(_state: unknown): undefined {
      // Without TLS (allowed by a setting): SCRAM-SHA-256, so no password crosses in clear.
      if (!transport.encrypted() && connection) {
        const scramAuth: ScramSha256AuthOptions = {
          method: 'scram-sha-256',
          getScramSha256Data: async () => (scram ??= await createScramSha256Data(candidates[0]?.password ?? crypto.randomUUID())),
          validateCredentials: async ({ authMessage, clientProof, scramSha256Data }) => {
            const valid = candidates.length > 0 && (await verifyScramSha256Password({ authMessage, clientProof, storedKey: scramSha256Data.storedKey }));
            chosen = valid ? candidates[0]! : null;
            return valid || wrong();
          },
        };
        connection.options.auth = scramAuth;
      }
      return undefined;
    }

    async function authenticated(): Promise<void> {
      const target = chosen!;
      // The place is taken before the session is opened: logins at once cannot pass max_connections together.
      const places = (reserved.get(target.key) ?? 0) + (open.get(target.key)?.size ?? 0);
      if (places >= target.maxConnections) return refuse('53300', `too many connections for database: its max_connections is ${target.maxConnections}`);
      reserved.set(target.key, (reserved.get(target.key) ?? 0) + 1);
      const unreserve = () => {
        const left = (reserved.get(target.key) ?? 1) - 1;
        if (left > 0) reserved.set(target.key, left);
        else reserved.delete(target.key);
      };
      let wire: WireSession;
      try {
        wire = await options.openWire(target.login);
      } catch (error) {
        unreserve();
        options.logger.warn('database proxy: the data plane refused a session', { error, target: target.key });
        return refuse('08006', 'the database is not reachable now; retry shortly');
      }
      clearTimeout(handshake);
      await connection!.detach();
      // What pg-gateway wrote last (AuthenticationOk) goes through web streams, a few microtasks
      // behind: the relay, whose greeting must follow it, takes over after them.
      await new Promise((resolve) => setImmediate(resolve));
      unreserve();
      relay(target, wire, transport);
    }
  }

  /** The session's bytes both ways, socket to socket: the client's to the data plane as they come, the server's back, each side waiting for the slower. */
  function relay(target: ProxyTarget, wire: WireSession, transport: ClientTransport) {
    let ended = false;
    let deadline: NodeJS.Timeout | undefined;
    const watch = new SessionWatch(
      (statement) => target.log && options.ran(target, statement),
      target.changes ? (texts) => options.committed(target, texts) : null,
    );
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(deadline);
      // What the server answers from now on is not read: statements still running are logged as they stand.
      watch.close();
      untrack();
      wire.close();
      client.end();
      // A client that never closes its side does not keep the connection.
      setTimeout(() => client.destroy(), 1_000).unref();
    };
    const forget = track(target.key, end);
    cancels.set(wire.cancelKey, wire);
    const untrack = () => {
      forget();
      cancels.delete(wire.cancelKey);
    };
    // A statement past the plan's timeout is cancelled, whatever the session set statement_timeout to.
    const arm = () => {
      if (deadline || watch.busySince === null) return;
      deadline = setTimeout(() => {
        deadline = undefined;
        void wire.cancel();
      }, target.queryTimeoutMs + deadlineGraceMs);
    };
    const disarm = () => {
      if (watch.busySince !== null) return;
      clearTimeout(deadline);
      deadline = undefined;
    };
    const client = transport.takeOver((chunk) => {
      if (ended) return;
      watch.sent(chunk);
      arm();
      // The server's side takes the bytes before the client's next ones are read.
      const sending = wire.send(chunk);
      if (!sending) return;
      client.pause();
      sending.then(() => {
        if (!ended) client.resume();
      }, end);
    });
    client.once('close', end);
    client.once('end', end);
    wire.onEnd(end);
    wire.onData((chunk) => {
      if (ended) return;
      // The client reads slower than the server sends: the server waits, not the proxy's memory.
      if (!client.write(chunk)) {
        wire.pause();
        client.once('drain', () => wire.resume());
      }
      watch.received(chunk);
      disarm();
    });
    if (client.destroyed) end();
    else client.write(wire.greeting);
  }

  return {
    async listen() {
      const listening = createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        socket.setNoDelay(true);
        serve(socket).catch((error) => {
          options.logger.warn('database proxy: a connection failed', { error });
          socket.destroy();
        });
      });
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port, options.host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      const bound = listening.address();
      return { host: options.host, port: typeof bound === 'object' && bound ? bound.port : options.port };
    },
    sessions: () => new Map([...open].map(([key, set]) => [key, set.size])),
    disconnect(key) {
      const set = open.get(key);
      if (!set) return 0;
      const ends = [...set];
      for (const end of ends) end();
      return ends.length;
    },
    async close() {
      for (const set of [...open.values()]) for (const end of [...set]) end();
      for (const socket of sockets) socket.destroy();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = null;
    },
  };
}

const sslRequest = 80877103;
const gssEncryptionRequest = 80877104;

/** SSLRequest or GSSENCRequest: 8 bytes, length 8, then the request's code. */
function isRequest(data: Uint8Array, code: number): boolean {
  if (data.length !== 8) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return view.getInt32(0) === 8 && view.getInt32(4) === code;
}

/** CancelRequest: 16 bytes, length 16, code 80877102, then the backend's process id and secret key. */
function isCancelRequest(data: Uint8Array): boolean {
  if (data.length !== 16) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return view.getInt32(0) === 16 && view.getInt32(4) === 80877102;
}
