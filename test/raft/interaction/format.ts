/**
 * Deterministic, readable descriptions of the core's data, in the shape etcd-io/raft's
 * Describe* functions print, e.g.
 * `1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "foo"]`.
 */
import { decodeConfChange } from '../../../src/raft/confchange-codec.js';
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  Ready,
  Snapshot,
} from '../../../src/raft/types.js';

const decoder = new TextDecoder();

export function describeBytes(data: Uint8Array): string {
  return JSON.stringify(decoder.decode(data));
}

export function describeEntry(e: Entry): string {
  if (e.type === 'ConfChange') {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} EntryConfChange ${cc.type} ${cc.nodeId}`;
  }
  return `${e.term}/${e.index} EntryNormal ${describeBytes(e.data)}`;
}

export function describeConfState(cs: ConfState): string {
  return `Voters:[${cs.voters.join(' ')}] Learners:[${cs.learners.join(' ')}]`;
}

export function describeSnapshot(s: Snapshot): string {
  const { index, term, confState } = s.metadata;
  return `Index:${index} Term:${term} ConfState:${describeConfState(confState)}`;
}

export function describeHardState(hs: HardState): string {
  return `HardState Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeMessage(m: Message): string {
  let out = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) out += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) out += ` Commit:${m.commit}`;
  if (m.transfer === true) out += ' Transfer';
  if (m.context !== undefined && m.context.length > 0) {
    out += ` Context:${describeBytes(m.context)}`;
  }
  if (m.entries.length === 1) {
    out += ` Entries:[${describeEntry(m.entries[0]!)}]`;
  } else if (m.entries.length > 1) {
    out += ' Entries:[' + m.entries.map((e) => `\n  ${describeEntry(e)}`).join('') + '\n]';
  }
  if (m.snapshot !== undefined) out += `\n  Snapshot: ${describeSnapshot(m.snapshot)}`;
  return out;
}

/** A Ready, section by section; sections that are empty are left out. */
export function describeReady(rd: Ready): string[] {
  const lines = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState) lines.push(`Lead:${rd.softState.lead} State:${rd.softState.state}`);
  if (rd.hardState) lines.push(describeHardState(rd.hardState));
  if (rd.readStates.length > 0) {
    lines.push('ReadStates:');
    for (const rs of rd.readStates) {
      lines.push(`Index:${rs.index} Context:${describeBytes(rs.context)}`);
    }
  }
  if (rd.entries.length > 0) lines.push('Entries:', ...rd.entries.map(describeEntry));
  if (rd.snapshot) lines.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) {
    lines.push('CommittedEntries:', ...rd.committedEntries.map(describeEntry));
  }
  if (rd.messages.length > 0) {
    lines.push('Messages:');
    for (const m of rd.messages) lines.push(...describeMessage(m).split('\n'));
  }
  return lines;
}
