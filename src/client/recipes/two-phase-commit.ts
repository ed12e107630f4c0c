/**
 * A two-phase commit coordinator: change several external stores (databases, object stores,
 * other services) all or none, with the decision kept in Concord so that a coordinator that
 * crashes half way does not leave the stores divided.
 *
 * Per transaction, under `<prefix>`:
 * - `tx/<id>`: the record, JSON `{ participants, decision }` with decision 'pending',
 *   'commit' or 'abort'. It outlives any coordinator.
 * - `owner/<id>`: the coordinator in charge, attached to its session's lease. It goes when
 *   that coordinator dies.
 *
 * run(): write the record (pending) and the owner key; ask every participant to prepare;
 * record the decision with a Txn that succeeds only while this coordinator still owns the
 * transaction and nobody decided; then tell every participant to commit (or abort) and delete
 * the record. The decision in Concord is the commit point: once 'commit' is recorded the
 * transaction will commit, whoever finishes it.
 *
 * recover(): for every record whose owner key is gone (the coordinator died), take it over
 * (a Txn creates the owner key under this coordinator's lease, so only one recoverer does),
 * decide 'abort' if it was still pending (no participant can have committed), and finish it:
 * commit or abort at every participant, then delete the record.
 *
 * Participants must make prepare durable, and commit and abort idempotent (each may be
 * called again by a recovering coordinator); abort must accept a transaction it never
 * prepared.
 *
 * @example
 * const session = await Session.create(client, { ttl: 10 });
 * const coordinator = new TwoPhaseCommit(session, [ledgerA, ledgerB]);
 * await coordinator.recover(); // finish what crashed coordinators left
 * const outcome = await coordinator.run('transfer-42', {
 *   'ledger-a': { account: 'alice', delta: -10 },
 *   'ledger-b': { account: 'bob', delta: +10 },
 * }); // 'commit' or 'abort'
 */
import type { CallOptions } from '../connection.js';
import { compare, op } from '../ops.js';
import type { Session } from './session.js';

/** An external store taking part in transactions. */
export interface Participant<Change = unknown> {
  /** Unique among the coordinator's participants; stored in the record. */
  readonly name: string;
  /**
   * Makes `change` durable without applying it, and votes: true (it can commit) or false.
   * Throwing counts as false.
   */
  prepare(txId: string, change: Change): Promise<boolean>;
  /** Applies what was prepared for `txId`. Idempotent. */
  commit(txId: string): Promise<void>;
  /** Forgets what was prepared for `txId` (if anything). Idempotent. */
  abort(txId: string): Promise<void>;
}

export type Decision = 'commit' | 'abort';

interface TxRecord {
  readonly participants: readonly string[];
  readonly decision: 'pending' | Decision;
}

export interface RunOptions extends CallOptions {
  /**
   * Called once the decision is recorded, before any participant hears it (for tests and
   * tracing: a crash here is the case recovery exists for).
   */
  readonly onDecided?: (decision: Decision) => Promise<void> | void;
}

export class TransactionExistsError extends Error {
  override readonly name = 'TransactionExistsError';
}

export class TwoPhaseCommit {
  private readonly participants: ReadonlyMap<string, Participant>;

  constructor(
    readonly session: Session,
    participants: readonly Participant[],
    /** Where records and owner keys live (default `2pc/`). */
    readonly prefix = '2pc/',
  ) {
    this.participants = new Map(participants.map((p) => [p.name, p]));
  }

