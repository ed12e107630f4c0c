import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import type { EventType, HistoryEvent, Value } from './event.js';

const eventTypes: readonly EventType[] = ['invoke', 'ok', 'fail', 'info'];

/**
 * One event as one JSON line (FORMAT.md). `time` is written as a decimal string, since
 * nanoseconds outgrow a double's 53 bits after ~104 days of uptime; keys are in a fixed order
 * so files diff well.
 */
export function formatEvent(event: HistoryEvent): string {
  return JSON.stringify({
    index: event.index,
    time: event.time.toString(),
    process: event.process,
    type: event.type,
    f: event.f,
    ...(event.key !== undefined && { key: event.key }),
    ...(event.value !== undefined && { value: event.value }),
    ...(event.node !== undefined && { node: event.node }),
    ...(event.error !== undefined && { error: event.error }),
  });
}

/** Parses one line; `time` may be a string or a number. Throws naming the bad field. */
export function parseEvent(line: string): HistoryEvent {
  const raw: unknown = JSON.parse(line);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('history line is not a JSON object');
  }
  const o = raw as Record<string, unknown>;
  const field = <T>(name: string, ok: (v: unknown) => v is T): T => {
    if (!ok(o[name])) throw new Error(`history line: bad or missing "${name}": ${line}`);
    return o[name] as T;
  };
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isTime = (v: unknown): v is string | number =>
    (typeof v === 'string' && /^\d+$/.test(v)) || (isInt(v) && v >= 0);
  const isType = (v: unknown): v is EventType => eventTypes.includes(v as EventType);
  const optional = (name: string): string | undefined =>
    o[name] === undefined ? undefined : field(name, isString);
  const key = optional('key');
  const node = optional('node');
  const error = optional('error');
  return {
    process: field('process', isInt),
    type: field('type', isType),
    f: field('f', isString),
    ...(key !== undefined && { key }),
    ...(o.value !== undefined && { value: o.value as Value }),
    time: BigInt(field('time', isTime)),
    index: field('index', isInt),
    ...(node !== undefined && { node }),
    ...(error !== undefined && { error }),
  };
}

export function formatHistory(events: readonly HistoryEvent[]): string {
  return events.map((e) => formatEvent(e) + '\n').join('');
}

export function parseHistory(text: string): HistoryEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseEvent);
}

export function writeHistoryFile(path: string, events: readonly HistoryEvent[]): void {
  writeFileSync(path, formatHistory(events));
}

export function readHistoryFile(path: string): HistoryEvent[] {
  return parseHistory(readFileSync(path, 'utf8'));
}

/**
 * An append-only history file, written line by line as events happen, synchronously so that
 * the order on disk is the order of `append` calls and a crash loses at most the line being
 * written. Use as the recorder's sink.
 *
 * @example
 *   const log = openHistoryLog('run/history.jsonl');
 *   const recorder = new HistoryRecorder({ sink: log.append });
 *   ...
 *   log.close();
 */
export function openHistoryLog(path: string): { append(event: HistoryEvent): void; close(): void } {
  const fd = openSync(path, 'a');
  let closed = false;
  return {
    append: (event) => {
      if (closed) throw new Error(`history log ${path} is closed`);
      writeSync(fd, formatEvent(event) + '\n');
    },
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
