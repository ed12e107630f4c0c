/**
 * etcd's JSON mapping of its protobuf messages, as its gRPC gateway (grpc-gateway v1 with
 * `OrigName: true`, `EmitDefaults: false`) reads and writes them:
 *
 * - field names as written in the .proto (`cluster_id`, `dbSize`, `ID`, `peerURLs`); on input
 *   the lowerCamelCase JSON name is accepted too (`countOnly`), as jsonpb accepts both;
 * - 64-bit integers as decimal strings (numbers accepted on input), bytes as base64, enums
 *   by name (numbers accepted on input);
 * - fields at their proto3 default (0, "", false, empty bytes and lists, an enum's zero
 *   value) are left out, so a PUT event has no "type" and a first watch has no "watch_id".
 *
 * The codec works on the descriptors of a second load of the .proto files that keeps the
 * original field names (./schema.ts); the objects it produces and takes are those that load's
 * method serializers use, so the gateway's bytes are exactly the wire's.
 */
import { ConcordError } from '../../base/errors.js';
import type { FieldDescriptor, MessageDescriptor, Schema } from './schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ProtoObject = Record<string, unknown>;

const int64Pattern = /^-?[0-9]+$/;
const base64Pattern = /^[A-Za-z0-9+/_-]*={0,2}$/;

export class JsonCodec {
  constructor(private readonly schema: Schema) {}

  /** A JSON request body (already parsed) as an object the original-name serializer takes. */
  decode(typeName: string, json: unknown): ProtoObject {
    return this.decodeMessage(this.schema.message(typeName), json, typeName);
  }

  /** A message decoded by the original-name deserializer, as etcd's gateway writes it. */
  encode(typeName: string, message: ProtoObject): Record<string, Json> {
    return this.encodeMessage(this.schema.message(typeName), message);
  }

  private decodeMessage(type: MessageDescriptor, json: unknown, where: string): ProtoObject {
    if (json === null) return {};
    if (typeof json !== 'object' || Array.isArray(json)) {
      throw invalid(`json: cannot unmarshal ${jsonKind(json)} into Go value of type ${where}`);
    }
    const input = json as Record<string, unknown>;
    const out: ProtoObject = {};
    for (const field of type.fields) {
      const value = input[field.name] ?? input[field.jsonName];
      if (value === undefined || value === null) continue;
      if (field.repeated) {
        if (!Array.isArray(value)) {
          throw invalid(`json: cannot unmarshal ${jsonKind(value)} into field ${field.name}`);
        }
        out[field.name] = value.map((item) => this.decodeValue(type, field, item));
      } else {
        out[field.name] = this.decodeValue(type, field, value);
      }
    }
    return out;
  }

  private decodeValue(scope: MessageDescriptor, field: FieldDescriptor, value: unknown): unknown {
    const mismatch = (): ConcordError =>
      invalid(`json: cannot unmarshal ${jsonKind(value)} into field ${field.name} (${field.type})`);
    switch (field.type) {
      case 'TYPE_MESSAGE':
        return this.decodeMessage(
          this.schema.resolveMessage(scope, field.typeName),
          value,
          field.name,
        );
      case 'TYPE_BYTES':
        if (typeof value !== 'string') {
          throw invalid(`json: cannot unmarshal ${jsonKind(value)} into Go value of type []uint8`);
        }
        if (!base64Pattern.test(value)) throw invalid(`illegal base64 data in ${field.name}`);
        return Buffer.from(value, 'base64');
      case 'TYPE_INT64':
      case 'TYPE_UINT64':
      case 'TYPE_SINT64':
      case 'TYPE_FIXED64':
      case 'TYPE_SFIXED64': {
        const text = typeof value === 'number' ? String(value) : value;
        if (typeof text !== 'string' || !int64Pattern.test(text)) throw mismatch();
        const unsigned = field.type === 'TYPE_UINT64' || field.type === 'TYPE_FIXED64';
        const parsed = BigInt(text);
        const [min, max] = unsigned ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
        if (parsed < min || parsed > max) throw mismatch();
        return text;
      }
      case 'TYPE_INT32':
      case 'TYPE_UINT32':
      case 'TYPE_SINT32':
      case 'TYPE_FIXED32':
      case 'TYPE_SFIXED32': {
        const number = typeof value === 'string' ? Number(value) : value;
        if (typeof number !== 'number' || !Number.isInteger(number)) throw mismatch();
        return number;
      }
      case 'TYPE_BOOL':
        if (typeof value !== 'boolean') throw mismatch();
        return value;
      case 'TYPE_STRING':
        if (typeof value !== 'string') throw mismatch();
        return value;
      case 'TYPE_DOUBLE':
      case 'TYPE_FLOAT':
        if (typeof value !== 'number') throw mismatch();
        return value;
      case 'TYPE_ENUM': {
        const values = this.schema.resolveEnum(scope, field.typeName);
        if (typeof value === 'number' && Number.isInteger(value)) return value;
        if (typeof value === 'string' && values.has(value)) return value;
        throw invalid(`unknown value ${JSON.stringify(value)} for enum ${field.typeName}`);
      }
      default:
        throw invalid(`field ${field.name}: type ${field.type} is not served by the gateway`);
    }
  }

  private encodeMessage(type: MessageDescriptor, message: ProtoObject): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const field of type.fields) {
      const value = message[field.name];
      if (value === undefined || value === null) continue;
      if (field.repeated) {
        const items = value as unknown[];
        if (items.length === 0) continue;
        out[field.name] = items.map((item) => this.encodeValue(type, field, item));
        continue;
      }
      if (field.type !== 'TYPE_MESSAGE' && this.isDefault(type, field, value)) continue;
      out[field.name] = this.encodeValue(type, field, value);
    }
    return out;
  }

  private encodeValue(scope: MessageDescriptor, field: FieldDescriptor, value: unknown): Json {
    if (field.type === 'TYPE_MESSAGE') {
      return this.encodeMessage(
        this.schema.resolveMessage(scope, field.typeName),
        value as ProtoObject,
      );
    }
    return value as Json;
  }

  private isDefault(scope: MessageDescriptor, field: FieldDescriptor, value: unknown): boolean {
    if (field.type === 'TYPE_ENUM') {
      return value === 0 || value === this.schema.resolveEnum(scope, field.typeName).zero;
    }
    return value === '0' || value === 0 || value === false || value === '';
  }
}

export function invalid(message: string): ConcordError {
  return new ConcordError('InvalidArgument', message);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}
