import { randomUUID } from 'node:crypto';
import { requestMemo } from '../lib/request-memo.js';

/** What a request's log line learns while it is served: the tenant it concerned, the GraphQL operation it ran and the error codes it answered. */
type RequestNotes = { requestId: string; tenantId?: string; clientAddress?: string; operation?: string; errorCodes?: string[] };

const notes = requestMemo<RequestNotes>('request notes');

/** An X-Request-Id the caller sent is kept when it is a plain token; otherwise the gateway makes one. */
export function beginRequest(request: Request, clientAddress?: string): RequestNotes {
  const given = request.headers.get('x-request-id');
  const entry = { requestId: given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID(), clientAddress };
  notes.set(request, entry);
  return entry;
}

/** A request made on behalf of another (a REST route's GraphQL execution) shares its notes. */
export function continueRequest(inner: Request, outer: Request): void {
  const entry = notes.get(outer);
  if (entry) notes.set(inner, entry);
}

export function noteTenant(request: Request | undefined, tenantId: string | undefined): void {
  if (!request || !tenantId) return;
  const entry = notes.get(request);
  if (entry) entry.tenantId ??= tenantId;
}

/** A GraphQL execution's operation name and the codes of the errors it answered (GraphQL errors are HTTP 200: the log line is where they show). */
export function noteOperation(request: Request | undefined, operation: string | undefined, errorCodes: readonly string[]): void {
  const entry = request && notes.get(request);
  if (!entry) return;
  if (operation) entry.operation ??= operation;
  if (errorCodes.length) entry.errorCodes = [...new Set([...(entry.errorCodes ?? []), ...errorCodes])].slice(0, 10);
}

/** The client address the server saw for a request (or the request it was made for). */
export const clientAddressOf = (request: Request | undefined): string | undefined => (request ? notes.get(request)?.clientAddress : undefined);

/** Where a request came from, for the audit trail: its id and the client's address when known. */
export function requestOrigin(request: Request | undefined): { requestId?: string; clientAddress?: string } {
  const entry = request && notes.get(request);
  return entry ? { requestId: entry.requestId, clientAddress: entry.clientAddress } : {};
}
