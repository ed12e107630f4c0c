import { Prng } from '../../../src/base/prng.js';
import { applyChange } from '../../../src/raft/confchange.js';
import { decodeConfChange } from '../../../src/raft/confchange-codec.js';
import type { RaftConfig } from '../../../src/raft/config.js';
import { RawNode } from '../../../src/raft/raw-node.js';
import type { ConfState, Message } from '../../../src/raft/types.js';
import { describeConfState, describeEntry, describeMessage, describeReady } from './format.js';
import { HarnessStorage } from './harness-storage.js';
import { describeChange, describeProgressChange, observe } from './observe.js';
import { Output } from './output.js';

/** Settings shared by the nodes of one add-nodes command. */
export type NodeOptions = Omit<RaftConfig, 'id' | 'storage' | 'prng'>;

/**
 * A Prng whose draws are all 0, so a randomized election timeout is exactly electionTicks:
 * `tick-election` then always fires. Scripts that need another timeout set it explicitly.
 */
class FixedPrng extends Prng {
  constructor() {
    super(0);
  }

  override int(): number {
    return 0;
  }
}

export interface EnvNode {
  readonly id: number;
  readonly storage: HarnessStorage;
  readonly options: NodeOptions;
  /** Undefined while the node is crashed. */
  raw: RawNode | undefined;
  /** What the application has applied: the state a snapshot captures. */
  applied: number;
  confState: ConfState;
}

/**
 * The world of one script: nodes (real RawNodes over MemoryStorage), the messages in flight
 * between them, cut links, and the output. Every change to a node goes through `step`, so the
 * trace reports state changes as they happen.
 */
export class InteractionEnv {
  readonly output = new Output();
  readonly nodes: EnvNode[] = [];
  messages: Message[] = [];
  private readonly cutLinks = new Set<string>();
  /** Messages sent over a link that was cut at the time: they never arrive. */
  private readonly lost = new WeakSet<Message>();

  node(id: number): EnvNode {
    const node = this.nodes[id - 1];
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raw(id: number): RawNode {
    const raw = this.node(id).raw;
    if (raw === undefined) throw new Error(`node ${id} is down`);
    return raw;
  }

  addNode(options: NodeOptions, confState: ConfState, index: number): void {
    const id = this.nodes.length + 1;
    const node: EnvNode = {
      id,
      options,
      storage: new HarnessStorage(confState, () => node),
      raw: undefined,
      applied: index,
      confState,
    };
    if (index > 0) {
      node.storage.applySnapshot({
        metadata: { index, term: 1, confState },
        data: new Uint8Array(),
      });
    }
    this.nodes.push(node);
    this.start(node);
  }

  /** (Re)creates the node's RawNode from what its storage holds. */
  private start(node: EnvNode): void {
    const snapshot = node.storage.storedSnapshot().metadata;
    node.applied = snapshot.index;
    node.confState = snapshot.confState;
    const raw = new RawNode({
      ...node.options,
      id: BigInt(node.id),
      storage: node.storage,
      prng: new FixedPrng(),
    });
    node.raw = raw;
    const s = raw.status();
    this.output.info(
      `${node.id} started: Term:${s.term} Vote:${s.vote} Commit:${s.commit} Applied:${s.applied} ` +
        `LastIndex:${s.lastIndex} ${describeConfState(s.config)}`,
    );
  }

  /** The node stops: whatever it had not persisted (unstable entries, unsent messages) is lost. */
  crash(id: number): void {
    this.node(id).raw = undefined;
    this.output.info(`${id} crashed`);
  }

  restart(id: number): void {
    const node = this.node(id);
    if (node.raw !== undefined) this.crash(id);
    this.start(node);
  }

  /** Runs `fn` against node `id`, reporting the state changes it caused. */
  step(id: number, fn: (raw: RawNode) => void): void {
    const raw = this.raw(id);
    const before = observe(raw.raft);
    fn(raw);
    const after = observe(raw.raft);
    this.output.info(...describeChange(BigInt(id), before, after));
    this.output.debug(...describeProgressChange(BigInt(id), before, after));
  }

  /** One Ready: persist, send, apply, advance (DESIGN.md's order). */
  processReady(id: number): void {
    const node = this.node(id);
    const raw = this.raw(id);
    const rd = raw.ready();
    this.output.info(...describeReady(rd));
    if (rd.snapshot) {
      node.storage.applySnapshot(rd.snapshot);
      node.applied = rd.snapshot.metadata.index;
      node.confState = rd.snapshot.metadata.confState;
    }
    node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      if (this.isCut(m)) this.lost.add(m);
      this.messages.push(m);
    }
    for (const entry of rd.committedEntries) {
      node.applied = entry.index;
      if (entry.type !== 'ConfChange') continue;
      const change = decodeConfChange(entry.data);
      node.confState = applyChange(node.confState, change);
      this.step(id, (r) => {
        const cs = r.applyConfChange(change);
        this.output.info(`${id} applied ${describeEntry(entry)}: ${describeConfState(cs)}`);
      });
    }
    this.step(id, (r) => r.advance());
  }

  hasMessagesFor(id: number): boolean {
    return this.messages.some((m) => m.to === BigInt(id));
  }

  /** Delivers (or, with `drop`, discards) the queued messages to `id` that `match`. */
  deliver(id: number, options: { drop?: boolean; match?: (m: Message) => boolean } = {}): void {
    const to = BigInt(id);
    const selected: Message[] = [];
    const rest: Message[] = [];
    for (const m of this.messages) {
      if (m.to === to && (options.match?.(m) ?? true)) selected.push(m);
      else rest.push(m);
    }
    this.messages = rest;
    for (const m of selected) {
      const lines = describeMessage(m).split('\n');
      const lost = this.lost.has(m) || this.isCut(m) || this.node(id).raw === undefined;
      if (options.drop || lost) {
        this.output.info(`dropped: ${lines[0]}`, ...lines.slice(1));
        continue;
      }
      this.output.info(...lines);
      this.step(id, (raw) => raw.step(m));
    }
  }

  /** Runs Readys and deliveries among `ids` until nothing is left to do. */
  stabilize(ids: readonly number[]): void {
    for (let round = 0; ; round++) {
      if (round > 1000) throw new Error('stabilize: no fixed point after 1000 rounds');
      let done = true;
      for (const id of ids) {
        const raw = this.node(id).raw;
        if (raw === undefined || !raw.hasReady()) continue;
        done = false;
        this.output.info(`> ${id} handling Ready`);
        this.output.withIndent(() => this.processReady(id));
      }
      for (const id of ids) {
        if (!this.hasMessagesFor(id)) continue;
        done = false;
        this.output.info(`> ${id} receiving messages`);
        this.output.withIndent(() => this.deliver(id));
      }
      if (done) return;
    }
  }

  /**
   * Cuts every link between `group` and the other nodes: messages sent while it is cut, or
   * delivered while it is cut, are dropped.
   */
  partition(group: readonly number[]): void {
    for (const a of group) {
      for (const b of this.nodes) {
        if (!group.includes(b.id)) {
          this.cutLinks.add(`${a}-${b.id}`);
          this.cutLinks.add(`${b.id}-${a}`);
        }
      }
    }
  }

  heal(): void {
    this.cutLinks.clear();
  }

  private isCut(m: Message): boolean {
    return this.cutLinks.has(`${m.from}-${m.to}`);
  }

  allIds(): number[] {
    return this.nodes.map((n) => n.id);
  }
}
