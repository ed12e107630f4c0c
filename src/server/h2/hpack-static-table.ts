/**
 * The HPACK static table (RFC 7541 Appendix A): 61 fixed entries, addressed by indexes 1..61
 * in every header block. Index 0 is not an entry (Section 6.1: decoding it is an error).
 */

/** [name, value] by index - 1. */
// prettier-ignore
const entries: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** The number of static entries; dynamic indexes start right after (Section 2.3.3). */
export const staticTableLength = 61;

/**
 * Names and values as two flat arrays indexed by the HPACK index itself (slot 0 unused), so a
 * decoder's lookup is one array read, not a tuple and a subtraction.
 */
export const staticNames: readonly string[] = ['', ...entries.map(([name]) => name)];
export const staticValues: readonly string[] = ['', ...entries.map(([, value]) => value)];

/** For the encoder: a name's lowest static index, and the index of each exact name+value. */
export interface StaticMatch {
  readonly nameIndex: number;
  readonly valueIndexes: ReadonlyMap<string, number>;
}

export const staticMatches: ReadonlyMap<string, StaticMatch> = buildMatches();

function buildMatches(): Map<string, StaticMatch> {
  const matches = new Map<string, { nameIndex: number; valueIndexes: Map<string, number> }>();
  entries.forEach(([name, value], at) => {
    const index = at + 1;
    let match = matches.get(name);
    if (match === undefined) {
      match = { nameIndex: index, valueIndexes: new Map() };
      matches.set(name, match);
    }
    // An empty static value is a placeholder for "name only", not a value a sender means;
    // still, an exact empty value may use it, as RFC 7541 allows any exact match.
    if (!match.valueIndexes.has(value)) match.valueIndexes.set(value, index);
  });
  return matches;
}
