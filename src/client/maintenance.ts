/**
 * The Maintenance service, for monitoring and repair: a member's status, the key-value
 * hash members compare, alarms, defragmentation. Status, HashKV and Defragment are about the
 * member that answers, the one this client is talking to (`memberId` says which); to see
 * every member, open a client per endpoint. A backup is `concord snapshot save`.
 */
import type { CallOptions, Connection } from './connection.js';
import {
  int,
  type Int64,
  type WireHashKvResponse,
  type WireHeader,
  type WireStatusResponse,
} from './proto.js';
import type { CallKind } from './retry.js';

export interface MemberStatus {
  /** The member that answered. */
  readonly memberId: bigint;
  readonly version: string;
  /** The backend's size on disk, and the part of it in use, in bytes. */
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  /** The leader's ID, 0n when the member knows of none. */
  readonly leader: bigint;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly isLearner: boolean;
  /** Alarms and other errors the member reports, e.g. "memberID:... alarm:NOSPACE". */
  readonly errors: readonly string[];
}

export interface KvHash {
  readonly memberId: bigint;
  /** CRC32C of the key-value history up to `hashRevision`, from `compactRevision` on. */
  readonly hash: number;
  /** 0 from etcd 3.4, which does not send it (it came with 3.5). */
  readonly hashRevision: number;
  readonly compactRevision: number;
}

export type AlarmType = 'NOSPACE' | 'CORRUPT';

export interface Alarm {
  readonly memberId: bigint;
  readonly alarm: AlarmType;
}

interface WireAlarmResponse {
  header: WireHeader;
  alarms: { memberID: Int64; alarm: AlarmType | 'NONE' }[];
}

export class Maintenance {
  constructor(private readonly connection: Connection) {}

  async status(options: CallOptions = {}): Promise<MemberStatus> {
    const wire = await this.connection.unary<WireStatusResponse>(
      'Maintenance',
      'Status',
      {},
      'read',
      options,
    );
    return {
      memberId: BigInt(wire.header.memberId),
      version: wire.version,
      dbSize: int(wire.dbSize),
      dbSizeInUse: int(wire.dbSizeInUse),
      leader: BigInt(wire.leader),
      raftIndex: int(wire.raftIndex),
      raftTerm: int(wire.raftTerm),
      raftAppliedIndex: int(wire.raftAppliedIndex),
      isLearner: wire.isLearner,
      errors: wire.errors,
    };
  }

  /** The hash at `revision` (default: the current one); equal on every member. */
  async hashKv(revision = 0, options: CallOptions = {}): Promise<KvHash> {
    const wire = await this.connection.unary<WireHashKvResponse>(
      'Maintenance',
      'HashKV',
      { revision: String(revision) },
      'read',
      options,
    );
    return {
      memberId: BigInt(wire.header.memberId),
      hash: wire.hash,
      hashRevision: int(wire.hashRevision),
      compactRevision: int(wire.compactRevision),
    };
  }

  /** The cluster's raised alarms. */
  async alarms(options: CallOptions = {}): Promise<Alarm[]> {
    return this.alarm({ action: 'GET', memberID: '0', alarm: 'NONE' }, 'read', options);
  }

  /**
   * Clears an alarm (after freeing space, for NOSPACE): the cluster takes writes again once
   * none is left. Returns the alarms it cleared.
   */
  async disarm(alarm: Alarm, options: CallOptions = {}): Promise<Alarm[]> {
    const request = { action: 'DEACTIVATE', memberID: String(alarm.memberId), alarm: alarm.alarm };
    return this.alarm(request, 'unidentified-write', options);
  }

  /** Compacts the answering member's backend file, giving back the space compaction freed. */
  async defragment(options: CallOptions = {}): Promise<void> {
    await this.connection.unary('Maintenance', 'Defragment', {}, 'unidentified-write', options);
  }

  private async alarm(request: object, kind: CallKind, options: CallOptions): Promise<Alarm[]> {
    const wire = await this.connection.unary<WireAlarmResponse>(
      'Maintenance',
      'Alarm',
      request,
      kind,
      options,
    );
    return wire.alarms.flatMap((a) =>
      a.alarm === 'NONE' ? [] : [{ memberId: BigInt(a.memberID), alarm: a.alarm }],
    );
  }
}
