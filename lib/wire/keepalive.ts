/** KEEPALIVE message — RFC 4271 §4.4: the 19-octet header alone. */
import { MessageType } from './iana.js';
import { encodeMessage } from './framing.js';

const EMPTY = new Uint8Array(0);

/** A KEEPALIVE (a fresh copy each call: callers may hand it to a socket that keeps it). */
export function encodeKeepalive(): Uint8Array {
  return encodeMessage(MessageType.Keepalive, EMPTY);
}
