/** Keys as strings whose code units order like the bytes, and etcd's range rule. */
export function keyText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

export function textKey(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** Empty rangeEnd: just `key`. "\0": every key >= key. Otherwise [key, rangeEnd). */
export function inRange(key: string, from: Uint8Array, rangeEnd: Uint8Array | undefined): boolean {
  const start = keyText(from);
  if (rangeEnd === undefined || rangeEnd.length === 0) return key === start;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return key >= start;
  return key >= start && key < keyText(rangeEnd);
}
