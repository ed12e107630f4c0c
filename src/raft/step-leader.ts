import type { Raft, StepResult } from './raft.js';
import type { Entry, Message } from './types.js';
import { None } from './types.js';

/** How a leader handles a message (etcd-io/raft's stepLeader). */
export function stepLeader(r: Raft, m: Message): StepResult {
  switch (m.type) {
    case 'MsgBeat':
      r.bcastHeartbeat(r.readOnly.lastPendingContext());
      return 'ok';
    case 'MsgCheckQuorum':
      checkQuorum(r);
      return 'ok';
    case 'MsgProp':
      return propose(r, m);
    case 'MsgReadIndex':
      return readIndex(r, m);
    case 'MsgTransferLeader':
      transferLeader(r, m);
      return 'ok';
    default:
      break;
  }

  // Everything else comes from a member whose progress we track.
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return 'ok';
  switch (m.type) {
    case 'MsgAppResp':
      pr.recentActive = true;
      if (m.reject) handleAppendRejection(r, m);
      else handleAppendAck(r, m);
      return 'ok';
    case 'MsgHeartbeatResp':
      handleHeartbeatResponse(r, m);
      return 'ok';
    case 'MsgSnapStatus':
      if (pr.state !== 'Snapshot') return 'ok';
      if (m.reject) pr.pendingSnapshot = 0; // failed: probe from match instead
      pr.becomeProbe();
      // Wait for a heartbeat response before probing, so a failing peer is not flooded.
      pr.msgAppFlowPaused = true;
      return 'ok';
    case 'MsgUnreachable':
      // The peer may have dropped MsgApps: stop streaming and probe.
      if (pr.state === 'Replicate') pr.becomeProbe();
      return 'ok';
    default:
      return 'ok';
  }
}

function checkQuorum(r: Raft): void {
  const active = r.tracker.quorumActive(r.id);
  for (const [id, pr] of r.tracker.progress) {
    if (id !== r.id) pr.recentActive = false;
  }
  // Without a quorum heard from within an election timeout, another leader may exist.
  if (!active) r.becomeFollower(r.term, None);
}

function propose(r: Raft, m: Message): StepResult {
  if (m.entries.length === 0) return 'dropped';
  if (!r.tracker.isMember(r.id)) return 'dropped'; // removed: must not lead
  if (r.leadTransferee !== None) return 'dropped'; // handing over: the new leader takes it
  let entries: readonly Entry[] = m.entries;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]!.type !== 'ConfChange') continue;
    if (r.pendingConfIndex > r.log.applied) {
      // One change at a time: the previous one is not applied yet. A lone change is refused
      // (the proposer learns it at once and may retry); in a batch, its slot becomes a no-op
      // so the other entries still go in.
      if (entries.length === 1) return 'dropped';
      const copy = entries.slice();
      copy[i] = { term: 0, index: 0, type: 'Normal', data: new Uint8Array() };
      entries = copy;
    } else {
      r.pendingConfIndex = r.log.lastIndex() + i + 1;
    }
  }
  if (!r.appendEntries(entries)) return 'dropped';
  r.bcastAppend();
  return 'ok';
}

function readIndex(r: Raft, m: Message): StepResult {
  if (r.tracker.voters.length === 1 && r.tracker.isVoter(r.id)) {
    // A single voter is the quorum: its commit index is current by definition.
    respondToReadIndex(r, m, r.log.committed);
    return 'ok';
  }
  if (!r.committedEntryInCurrentTerm()) {
    // A new leader does not know the commit index until its own no-op commits
    // (dissertation 6.4 step 1); hold the request until then.
    if (r.pendingReadIndexMessages.length >= 4096) return 'dropped';
    r.pendingReadIndexMessages.push(m);
    return 'ok';
  }
  if (!r.readOnly.addRequest(r.log.committed, m)) return 'dropped';
  // Confirm leadership with a round of heartbeats carrying the request's context.
  r.readOnly.recvAck(r.id, m.context);
  r.bcastHeartbeat(m.context);
  return 'ok';
}

export function respondToReadIndex(r: Raft, m: Message, index: number): void {
  const context = m.context ?? new Uint8Array();
  if (m.from === None || m.from === r.id) {
    r.readStates.push({ index, context });
  } else {
    r.send({ type: 'MsgReadIndexResp', to: m.from, index, context });
  }
}

function transferLeader(r: Raft, m: Message): void {
  const transferee = m.from;
  const pr = r.tracker.progress.get(transferee);
  if (pr === undefined || pr.isLearner) return; // only a voter can lead
  if (r.leadTransferee !== None) {
    if (r.leadTransferee === transferee) return; // already under way
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return; // already leader
  // The transfer must finish within an election timeout, or it is abandoned.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.log.lastIndex()) r.sendTimeoutNow(transferee);
  else r.sendAppend(transferee); // catch it up first
}

function handleAppendRejection(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from)!;
  // Fast backtracking: the follower said its log matches at most at rejectHint, with the
  // term logTerm there; skip every entry of ours that cannot match either.
  let nextProbeIndex = m.rejectHint;
  if (m.logTerm > 0) nextProbeIndex = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
  if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
    if (pr.state === 'Replicate') pr.becomeProbe();
    r.sendAppend(m.from);
  }
}

function handleAppendAck(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from)!;
  const oldPaused = pr.isPaused();
  if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'Probe')) {
    if (pr.state === 'Probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'Snapshot' && pr.match + 1 >= r.log.firstIndex()) {
      // The snapshot is applied and the log from there is still here: stream again.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'Replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (r.maybeCommit()) {
      r.bcastAppend();
    } else if (oldPaused) {
      r.sendAppend(m.from); // it was waiting: send what it missed
    }
    // Stream as much as the window allows.
    while (r.maybeSendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
      r.sendTimeoutNow(m.from);
    }
  }
}

function handleHeartbeatResponse(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from)!;
  pr.recentActive = true;
  pr.msgAppFlowPaused = false;
  // If every MsgApp in the window was lost, free a slot so the follower can recover.
  if (pr.state === 'Replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex() || pr.state === 'Probe') r.sendAppend(m.from);

  if (m.context === undefined || m.context.length === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined) return;
  let granted = 0;
  for (const id of r.tracker.voters) if (acks.has(id)) granted++;
  if (granted <= r.tracker.voters.length / 2) return;
  for (const status of r.readOnly.advance(m.context)) {
    respondToReadIndex(r, status.request, status.index);
  }
}
