import type { NodeId } from '../raft/types.js';
import { Transport, type TransportOptions } from '../transport/transport.js';
import type { MemberInfo } from './applier.js';

/**
 * Keeps the transport's peer list equal to the member list: a member added (or whose peer
 * URLs changed) is dialed, a removed one is dropped.
 */
export class Peers {
  private constructor(
    readonly transport: Transport,
    private readonly selfId: NodeId,
  ) {}

  static async start(options: TransportOptions): Promise<Peers> {
    return new Peers(await Transport.listen(options), options.selfId);
  }

  sync(members: Iterable<MemberInfo>): void {
    const wanted = new Map<NodeId, readonly string[]>();
    for (const member of members) {
      if (member.id !== this.selfId && member.peerUrls.length > 0)
        wanted.set(member.id, member.peerUrls);
    }
    for (const id of this.transport.peers()) if (!wanted.has(id)) this.transport.removePeer(id);
    for (const [id, urls] of wanted) this.transport.addPeer(id, urls);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
