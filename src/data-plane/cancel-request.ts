import { connect } from 'node:net';

/** CancelRequest's code in the PostgreSQL protocol: 1234 in the high half, 5678 in the low. */
const cancelCode = 80877102;

/**
 * Asks the server to cancel what a backend is running, as libpq's PQcancel does: a connection of
 * its own carrying one 16-byte message with the backend's process id and secret key. Resolves
 * when the request was sent; the server answers nothing. node-postgres has no public API for it.
 */
export function sendCancelRequest(host: string, port: number, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(cancelCode, 4);
    message.writeInt32BE(processId, 8);
    message.writeInt32BE(secretKey, 12);
    const socket = connect({ host, port }, () => socket.end(message));
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}
