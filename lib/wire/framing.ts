/**
 * Message framing — RFC 4271 §4.1: 16-octet marker (all ones), 2-octet length, 1-octet type.
 * This is trusted-core code (main thread): it looks at nothing beyond the header.
 */
import { MessageHeaderError } from './errors.js';
import { HeaderSubcode, MessageType } from './iana.js';

export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 §4: after the Extended Message capability is exchanged, except for OPEN and KEEPALIVE. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** Minimum (and for KEEPALIVE/ROUTE-REFRESH, exact) lengths per type — RFC 4271 §4.2–4.4, RFC 2918 §3. */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.Open]: 29,
  [MessageType.Update]: 23,
  [MessageType.Notification]: 21,
  [MessageType.Keepalive]: 19,
  [MessageType.RouteRefresh]: 23,
};

export interface Frame {
  readonly type: number;
  /** The whole message, header included (a view into the input: no copy). */
  readonly message: Uint8Array;
  /** The body after the 19-byte header (a view into `message`). */
  readonly body: Uint8Array;
}

function lengthData(length: number): Uint8Array {
  return new Uint8Array([length >> 8, length & 255]);
}

/**
 * Validate the header at b[at..]. Returns the message length. Throws MessageHeaderError with
 * the RFC 4271 §6.1 subcode and data (the length field for Bad Message Length, the type for Bad Type).
 */
export function checkHeader(b: Uint8Array, at: number, maxLength: number = MAX_MESSAGE_LENGTH): number {
  for (let i = 0; i < 16; i++) {
    if (b[at + i] !== 0xff) throw new MessageHeaderError('marker is not all ones', HeaderSubcode.ConnectionNotSynchronized);
  }
  const length = (b[at + 16] << 8) | b[at + 17];
  const type = b[at + 18];
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    if (length < HEADER_LENGTH || length > maxLength) {
      throw new MessageHeaderError(`bad message length ${length}`, HeaderSubcode.BadMessageLength, lengthData(length));
    }
    throw new MessageHeaderError(`unknown message type ${type}`, HeaderSubcode.BadMessageType, new Uint8Array([type]));
  }
  // RFC 8654 §4: OPEN and KEEPALIVE stay within 4096 octets even when extended messages are negotiated.
  const max = type === MessageType.Open || type === MessageType.Keepalive ? Math.min(maxLength, MAX_MESSAGE_LENGTH) : maxLength;
  const exact = type === MessageType.Keepalive;
  if (length < min || length > max || (exact && length !== min)) {
    throw new MessageHeaderError(`bad message length ${length} for type ${type}`, HeaderSubcode.BadMessageLength, lengthData(length));
  }
  return length;
}

/** Frame one complete message held in `b` (e.g. from an MRT record). Trailing bytes are an error. */
export function frameMessage(b: Uint8Array, maxLength: number = MAX_EXTENDED_MESSAGE_LENGTH): Frame {
  if (b.length < HEADER_LENGTH) {
    throw new MessageHeaderError(`message shorter than the header (${b.length} bytes)`, HeaderSubcode.BadMessageLength, lengthData(b.length));
  }
  const length = checkHeader(b, 0, maxLength);
  if (length !== b.length) {
    throw new MessageHeaderError(`length field ${length} but ${b.length} bytes`, HeaderSubcode.BadMessageLength, lengthData(length));
  }
  return { type: b[18], message: b, body: b.subarray(HEADER_LENGTH, length) };
}

/**
 * A streaming framer: feed TCP chunks, get whole messages. Messages lying entirely within one chunk are
 * returned as views of that chunk (no copy); only a message split across chunks is assembled by copying.
 * After a header error the framer is poisoned: the session must send the NOTIFICATION and close.
 */
export class MessageFramer {
  /** Raise to 65535 once RFC 8654 extended messages are negotiated. */
  maxLength: number;
  private pending: Uint8Array | null = null;
  private failed: MessageHeaderError | null = null;

  constructor(maxLength: number = MAX_MESSAGE_LENGTH) {
    this.maxLength = maxLength;
  }

  /** Bytes held waiting for the rest of a message (bounded by one max-size message). */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    let b = chunk;
    if (this.pending) {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending);
      joined.set(chunk, this.pending.length);
      b = joined;
      this.pending = null;
    }
    const frames: Frame[] = [];
    let at = 0;
    try {
      while (b.length - at >= HEADER_LENGTH) {
        const length = checkHeader(b, at, this.maxLength);
        if (b.length - at < length) break;
        const message = b.subarray(at, at + length);
        frames.push({ type: message[18], message, body: message.subarray(HEADER_LENGTH) });
        at += length;
      }
    } catch (e) {
      this.failed = e as MessageHeaderError;
      // Deliver what was framed before the bad header, then the error on the next push.
      if (frames.length > 0) return frames;
      throw e;
    }
    if (at < b.length) this.pending = b.slice(at);
    return frames;
  }
}

/** Build a message from a type and a body. */
export function encodeMessage(type: number, body: Uint8Array): Uint8Array {
  const length = HEADER_LENGTH + body.length;
  const out = new Uint8Array(length);
  out.fill(0xff, 0, 16);
  out[16] = length >> 8;
  out[17] = length & 255;
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}
