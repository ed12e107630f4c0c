/**
 * etcd's alarm store: which members raised which alarms (NOSPACE when a member's database
 * passed its quota, CORRUPT when a hash check found members disagreeing). Alarms change only
 * through Raft (an `alarm` request), so every member holds the same set, and the state machine
 * refuses writes while one is active (see `alarmRefusal` in state-machine.ts): with NOSPACE,
 * whatever adds data (etcd's capped applier); with CORRUPT, every change.
 *
 * Persistence: the `alarm` bucket holds one entry per alarm, keyed by the member ID (8 bytes,
 * big-endian, uint64) and then the type (one byte, etcd's enum value: NOSPACE 1, CORRUPT 2);
 * the value is a format byte. The set is small (at most two per member) and lives in memory.
 */
import { ConcordError } from '../base/errors.js';
import type { BackendRead, BackendWrite } from './backend.js';
import type { AlarmMember, AlarmType } from './types.js';

const alarmTypeCodes: Readonly<Record<AlarmType, number>> = { NOSPACE: 1, CORRUPT: 2 };
const alarmFormat = new Uint8Array([1]);

export class AlarmStore {
  // Invariant: exactly the entries of the `alarm` bucket, sorted by member ID, then type.
  private alarms: AlarmMember[] = [];

  restore(reader: BackendRead): void {
    const alarms: AlarmMember[] = [];
    reader.scan('alarm', {}, (key) => {
      alarms.push(alarmFromKey(key));
    });
    this.alarms = alarms;
  }

  /** The active alarms of `type` ('NONE': all), by member ID, then type. */
  get(type: AlarmType | 'NONE' = 'NONE'): AlarmMember[] {
    return this.alarms.filter((a) => type === 'NONE' || a.alarm === type);
  }

  /** Whether any member has raised `type`. */
  active(type: AlarmType): boolean {
    return this.alarms.some((a) => a.alarm === type);
  }

  /** Raises an alarm; returns it (already active: the same alarm, nothing written). */
  activate(tx: BackendWrite, memberId: bigint, type: AlarmType): AlarmMember {
    const existing = this.find(memberId, type);
    if (existing !== undefined) return existing;
    const alarm: AlarmMember = { memberId, alarm: type };
    tx.put('alarm', alarmKey(alarm), alarmFormat);
    this.alarms = [...this.alarms, alarm].sort(compareAlarms);
    return alarm;
  }

  /** Clears an alarm; returns it, or undefined when it was not active. */
  deactivate(tx: BackendWrite, memberId: bigint, type: AlarmType): AlarmMember | undefined {
    const existing = this.find(memberId, type);
    if (existing === undefined) return undefined;
    tx.delete('alarm', alarmKey(existing));
    this.alarms = this.alarms.filter((a) => a !== existing);
    return existing;
  }

  private find(memberId: bigint, type: AlarmType): AlarmMember | undefined {
    return this.alarms.find((a) => a.memberId === memberId && a.alarm === type);
  }
}

function alarmKey(alarm: AlarmMember): Uint8Array {
  const key = new Uint8Array(9);
  new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, alarm.memberId));
  key[8] = alarmTypeCodes[alarm.alarm];
  return key;
}

function alarmFromKey(key: Uint8Array): AlarmMember {
  const code = key[8];
  const alarm = code === 1 ? 'NOSPACE' : code === 2 ? 'CORRUPT' : undefined;
  if (key.length !== 9 || alarm === undefined) {
    throw new ConcordError('Corrupt', `alarm bucket: bad key of ${key.length} bytes`);
  }
  const memberId = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0);
  return { memberId, alarm };
}

function compareAlarms(a: AlarmMember, b: AlarmMember): number {
  if (a.memberId !== b.memberId) return a.memberId < b.memberId ? -1 : 1;
  return alarmTypeCodes[a.alarm] - alarmTypeCodes[b.alarm];
}
