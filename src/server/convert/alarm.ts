/** Maintenance.Alarm requests and responses. */
import { ConcordError } from '../../base/errors.js';
import type { AlarmMember, AlarmRequest } from '../../node/api.js';
import type { AlarmRequestIn, WireAlarmMember } from '../wire/maintenance.js';
import { bigintToUint64, uint64ToBigint } from './int64.js';

/**
 * An enum number our .proto does not know is refused: etcd would store an alarm of a type it
 * cannot name (and report "ALARM UNKNOWN" on /health forever); Concord keeps the set closed.
 */
export function fromWireAlarm(request: AlarmRequestIn): AlarmRequest {
  const { action, alarm } = request;
  // The decoder gives an enum's name, or the number when our .proto does not know the value.
  if (typeof action === 'number') {
    throw new ConcordError('InvalidArgument', `concord: unknown alarm action ${action}`);
  }
  if (typeof alarm === 'number') {
    throw new ConcordError('InvalidArgument', `concord: unknown alarm type ${alarm}`);
  }
  return { action, memberId: uint64ToBigint(request.memberID), alarm };
}

export function toWireAlarmMember(alarm: AlarmMember): WireAlarmMember {
  return { memberID: bigintToUint64(alarm.memberId), alarm: alarm.alarm };
}
