import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { quotedIdentifier, type SchemaLogin, type StatementScreen, type WireSession } from './data-plane.js';
import { ProtocolFramer } from './protocol-framer.js';
import { backendKeyData, parameterStatus, protocolMessage, readyForQuery } from './wire-session.js';

const cstring = (message: Uint8Array, offset: number) => {
  const end = message.indexOf(0, offset);
  return Buffer.from(message.subarray(offset, end === -1 ? message.length : end)).toString('utf8');
};

function errorResponse(code: string, message: string): Buffer {
  const field = (type: string, value: string) => Buffer.from(`${type}${value}\0`, 'utf8');
  return protocolMessage('E', Buffer.concat([field('S', 'ERROR'), field('V', 'ERROR'), field('C', code), field('M', message), Buffer.from([0])]));
}

/** The ReadyForQuery status of the last Z in a server answer (I, T or E); null when it holds none. */
function lastStatus(bytes: Uint8Array): string | null {
  let status: string | null = null;
  for (let offset = 0; offset + 5 <= bytes.length; ) {
    const size = 1 + Buffer.from(bytes.buffer, bytes.byteOffset + offset + 1, 4).readUInt32BE(0);
    if (bytes[offset] === 0x5a) status = String.fromCharCode(bytes[offset + 5]!);
    offset += size;
  }
  return status;
}

/** Settings a session may carry from one turn to the next (its own SETs); never the role, the path or the parsing ones. */
const carriedSettings = `SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session'
   AND name NOT IN ('role', 'session_authorization', 'search_path', 'standard_conforming_strings', 'client_encoding', 'application_name')`;

/** Frontend messages relayed to PGlite: Query, Parse, Bind, Describe, Execute, Close, Flush, Sync (Terminate is handled). */
const relayed = new Set([0x51, 0x50, 0x42, 0x44, 0x45, 0x43, 0x48, 0x53]);

/** How long a session may hold the embedded backend while its client sends nothing. */
const idleHoldMs = 30_000;

/**
 * A proxied session on the embedded (PGlite) data plane. PGlite has one backend for everyone:
 * the session holds it alone from its first message until it is idle again (outside a
 * transaction), entering the schema's role and path first and leaving them after, with its own
 * session settings put aside and brought back next turn. Every statement text (Query, Parse) is
 * screened by the classifier first, since on PGlite a role change is one statement away; and at
 * each turn's end the session must still be in its role, or it is closed. Development only, as
 * the embedded data plane is (docs/security.md: "The embedded data plane (PGlite)").
 */
