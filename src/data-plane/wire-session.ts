import type { Duplex } from 'node:stream';
import pg from 'pg';
import type { WireSession } from './data-plane.js';

/** One protocol message: its type byte, its length (itself included) and its body. */
export function protocolMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const cstring = (value: string) => Buffer.from(`${value}\0`, 'utf8');

export const parameterStatus = (name: string, value: string) => protocolMessage('S', Buffer.concat([cstring(name), cstring(value)]));

export function backendKeyData(processId: number, secretKey: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(processId, 0);
  body.writeInt32BE(secretKey, 4);
  return protocolMessage('K', body);
}

export const readyForQuery = (status: 'I' | 'T' | 'E' = 'I') => protocolMessage('Z', Buffer.from(status, 'latin1'));

type PgInternals = {
  connection: {
    stream: Duplex;
    on(event: 'parameterStatus', listener: (message: { parameterName: string; parameterValue: string }) => void): void;
  };
  processID: number;
  secretKey: number;
};

/**
 * Opens a session on PostgreSQL with node-postgres (which speaks the server's authentication:
 * SCRAM, md5, TLS as the URL says), then takes its socket over: node-postgres' listeners come off
 * and the bytes are the proxy's from then on. The session starts in `schema` (search_path).
 */
export async function openPostgresWire(
  config: pg.ClientConfig,
  schema: string,
  cancel: (processId: number, secretKey: number) => Promise<void>,
): Promise<WireSession> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`not a schema name the gateway made: ${schema}`);
  const client = new pg.Client({ ...config, options: `-c search_path=${schema}`, application_name: 'tenantsdb-proxy' });
  const internals = client as unknown as PgInternals;
  const statuses: Buffer[] = [];
  internals.connection.on('parameterStatus', ({ parameterName, parameterValue }) => statuses.push(parameterStatus(parameterName, parameterValue)));
  client.on('error', () => {});
  await client.connect();
  const stream = internals.connection.stream;
  for (const event of ['data', 'end', 'close', 'error']) stream.removeAllListeners(event);
  stream.on('error', () => stream.destroy());
  const keyData = backendKeyData(internals.processID, internals.secretKey);
  const greeting = Buffer.concat([...statuses, keyData, readyForQuery()]);
  return {
    greeting,
    cancelKey: keyData.subarray(5).toString('hex'),
    send: (bytes) => {
      // Taken at once, the usual case: no promise, so the relay need not pause the client (two syscalls a statement).
      if (stream.destroyed || stream.write(bytes)) return undefined;
      return new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
      });
    },
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    onData: (listener) => stream.on('data', listener),
    onEnd: (listener) => stream.once('close', listener),
    cancel: () => cancel(internals.processID, internals.secretKey),
    close: () => {
      if (stream.destroyed) return;
      stream.end(protocolMessage('X', Buffer.alloc(0)));
      setTimeout(() => stream.destroy(), 1_000).unref();
    },
  };
}
