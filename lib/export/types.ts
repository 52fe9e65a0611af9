/** What the export side hands to the packer. */
import type { PathAttributes } from '../wire/types.js';

/**
 * Exported attributes: exactly what is sent. For IPv4 prefixes `nextHop` is the NEXT_HOP attribute; for
 * IPv6 prefixes it is the MP_REACH_NLRI global next hop (RFC 2545 §3) and `nextHopLinkLocal` the optional
 * link-local one — the packer moves both into MP_REACH_NLRI and sends no NEXT_HOP attribute.
 */
export interface ExportAttributes extends PathAttributes {
  readonly nextHopLinkLocal?: string;
}

/** Why a Loc-RIB route is not exported to a peer (the same tokens in logs and tests). */
export type ExportVerdict =
  | 'export'
  | 'source-peer' // never back to the peer it came from
  | 'family-not-negotiated'
  | 'no-advertise' // RFC 1997
  | 'no-export' // RFC 1997 (NO_EXPORT, NO_EXPORT_SUBCONFED: no confederations, so both stop at eBGP)
  | 'ibgp-split-horizon' // RFC 4271 §9.2 / RFC 4456 §6
  | 'no-local-address' // eBGP next-hop-self without our address of that family
  | 'policy-reject';
