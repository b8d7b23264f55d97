import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';

/** SSLRequest and GSSENCRequest: 8 bytes, length 8, then the request's code. */
const sslRequest = 80877103;
const gssEncryptionRequest = 80877104;

/**
 * A client connection of the database proxy, in two phases. During the handshake pg-gateway
 * speaks the protocol over `handshake`, a stream fed from the client's socket; once the client is
 * authenticated `takeOver` hands the socket itself to the relay, and pg-gateway sees nothing more.
 * The relay then moves bytes between two Node sockets, without the web streams pg-gateway's Node
 * adapter layers over a socket (three of them around a TLS socket), which cost most of the
 * proxy's time per statement.
 *
 * TLS is negotiated here, before pg-gateway: an SSLRequest is answered `S` and the socket
 * wrapped in a TLSSocket (one per connection, on a context made once per certificate); a
 * GSSENCRequest is answered `N`. pg-gateway is given no TLS settings: `encrypted` says whether
 * the client's bytes came through TLS, for the proxy's own rules (plaintext only when allowed).
 */
export type ClientTransport = {
  handshake: Duplex;
  encrypted(): boolean;
  /** From now on the client's bytes go to `onData` and writes to `handshake` are dropped; answers the socket to write to. */
  takeOver(onData: (chunk: Buffer) => void): Socket;
};

const contexts = new WeakMap<object, SecureContext>();

/** Bytes a client may send before it is authenticated (PostgreSQL caps a startup packet at 10,000; a password message is small). */
const maxHandshakeBytes = 64 * 1024;

export function clientTransport(socket: Socket, tls: () => Promise<{ key: Buffer; cert: Buffer }>): ClientTransport {
  let transport: Socket = socket;
  let encrypted = false;
  let relay: ((chunk: Buffer) => void) | null = null;
  let pending: Buffer | null = Buffer.alloc(0);
  let handshakeBytes = 0;
  const handshake = new Duplex({
    read() {},
    // Handed to the socket at once (it buffers): nothing pg-gateway wrote waits here when the relay takes over.
    write(chunk: Buffer, _encoding, done) {
      if (!relay && !transport.destroyed) transport.write(chunk);
      done();
    },
    final(done) {
      if (!relay) transport.end();
      done();
    },
  });
  handshake.on('error', () => transport.destroy());

  const feed = (chunk: Buffer) => {
    if (relay) return relay(chunk);
    handshakeBytes += chunk.length;
    if (handshakeBytes > maxHandshakeBytes) return transport.destroy();
    handshake.push(chunk);
  };

  /** Before the startup: SSLRequest and GSSENCRequest are answered here; anything else goes to pg-gateway. */
  const negotiate = async (chunk: Buffer) => {
    pending = Buffer.concat([pending!, chunk]);
    while (pending && pending.length >= 8 && pending.readInt32BE(0) === 8) {
      const code = pending.readInt32BE(4);
      if (code === gssEncryptionRequest) {
        pending = pending.subarray(8);
        socket.write('N');
        continue;
      }
      if (code !== sslRequest || encrypted) break;
      if (pending.length > 8) return socket.destroy(); // nothing may follow an SSLRequest before its answer
      pending = null;
      socket.off('data', onRaw);
      const pair = await tls();
      let context = contexts.get(pair);
      if (!context) contexts.set(pair, (context = createSecureContext({ key: pair.key, cert: pair.cert })));
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => secure.destroy());
      secure.on('close', () => socket.destroy());
      transport = secure;
      encrypted = true;
      secure.on('data', (data: Buffer) => feed(data));
      secure.on('end', () => handshake.push(null));
      return;
    }
    if (!pending || pending.length < 8) return;
    const rest = pending;
    pending = null;
    socket.off('data', onRaw);
    socket.on('data', (data: Buffer) => feed(data));
    feed(rest);
  };
  const onRaw = (chunk: Buffer) => {
    negotiate(chunk).catch(() => socket.destroy());
  };
  socket.on('data', onRaw);
  socket.on('end', () => {
    if (!encrypted) handshake.push(null);
  });

  return {
    handshake,
    encrypted: () => encrypted,
    takeOver(onData) {
      relay = onData;
      return transport;
    },
  };
}
