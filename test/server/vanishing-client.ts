/**
 * A client process that opens a Watch stream and a LeaseKeepAlive stream, says "ready" once
 * the watcher is created, and then waits to be killed (SIGKILL: its TCP connection just drops,
 * no RST_STREAM, no GOAWAY). Run by lifecycle.test.ts.
 */
import { RawWatch } from './raw-watch.js';
import { rawClient } from './harness.js';
import type { ClientDuplexStream } from '@grpc/grpc-js';

const endpoint = process.argv[2];
if (endpoint === undefined) throw new Error('usage: vanishing-client.ts host:port');
const watch = new RawWatch(endpoint);
watch.create({ key: Buffer.from('vanish/'), rangeEnd: Buffer.from('vanish0') });
const lease = rawClient('Lease', endpoint) as unknown as {
  LeaseKeepAlive(): ClientDuplexStream<object, object>;
};
const keepAlive = lease.LeaseKeepAlive();
keepAlive.on('error', () => {});
keepAlive.write({ ID: '1' });
await watch.next('created');
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
