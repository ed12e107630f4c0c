/**
 * What Debian's etcdctl 3.4.23 (grpc-go) sent on the connection it opened for
 * `etcdctl --endpoints=http://127.0.0.1:38517 endpoint status`: the preface, SETTINGS,
 * SETTINGS ACK, one HEADERS frame (the Maintenance/Status request, :authority Huffman-coded as
 * "http://127.0.0.1:38517"), one DATA frame (the empty request message), SETTINGS ACK.
 * Captured with a TCP proxy in front of Concord.
 */
export const etcdctlStatusConnection = Buffer.from(
  [
    '505249202a20485454502f322e300d0a0d0a534d0d0a0d0a',
    '000000040000000000',
    '000000040100000000',
    '0000770104000000018386459760a924882d9dcb6571afa066a925a87510ac6e48d36a3f41909d29aee30c',
    '044eae05c0b86e32f361775f8b1d75d0620d263d4c4d65647a8b9acac8b4c7602bb2caecff40027465864d',
    '833505b11f40899acac8b24d494f6a7f8613efbacb4e5b408d25062d495875996ee5b1063d5f03332e34',
    '0000050001000000010000000000',
    '000000040100000000',
  ].join(''),
  'hex',
);

/** The :authority value inside it: literal with incremental indexing, name index 1, Huffman. */
export const capturedAuthority = {
  /** 0x41 (literal, incremental indexing, name index 1), then 0x90 (Huffman, 16 octets). */
  representation: Buffer.from('4190', 'hex'),
  value: Buffer.from('9d29aee30c044eae05c0b86e32f36177', 'hex'),
  text: 'http://127.0.0.1:38517',
  rewritten: 'httpx--127.0.0.1:38517',
};
