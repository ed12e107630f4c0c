/**
 * Peer URLs of MemberAdd and MemberUpdate, checked as etcd's types.NewURLs checks them: at
 * least one; http and https URLs are exactly `scheme://host:port` (no path); unix and unixs
 * URLs are taken as given. The result is trimmed and sorted, as etcd stores them.
 *
 * Deliberate differences: the port must be digits and nothing may follow it (Go's parser
 * accepts "host:" with an empty port, or a query, neither of which a peer dials), and
 * MemberUpdate is checked too (etcd's cluster server
 * passes its URLs through unchecked, so a typo would reach every member's transport).
 */
import { ConcordError } from '../../base/errors.js';

const httpUrl = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+):\d{1,5}$/;
const unixUrl = /^unixs?:\/\/\S+$/;

export function checkPeerUrls(peerUrls: readonly string[]): readonly string[] {
  if (peerUrls.length === 0) throw new ConcordError('MemberBadUrls');
  const checked = peerUrls.map((url) => url.trim());
  for (const url of checked) {
    if (!httpUrl.test(url) && !unixUrl.test(url)) throw new ConcordError('MemberBadUrls');
  }
  return checked.sort();
}
