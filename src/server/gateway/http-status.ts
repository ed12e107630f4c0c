/**
 * How the gateway reports a gRPC status over HTTP, as grpc-gateway v1 (etcd 3.4/3.5) does:
 * the HTTP status from the gRPC code (its HTTPStatusFromCode table), and the body
 * `{"error": details, "message": details, "code": N}` for a unary call; a stream that fails
 * after it started writes one last line `{"error": {...}}` instead.
 */
import { status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';

const httpStatusByCode: Readonly<Record<number, number>> = {
  [status.OK]: 200,
  [status.CANCELLED]: 408,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 412,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

const httpReason: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function httpStatusOf(code: number): number {
  return httpStatusByCode[code] ?? 500;
}

/** The body of a failed unary call. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly code: number;
}

export function errorBody(failure: Pick<StatusObject, 'code' | 'details'>): ErrorBody {
  return { error: failure.details, message: failure.details, code: failure.code };
}

/** The last line of a stream that failed (grpc-gateway v1's streamError). */
export function streamErrorLine(failure: Pick<StatusObject, 'code' | 'details'>): object {
  const http = httpStatusOf(failure.code);
  return {
    error: {
      grpc_code: failure.code,
      http_code: http,
      message: failure.details,
      http_status: httpReason[http] ?? '',
    },
  };
}
