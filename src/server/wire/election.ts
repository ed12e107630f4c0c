/**
 * Election service messages (v3electionpb.CampaignRequest ... ResignResponse). See
 * ./common.ts. An absent message field decodes as null.
 */
import type { Int64Text, WireKeyValue, WireResponseHeader } from './common.js';

export interface CampaignRequestIn {
  readonly name: Buffer;
  readonly lease: Int64Text;
  readonly value: Buffer;
}

export interface LeaderKeyIn {
  readonly name: Buffer;
  readonly key: Buffer;
  readonly rev: Int64Text;
  readonly lease: Int64Text;
}

export interface LeaderKeyOut {
  readonly name: Uint8Array;
  readonly key: Uint8Array;
  readonly rev: Int64Text;
  readonly lease: Int64Text;
}

export interface CampaignResponseOut {
  readonly header: WireResponseHeader;
  readonly leader: LeaderKeyOut;
}

export interface ProclaimRequestIn {
  readonly leader: LeaderKeyIn | null;
  readonly value: Buffer;
}

export interface ResignRequestIn {
  readonly leader: LeaderKeyIn | null;
}

export interface LeaderRequestIn {
  readonly name: Buffer;
}

export interface LeaderResponseOut {
  readonly header: WireResponseHeader;
  readonly kv: WireKeyValue;
}

/** ProclaimResponse and ResignResponse. */
export interface HeaderOnlyOut {
  readonly header: WireResponseHeader;
}