export function openPgliteWire(db: PGlite, login: SchemaLogin, screen: StatementScreen): WireSession {
  const framer = new ProtocolFramer();
  const listeners: ((bytes: Uint8Array) => void)[] = [];
  const enders: (() => void)[] = [];
  let release: (() => void) | null = null;
  let carried: string[] = [];
  let discarding = false;
  let closed = false;
  let busy = false;
  /** The session's transaction status as the backend last reported it (I idle, T in a transaction, E failed one). */
  let status: 'I' | 'T' | 'E' = 'I';
  let idleTimer: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();
  const emit = (bytes: Uint8Array) => {
    if (bytes.length && !closed) for (const listener of listeners) listener(bytes);
  };
  const gatewaySql = (sql: string) => db.execProtocol(serialize.query(sql));

  async function enter(): Promise<void> {
    release = await new Promise<() => void>((entered) => {
      void db._runExclusiveTransaction(() => new Promise<void>((done) => entered(done)));
    });
    await gatewaySql([`SET ROLE ${quotedIdentifier(login.roleName)}`, `SET search_path TO ${quotedIdentifier(login.schemaName)}`, ...carried].join('; '));
  }

  /** Idle again: the session's settings put aside, the backend back as the gateway left it, then let go. */
  async function leave(): Promise<void> {
    try {
      const who = await gatewaySql('SELECT current_user');
      const role = who.messages.find((message) => message.name === 'dataRow') as { fields: (string | null)[] } | undefined;
      if (role?.fields[0] !== login.roleName) {
        close();
        return;
      }
      const settings = await gatewaySql(carriedSettings);
      carried = settings.messages
        .filter((message) => message.name === 'dataRow')
        .map((message) => {
          const [name, value] = (message as unknown as { fields: string[] }).fields;
          return `SET ${quotedIdentifier(name!)} = '${value!.replace(/'/g, "''")}'`;
        });
    } finally {
      await letGo('RESET ALL; RESET ROLE');
    }
  }

  async function handle(messages: Buffer[]): Promise<void> {
    clearTimeout(idleTimer);
    for (const message of messages) {
      if (closed) return;
      const type = message[0]!;
      if (discarding) {
        // After a refused Parse, as the server does after an error: everything up to Sync is skipped.
        if (type === 0x53) {
          discarding = false;
          emit(readyForQuery(status === 'T' ? 'E' : status));
        }
        continue;
      }
      if (type === 0x58) {
        close();
        return;
      }
      if (!relayed.has(type)) {
        // FunctionCall (a function by its oid, past the classifier), copy messages outside a copy, anything else.
        emit(errorResponse('0A000', `protocol message ${String.fromCharCode(type)} is not served on the embedded data plane`));
        emit(readyForQuery(status === 'T' ? 'E' : status));
        continue;
      }
      // Parse: the statement's name, then its text (offsets in bytes).
      const text = type === 0x51 ? cstring(message, 5) : type === 0x50 ? cstring(message, message.indexOf(0, 5) + 1) : null;
      const refusal = text === null ? null : await screen(text);
      if (refusal) {
        emit(errorResponse('42501', refusal));
        if (type === 0x51) emit(readyForQuery(status === 'T' ? 'E' : status));
        else discarding = true;
        if (status === 'T') status = 'E';
        continue;
      }
      if (!release) {
        await enter();
        // Closed while it waited for the backend: leave it as the gateway left it.
        if (closed) {
          await letGo('ROLLBACK; RESET ALL; RESET ROLE');
          return;
        }
      }
      const answer = await db.execProtocolRaw(message, { syncToFs: false });
      emit(answer);
      status = (lastStatus(answer) as typeof status | null) ?? status;
      if (closed) {
        await letGo('ROLLBACK; RESET ALL; RESET ROLE');
        return;
      }
      if (lastStatus(answer) === 'I') await leave();
    }
    // Holding the backend while the client thinks (inside a transaction, or between Parse and Sync):
    // past idleHoldMs the session is closed, so one client cannot stop everyone's work.
    if (release) idleTimer = setTimeout(close, idleHoldMs);
  }

  /** Runs the gateway's reset and releases the backend, once. */
  async function letGo(reset: string): Promise<void> {
    const held = release;
    release = null;
    if (!held) return;
    await gatewaySql(reset).catch(() => {});
    held();
  }

  function close(): void {
    if (closed) return;
    closed = true;
    clearTimeout(idleTimer);
    // A turn in progress lets go itself when its message returns; an idle hold is let go here.
    if (!busy) void letGo('ROLLBACK; RESET ALL; RESET ROLE');
    for (const end of enders) end();
  }

  return {
    greeting: Buffer.concat([
      parameterStatus('server_version', '17 (PGlite)'),
      parameterStatus('client_encoding', 'UTF8'),
      parameterStatus('server_encoding', 'UTF8'),
      parameterStatus('DateStyle', 'ISO, MDY'),
      parameterStatus('integer_datetimes', 'on'),
      parameterStatus('standard_conforming_strings', 'on'),
      parameterStatus('TimeZone', 'UTC'),
      backendKeyData(0, 0),
      readyForQuery(),
    ]),
    // PGlite cannot cancel (below): a key of its own that no CancelRequest names.
    cancelKey: `pglite:${randomUUID()}`,
    // A message is answered whole (PGlite reads results whole); the next waits for it.
    pause: () => {},
    resume: () => {},
    send(bytes) {
      const messages = [...framer.messages(bytes)];
      if (messages.length === 0 || closed) return Promise.resolve();
      queue = queue
        .then(async () => {
          busy = true;
          try {
            await handle(messages);
          } finally {
            busy = false;
          }
        })
        .catch(() => close());
      return queue;
    },
    onData: (listener) => listeners.push(listener),
    onEnd: (listener) => enders.push(listener),
    // PGlite runs one statement at a time in this thread: nothing can be cancelled.
    cancel: async () => {},
    close,
  };
}
