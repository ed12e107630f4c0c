/**
 * Keys and values travel through the gateway as base64 (etcd's JSON mapping of bytes). The
 * dashboard shows them as UTF-8 text when they are, and as hex otherwise.
 */
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string | undefined): Uint8Array {
  const binary = atob(text ?? '');
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Text as the gateway's base64. */
export function b64(text: string): string {
  return toBase64(encoder.encode(text));
}

/** The gateway's base64 as text (hex, marked, when it is not UTF-8). */
export function text(base64: string | undefined): string {
  const bytes = fromBase64(base64);
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return `0x${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}

/** The range end that selects every key starting with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): string {
  const bytes = encoder.encode(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i] = (end[i] as number) + 1;
      return toBase64(end);
    }
  }
  // Empty (or all 0xff): "\0" means every key from `key` on.
  return 'AA==';
}

/** The range request for every key under `prefix` (all keys when it is empty). */
export function prefixRange(prefix: string): { key: string; range_end: string } {
  return { key: prefix === '' ? 'AA==' : b64(prefix), range_end: prefixEnd(prefix) };
}

/** A member ID (decimal string on the wire) as etcdctl prints it: `%x`, no padding. */
export function hexId(id: string | undefined): string {
  return id === undefined || id === '' ? '0' : BigInt(id).toString(16);
}

/** A lease ID as etcdctl prints it (`%016x`), so it can be found by what `lease grant` said. */
export function leaseHex(id: string | undefined): string {
  return hexId(id).padStart(16, '0');
}

export function humanBytes(value: string | number | undefined): string {
  let n = Number(value ?? 0);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}
