/**
 * Kernel backend: writes the FIB into a Linux routing table (issue 6, DESIGN principle 5).
 *
 * Why iproute2 and not rtnetlink from Node: Node has no AF_NETLINK sockets (node:net speaks TCP, UDP,
 * Unix and pipes only), so talking rtnetlink directly needs a native addon — a compiled dependency in the
 * trusted core, rebuilt per Node ABI, and the maintained npm netlink packages are addons of that kind.
 * `ip` (iproute2) is the kernel's own, maintained rtnetlink client, present on every Linux host; driven in
 * batch mode (`ip -batch -`, one process per batch, commands on stdin) it costs a process spawn per batch,
 * not per route, and the kernel sees the same RTM_NEWROUTE/RTM_DELROUTE messages a native client would
 * send. Reading back uses `ip -j route show` (JSON). Native-free, no addon, nothing to build.
 *
 * Routes are installed with `route replace PREFIX table T proto P` (idempotent), ECMP as
 * `nexthop via A nexthop via B`, an IPv4 prefix over an IPv6 next hop as `via inet6 X` (RFC 8950).
 * Every route carries the protocol number P (rtm_protocol) so that btrd's routes are told apart from
 * everyone else's: start-up reconciliation removes routes of protocol P in table T that btrd no longer has,
 * and never touches routes of another protocol or table. Pick a protocol number no other daemon on the host
 * uses in that table (default 186, "bgp" in /etc/iproute2/rt_protos).
 */
import { spawn } from 'node:child_process';
import { parseIpv6, formatIpv6 } from '../../wire/address.js';
import { formatPrefix, parsePrefix, type PrefixKey } from '../../wire/prefix.js';
import { FibError, KernelFibError, type FibChange, type FibEntry } from '../types.js';
import type { FibBackend, ReconcileResult } from './types.js';

export interface KernelBackendOptions {
  /** Routing table id (1..2^32-1; 254 is "main"). */
  readonly table: number;
  /** rtm_protocol of btrd's routes (0..255; 0–4 are the kernel's own: use something else). */
  readonly protocol?: number;
  /** Run every command inside this network namespace (`ip -n NS`). */
  readonly netns?: string;
  /** The iproute2 binary (default `ip` from PATH). */
  readonly ipCommand?: string;
  /** Route metric (priority); default none (the kernel's default: 0 for IPv4, 1024 for IPv6). */
  readonly metric?: number;
  /** Mark next hops `onlink` (install even when the gateway is not on a connected subnet). */
  readonly onlink?: boolean;
}

interface CommandOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new FibError(`cannot run ${cmd}: ${e.message}`, 'BTRD_ERR_FIB_KERNEL_UNAVAILABLE', { cause: e })));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // reported through the exit code
      child.stdin!.end(input);
    }
  });
}

/** Canonical next-hop text, for comparing what the kernel prints with what the FIB holds. */
function canonicalHop(h: string): string {
  return h.includes(':') ? formatIpv6(parseIpv6(h)) : h;
}

/** The kernel's JSON route (the fields we read). */
interface IpRouteJson {
  dst: string;
  gateway?: string;
  via?: { family?: string; host?: string };
  nexthops?: { gateway?: string; via?: { host?: string } }[];
}

/** Parse `ip -j route show` output into prefix → sorted canonical next hops (routes without a gateway: []). */
export function parseIpRoutes(json: string, v6: boolean): Map<PrefixKey, string[]> {
  const out = new Map<PrefixKey, string[]>();
  const text = json.trim();
  if (text === '') return out;
  const routes = JSON.parse(text) as IpRouteJson[];
  for (const r of routes) {
    let dst = r.dst === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.dst;
    if (!dst.includes('/')) dst += v6 ? '/128' : '/32';
    const key = parsePrefix(dst);
    const hops: string[] = [];
    const gw = r.gateway ?? r.via?.host;
    if (gw) hops.push(canonicalHop(gw));
    for (const nh of r.nexthops ?? []) {
      const g = nh.gateway ?? nh.via?.host;
      if (g) hops.push(canonicalHop(g));
    }
    // Older kernels list IPv6 multipath as several routes with one dst: merge them.
    const prev = out.get(key);
    out.set(key, prev ? [...prev, ...hops].sort() : hops.sort());
  }
  return out;
}

export class KernelFibBackend implements FibBackend {
  readonly kind = 'kernel' as const;
  readonly table: number;
  readonly protocol: number;
  private readonly ip: string;
  private readonly nsArgs: readonly string[];
  private closed = false;
  /** Routes written, for the benchmark and metrics. */
  routesWritten = 0;

