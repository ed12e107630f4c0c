/**
 * The wire's TypeScript shapes, as @grpc/proto-loader hands them over and takes them back with
 * the options in ../proto.ts: camelCase field names, 64-bit integers as decimal strings (exact,
 * never a lossy number), bytes as Buffer, enums as their names (or the raw number when a peer
 * sends a value this proto does not know), every scalar filled with its default on input.
 *
 * Inbound shapes (`In`) describe what the decoder produces; outbound shapes (`Out`) what the
 * encoder accepts, where absent fields mean the proto3 default.
 */

/** A 64-bit integer in decimal, e.g. "-9223372036854775808". */
export type Int64Text = string;

/** An enum as decoded: its name, or the number when the value is unknown to our .proto. */
export type WireEnum<Name extends string> = Name | number;

export interface WireResponseHeader {
  readonly clusterId: Int64Text;
  readonly memberId: Int64Text;
  readonly revision: Int64Text;
  readonly raftTerm: Int64Text;
}

export interface WireKeyValue {
  readonly key: Uint8Array;
  readonly createRevision?: Int64Text;
  readonly modRevision?: Int64Text;
  readonly version?: Int64Text;
  readonly value?: Uint8Array;
  readonly lease?: Int64Text;
}

export interface WireEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: WireKeyValue;
  readonly prevKv?: WireKeyValue;
}
