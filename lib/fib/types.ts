/**
 * FIB shapes shared by the copy-on-write table (cow-fib.ts), the hash-tree diff (hash-tree.ts), the audit
 * (audit.ts) and the backends (backends/). DESIGN principle 5.
 *
 * A FIB entry is what forwarding needs and nothing more: the prefix, its next hop(s) and an opaque
 * reference to the voted Loc-RIB route it came from (so that an MRT dump or an API call can find the
 * route's attributes without the FIB holding them).
 */
import type { PrefixKey } from '../wire/prefix.js';

/** A next-hop address in text form: IPv4 dotted quad or IPv6 (RFC 5952 preferred, any form accepted). */
export type NextHop = string;

/**
 * One forwarding entry. `nextHops` has one element for a plain route and several for ECMP; the FIB keeps
 * them sorted (an ECMP group is a set: the order in which replicas list it must not make entries differ).
 */
export interface FibEntry {
  readonly prefix: PrefixKey;
  readonly nextHops: readonly NextHop[];
  /** Opaque id of the voted route (Loc-RIB route / attribute-set id); 0 when there is none. */
  readonly routeId: number;
}

/** One write for a backend: `entry === null` deletes the prefix, otherwise it is installed or replaced. */
export interface FibChange {
  readonly prefix: PrefixKey;
  readonly entry: FibEntry | null;
}

/** One difference between two tables: `a`/`b` are the entries on each side (absent = no entry there). */
export interface FibDiff {
  readonly prefix: PrefixKey;
  readonly a?: FibEntry;
  readonly b?: FibEntry;
}

export type FibErrorCode =
  | 'BTRD_ERR_FIB_BAD_ENTRY'
  | 'BTRD_ERR_FIB_BAD_ADDRESS'
  | 'BTRD_ERR_FIB_BACKEND_CLOSED'
  | 'BTRD_ERR_FIB_KERNEL'
  | 'BTRD_ERR_FIB_KERNEL_UNAVAILABLE';

/** Typed FIB error; `code` is the stable token (errors cross threads as data, STYLE §5). */
export class FibError extends Error {
  constructor(
    message: string,
    readonly code: FibErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FibError';
  }
}

/** The kernel refused some lines of a batch. `failures` lists each refused command with its error text. */
export class KernelFibError extends FibError {
  constructor(
    message: string,
    readonly failures: readonly { readonly command: string; readonly error: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, 'BTRD_ERR_FIB_KERNEL', options);
    this.name = 'KernelFibError';
  }
}

/** Are two entries the same forwarding state (prefix, next hops in order, route id)? */
export function sameFibEntry(a: FibEntry | undefined | null, b: FibEntry | undefined | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.prefix !== b.prefix || a.routeId !== b.routeId || a.nextHops.length !== b.nextHops.length) return false;
  for (let i = 0; i < a.nextHops.length; i++) if (a.nextHops[i] !== b.nextHops[i]) return false;
  return true;
}
