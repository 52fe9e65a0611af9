/**
 * Golden tests for the UPDATE codec on every UPDATE of the real captures in ../shared/data: each decodes,
 * re-encodes byte-exact, and its fields equal tshark's own dissection of the same frame.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readCorpusMessages, type CorpusMessage } from '../helpers/corpus.js';
import { collect, field, fieldList, tsharkPdus, type TsharkNode, type TsharkValue } from '../helpers/tshark.js';
import { decodeUpdate, encodeUpdate, endOfRibFamily, endOfRibFamilyRaw, encodeEndOfRib } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { toHex } from '../../lib/wire/bytes.js';
import { BgpProtocolError } from '../../lib/wire/errors.js';
import { AttributeInterner } from '../../lib/wire/intern.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../../lib/wire/types.js';

const update = suite('wire/update');

/**
 * Captures that are deliberately malformed (CVE/fuzz regressions, see the data README) or synthetic
 * encoder output without mandatory attributes (ryu EVPN/FlowSpec): their UPDATEs may legitimately be
 * rejected or treated as withdraw. Every other capture's UPDATEs must decode cleanly.
 */
// bgp-addpath.pcap is crafted with MP_REACH_NLRI flagged well-known (0x40; tshark marks it malformed) and
// the BGPsec captures carry BGPsec_Path (RFC 8205) instead of AS_PATH, which btrd does not negotiate.
const MAY_BE_MALFORMED = /^tcpdump\/(.*oobr.*|bgp-ub\.pcap|bgp-infinite-loop\.pcap|bgp_mvpn_6_and_7_oobr\.pcap|bgp-addpath\.pcap|bgp-bgpsec\.pcap|bgpsec_invalid_signature_block_length\.pcap)$|^ryu\/(evpn_|flowspec_)/;

function updates(): CorpusMessage[] {
  return readCorpusMessages().filter((m) => m.type === 2 && m.marker_ok && m.hdr_len === m.len);
}

function children(v: TsharkValue | undefined, key: string): TsharkNode[] {
  if (v === undefined || typeof v === 'string') return [];
  const node = v as TsharkNode;
  const c = node[key];
  if (c === undefined) return [];
  return (Array.isArray(c) ? c : [c]) as TsharkNode[];
}

/** All values of `name` anywhere under `v`, in document order. */
function deep(v: TsharkValue, name: string): string[] {
  return collect(v, name).flatMap((n) => fieldList(n, name));
}

/** Prefix keys of an NLRI container as tshark prints them ("a.b.c.d/len"). */
function nlriKeys(v: TsharkValue | undefined): string[] {
  if (v === undefined || typeof v === 'string') return [];
  // With ADD-PATH tshark appends " PathId N " to the key.
  return Object.keys(v as TsharkNode).filter((k) => k.includes('/')).map((k) => k.replace(/\s*PathId\s+(\d+)\s*$/, '#$1'));
}

function ctxFor(pdu: TsharkNode): CodecContext {
  // tshark decides the AS number size heuristically for each message; use its choice as the session's.
  // Likewise ADD-PATH (RFC 7911): tshark shows path identifiers when it detects them.
  return { fourOctetAs: deep(pdu, 'bgp.update.path_attribute.as_path_segment.as2').length === 0, addPathIpv4: deep(pdu, 'bgp.nlri_path_id').length > 0 };
}

