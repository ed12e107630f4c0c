/**
 * Who leads a cluster under test, asked of every member with Maintenance.Status (etcd's and
 * Concord's alike): the point from which it takes writes, and the way to aim load at the
 * leader or to tell afterwards whether an election happened during a figure.
 */
import { connect } from './node-gen/connection.js';

interface StatusResponse {
  readonly header: { readonly memberId: string };
  readonly leader: string;
  readonly raftTerm: string;
}

export interface Leadership {
  /** Index (into the endpoints asked) of the member every member names as leader. */
  readonly leader: number;
  readonly term: string;
}

const statusTimeoutMs = 2_000;
const retryMs = 100;

/** Asks each endpoint once; the leadership if they all agree, else why not. */
async function ask(endpoints: readonly string[]): Promise<Leadership | string> {
  const connections = endpoints.map((e) => connect(e));
  try {
    const statuses = await Promise.all(
      connections.map((c) => c.unary<StatusResponse>('Maintenance', 'Status', {}, statusTimeoutMs)),
    );
    const leaders = new Set(statuses.map((s) => s.leader));
    const terms = new Set(statuses.map((s) => s.raftTerm));
    const leader = statuses.findIndex((s) => s.header.memberId === statuses[0]!.leader);
    if (leaders.size === 1 && terms.size === 1 && leader !== -1 && statuses[0]!.leader !== '0')
      return { leader, term: statuses[0]!.raftTerm };
    return `leaders ${[...leaders].join(',')} in terms ${[...terms].join(',')}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    for (const c of connections) c.close();
  }
}

/**
 * Resolves once every member names the same leader in the same term; rejects after
 * `timeoutMs` with what was last seen. Each retry follows a full round of answers.
 */
export async function waitForLeader(
  endpoints: readonly string[],
  timeoutMs = 30_000,
): Promise<Leadership> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const answer = await ask(endpoints);
    if (typeof answer !== 'string') return answer;
    last = answer;
    // Not a synchronisation sleep: a pause between polls so an election can finish.
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
  throw new Error(`${endpoints.join(',')}: no agreed leader within ${timeoutMs} ms (${last})`);
}
