import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import {
  applySettings,
  decodeSettings,
  initialSettings,
  localSettings,
  type Settings,
  settingsEntries,
  SettingsId,
} from '../../../src/server/h2/settings.js';
import { assertConnectionError } from './frame-recorder.js';

/** A SETTINGS payload of (id, value) pairs. */
function payload(...pairs: [number, number][]): Buffer {
  const out = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value, i * 6 + 2);
  });
  return out;
}

describe('settings: validation of received values (RFC 9113 6.5.2)', () => {
  const rejected: [string, number, number, ErrorCode, RegExp][] = [
    ['ENABLE_PUSH 2', SettingsId.ENABLE_PUSH, 2, ErrorCode.PROTOCOL_ERROR, /must be 0 or 1, got 2/],
    ['ENABLE_PUSH 2^32-1', SettingsId.ENABLE_PUSH, 0xffff_ffff, ErrorCode.PROTOCOL_ERROR, /0 or 1/],
    [
      'INITIAL_WINDOW_SIZE 2^31',
      SettingsId.INITIAL_WINDOW_SIZE,
      2 ** 31,
      ErrorCode.FLOW_CONTROL_ERROR,
      /INITIAL_WINDOW_SIZE 2147483648 above/,
    ],
    [
      'INITIAL_WINDOW_SIZE 2^32-1',
      SettingsId.INITIAL_WINDOW_SIZE,
      0xffff_ffff,
      ErrorCode.FLOW_CONTROL_ERROR,
      /above the maximum window/,
    ],
    [
      'MAX_FRAME_SIZE 16383',
      SettingsId.MAX_FRAME_SIZE,
      16_383,
      ErrorCode.PROTOCOL_ERROR,
      /16383 outside/,
    ],
    [
      'MAX_FRAME_SIZE 2^24',
      SettingsId.MAX_FRAME_SIZE,
      2 ** 24,
      ErrorCode.PROTOCOL_ERROR,
      /outside/,
    ],
    ['MAX_FRAME_SIZE 0', SettingsId.MAX_FRAME_SIZE, 0, ErrorCode.PROTOCOL_ERROR, /outside/],
  ];
  for (const [name, id, value, code, message] of rejected) {
    it(`rejects ${name}`, () => {
      assertConnectionError(() => decodeSettings(payload([id, value])), code, message);
    });
  }

  it('accepts the boundary values', () => {
    const entries = decodeSettings(
      payload(
        [SettingsId.ENABLE_PUSH, 0],
        [SettingsId.ENABLE_PUSH, 1],
        [SettingsId.INITIAL_WINDOW_SIZE, 0],
        [SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1],
        [SettingsId.MAX_FRAME_SIZE, 16_384],
        [SettingsId.MAX_FRAME_SIZE, 16_777_215],
        [SettingsId.HEADER_TABLE_SIZE, 0xffff_ffff],
        [SettingsId.MAX_CONCURRENT_STREAMS, 0],
        [SettingsId.MAX_HEADER_LIST_SIZE, 0xffff_ffff],
      ),
    );
    assert.equal(entries.length, 9);
    assert.deepEqual(entries[6], { id: SettingsId.HEADER_TABLE_SIZE, value: 0xffff_ffff });
  });

  it('rejects a bad value even after good ones, and passes unknown ids with any value', () => {
    assertConnectionError(
      () => decodeSettings(payload([SettingsId.HEADER_TABLE_SIZE, 0], [SettingsId.ENABLE_PUSH, 7])),
      ErrorCode.PROTOCOL_ERROR,
      /ENABLE_PUSH/,
    );
    assert.deepEqual(decodeSettings(payload([0, 5], [0x8, 1], [0xffff, 0xffff_ffff])), [
      { id: 0, value: 5 },
      { id: 0x8, value: 1 },
      { id: 0xffff, value: 0xffff_ffff },
    ]);
  });
});

describe('settings: applying and announcing', () => {
  it('applies entries in order (the last of a repeated id wins) and ignores unknown ids', () => {
    const settings: Settings = { ...initialSettings };
    applySettings(
      settings,
      decodeSettings(
        payload(
          [SettingsId.MAX_FRAME_SIZE, 20_000],
          [SettingsId.MAX_FRAME_SIZE, 32_768],
          [SettingsId.ENABLE_PUSH, 0],
          [0x9, 1],
          [SettingsId.MAX_CONCURRENT_STREAMS, 100],
        ),
      ),
    );
    assert.deepEqual(settings, {
      ...initialSettings,
      maxFrameSize: 32_768,
      enablePush: false,
      maxConcurrentStreams: 100,
    });
  });

  it('announces only what differs from the initial values', () => {
    assert.deepEqual(settingsEntries(initialSettings), []);
    assert.deepEqual(settingsEntries(localSettings), [
      { id: SettingsId.ENABLE_PUSH, value: 0 },
      { id: SettingsId.MAX_CONCURRENT_STREAMS, value: 1000 },
      { id: SettingsId.INITIAL_WINDOW_SIZE, value: 1 << 20 },
      { id: SettingsId.MAX_HEADER_LIST_SIZE, value: 65_536 },
    ]);
  });

  it('round-trips the local settings through the writer, decoder and apply', () => {
    const writer = new FrameWriter();
    writer.writeSettings(settingsEntries(localSettings));
    const frame = writer.take();
    const settings: Settings = { ...initialSettings };
    applySettings(settings, decodeSettings(frame.subarray(9)));
    assert.deepEqual(settings, localSettings);
  });
});
