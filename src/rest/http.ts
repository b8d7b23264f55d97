import { Response } from '@whatwg-node/fetch';
import { readBodyUpTo } from '../lib/bounded-body.js';
import type { RequestProblem } from './types.js';

/**
 * Reads a JSON request body with a size limit, without trusting Content-Length alone.
 * Returns the parsed value or the problem with it; an empty body is `undefined`.
 */
export async function readJsonBody(request: Request, limit: number): Promise<{ value: unknown } | { problem: RequestProblem }> {
  const type = request.headers.get('content-type') ?? '';
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > limit) return { problem: { kind: 'payload_too_large', message: `The request body exceeds ${limit} bytes`, limit } };
  const bytes = await readBodyUpTo(request.body, limit);
  if (bytes === null) return { problem: { kind: 'payload_too_large', message: `The request body exceeds ${limit} bytes`, limit } };
  if (bytes.length === 0) return { value: undefined };
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    return { problem: { kind: 'unsupported_media_type', message: 'The request body must be JSON (Content-Type: application/json)' } };
  }
  const text = bytes.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { problem: { kind: 'malformed_json', message: `The request body is not valid JSON: ${(error as Error).message}` } };
  }
}

/**
 * A JSON answer as the server adapter's own Response (@whatwg-node/fetch): the adapter writes
 * its string straight to the socket, where a native Response's body would be read back through
 * a web stream first.
 */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (body === undefined || status === 204 || status === 304) return new Response(null, { status, headers });
  return new Response(serialized(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const texts = new WeakMap<object, string>();

/** A frozen body (a route's answer built once from a cached one) is serialized once; anything else every time. */
function serialized(body: unknown): string {
  if (typeof body !== 'object' || body === null || !Object.isFrozen(body)) return JSON.stringify(body);
  let text = texts.get(body);
  if (text === undefined) texts.set(body, (text = JSON.stringify(body)));
  return text;
}
