/**
 * The mux: builds a round's input from framed UPDATE messages — written ONCE into a fresh
 * SharedArrayBuffer that every replica reads (protocol.ts InputSlot layout) — and, on the replica side,
 * the per-replica application order (order-seed permutation; DESIGN principle 2).
 *
 * Copies per round: the message bytes are copied once (caller's buffers → SAB); posting the SAB to N
 * replicas shares it (no copy); replicas decode from views of it. A fresh SAB per round (not a reused
 * ring) because a lagging replica may still read round r while round r+1 is written (master, k-of-n).
 */
import { EntryField, INPUT_ENTRY_WORDS, INPUT_HEADER_WORDS, INPUT_MAGIC, InputSlot } from './protocol.js';
import { interleaveByPeer, type ReplicaKnobs } from './knobs.js';

export interface RoundUpdate {
  readonly peerId: number;
  /** The whole UPDATE message, 19-octet header included. */
  readonly message: Uint8Array;
}

const HEADER_LENGTH = 19;
const UPDATE_TYPE = 2;

/** Write a round into a new SharedArrayBuffer. Throws TypeError on something that is not an UPDATE frame. */
export function writeRound(updates: readonly RoundUpdate[]): SharedArrayBuffer {
  const n = updates.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const m = updates[i].message;
    if (m.length < HEADER_LENGTH || m[18] !== UPDATE_TYPE) throw new TypeError(`round entry ${i}: not an UPDATE message (${m.length} octets, type ${m[18]})`);
    bytes += m.length;
  }
  const bytesStart = (INPUT_HEADER_WORDS + n * INPUT_ENTRY_WORDS) * 4;
  const sab = new SharedArrayBuffer(bytesStart + bytes);
  const w = new Uint32Array(sab, 0, INPUT_HEADER_WORDS + n * INPUT_ENTRY_WORDS);
  const b = new Uint8Array(sab, bytesStart);
  w[InputSlot.Magic] = INPUT_MAGIC;
  w[InputSlot.Count] = n;
  w[InputSlot.BytesStart] = bytesStart;
  w[InputSlot.BytesLength] = bytes;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const { peerId, message } = updates[i];
    const e = INPUT_HEADER_WORDS + i * INPUT_ENTRY_WORDS;
    w[e + EntryField.PeerId] = peerId;
    w[e + EntryField.Offset] = off;
    w[e + EntryField.Length] = message.length;
    b.set(message, off);
    off += message.length;
  }
  return sab;
}

/** Read-only view of a round's input (replica side). */
export class RoundInput {
  readonly count: number;
  private readonly table: Uint32Array;
  private readonly bytes: Uint8Array;

  constructor(sab: SharedArrayBuffer) {
    const head = new Uint32Array(sab, 0, INPUT_HEADER_WORDS);
    if (head[InputSlot.Magic] !== INPUT_MAGIC) throw new TypeError('round input: bad magic');
    this.count = head[InputSlot.Count];
    this.table = new Uint32Array(sab, 0, INPUT_HEADER_WORDS + this.count * INPUT_ENTRY_WORDS);
    this.bytes = new Uint8Array(sab, head[InputSlot.BytesStart], head[InputSlot.BytesLength]);
  }

  peerId(i: number): number {
    return this.table[INPUT_HEADER_WORDS + i * INPUT_ENTRY_WORDS + EntryField.PeerId];
  }

  /** The whole message i (a view of the shared bytes). */
  message(i: number): Uint8Array {
    const e = INPUT_HEADER_WORDS + i * INPUT_ENTRY_WORDS;
    const off = this.table[e + EntryField.Offset];
    return this.bytes.subarray(off, off + this.table[e + EntryField.Length]);
  }
}

/**
 * The order in which a replica applies a round's entries: a seeded per-peer-order-preserving interleaving
 * (orderSeed), else the peers' sequences from the last peer to the first (layout.reverseScan), else input
 * order.
 */
export function applicationOrder(n: number, peerOf: (i: number) => number, knobs: ReplicaKnobs, round: number): Uint32Array {
  if (knobs.orderSeed !== undefined) return interleaveByPeer(n, peerOf, (knobs.orderSeed ^ Math.imul(round + 1, 0x9e3779b1)) >>> 0);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (knobs.layout?.reverseScan) {
    // Stable by descending peer id: each peer's sequence keeps its order.
    return Uint32Array.from([...idx].sort((a, b) => peerOf(b) - peerOf(a) || a - b));
  }
  return idx;
}
