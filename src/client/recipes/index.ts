/**
 * The coordination recipes, built on the client's public API only (what etcd's concurrency
 * package and Curator give their users). Each file documents its algorithm and guarantees.
 */
export { Session, type SessionOptions } from './session.js';
export { Mutex, LockLostError } from './mutex.js';
export { RWMutex } from './rw-mutex.js';
export { Election, NotLeaderError } from './election.js';
export { runStm, StmConflictError, type Isolation, type Stm, type StmOptions } from './stm.js';
export { Barrier } from './barrier.js';
export { DoubleBarrier, TooManyParticipantsError } from './double-barrier.js';
export { Queue } from './queue.js';
export { PriorityQueue } from './priority-queue.js';
export { Semaphore, PermitLostError, type Permit } from './semaphore.js';
export { Counter } from './counter.js';
export {
  ServiceRegistry,
  LiveInstances,
  type ServiceInstance,
  type Registration,
} from './registry.js';
export { ConfigWatcher, type ConfigChange, type ConfigWatcherOptions } from './config-watcher.js';
export {
  TwoPhaseCommit,
  TransactionExistsError,
  type Participant,
  type Decision,
  type RunOptions,
} from './two-phase-commit.js';
