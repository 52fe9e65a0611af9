/**
 * How attribute decoders report malformation. A decoder throws `AttrFault` with the RFC 7606 treatment
 * (or none, to use its descriptor's default) and the RFC 4271 §6.3 subcode to use if escalated; the
 * generic loop in attributes.ts turns it into an AttributeIssue or a MalformedAttribute. The verbs read
 * like the RFC (BIRD's WITHDRAW/DISCARD macros).
 */
import type { Treatment } from '../errors.js';

export class AttrFault extends Error {
  constructor(
    readonly reason: string,
    readonly subcode: number | undefined,
    readonly treatment: Treatment | undefined,
  ) {
    super(reason);
  }
}

/** Malformed: apply the descriptor's default treatment. */
export function malformed(reason: string, subcode?: number): never {
  throw new AttrFault(reason, subcode, undefined);
}

/** RFC 7606 §2 "treat-as-withdraw". */
export function withdraw(reason: string, subcode?: number): never {
  throw new AttrFault(reason, subcode, 'treat-as-withdraw');
}

/** RFC 7606 §2 "attribute discard". */
export function discard(reason: string, subcode?: number): never {
  throw new AttrFault(reason, subcode, 'attribute-discard');
}

/** RFC 7606 §2 "session reset". */
export function reset(reason: string, subcode?: number): never {
  throw new AttrFault(reason, subcode, 'session-reset');
}
