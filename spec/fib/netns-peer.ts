/**
 * Child process for spec/fib/netns.spec.ts (not a spec): a BGP peer (lib/inject's Injector) run inside the
 * test's network namespace (`ip netns exec NS node netns-peer.js ARGS_JSON`). It connects to btrd (retrying
 * while btrd starts), sends the UPDATE messages of a file (4-byte big-endian length + message, repeated),
 * End-of-RIB, prints "sent N" and stays established until its stdin closes.
 */
import { readFileSync } from 'node:fs';
import { Injector } from '../../lib/inject/injector.js';

interface Args {
  remote: string;
  port: number;
  local: string;
  asn: number;
  routerId: string;
  file: string;
  ipv6?: boolean;
}

const args = JSON.parse(process.argv[2]) as Args;
const buf = readFileSync(args.file);
const messages: Uint8Array[] = [];
for (let at = 0; at < buf.length; ) {
  const n = buf.readUInt32BE(at);
  messages.push(buf.subarray(at + 4, at + 4 + n));
  at += 4 + n;
}

let inj: Injector | null = null;
for (let attempt = 0; attempt < 100 && inj === null; attempt++) {
  try {
    inj = await Injector.connect({ remoteAddress: args.remote, remotePort: args.port, localAddress: args.local, localAs: args.asn, routerId: args.routerId, connectTimeoutMs: 5000, ...(args.ipv6 ? { ipv6: true } : {}) });
  } catch {
    await new Promise((r) => setTimeout(r, 200));
  }
}
if (inj === null) {
  console.log('no session');
  process.exit(1);
}
await inj.send(messages);
await inj.sendEndOfRib();
if (args.ipv6) await inj.sendEndOfRib(2, 1);
console.log(`sent ${messages.length}`);
process.stdin.resume();
process.stdin.on('end', () => {
  void inj!.close().finally(() => process.exit(0));
});
