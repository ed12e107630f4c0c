import { ConcordError } from '../base/errors.js';
import type { ConfChange, ConfChangeType } from './types.js';

const types: readonly ConfChangeType[] = ['AddNode', 'RemoveNode', 'AddLearnerNode', 'UpdateNode'];
const headerBytes = 1 + 8;

/** Encodes a ConfChange for the data of a 'ConfChange' entry: type byte, node ID, context. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const out = new Uint8Array(headerBytes + change.context.length);
  const view = new DataView(out.buffer);
  out[0] = types.indexOf(change.type);
  view.setBigUint64(1, change.nodeId);
  out.set(change.context, headerBytes);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < headerBytes || data[0]! >= types.length) {
    throw new ConcordError('Corrupt', `malformed conf change (${data.length} bytes)`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    type: types[data[0]!]!,
    nodeId: view.getBigUint64(1),
    context: data.slice(headerBytes),
  };
}
