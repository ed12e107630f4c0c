import { ConcordError } from '../base/errors.js';
import type { StateMachineResponse } from '../mvcc/types.js';

type ResponseOf = {
  [K in StateMachineResponse['type']]: Extract<StateMachineResponse, { type: K }>['response'];
};

/** The response of the kind a request's type promises (anything else is a bug upstream). */
export function expect<T extends keyof ResponseOf>(
  response: StateMachineResponse,
  type: T,
): ResponseOf[T] {
  if (response.type !== type) {
    throw new ConcordError('InvalidArgument', `expected a ${type} response, got ${response.type}`);
  }
  return response.response as ResponseOf[T];
}