function compareAttribute(node: TsharkNode, a: PathAttributes, u: UpdateMessage, where: string): void {
  const type = Number(field(node, 'bgp.update.path_attribute.type_code'));
  const eq = (ours: unknown, theirs: unknown, what: string): void => assert.equal(ours, theirs, `${where} type ${type} ${what}`);
  switch (type) {
    case 1:
      return eq(String(a.origin), field(node, 'bgp.update.path_attribute.origin'), 'origin');
    case 2: {
      const asns = (a.asPath ?? []).flatMap((s) => s.asns.map(String));
      const theirs = [...deep(node, 'bgp.update.path_attribute.as_path_segment.as2'), ...deep(node, 'bgp.update.path_attribute.as_path_segment.as4')];
      eq(asns, theirs, 'AS numbers');
      return eq((a.asPath ?? []).map((s) => String(s.type)), deep(node, 'bgp.update.path_attribute.as_path_segment.type'), 'segment types');
    }
    case 3:
      return eq(a.nextHop, field(node, 'bgp.update.path_attribute.next_hop'), 'next hop');
    case 4:
      return eq(String(a.med), field(node, 'bgp.update.path_attribute.multi_exit_disc'), 'MED');
    case 5:
      return eq(String(a.localPref), field(node, 'bgp.update.path_attribute.local_pref'), 'LOCAL_PREF');
    case 7:
      eq(String(a.aggregator?.asn), field(node, 'bgp.update.path_attribute.aggregator_as'), 'aggregator AS');
      return eq(a.aggregator?.address, field(node, 'bgp.update.path_attribute.aggregator_origin'), 'aggregator address');
    case 8: {
      const theirs = deep(node, 'bgp.update.path_attribute.community_as').map((as, i) => `${as}:${deep(node, 'bgp.update.path_attribute.community_value')[i]}`);
      const ours = (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
      // tshark prints well-known communities (NO_EXPORT, ...) without the AS/value split.
      const wellKnown = deep(node, 'bgp.update.path_attribute.community_wellknown').length;
      return eq(ours.length, theirs.length + wellKnown, 'community count');
    }
    case 9:
      return eq(a.originatorId, field(node, 'bgp.update.path_attribute.originator_id'), 'ORIGINATOR_ID');
    case 10:
      return eq(a.clusterList, deep(node, 'bgp.path_attribute.cluster_id'), 'CLUSTER_LIST');
    case 14: {
      const m = u.mpReach;
      assert.ok(m, `${where} MP_REACH decoded`);
      eq(String(m.afi), deep(node, 'bgp.update.path_attribute.mp_reach_nlri.afi')[0], 'MP_REACH AFI');
      eq(String(m.safi), deep(node, 'bgp.update.path_attribute.mp_reach_nlri.safi')[0], 'MP_REACH SAFI');
      if (m.afi === 2 && m.safi === 1) {
        eq(m.nextHop.global, deep(node, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6')[0], 'IPv6 next hop');
        const ll = deep(node, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local')[0];
        if (ll !== undefined) eq(m.nextHop.linkLocal, ll, 'link-local next hop');
        eq(m.nlri.map(formatPrefix), collect(node, 'bgp.mp_reach_nlri_ipv6_prefix').map((n) => `${field(n, 'bgp.mp_reach_nlri_ipv6_prefix')}/${field(n, 'bgp.prefix_length')}`), 'IPv6 NLRI');
      }
      if (m.afi === 1 && m.safi === 1) {
        eq(m.nlri.map(formatPrefix), collect(node, 'bgp.mp_reach_nlri_ipv4_prefix').map((n) => `${field(n, 'bgp.mp_reach_nlri_ipv4_prefix')}/${field(n, 'bgp.prefix_length')}`), 'IPv4 MP NLRI');
      }
      return;
    }
    case 15: {
      const m = u.mpUnreach;
      assert.ok(m, `${where} MP_UNREACH decoded`);
      eq(String(m.afi), deep(node, 'bgp.update.path_attribute.mp_unreach_nlri.afi')[0], 'MP_UNREACH AFI');
      if (m.afi === 2 && m.safi === 1) {
        eq(m.withdrawn.map(formatPrefix), collect(node, 'bgp.mp_unreach_nlri_ipv6_prefix').map((n) => `${field(n, 'bgp.mp_unreach_nlri_ipv6_prefix')}/${field(n, 'bgp.prefix_length')}`), 'IPv6 withdrawn');
      }
      return;
    }
    case 32: {
      const ga = deep(node, 'bgp.large_communities.ga');
      const l1 = deep(node, 'bgp.large_communities.ldp1');
      const l2 = deep(node, 'bgp.large_communities.ldp2');
      return eq((a.largeCommunities ?? []).map((c) => c.join(':')), ga.map((g, i) => `${g}:${l1[i]}:${l2[i]}`), 'large communities');
    }
    default:
      return;
  }
}

update('every UPDATE in the real captures decodes, round-trips byte-exact and matches tshark', () => {
  let clean = 0;
  let compared = 0;
  const rejected: string[] = [];
  for (const m of updates()) {
    const where = `${m.src}#${m.frame}.${m.idx}`;
    const pdu = tsharkPdus(m.src).get(m.frame)?.[m.idx];
    assert.ok(pdu, `${where}: tshark sees the PDU`);
    assert.is(field(pdu, 'bgp.type'), '2', `${where}: tshark agrees it is an UPDATE`);
    const bytes = new Uint8Array(Buffer.from(m.hex, 'hex'));
    const ctx = ctxFor(pdu);
    let u: UpdateMessage;
    try {
      u = decodeUpdate(frameMessage(bytes).body, ctx);
    } catch (e) {
      assert.instance(e, BgpProtocolError, `${where}: only typed errors`);
      rejected.push(where);
      continue;
    }
    if (u.treatment !== 'none') {
      rejected.push(where);
      continue;
    }
    clean++;
    assert.is(toHex(encodeUpdate(u, ctx)), m.hex, `${where}: byte-exact re-encoding`);
    const withPathId = (keys: readonly (number | string)[], ids?: readonly number[]): string[] => keys.map((k, i) => formatPrefix(k) + (ids ? `#${ids[i]}` : ''));
    assert.equal(withPathId(u.withdrawn, u.withdrawnPathIds), nlriKeys(pdu['bgp.update.withdrawn_routes']), `${where}: withdrawn`);
    assert.equal(withPathId(u.nlri, u.nlriPathIds), nlriKeys(pdu['bgp.update.nlri']), `${where}: NLRI`);
    const attrNodes = children(pdu['bgp.update.path_attributes'], 'bgp.update.path_attribute');
    const wire = u.attributes?.wire ?? [];
    assert.equal(wire.map((w) => String(w.type)), attrNodes.map((n) => field(n, 'bgp.update.path_attribute.type_code')), `${where}: attribute order`);
    assert.equal(wire.map((w) => `0x${w.flags.toString(16).padStart(2, '0')}`), attrNodes.map((n) => field(n, 'bgp.update.path_attribute.flags')), `${where}: attribute flags`);
    for (const n of attrNodes) {
      compareAttribute(n, u.attributes!, u, where);
      compared++;
    }
  }
  assert.ok(clean > 800, `clean UPDATEs: ${clean}`);
  assert.ok(compared > 3000, `attributes compared: ${compared}`);
  const unexpected = rejected.filter((w) => !MAY_BE_MALFORMED.test(w.split('#')[0]));
  assert.equal(unexpected, [], 'only known-malformed captures are rejected');
});

update('the interner returns one shared frozen object for identical attribute blobs', () => {
  const interner = new AttributeInterner(1000);
  const msgs = updates().filter((m) => m.src.startsWith('pmacct/305'));
  const seen = new Map<string, PathAttributes | null>();
  for (const m of msgs) {
    const body = frameMessage(new Uint8Array(Buffer.from(m.hex, 'hex'))).body;
    const u = decodeUpdate(body, { fourOctetAs: true }, interner);
    const again = decodeUpdate(body, { fourOctetAs: true }, interner);
    assert.is(again.attributes, u.attributes);
    if (u.attributes) assert.ok(Object.isFrozen(u.attributes) && Object.isFrozen(u.attributes.wire));
    seen.set(m.hex, u.attributes);
  }
  assert.ok(interner.hits >= msgs.length, 'second decodes all hit');
  assert.ok(interner.size <= 1000);
});

update('the interner is bounded (LRU)', () => {
  const interner = new AttributeInterner(10);
  for (const m of updates().slice(0, 200)) {
    try {
      decodeUpdate(frameMessage(new Uint8Array(Buffer.from(m.hex, 'hex'))).body, { fourOctetAs: true }, interner);
    } catch {
      /* malformed ones do not matter here */
    }
  }
  assert.ok(interner.size <= 10);
});

update('End-of-RIB is recognised for IPv4 and IPv6 (RFC 4724 §2)', () => {
  const v4 = decodeUpdate(frameMessage(encodeEndOfRib(1, 1)).body, { fourOctetAs: true });
  assert.equal(endOfRibFamily(v4), { afi: 1, safi: 1 });
  const v6 = decodeUpdate(frameMessage(encodeEndOfRib(2, 1)).body, { fourOctetAs: true });
  assert.equal(endOfRibFamily(v6), { afi: 2, safi: 1 });
  const real = updates().find((m) => m.len === 23);
  if (real) assert.equal(endOfRibFamily(decodeUpdate(frameMessage(new Uint8Array(Buffer.from(real.hex, 'hex'))).body, { fourOctetAs: true })), { afi: 1, safi: 1 });
});

update('End-of-RIB from raw bytes (no attribute parsing) agrees with the decoder on every real UPDATE', () => {
  assert.equal(endOfRibFamilyRaw(frameMessage(encodeEndOfRib(1, 1)).body), { afi: 1, safi: 1 });
  assert.equal(endOfRibFamilyRaw(frameMessage(encodeEndOfRib(2, 1)).body), { afi: 2, safi: 1 });
  // Extended-length MP_UNREACH_NLRI (flags 0x90) is a legal encoding of the same marker.
  assert.equal(endOfRibFamilyRaw(Uint8Array.from([0, 0, 0, 7, 0x90, 15, 0, 3, 0, 2, 1])), { afi: 2, safi: 1 });
  let eors = 0;
  for (const m of updates()) {
    let body: Uint8Array;
    let decoded: { afi: number; safi: number } | null;
    try {
      body = frameMessage(new Uint8Array(Buffer.from(m.hex, 'hex'))).body;
      decoded = endOfRibFamily(decodeUpdate(body, { fourOctetAs: true }));
    } catch {
      continue;
    }
    if (decoded) eors++;
    assert.equal(endOfRibFamilyRaw(body), decoded, m.hex.slice(0, 80));
  }
  assert.ok(eors > 0, 'the corpus holds End-of-RIB markers');
});

update.run();
