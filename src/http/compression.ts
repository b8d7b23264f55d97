import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Response } from '@whatwg-node/fetch';

/** A content coding the gateway sends. */
export type Coding = 'br' | 'gzip';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * The coding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): the caller's
 * highest q, brotli before gzip when they tie, `*` standing for any coding not named; null when
 * the caller named neither (identity).
 */
export function negotiateCoding(acceptEncoding: string | null): Coding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (!name) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name === 'x-gzip' ? 'gzip' : name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: Coding) => weights.get(coding) ?? weights.get('*') ?? 0;
  const br = weightOf('br');
  const gz = weightOf('gzip');
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? 'br' : 'gzip';
}

/** Text the gateway sends: JSON (GraphQL's answers and problem bodies included), HTML, CSS, scripts, SVG, YAML. Never an event stream. */
export function compressible(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return false;
  return /^text\/|[/+]json$|[/+]xml$|^application\/(javascript|yaml)$|^image\/svg\+xml$/.test(type);
}

/**
 * Compresses bytes. `effort`: 'answer' for a request's own answer (brotli at quality 4, gzip at
 * 6: most of the saving for a few milliseconds a megabyte), 'asset' for a static file compressed
 * once and kept (brotli at 9).
 */
export function compress(bytes: Uint8Array, coding: Coding, effort: 'answer' | 'asset'): Promise<Buffer> {
  if (coding === 'gzip') return gzip(bytes, { level: 6 });
  return brotli(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: effort === 'asset' ? 9 : 4,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    },
  });
}

/** Adds Accept-Encoding to a response's Vary, once. */
export function varyOnCoding(headers: Headers): void {
  const vary = headers.get('vary');
  if (!vary) headers.set('vary', 'Accept-Encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) headers.set('vary', `${vary}, Accept-Encoding`);
}

/**
 * An answer compressed for its caller when that pays: a negotiated coding, a compressible type,
 * a known length of at least `minBytes`, and no coding already. Answers of unknown length are
 * streams (a tenant route's upstream, GraphQL's incremental delivery) and pass as they are, so
 * nothing that streams is held back. The ETag stays: it names the content, which either coding
 * carries unchanged, and the conditional reads compare it weakly.
 */
export async function compressAnswer(request: Request, response: Response, minBytes: number): Promise<Response> {
  if (request.method !== 'HEAD') return coded(request, response, minBytes);
  // HEAD reports what GET would send (RFC 9110 §9.3.2): the body is coded as GET's would be, for its length, then left out.
  const answer = await coded(request, response, minBytes);
  if (!answer.body) return answer;
  await answer.body.cancel();
  return new Response(null, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
}

async function coded(request: Request, response: Response, minBytes: number): Promise<Response> {
  // The body is not looked at until the answer is to be compressed: asking a Response for its
  // body makes it a stream, which costs more than a small answer's whole handling.
  if (response.headers.has('content-encoding')) return response;
  if (response.status < 200 || response.status >= 300 || response.status === 204 || response.status === 206) return response;
  if (!compressible(response.headers.get('content-type'))) return response;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!(length >= minBytes)) {
    // A small or unmeasured answer is not compressed, but a cache in between must still know it could be.
    if (length >= 0) varyOnCoding(response.headers);
    return response;
  }
  const coding = negotiateCoding(request.headers.get('accept-encoding'));
  if (!coding || !response.body) {
    varyOnCoding(response.headers);
    return response;
  }
  const bytes = await compress(new Uint8Array(await response.arrayBuffer()), coding, 'answer');
  const headers = new Headers(response.headers);
  headers.set('content-encoding', coding);
  headers.set('content-length', String(bytes.byteLength));
  varyOnCoding(headers);
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers });
}
