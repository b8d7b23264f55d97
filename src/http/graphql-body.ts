import { readBodyUpTo } from '../lib/bounded-body.js';
import { jsonResponse } from '../rest/http.js';

export type GraphQLBodyLimits = { authenticated: number; anonymous: number };

const tooLarge = (limit: number, anonymous: boolean) =>
  jsonResponse(413, {
    errors: [
      {
        message: anonymous
          ? `The request body exceeds ${limit} bytes, the limit without credentials (send Authorization: Bearer <API key> for larger documents)`
          : `The request body exceeds ${limit} bytes`,
        extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', limit },
      },
    ],
  });

/**
 * Bounds a POST to /graphql before anything reads it, instead of Yoga piping every body
 * through a counting TransformStream: a declared Content-Length is checked against the limit
 * (HTTP framing then guarantees no more arrives), and only a chunked body of unknown length is
 * read here, up to the limit. A caller without credentials gets a much smaller limit, so an
 * anonymous megabyte is refused unread.
 * Returns the request to go on with (the same one, or one over the buffered body) or the refusal.
 */
export async function boundGraphQLBody(request: Request, limits: GraphQLBodyLimits): Promise<{ request: Request } | { refusal: Response }> {
  if (request.method !== 'POST' || !request.body) return { request };
  const anonymous = !request.headers.has('authorization') && !request.headers.has('x-api-key');
  const limit = anonymous ? limits.anonymous : limits.authenticated;
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d+$/.test(declared)) {
      return { refusal: jsonResponse(400, { errors: [{ message: 'Content-Length must be one non-negative integer', extensions: { code: 'BAD_REQUEST' } }] }) };
    }
    return Number(declared) > limit ? { refusal: tooLarge(limit, anonymous) } : { request };
  }
  const bytes = await readBodyUpTo(request.body, limit);
  if (bytes === null) return { refusal: tooLarge(limit, anonymous) };
  return { request: new Request(request.url, { method: 'POST', headers: request.headers, body: new Uint8Array(bytes), signal: request.signal }) };
}
