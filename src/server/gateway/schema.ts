/**
 * The etcd v3 messages as the JSON gateway sees them: a second load of proto/ that keeps the
 * .proto's own field names (the gRPC server's load camelCases them, which loses `peerURLs`
 * vs `peer_urls`), with bytes as base64 and int64 as strings on the way out. Loaded once, on
 * the first gateway request, so members that never serve JSON never pay for it.
 */
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition, PackageDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { assert } from '../../base/assert.js';

const protoRoot = fileURLToPath(new URL('../../../proto/', import.meta.url));

/** A field as protobufjs's descriptor.proto form carries it. */
export interface FieldDescriptor {
  readonly name: string;
  readonly jsonName: string;
  readonly type: string;
  readonly typeName: string;
  readonly repeated: boolean;
}

export interface MessageDescriptor {
  /** Fully qualified, without the leading dot: `etcdserverpb.RangeRequest`. */
  readonly fullName: string;
  readonly fields: readonly FieldDescriptor[];
}

export interface EnumDescriptor {
  readonly names: ReadonlySet<string>;
  readonly zero: string;
  has(name: string): boolean;
}

interface RawField {
  name: string;
  jsonName?: string;
  type: string;
  typeName: string;
  label: string;
}
interface RawMessage {
  name: string;
  field: RawField[];
  nestedType: RawMessage[];
  enumType: RawEnum[];
}
interface RawEnum {
  name: string;
  value: { name: string; number: number }[];
}

// The proto-loader boundary: method definitions are untyped there.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethod = MethodDefinition<any, any>;

export class Schema {
  private readonly messages = new Map<string, MessageDescriptor>();
  private readonly enums = new Map<string, EnumDescriptor>();

  constructor(private readonly definition: PackageDefinition) {
    for (const [name, entry] of Object.entries(definition)) {
      if (!('format' in entry)) continue;
      const prefix = name.slice(0, name.lastIndexOf('.'));
      const format = (entry as { format: string }).format;
      if (format.endsWith('EnumDescriptorProto')) {
        this.addEnum(prefix, entry.type as RawEnum);
      } else if (format.endsWith('DescriptorProto')) {
        this.addMessage(prefix, entry.type as RawMessage);
      }
    }
  }

  /** The method `service`.`method`, with original-name (de)serializers. */
  method(service: string, method: string): AnyMethod {
    const definition = this.definition[`${packageOf[service] ?? 'etcdserverpb'}.${service}`];
    assert(definition !== undefined && !('format' in definition), `no service ${service}`);
    const found = (definition as Record<string, AnyMethod>)[method];
    assert(found !== undefined, `no method ${service}.${method}`);
    return found;
  }

  message(fullName: string): MessageDescriptor {
    const found = this.messages.get(fullName);
    assert(found !== undefined, `no message ${fullName}`);
    return found;
  }

  /** Resolves a type name as protobuf does: innermost scope first, outward. */
  resolveMessage(scope: MessageDescriptor, typeName: string): MessageDescriptor {
    const found = this.resolve(this.messages, scope.fullName, typeName);
    assert(found !== undefined, `${scope.fullName}: unresolved type ${typeName}`);
    return found;
  }

  resolveEnum(scope: MessageDescriptor, typeName: string): EnumDescriptor {
    const found = this.resolve(this.enums, scope.fullName, typeName);
    assert(found !== undefined, `${scope.fullName}: unresolved enum ${typeName}`);
    return found;
  }

  private resolve<T>(table: Map<string, T>, scope: string, typeName: string): T | undefined {
    const name = typeName.replace(/^\./, '');
    for (
      let prefix = scope;
      prefix !== '';
      prefix = prefix.slice(0, Math.max(0, prefix.lastIndexOf('.')))
    ) {
      const found = table.get(`${prefix}.${name}`);
      if (found !== undefined) return found;
    }
    return table.get(name);
  }

  private addMessage(prefix: string, raw: RawMessage): void {
    const fullName = prefix === '' ? raw.name : `${prefix}.${raw.name}`;
    if (this.messages.has(fullName)) return;
    this.messages.set(fullName, {
      fullName,
      fields: raw.field.map((field) => ({
        name: field.name,
        jsonName:
          field.jsonName !== undefined && field.jsonName !== ''
            ? field.jsonName
            : field.name.replace(/_([a-z0-9])/g, (_match, c: string) => c.toUpperCase()),
        type: field.type,
        typeName: field.typeName,
        repeated: field.label === 'LABEL_REPEATED',
      })),
    });
    for (const nested of raw.nestedType) this.addMessage(fullName, nested);
    for (const nested of raw.enumType) this.addEnum(fullName, nested);
  }

  private addEnum(prefix: string, raw: RawEnum): void {
    const names = new Set(raw.value.map((value) => value.name));
    const zero = raw.value.find((value) => value.number === 0)?.name ?? '';
    this.enums.set(`${prefix}.${raw.name}`, { names, zero, has: (name) => names.has(name) });
  }
}

/** etcd's lock and election services live in their own packages. */
const packageOf: Readonly<Record<string, string>> = {
  Lock: 'v3lockpb',
  Election: 'v3electionpb',
};

let cached: Schema | undefined;

/** The schema, loaded on first use. */
export function gatewaySchema(): Schema {
  cached ??= new Schema(
    loadSync(['etcdserverpb/rpc.proto', 'v3lockpb/v3lock.proto', 'v3electionpb/v3election.proto'], {
      keepCase: true,
      longs: String,
      enums: String,
      bytes: String,
      defaults: false,
      arrays: false,
      oneofs: false,
      includeDirs: [protoRoot],
    }),
  );
  return cached;
}
