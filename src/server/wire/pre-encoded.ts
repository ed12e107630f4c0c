/**
 * A response whose protobuf bytes a service built itself. The proto loader's serializer
 * (../proto.ts) writes them as they are instead of running protobufjs (fromObject, then
 * encode) on a plain object: the Watch service encodes each event once however many watchers
 * it goes to (./watch-encoder.ts), which protobufjs, encoding per response, cannot.
 */
export const preEncodedBytes = Symbol('preEncodedBytes');

export interface PreEncoded {
  readonly [preEncodedBytes]: Buffer;
}

export function preEncoded(bytes: Buffer): PreEncoded {
  return { [preEncodedBytes]: bytes };
}

/** The bytes of a pre-encoded response, or undefined for a plain message object. */
export function preEncodedOf(message: unknown): Buffer | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  return (message as Partial<PreEncoded>)[preEncodedBytes];
}
