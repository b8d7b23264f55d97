/**
 * The gateway's one error taxonomy. Services throw these; the GraphQL layer turns
 * them into `extensions.code` (plus details) and REST dialects map codes to statuses.
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'PRECONDITION_FAILED' | 'INTERNAL';

/**
 * The one map from the taxonomy to HTTP. GraphQL answers carry it in `extensions.http` for
 * transport-level errors (credentials, limits, bad requests); REST dialects answer every
 * error with it, unless their legacy document defines another status for that case.
 */
export const httpStatusByCode: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

export type Violation = { field: string; rule: string; message: string };

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** Response headers this error brings (Retry-After and the RateLimit headers of a refusal). */
  get headers(): Record<string, string> {
    return {};
  }
}

export class InvalidInputError extends DomainError {
  constructor(readonly violations: Violation[]) {
    super('BAD_USER_INPUT', violations.map((violation) => violation.message).join('; '), {
      field: violations[0]?.field,
      violations,
    });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>"') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('FORBIDDEN', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NOT_FOUND', message, details);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

/**
 * Whether a failure is the caller leaving: the abort of the request's signal itself, an
 * AbortError, or its body's socket closed mid-read (Node's "aborted", ECONNRESET). Expected, so logged at debug without a stack.
 */
export function isClientGone(error: unknown, signal?: AbortSignal): boolean {
  // The failure must be the abort itself: a real error after the caller left stays an error.
  if (signal?.aborted && error === signal.reason) return true;
  const failure = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (!failure || typeof failure !== 'object') return false;
  return failure.name === 'AbortError' || failure.code === 'ABORT_ERR' || (failure.code === 'ECONNRESET' && failure.message === 'aborted');
}
