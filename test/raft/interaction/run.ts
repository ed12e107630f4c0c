import { isConcordError } from '../../../src/base/errors.js';
import { Args } from './args.js';
import * as inspect from './commands-inspect.js';
import * as node from './commands-node.js';
import * as setup from './commands-setup.js';
import { InteractionEnv } from './env.js';
import { parseCommand, parseScript, renderScript, type ScriptCase } from './script.js';

type Handler = (env: InteractionEnv, args: Args) => void;

const handlers: Record<string, Handler> = {
  'add-nodes': setup.addNodes,
  'log-level': setup.logLevel,
  crash: setup.crash,
  restart: setup.restart,
  partition: setup.partition,
  heal: setup.heal,
  snapshot: setup.snapshot,
  compact: setup.compact,
  campaign: node.campaign,
  propose: node.propose,
  'propose-conf-change': node.proposeConfChange,
  'process-ready': node.processReady,
  'deliver-msgs': node.deliverMsgs,
  stabilize: node.stabilize,
  tick: node.tick,
  'tick-heartbeat': node.tickHeartbeat,
  'tick-election': node.tickElection,
  'set-randomized-election-timeout': node.setRandomizedElectionTimeout,
  'transfer-leadership': node.transferLeadership,
  'read-index': node.readIndex,
  'report-unreachable': node.reportUnreachable,
  'raft-state': inspect.raftState,
  'raft-log': inspect.raftLog,
  status: inspect.status,
};

/** Runs one command; an operating error (ConcordError) is part of the output. */
export function runCommand(env: InteractionEnv, text: string): string {
  const cmd = parseCommand(text);
  const handler = handlers[cmd.name];
  if (handler === undefined) throw new Error(`unknown command ${cmd.name}`);
  try {
    handler(env, new Args(cmd));
  } catch (error) {
    if (!isConcordError(error)) throw error;
    env.output.print(`error: ${error.code}: ${error.message}`);
  }
  return env.output.take();
}

export interface ScriptResult {
  readonly cases: readonly { readonly scriptCase: ScriptCase; readonly actual: string }[];
  /** The script with every output replaced by the actual one. */
  readonly rewritten: string;
}

/** Runs every command of a script in a fresh environment. */
export function runScript(source: string): ScriptResult {
  const pieces = parseScript(source);
  const env = new InteractionEnv();
  const cases: { scriptCase: ScriptCase; actual: string }[] = [];
  for (const piece of pieces) {
    if (piece.kind !== 'case') continue;
    let actual: string;
    try {
      actual = runCommand(env, piece.scriptCase.command);
    } catch (error) {
      const where = `line ${piece.scriptCase.line}: ${piece.scriptCase.command}`;
      throw new Error(`${where}: ${String(error)}`, { cause: error });
    }
    cases.push({ scriptCase: piece.scriptCase, actual });
  }
  return {
    cases,
    rewritten: renderScript(
      pieces,
      cases.map((c) => c.actual),
    ),
  };
}
