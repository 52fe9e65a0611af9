/**
 * ROUTE-REFRESH message — RFC 2918 §3: AFI (2), Reserved (1), SAFI (1); RFC 7313 §3.2 turns the reserved
 * octet into the Message Subtype (0 normal request, 1 BoRR, 2 EoRR). With Outbound Route Filtering
 * (RFC 5291 §4) a normal request may carry ORF entries after the SAFI: kept raw in `orf`.
 */
import { readU16 } from './bytes.js';
import { RouteRefreshMessageError } from './errors.js';
import { MessageType, RouteRefreshSubcode, RouteRefreshSubtype } from './iana.js';
import { encodeMessage } from './framing.js';

export interface RouteRefreshMessage {
  readonly afi: number;
  /**
   * 0, 1 (BoRR) or 2 (EoRR). Other values are decoded but RFC 7313 §5 says the receiver "MUST ignore
   * the received ROUTE-REFRESH message": see `isIgnoredRouteRefresh`.
   */
  readonly subtype: number;
  readonly safi: number;
  /** RFC 5291 §4: When-to-refresh and ORF entries, raw (only for subtype 0). */
  readonly orf?: Uint8Array;
}

export const ROUTE_REFRESH_LENGTH = 4;

/**
 * Decode a ROUTE-REFRESH body. RFC 7313 §5: a BoRR/EoRR whose length (without the header) is not 4 is a
 * ROUTE-REFRESH Message Error / Invalid Message Length, and "the Data field of the NOTIFICATION message
 * MUST contain the complete ROUTE-REFRESH message". A body shorter than 4 has no AFI/SAFI to act on and
 * gets the same error whatever its subtype. The complete message is rebuilt from the body: a framed
 * message's header is fully determined by it (marker all ones, length, type 5).
 */
export function decodeRouteRefresh(body: Uint8Array): RouteRefreshMessage {
  const subtype = body.length >= 3 ? body[2] : -1;
  const demarcation = subtype === RouteRefreshSubtype.BeginningOfRouteRefresh || subtype === RouteRefreshSubtype.EndOfRouteRefresh;
  if (body.length < ROUTE_REFRESH_LENGTH || (demarcation && body.length !== ROUTE_REFRESH_LENGTH)) {
    throw new RouteRefreshMessageError(
      `ROUTE-REFRESH body of ${body.length} octets (subtype ${subtype})`,
      RouteRefreshSubcode.InvalidMessageLength,
      encodeMessage(MessageType.RouteRefresh, body),
    );
  }
  const rr = { afi: readU16(body, 0), subtype, safi: body[3] };
  return body.length > ROUTE_REFRESH_LENGTH ? { ...rr, orf: body.slice(ROUTE_REFRESH_LENGTH) } : rr;
}

/** RFC 7313 §5: subtypes other than 0, 1 and 2 are ignored. */
export function isIgnoredRouteRefresh(rr: RouteRefreshMessage): boolean {
  return rr.subtype > RouteRefreshSubtype.EndOfRouteRefresh;
}

/** Encode a ROUTE-REFRESH as a whole message. */
export function encodeRouteRefresh(rr: RouteRefreshMessage): Uint8Array {
  const orf = rr.orf ?? new Uint8Array(0);
  const body = new Uint8Array(ROUTE_REFRESH_LENGTH + orf.length);
  body[0] = rr.afi >> 8;
  body[1] = rr.afi & 255;
  body[2] = rr.subtype;
  body[3] = rr.safi;
  body.set(orf, ROUTE_REFRESH_LENGTH);
  return encodeMessage(MessageType.RouteRefresh, body);
}
