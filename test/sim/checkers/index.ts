import type { Violations } from '../violations.js';
import { Durability } from './durability.js';
import { ElectionSafety } from './election-safety.js';
import { LeaderCompleteness } from './leader-completeness.js';
import { Linearizability } from './linearizability.js';
import { LogMatching } from './log-matching.js';
import { StateMachineSafety } from './state-machine-safety.js';

/** Every checker of a run, reporting to one Violations. */
export class Checkers {
  readonly electionSafety: ElectionSafety;
  readonly logMatching: LogMatching;
  readonly leaderCompleteness: LeaderCompleteness;
  readonly stateMachineSafety: StateMachineSafety;
  readonly linearizability: Linearizability;
  readonly durability: Durability;

  constructor(violations: Violations) {
    this.electionSafety = new ElectionSafety(violations);
    this.logMatching = new LogMatching(violations);
    this.leaderCompleteness = new LeaderCompleteness(violations);
    this.stateMachineSafety = new StateMachineSafety(violations);
    this.linearizability = new Linearizability(violations);
    this.durability = new Durability(violations);
  }
}
