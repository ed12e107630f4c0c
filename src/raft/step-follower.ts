import type { Raft, StepResult } from './raft.js';
import type { Message } from './types.js';
import { None } from './types.js';

/** How a follower handles a message (etcd-io/raft's stepFollower). */
export function stepFollower(r: Raft, m: Message): StepResult {
  switch (m.type) {
    case 'MsgProp':
      if (r.lead === None || r.config.disableProposalForwarding) return 'dropped';
      r.send({ ...m, to: r.lead, term: 0 });
      return 'ok';
    case 'MsgApp':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return 'ok';
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return 'ok';
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return 'ok';
    case 'MsgTransferLeader':
      if (r.lead === None) return 'dropped';
      // Keep `from`: it names the transferee, not the forwarder.
      r.messages.push({ ...m, to: r.lead, term: 0 });
      return 'ok';
    case 'MsgTimeoutNow':
      // The leader handed over: campaign at once, without pre-vote, ignoring leases.
      r.hup('Transfer');
      return 'ok';
    case 'MsgReadIndex':
      if (r.lead === None) return 'dropped';
      r.send({ ...m, to: r.lead, term: 0 });
      return 'ok';
    case 'MsgReadIndexResp':
      r.readStates.push({ index: m.index, context: m.context ?? new Uint8Array() });
      return 'ok';
    default:
      return 'ok';
  }
}

/** How a candidate or pre-candidate handles a message (etcd-io/raft's stepCandidate). */
export function stepCandidate(r: Raft, m: Message): StepResult {
  // Only responses to our own kind of vote count: a pre-candidate ignores MsgVoteResp.
  const voteResponse = r.state === 'PreCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgProp':
    case 'MsgReadIndex':
      return 'dropped'; // no leader to take it
    case 'MsgApp':
      r.becomeFollower(m.term, m.from); // a leader of this term exists
      handleAppendEntries(r, m);
      return 'ok';
    case 'MsgHeartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return 'ok';
    case 'MsgSnap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return 'ok';
    case voteResponse: {
      const result = r.poll(m.from, !m.reject);
      if (result === 'Won') {
        if (r.state === 'PreCandidate') {
          r.campaign('Election');
        } else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (result === 'Lost') {
        // A pre-vote loss may carry a higher term, already handled by becomeFollower in step.
        r.becomeFollower(r.term, None);
      }
      return 'ok';
    }
    default:
      return 'ok';
  }
}

function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    // Everything up to our commit index matches the leader's by definition.
    r.send({ type: 'MsgAppResp', to: m.from, index: r.log.committed });
    return;
  }
  const lastNewIndex = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNewIndex !== undefined) {
    r.send({ type: 'MsgAppResp', to: m.from, index: lastNewIndex });
    return;
  }
  // Reject, with a hint so the leader can skip a whole term of mismatching entries at once
  // (rather than one index per round trip): our last index <= m.index whose term is <=
  // m.logTerm.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({
    type: 'MsgAppResp',
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(m.commit);
  r.send({ type: 'MsgHeartbeatResp', to: m.from, context: m.context });
}

function handleSnapshot(r: Raft, m: Message): void {
  if (r.restore(m)) {
    r.send({ type: 'MsgAppResp', to: m.from, index: r.log.lastIndex() });
  } else {
    r.send({ type: 'MsgAppResp', to: m.from, index: r.log.committed });
  }
}
