/**
 * Methods Concord does not serve yet answer UNIMPLEMENTED with the message grpc-go's generated
 * stubs give ("method X not implemented"), which is what an etcd built without the method says.
 */
import { Metadata, status } from '@grpc/grpc-js';
import type { StatusObject, UntypedHandleCall } from '@grpc/grpc-js';

interface AnyCall {
  emit(event: 'error', status: StatusObject): boolean;
}

/** Unary and client-streaming calls answer through the callback; streaming ones by 'error'. */
export function unimplemented(method: string): UntypedHandleCall {
  return (call: AnyCall, callback?: (error: StatusObject) => void): void => {
    const error: StatusObject = {
      code: status.UNIMPLEMENTED,
      details: `method ${method} not implemented`,
      metadata: new Metadata(),
    };
    if (callback === undefined) call.emit('error', error);
    else callback(error);
  };
}

/** Every method of a service, unimplemented. */
export function unimplementedService(
  methods: readonly string[],
): Record<string, UntypedHandleCall> {
  return Object.fromEntries(methods.map((method) => [method, unimplemented(method)]));
}
