/**
 * Connection collision detection — RFC 4271 §6.8, with RFC 6286 §2.3 for equal identifiers.
 *
 * "If the value of the local BGP Identifier is less than the remote one, the local system closes the BGP
 * connection that already exists (the one that is already in the OpenConfirm state), and accepts the
 * BGP connection initiated by the remote system. Otherwise, the local system closes the newly created
 * BGP connection (the one associated with the newly received OPEN message), and continues to use the
 * existing one (the one that is already in the OpenConfirm state)."
 *
 * In other words the dominant speaker's (higher identifier's) connection survives. RFC 6286 §2.3: with
 * equal identifiers the speaker with the larger AS number is dominant. "Unless allowed via configuration,
 * a connection collision with an existing BGP connection that is in the Established state causes closing
 * of the newly created connection." The loser is closed with Cease / Connection Collision Resolution (6/7).
 */
import { parseIpv4 } from '../wire/address.js';
import type { FsmState } from './types.js';

export type ConnectionDirection = 'outgoing' | 'incoming';

export interface CollisionInput {
  /** State of the session's current connection. */
  readonly existingState: FsmState;
  readonly existingDirection: ConnectionDirection;
  readonly localBgpId: string;
  readonly localAs: number;
  /** From the OPEN just received on the new connection. */
  readonly remoteBgpId: string;
  readonly remoteAs: number;
}

export type CollisionOutcome = 'keep-existing' | 'keep-new';

/** Which of two connections to the same peer survives. Pure. */
export function resolveCollision(c: CollisionInput): CollisionOutcome {
  if (c.existingState === 'Established') return 'keep-existing';
  // No OPEN exchanged on the existing connection yet: nothing to compare with; the new one replaces it.
  if (c.existingState !== 'OpenSent' && c.existingState !== 'OpenConfirm') return 'keep-new';
  const local = parseIpv4(c.localBgpId);
  const remote = parseIpv4(c.remoteBgpId);
  const localDominant = local !== remote ? local > remote : c.localAs > c.remoteAs;
  const keep: ConnectionDirection = localDominant ? 'outgoing' : 'incoming';
  return keep === c.existingDirection ? 'keep-existing' : 'keep-new';
}
