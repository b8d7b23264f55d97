import { Readable } from 'node:stream';
import type { Agent, request as send } from 'undici';
import ipaddr from 'ipaddr.js';
import { hopByHopHeaders } from '../lib/hop-by-hop.js';
import { resolveTarget } from '../lib/public-address.js';
import { injectTraceContext, inSpan, SpanKind } from '../lib/tracing.js';
import { applyHeaderRules, type HeaderRules } from './header-rules.js';

export type UpstreamSettings = {
  /** Whether upstreams may resolve to loopback, private or link-local addresses (tests, private deployments). */
  allowPrivate: boolean;
  /** Largest request body sent upstream, and largest response body passed back, in bytes. */
  maxRequestBytes: number;
  maxResponseBytes: number;
};

/** Why a call did not get an upstream answer: the status it is answered with and a message naming the cause, never a secret. */
export class UpstreamFailure extends Error {
  constructor(
    readonly status: 413 | 502 | 504,
    readonly code: 'REQUEST_TOO_LARGE' | 'UPSTREAM_UNREACHABLE' | 'UPSTREAM_ADDRESS_REFUSED' | 'UPSTREAM_TIMEOUT' | 'RESPONSE_TOO_LARGE' | 'UPSTREAM_INVALID',
    message: string,
    /** What the log may say beyond the message (the address refused); never a secret. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}

/** What the caller is told of a refused address (the log has which name resolved to which address). */
const addressRefused = "The upstream's address is refused: it is not a public address (TENANT_ROUTES_ALLOW_PRIVATE)";

function withoutHopByHop(headers: Headers): Map<string, string> {
  const named = new Set(hopByHopHeaders);
  for (const token of (headers.get('connection') ?? '').split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
  const kept = new Map<string, string>();
  headers.forEach((value, name) => {
    if (!named.has(name)) kept.set(name, value);
  });
  return kept;
}

/** What the caller sent for the gateway itself: never forwarded (its key, the tenant it named), and forwarding headers the gateway sets anew. */
const gatewayOwn = [
  'authorization',
  'x-api-key',
  'x-tenant-id',
  'host',
  'content-length',
  // Answered by the gateway's own server (100 Continue) before the call; undici refuses to send it.
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
];

export type UpstreamCall = {
  url: URL;
  method: string;
  request: Request;
  clientAddress?: string;
  /** Headers the route's credential adds (the secret opened just for this call): sent as they are, whatever the rules say. */
  credentialHeaders: Record<string, string>;
  /** The route's rules for the headers sent upstream, applied after the forwarding headers. */
  headerRules?: HeaderRules;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The body to send instead of the request's own (the same bytes, observed on their way). */
  body?: ReadableStream<Uint8Array> | null;
  /** Told of each chunk of the answer's body as the caller reads it, and of its end; its methods may be set once `call` has answered. */
  watcher?: BodyWatcher;
};

/** Watches a body go past: each chunk, then its end (not told when the body fails or the caller leaves). */
export type BodyWatcher = { chunk(chunk: Uint8Array): void; end(): void };

/**
 * An upstream's body as one web stream, read from undici's Node stream as the caller pulls
 * (paused while the caller is behind), failing past `max` bytes and telling `watcher` on the
 * way: one stream per answer, where `Readable.toWeb` and a TransformStream per observer cost a
 * fifth of a routed call's CPU.
 */
function passedOn(body: Readable, max: number, tooLarge: () => Error, watcher?: BodyWatcher): ReadableStream<Uint8Array> {
  let seen = 0;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      body.pause();
      body.on('data', (chunk: Uint8Array) => {
        if (finished) return;
        seen += chunk.byteLength;
        if (seen > max) {
          finished = true;
          body.destroy();
          controller.error(tooLarge());
          return;
        }
        watcher?.chunk(chunk);
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) body.pause();
      });
      body.once('end', () => {
        if (finished) return;
        finished = true;
        watcher?.end();
        controller.close();
      });
      body.once('error', (error) => {
        if (finished) return;
        finished = true;
        controller.error(error);
      });
    },
    pull() {
      body.resume();
    },
    cancel() {
      finished = true;
      body.destroy();
    },
  });
}

/**
 * Tenant routes' calls to their upstreams: one undici Agent (a connection pool per upstream
 * origin), whose every connection resolves the upstream's name and connects only to an address
 * the SSRF rules allow (`resolveTarget`, the webhooks' rules), so a name cannot be re-pointed
 * between check and connect. Bodies stream both ways with byte caps; nothing is buffered.
 */
