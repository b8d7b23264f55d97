import { createHash } from 'node:crypto';
import { Response } from '@whatwg-node/fetch';
import { type Coding, compress, compressible, negotiateCoding } from './compression.js';

/** A page or file whose bytes do not change while the process runs. */
export type StaticFile = {
  bytes: Uint8Array;
  contentType: string;
  /** `no-cache` (revalidate with the ETag: pages) or a max-age (versioned assets). */
  cacheControl: string;
  /** Headers every answer carries (a page's Content-Security-Policy). */
  headers?: Record<string, string>;
};

type Kept = StaticFile & { etag: string; coded: Map<Coding, Promise<Buffer>> };

/**
 * The gateway's static answers (GraphiQL, the API reference and its assets, the OpenAPI
 * document), under names the gateway chooses (never a caller's text, so they stay a handful):
 * each loaded once when first asked for, with a strong ETag from its bytes, answered
 * 304 to a matching If-None-Match, and compressed once per coding (brotli at quality 9) and kept,
 * so a 9 MB GraphiQL page costs its compression one time, not per visit.
 */
export class StaticAnswers {
  readonly #files = new Map<string, Promise<Kept | null>>();

  /** The answer for `name`, loading it with `load` the first time; null when `load` finds nothing. */
  async serve(request: Request, name: string, load: () => Promise<StaticFile | null>): Promise<Response | null> {
    let kept = this.#files.get(name);
    if (!kept) {
      kept = load().then(
        (file) => file && { ...file, etag: `"${createHash('sha256').update(file.bytes).digest('base64url').slice(0, 27)}"`, coded: new Map() },
      );
      this.#files.set(name, kept);
      // A failed load, or one that found nothing, is not kept: tried again on the next request.
      kept.then(
        (file) => file || this.#files.delete(name),
        () => this.#files.delete(name),
      );
    }
    const file = await kept;
    return file && answer(request, file);
  }
}

async function answer(request: Request, file: Kept): Promise<Response> {
  // Whatever its size: coded once and kept, a small file costs no more per request, and one left
  // uncoded here would be coded after (COMPRESSION_MIN_BYTES) for GET but not for HEAD, which has no body to code.
  const canCompress = compressible(file.contentType);
  const headers: Record<string, string> = {
    ...file.headers,
    'content-type': file.contentType,
    'cache-control': file.cacheControl,
    etag: file.etag,
    ...(canCompress ? { vary: 'Accept-Encoding' } : {}),
  };
  if (matches(request.headers.get('if-none-match'), file.etag)) return new Response(null, { status: 304, headers });
  const coding = canCompress ? negotiateCoding(request.headers.get('accept-encoding')) : null;
  let body: Uint8Array = file.bytes;
  if (coding) {
    let coded = file.coded.get(coding);
    if (!coded) {
      coded = compress(file.bytes, coding, 'asset');
      file.coded.set(coding, coded);
    }
    body = await coded;
    headers['content-encoding'] = coding;
  }
  headers['content-length'] = String(body.byteLength);
  return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { headers });
}

/** If-None-Match against one ETag, compared weakly (RFC 9110 §13.1.2): `*`, or the tag with or without W/. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
