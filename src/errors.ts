import { GraphQLError } from 'graphql';

/** Every error code a client can see in `extensions.code`. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  /** The database did not answer in time (or at all): nothing was answered, retry shortly. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** Over a depth, alias, directive, token or cost limit: refused before anything runs. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The response would be larger than the caller's ceiling: ask for less. */
  RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable: ${String(value)}`);
}

/** The HTTP status that goes with a code when the error aborts the whole request. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.BAD_USER_INPUT:
      return 400;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.SERVICE_UNAVAILABLE:
      return 503;
    case ErrorCode.QUERY_TOO_COMPLEX:
    case ErrorCode.RESPONSE_TOO_LARGE:
      return 400;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return 500;
    default:
      return assertUnreachable(code);
  }
}

/** Base class: a GraphQLError whose `extensions.code` is one of ErrorCode. */
export class PasserelleError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** The caller can fix it by changing its input; `field` names the argument path when known. */
export class BadUserInputError extends PasserelleError {
  constructor(message: string, field?: string) {
    super(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
  }
}

export class UnauthenticatedError extends PasserelleError {
  /** `details`: more extensions for the client (an expired key: `reason: 'EXPIRED'`, `expiredAt`). */
  constructor(message = 'Missing or invalid API key', details: Record<string, unknown> = {}) {
    super(ErrorCode.UNAUTHENTICATED, message, details);
  }
}

export class ForbiddenError extends PasserelleError {
  constructor(message = 'You may not do this') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export class NotFoundError extends PasserelleError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class ConflictError extends PasserelleError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE (the `Retry-After` header). */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * The database did not answer in time: a statement over its time limit, a lock not granted, a lost
 * connection, or the request's own deadline passed. Retriable (`extensions.retryable: true`,
 * `retryAfter` in seconds): nothing was answered, and the writes of a call either all committed or
 * none did (a retried upsert finds its offers UNCHANGED; a batchId replays). Inside GraphQL it makes
 * the response HTTP 503 with `Retry-After` (Apollo's `extensions.http`, removed from the response).
 */
export class ServiceUnavailableError extends PasserelleError {
  constructor(message = 'The database did not answer in time; retry shortly', originalError?: unknown) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, {
      retryable: true,
      retryAfter: SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
      http: { status: 503, headers: new Map([['retry-after', String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS)]]) },
    });
    if (originalError !== undefined) Object.defineProperty(this, 'cause', { value: originalError, enumerable: false });
  }
}
