/**
 * SETTINGS parameters (RFC 9113 Section 6.5.2): their identifiers, initial values, validation
 * of values a peer sends, and the values this server announces.
 *
 * A SETTINGS frame carries (identifier, value) pairs of 6 octets each. Values a peer sends
 * are checked here, before anything applies them, so a bad value is a connection error with
 * the code Section 6.5.2 names and not a half-applied frame.
 */
import { ConnectionError, ErrorCode } from './errors.js';
import { frameSizeMax, frameSizeMin, uint31Max } from './frame.js';

export const SettingsId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;
export type SettingsId = (typeof SettingsId)[keyof typeof SettingsId];

/** One pair of a SETTINGS frame. `id` may be one this server does not know (then ignored). */
export interface SettingsEntry {
  readonly id: number;
  readonly value: number;
}

/** Octets per pair on the wire: a 16-bit identifier and a 32-bit value. */
export const settingsEntryBytes = 6;

/** The parameters one endpoint announces. Infinity = "no limit" (the RFC's initial value). */
export interface Settings {
  headerTableSize: number;
  enablePush: boolean;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

/** The values in force before a peer's first SETTINGS frame arrives (Section 6.5.2). */
export const initialSettings: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Number.POSITIVE_INFINITY,
  initialWindowSize: 65_535,
  maxFrameSize: frameSizeMin,
  maxHeaderListSize: Number.POSITIVE_INFINITY,
});

/**
 * What this server announces in its first SETTINGS frame.
 * - push off: a gRPC server never pushes, and says so (clients may then skip push support).
 * - a bound on concurrent streams: every open stream holds memory; 1000 is far above what a
 *   client multiplexes on one connection in practice (node:http2 and grpc-go default higher,
 *   but an unbounded value lets one client open 2^31 streams).
 * - a 1 MiB stream window: requests larger than 64 KiB (big puts, txns) then arrive without a
 *   WINDOW_UPDATE round trip per 64 KiB.
 * - frames of the minimum size: a larger size only saves 9 octets per 16 KiB.
 * - a 64 KiB header list: gRPC metadata is small; this matches the reader's header block bound.
 */
export const localSettings: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: false,
  maxConcurrentStreams: 1000,
  initialWindowSize: 1 << 20,
  maxFrameSize: frameSizeMin,
  maxHeaderListSize: 65_536,
});

/**
 * The entries of a SETTINGS frame announcing `settings`, sending only those that differ from
 * the initial values (a peer assumes those already).
 */
export function settingsEntries(settings: Readonly<Settings>): SettingsEntry[] {
  const entries: SettingsEntry[] = [];
  const add = (id: SettingsId, value: number, initial: number): void => {
    if (value !== initial) entries.push({ id, value });
  };
  add(SettingsId.HEADER_TABLE_SIZE, settings.headerTableSize, initialSettings.headerTableSize);
  add(SettingsId.ENABLE_PUSH, settings.enablePush ? 1 : 0, 1);
  add(
    SettingsId.MAX_CONCURRENT_STREAMS,
    settings.maxConcurrentStreams,
    initialSettings.maxConcurrentStreams,
  );
  add(
    SettingsId.INITIAL_WINDOW_SIZE,
    settings.initialWindowSize,
    initialSettings.initialWindowSize,
  );
  add(SettingsId.MAX_FRAME_SIZE, settings.maxFrameSize, initialSettings.maxFrameSize);
  add(
    SettingsId.MAX_HEADER_LIST_SIZE,
    settings.maxHeaderListSize,
    initialSettings.maxHeaderListSize,
  );
  return entries;
}

/**
 * Decodes a SETTINGS payload (its length already checked to be a multiple of 6) and checks
 * every value, throwing the ConnectionError Section 6.5.2 names for the first bad one.
 * Unknown identifiers are kept (the caller ignores them, Section 6.5.2: "MUST ignore").
 * When an identifier repeats, the last one wins once applied in order.
 */
export function decodeSettings(payload: Uint8Array): SettingsEntry[] {
  const entries: SettingsEntry[] = [];
  for (let at = 0; at + settingsEntryBytes <= payload.length; at += settingsEntryBytes) {
    const id = ((payload[at] as number) << 8) | (payload[at + 1] as number);
    const value =
      (payload[at + 2] as number) * 0x100_0000 +
      (((payload[at + 3] as number) << 16) |
        ((payload[at + 4] as number) << 8) |
        (payload[at + 5] as number));
    validateSetting(id, value);
    entries.push({ id, value });
  }
  return entries;
}

/** Throws the ConnectionError for a value Section 6.5.2 forbids; unknown ids pass. */
export function validateSetting(id: number, value: number): void {
  switch (id) {
    case SettingsId.ENABLE_PUSH:
      if (value !== 0 && value !== 1) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `SETTINGS_ENABLE_PUSH must be 0 or 1, got ${value}`,
        );
      }
      return;
    case SettingsId.INITIAL_WINDOW_SIZE:
      if (value > uint31Max) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          `SETTINGS_INITIAL_WINDOW_SIZE ${value} above the maximum window 2^31-1`,
        );
      }
      return;
    case SettingsId.MAX_FRAME_SIZE:
      if (value < frameSizeMin || value > frameSizeMax) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `SETTINGS_MAX_FRAME_SIZE ${value} outside ${frameSizeMin}..${frameSizeMax}`,
        );
      }
      return;
    default:
      return;
  }
}

/**
 * Applies decoded (so already valid) entries to `settings` in order, ignoring unknown
 * identifiers. The caller owns what follows from a change: a new INITIAL_WINDOW_SIZE adjusts
 * every open stream's send window (Section 6.9.2), a new HEADER_TABLE_SIZE bounds the HPACK
 * encoder, a new MAX_FRAME_SIZE goes to the frame writer.
 */
export function applySettings(settings: Settings, entries: readonly SettingsEntry[]): void {
  for (const { id, value } of entries) {
    switch (id) {
      case SettingsId.HEADER_TABLE_SIZE:
        settings.headerTableSize = value;
        break;
      case SettingsId.ENABLE_PUSH:
        settings.enablePush = value === 1;
        break;
      case SettingsId.MAX_CONCURRENT_STREAMS:
        settings.maxConcurrentStreams = value;
        break;
      case SettingsId.INITIAL_WINDOW_SIZE:
        settings.initialWindowSize = value;
        break;
      case SettingsId.MAX_FRAME_SIZE:
        settings.maxFrameSize = value;
        break;
      case SettingsId.MAX_HEADER_LIST_SIZE:
        settings.maxHeaderListSize = value;
        break;
      default:
        break;
    }
  }
}
