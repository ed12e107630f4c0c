/**
 * The coordination recipes, built on the client's public API only (what etcd's concurrency
 * package and Curator give their users). Each file documents its algorithm and guarantees.
 */
export { Session, type SessionOptions } from './session.js';
export { Mutex, LockLostError } from './mutex.js';
export { RWMutex } from './rw-mutex.js';
export { Election, NotLeaderError } from './election.js';
export { runStm, StmConflictError, type Isolation, type Stm, type StmOptions } from './stm.js';