  constructor(private readonly options: KernelBackendOptions) {
    const { table, protocol = 186 } = options;
    if (!Number.isInteger(table) || table < 1 || table > 0xffffffff) throw new FibError(`kernel table id ${table} not in 1..2^32-1`, 'BTRD_ERR_FIB_BAD_ENTRY');
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new FibError(`kernel protocol ${protocol} not in 0..255`, 'BTRD_ERR_FIB_BAD_ENTRY');
    this.table = table;
    this.protocol = protocol;
    this.ip = options.ipCommand ?? 'ip';
    this.nsArgs = options.netns ? ['-n', options.netns] : [];
  }

  /** Create the backend and reconcile the kernel table with `full` (start-up: stale routes of our protocol go). */
  static async start(options: KernelBackendOptions, full: Iterable<FibEntry>): Promise<{ backend: KernelFibBackend; reconciled: ReconcileResult }> {
    const backend = new KernelFibBackend(options);
    const reconciled = await backend.reconcile(full);
    return { backend, reconciled };
  }

  private suffix(): string {
    return ` table ${this.table} proto ${this.protocol}${this.options.metric !== undefined ? ` metric ${this.options.metric}` : ''}`;
  }

  /** The `ip -batch` line for one change. */
  commandFor(c: FibChange): string {
    const dst = formatPrefix(c.prefix);
    if (c.entry === null) return `route del ${dst}${this.suffix()}`;
    const v6 = typeof c.prefix === 'string';
    const onlink = this.options.onlink ? ' onlink' : '';
    const via = (h: string): string => (!v6 && h.includes(':') ? `via inet6 ${h}` : `via ${h}`) + onlink;
    const hops = c.entry.nextHops;
    if (hops.length === 1) return `route replace ${dst}${this.suffix()} ${via(hops[0])}`;
    return `route replace ${dst}${this.suffix()} ${hops.map((h) => `nexthop ${via(h)}`).join(' ')}`;
  }

  async apply(batch: readonly FibChange[]): Promise<void> {
    if (this.closed) throw new FibError('kernel FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    if (batch.length === 0) return;
    const lines = batch.map((c) => this.commandFor(c));
    const res = await run(this.ip, [...this.nsArgs, '-force', '-batch', '-'], lines.join('\n') + '\n');
    this.routesWritten += batch.length;
    if (res.code === 0) return;
    // Each failure prints its error text, then "Command failed -:N" (N = 1-based line).
    const failures: { command: string; error: string }[] = [];
    let pending: string[] = [];
    for (const line of res.stderr.split('\n')) {
      const m = /^Command failed -:(\d+)/.exec(line);
      if (!m) {
        if (line.trim() !== '') pending.push(line.trim());
        continue;
      }
      const command = lines[Number(m[1]) - 1] ?? `line ${m[1]}`;
      const error = pending.join('; ');
      pending = [];
      // Deleting a route the kernel no longer has is what we wanted anyway (idempotent delete).
      if (command.startsWith('route del') && /No such process/.test(error)) continue;
      failures.push({ command, error });
    }
    if (failures.length === 0 && pending.length === 0) return;
    if (failures.length === 0) failures.push({ command: '(batch)', error: pending.join('; ') || `ip exited with ${res.code}` });
    throw new KernelFibError(`kernel refused ${failures.length} of ${batch.length} route changes (first: ${failures[0].command}: ${failures[0].error})`, failures);
  }

  /** What the kernel holds for our table and protocol: prefix → sorted canonical next hops. */
  async read(): Promise<Map<PrefixKey, string[]>> {
    const out = new Map<PrefixKey, string[]>();
    for (const v6 of [false, true]) {
      const res = await run(this.ip, [...this.nsArgs, '-j', v6 ? '-6' : '-4', 'route', 'show', 'table', String(this.table), 'proto', String(this.protocol)]);
      // A table that never held a route of this family does not exist yet for it: nothing to read.
      if (res.code !== 0 && /table does not exist/i.test(res.stderr)) continue;
      if (res.code !== 0) throw new KernelFibError(`ip route show failed: ${res.stderr.trim()}`, [{ command: 'route show', error: res.stderr.trim() }]);
      for (const [k, v] of parseIpRoutes(res.stdout, v6)) out.set(k, v);
    }
    return out;
  }

  async reconcile(full: Iterable<FibEntry>): Promise<ReconcileResult> {
    if (this.closed) throw new FibError('kernel FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    const have = await this.read();
    const batch: FibChange[] = [];
    let unchanged = 0;
    for (const e of full) {
      const k = have.get(e.prefix);
      have.delete(e.prefix);
      const want = e.nextHops.map(canonicalHop).sort();
      if (k && k.length === want.length && k.every((h, i) => h === want[i])) unchanged++;
      else batch.push({ prefix: e.prefix, entry: e });
    }
    const installed = batch.length;
    for (const prefix of have.keys()) batch.push({ prefix, entry: null });
    await this.apply(batch);
    return { installed, removed: batch.length - installed, unchanged };
  }

  /** Leaves the routes in place (a restarted btrd reconciles them); flushing is `reconcile([])`. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
