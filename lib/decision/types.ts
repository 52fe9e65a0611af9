/**
 * What the decision process looks at, precomputed once per attribute set (AttrRank), per peer
 * (PeerRank) and per next hop (NextHopRank), so that a candidate is four references and the
 * tie-breaks read plain numbers. Routes in the RIB implement `Candidate` directly: no per-decision
 * objects are built.
 */

/** Per (post-import-policy) attribute set. */
export interface AttrRank {
  /** RFC 4271 §9.1.1: LOCAL_PREF (100 when absent). */
  readonly localPref: number;
  /** RFC 4271 §9.1.2.2 (a): AS_SET counts 1, confederation segments 0 (RFC 5065 §5.3). */
  readonly asPathLength: number;
  /** RFC 4271 §9.1.2.2 (b): IGP 0 < EGP 1 < INCOMPLETE 2. */
  readonly origin: number;
  /** RFC 4271 §9.1.2.2 (c): MULTI_EXIT_DISC, 0 when absent. */
  readonly med: number;
  /**
   * The set of routes among which MEDs are compared: the neighbouring AS (RFC 4271 §9.1.2.2 (c)),
   * or -1 for every route when always-compare-med is configured.
   */
  readonly medGroup: number;
  /** RFC 4456 §9: ORIGINATOR_ID as u32, -1 when absent (then the peer's BGP Identifier is used). */
  readonly originatorId: number;
  /** RFC 4456 §9: CLUSTER_LIST length. */
  readonly clusterListLength: number;
}

/** Per peer session. */
export interface PeerRank {
  readonly peerId: number;
  /** RFC 4271 §9.1.2.2 (d). */
  readonly ebgp: boolean;
  /** RFC 4271 §9.1.2.2 (f): the peer's BGP Identifier as u32. */
  readonly routerId: number;
  /** RFC 4271 §9.1.2.2 (g): the peer address as 32 hex digits (IPv4 as ::ffff:a.b.c.d), so string order is address order. */
  readonly addressKey: string;
}

/** Per next hop (RFC 4271 §9.1.2.1, §9.1.2.2 (e)). */
export interface NextHopRank {
  readonly reachable: boolean;
  readonly igpCost: number;
}

export interface Candidate {
  readonly rank: AttrRank;
  readonly peer: PeerRank;
  readonly nh: NextHopRank;
  /** RFC 7911 path identifier (0 without ADD-PATH). */
  readonly pathId: number;
}