  /** Runs one transaction: `changes` maps participant names to what each should apply. */
  async run(
    txId: string,
    changes: Readonly<Record<string, unknown>>,
    options: RunOptions = {},
  ): Promise<Decision> {
    const { onDecided, ...call } = options;
    const names = Object.keys(changes);
    for (const name of names) this.participant(name);
    const client = this.session.client;
    const record: TxRecord = { participants: names, decision: 'pending' };
    const begun = await client
      .txn()
      .if(compare.createRevision(this.recordKey(txId), '=', 0))
      .then(
        op.put(this.recordKey(txId), JSON.stringify(record)),
        op.put(this.ownerKey(txId), this.session.id.toString(16), { lease: this.session.id }),
      )
      .commit(call);
    if (!begun.succeeded) throw new TransactionExistsError(`transaction ${txId} exists`);

    const votes = await Promise.all(
      names.map((name) =>
        this.participant(name)
          .prepare(txId, changes[name])
          .catch(() => false),
      ),
    );
    const wanted: Decision = votes.every((vote) => vote) ? 'commit' : 'abort';
    // The commit point: only while we own the transaction and nobody decided for us.
    const decided = await client
      .txn()
      .if(
        compare.modRevision(this.recordKey(txId), '=', begun.revision),
        compare.createRevision(this.ownerKey(txId), '=', begun.revision),
      )
      .then(op.put(this.recordKey(txId), JSON.stringify({ ...record, decision: wanted })))
      .else(op.get(this.recordKey(txId)))
      .commit(call);
    let decision = wanted;
    if (!decided.succeeded) {
      // We lost the transaction (our session lapsed and a recoverer decided): follow it.
      const [current] = decided.results;
      const kv = current?.type === 'get' ? current.kvs[0] : undefined;
      const theirs = kv === undefined ? undefined : (JSON.parse(kv.value.toString()) as TxRecord);
      decision = theirs?.decision === 'commit' ? 'commit' : 'abort';
    }
    await onDecided?.(decision);
    await this.finish(txId, names, decision, call);
    return decision;
  }

  /**
   * Finishes every transaction whose coordinator is gone; resolves what was done. Call it at
   * startup and now and then (a coordinator's death is noticed when its lease expires).
   */
  async recover(options: CallOptions = {}): Promise<{ txId: string; decision: Decision }[]> {
    const client = this.session.client;
    const records = await client.range(`${this.prefix}tx/`, { prefix: true, ...options });
    const done: { txId: string; decision: Decision }[] = [];
    for (const kv of records.kvs) {
      const txId = kv.key.toString().slice(`${this.prefix}tx/`.length);
      const record = JSON.parse(kv.value.toString()) as TxRecord;
      const decision: Decision = record.decision === 'commit' ? 'commit' : 'abort';
      // Take it over only if its owner is gone and the record is as we read it; a pending
      // transaction is aborted in the same Txn.
      const taken = await client
        .txn()
        .if(
          compare.createRevision(this.ownerKey(txId), '=', 0),
          compare.modRevision(kv.key, '=', kv.modRevision),
        )
        .then(
          op.put(this.ownerKey(txId), this.session.id.toString(16), { lease: this.session.id }),
          op.put(kv.key, JSON.stringify({ ...record, decision })),
        )
        .commit(options);
      if (!taken.succeeded) continue;
      await this.finish(txId, record.participants, decision, options);
      done.push({ txId, decision });
    }
    return done;
  }

  /** Tells every participant the decision, then forgets the transaction. */
  private async finish(
    txId: string,
    names: readonly string[],
    decision: Decision,
    options: CallOptions,
  ): Promise<void> {
    await Promise.all(
      names.map((name) => {
        const participant = this.participant(name);
        return decision === 'commit' ? participant.commit(txId) : participant.abort(txId);
      }),
    );
    await this.session.client
      .txn()
      .then(op.delete(this.recordKey(txId)), op.delete(this.ownerKey(txId)))
      .commit(options);
  }

  private participant(name: string): Participant {
    const participant = this.participants.get(name);
    if (participant === undefined) throw new RangeError(`2pc: unknown participant ${name}`);
    return participant;
  }

  private recordKey(txId: string): string {
    return `${this.prefix}tx/${txId}`;
  }

  private ownerKey(txId: string): string {
    return `${this.prefix}owner/${txId}`;
  }
}
