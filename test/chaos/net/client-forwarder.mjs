// The harness's door into the hub network namespace (netns mode): it runs there (`ip netns exec
// <hub> node client-forwarder.mjs DIR SUBNET PORT COUNT`) and forwards each Unix socket
// DIR/mN.sock to SUBNET.N:PORT, so clients in the harness's own namespace reach members whose
// addresses exist only inside the namespaces. Filesystem sockets cross network namespaces; the
// host's network is never touched. Plain JavaScript, so it starts fast without tsx.
// It exits when its stdin closes (the harness is gone).
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

const [dir, subnet, port, count] = process.argv.slice(2);
const servers = [];
for (let n = 1; n <= Number(count); n++) {
  const path = join(dir, `m${n}.sock`);
  rmSync(path, { force: true });
  const server = createServer((client) => {
    const upstream = connect({ host: `${subnet}.${n}`, port: Number(port), noDelay: true });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(path);
  servers.push(server);
}
Promise.all(servers.map((s) => new Promise((resolve) => s.once('listening', resolve)))).then(() =>
  console.log('forwarding'),
);
process.stdin.resume();
process.stdin.on('close', () => process.exit(0));