export function createUpstreamCaller(settings: UpstreamSettings) {
  // undici and the Agent are loaded at the first call: a gateway without tenant routes holds neither.
  let client: Promise<{ undici: typeof import('undici'); agent: Agent }> | undefined;
  const load = () =>
    (client ??= import('undici').then((undici) => ({
      undici,
      agent: new undici.Agent({
        connect: {
          // Node's autoSelectFamily (on by default in Node 20) asks with `all: true` and wants a list back.
          lookup(hostname, options, callback) {
            resolveTarget(hostname, settings.allowPrivate).then(
              (target) =>
                (options as { all?: boolean }).all
                  ? (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [target])
                  : (callback as (error: null, address: string, family: number) => void)(null, target.address, target.family),
              (error: Error) => callback(Object.assign(new Error(error.message), { code: 'EADDRREFUSED' }), '', 4),
            );
          },
        },
        keepAliveTimeout: 10_000,
        connections: 64,
      }),
    })));

  /** Counts bytes through a body, failing it past `max`. */
  function capped(max: number, onTooLarge: () => Error) {
    let seen = 0;
    return new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) controller.error(onTooLarge());
        else controller.enqueue(chunk);
      },
    });
  }

  async function call({
    url,
    method,
    request,
    clientAddress,
    credentialHeaders,
    headerRules,
    timeoutMs,
    signal,
    body: sentBody,
    watcher,
  }: UpstreamCall): Promise<Response> {
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > settings.maxRequestBytes) {
      throw new UpstreamFailure(413, 'REQUEST_TOO_LARGE', `The request body is over ${settings.maxRequestBytes} bytes (TENANT_ROUTES_MAX_REQUEST_BYTES)`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of withoutHopByHop(request.headers)) if (!gatewayOwn.includes(name)) headers[name] = value;
    const incoming = new URL(request.url);
    const previous = request.headers.get('x-forwarded-for');
    if (clientAddress) headers['x-forwarded-for'] = previous ? `${previous}, ${clientAddress}` : clientAddress;
    headers['x-forwarded-host'] = incoming.host;
    headers['x-forwarded-proto'] = incoming.protocol.replace(':', '');
    // RFC 7239: an IPv6 node and a host with a port are quoted strings.
    headers.forwarded = `${clientAddress ? `for=${clientAddress.includes(':') ? `"[${clientAddress}]"` : clientAddress};` : ''}host="${incoming.host}";proto=${headers['x-forwarded-proto']}`;
    applyHeaderRules(headers, headerRules);
    Object.assign(headers, credentialHeaders);
    const source = sentBody === undefined ? request.body : sentBody;
    const hasBody = source !== null && method !== 'GET' && method !== 'HEAD';
    const body = hasBody
      ? Readable.fromWeb(
          source!.pipeThrough(
            capped(settings.maxRequestBytes, () => new UpstreamFailure(413, 'REQUEST_TOO_LARGE', `The request body is over ${settings.maxRequestBytes} bytes`)),
          ) as never,
        )
      : null;
    // A name is checked as each connection resolves it (the Agent's lookup); an address literal is never looked up: checked here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(host)) {
      await resolveTarget(host, settings.allowPrivate).catch((error: Error) => {
        throw new UpstreamFailure(502, 'UPSTREAM_ADDRESS_REFUSED', addressRefused, error.message);
      });
    }
    return inSpan(
      `${method} upstream`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'server.address': url.hostname, 'url.path': url.pathname } },
      async (span) => {
        injectTraceContext(headers);
        const response = await sent(url, method, headers, body, hasBody, timeoutMs, signal, watcher);
        span?.setAttribute('http.response.status_code', response.status);
        return response;
      },
    );
  }

  async function sent(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Readable | null,
    hasBody: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    watcher: BodyWatcher | undefined,
  ): Promise<Response> {
    // Idempotent calls without a body are tried twice when the connection fails before an answer.
    const attempts = !hasBody && ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 2 : 1;
    const { undici, agent } = await load();
    let answer: Awaited<ReturnType<typeof send>>;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await undici.request(url, {
          dispatcher: agent,
          method: method as 'GET',
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
        break;
      } catch (error) {
        if (error instanceof UpstreamFailure) throw error;
        if (error instanceof undici.errors.HeadersTimeoutError || error instanceof undici.errors.BodyTimeoutError) {
          throw new UpstreamFailure(504, 'UPSTREAM_TIMEOUT', `The upstream did not answer within ${timeoutMs} ms`);
        }
        const code = (error as { code?: string }).code;
        if (code === 'EADDRREFUSED') throw new UpstreamFailure(502, 'UPSTREAM_ADDRESS_REFUSED', addressRefused, (error as Error).message);
        // Only a call that got no answer is tried again.
        if (attempt < attempts && !signal?.aborted) continue;
        throw new UpstreamFailure(502, 'UPSTREAM_UNREACHABLE', `The upstream could not be reached (${code ?? (error as Error).name})`);
      }
    }
    try {
      return answered(answer, method, watcher);
    } catch (error) {
      answer.body.on('error', () => {});
      answer.body.destroy();
      if (error instanceof UpstreamFailure) throw error;
      throw new UpstreamFailure(502, 'UPSTREAM_INVALID', `The upstream's answer cannot be passed on (${(error as Error).message})`);
    }
  }

  /** The upstream's answer as the caller gets it: its status, its headers less hop-by-hop ones, its body streamed under the cap. */
  function answered(answer: Awaited<ReturnType<typeof send>>, method: string, watcher?: BodyWatcher): Response {
    const status = answer.statusCode;
    if (status < 200 || status > 599) throw new UpstreamFailure(502, 'UPSTREAM_INVALID', `The upstream answered status ${status}`);
    const noBody = method === 'HEAD' || status === 204 || status === 205 || status === 304;
    if (!noBody && Number(answer.headers['content-length'] ?? 0) > settings.maxResponseBytes) {
      throw new UpstreamFailure(
        502,
        'RESPONSE_TOO_LARGE',
        `The upstream's response is over ${settings.maxResponseBytes} bytes (TENANT_ROUTES_MAX_RESPONSE_BYTES)`,
      );
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
    }
    const out = new Headers();
    for (const [name, value] of withoutHopByHop(responseHeaders)) if (name !== 'set-cookie') out.set(name, value);
    for (const cookie of responseHeaders.getSetCookie()) out.append('set-cookie', cookie);
    if (noBody) {
      void answer.body.dump().catch(() => {});
      return new Response(null, { status, headers: out });
    }
    const stream = passedOn(
      answer.body,
      settings.maxResponseBytes,
      () => new UpstreamFailure(502, 'RESPONSE_TOO_LARGE', 'The upstream response grew past the cap'),
      watcher,
    );
    return new Response(stream, { status, headers: out });
  }

  return {
    call,
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}

export type UpstreamCaller = ReturnType<typeof createUpstreamCaller>;
