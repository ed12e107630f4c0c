/**
 * `concord snapshot save FILE --endpoints host:port`: streams one member's consistent backup
 * (Maintenance.Snapshot, over the Concord client's connection: TLS and auth as every client
 * command) into FILE, checks the sha256 the stream ends with, and writes FILE
 * atomically (FILE.part, fsync, rename). The file keeps etcd's format (./snapshot-file.ts),
 * byte for byte what `etcdctl snapshot save` writes; it is read back and checked before the
 * command reports success.
 */
import { createHash } from 'node:crypto';
import { AtomicFile } from './atomic-file.js';
import { CommandError } from './command-error.js';
import type { Client } from '../client/index.js';
import { ProgressBar } from './progress.js';
import { serverStream } from './server-stream.js';
import { readSnapshotFile, sha256Bytes, snapshotAlignBytes } from './snapshot-file.js';
import { humanBytes, snapshotStatus, type SnapshotStatus } from './snapshot-status.js';

export interface SaveOptions {
  readonly path: string;
  /** A client of the one member to ask. */
  readonly client: Client;
  readonly dialTimeoutMs: number;
  /** Draw the progress bar on stderr even when it is not a terminal (--progress). */
  readonly progress?: boolean;
}

export async function saveSnapshot(options: SaveOptions): Promise<SnapshotStatus> {
  const { connection } = options.client;
  const address = connection.endpointName(connection.current);
  const file = await AtomicFile.create(options.path).catch((error: Error) => {
    throw new CommandError(`cannot create ${options.path}.part: ${error.message}`);
  });
  try {
    const messages = serverStream<SnapshotMessage>(
      options.client,
      'Maintenance',
      'Snapshot',
      {},
      options.dialTimeoutMs,
    );
    await receive(messages, address, file, options.progress === true);
    await file.commit();
  } catch (error) {
    await file.abort();
    if (error instanceof CommandError) throw error;
    throw new CommandError(`snapshot from ${address} failed: ${grpcErrorText(error)}`);
  }
  return snapshotStatus(await readSnapshotFile(options.path));
}

/** A SnapshotResponse as the client's proto-loader decodes it (64-bit integers as strings). */
interface SnapshotMessage {
  remainingBytes: string;
  blob: Buffer;
}

/** A gRPC failure's text (status details, without grpc-js's empty "Resolution note"). */
function grpcErrorText(error: unknown): string {
  if (error instanceof Error && 'details' in error && typeof error.details === 'string') {
    return error.details.replace(/\.? Resolution note:\s*$/, '');
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes every message's blob; the last message is the sha256 of all the others (etcd's
 * framing), so each blob is held back until the next one shows it was not the last.
 */
async function receive(
  messages: AsyncIterable<SnapshotMessage>,
  address: string,
  file: AtomicFile,
  forceProgress: boolean,
): Promise<void> {
  const hash = createHash('sha256');
  const progress = new ProgressBar(
    `snapshot from ${address}`,
    process.stderr,
    forceProgress || process.stderr.isTTY === true,
  );
  let total = 0;
  let held: Uint8Array | undefined;
  try {
    for await (const message of messages) {
      if (held === undefined) total = Number(message.remainingBytes) + message.blob.length;
      else {
        hash.update(held);
        await file.write(held);
        progress.update(file.bytesWritten, total);
      }
      held = message.blob;
    }
  } finally {
    progress.finish();
  }
  const data = file.bytesWritten;
  if (held === undefined || held.length !== sha256Bytes || data % snapshotAlignBytes !== 0) {
    throw new CommandError(
      `snapshot from ${address} is malformed: ${data} bytes, then ${held?.length ?? 0} where a ${sha256Bytes}-byte sha256 belongs`,
    );
  }
  if (data !== total) {
    throw new CommandError(
      `snapshot from ${address} ended after ${data} of the ${total} bytes it announced`,
    );
  }
  const computed = hash.digest();
  if (!computed.equals(held)) {
    throw new CommandError(
      `snapshot from ${address} is damaged: sha256 ${computed.toString('hex')} over ${humanBytes(data)}, the member sent ${Buffer.from(held).toString('hex')}`,
    );
  }
  await file.write(held);
}
