/** The jinx RIB slice (35 peers × 9,072 prefixes) as decoded UPDATEs per peer (not a spec file itself). */
import { dataPath } from '../helpers/corpus.js';
import { readMrt, ribToUpdates } from '../../lib/mrt/index.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import type { UpdateMessage } from '../../lib/wire/types.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { ACCEPT_ALL } from '../../lib/policy/types.js';
import { OWN_AS } from './fixtures.js';

export const JINX_SLICE = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';

export interface PeerFeed {
  readonly peer: EnginePeer;
  readonly updates: UpdateMessage[];
}

export async function loadJinx(): Promise<PeerFeed[]> {
  const feeds = new Map<number, PeerFeed>();
  for await (const u of ribToUpdates(readMrt(dataPath(JINX_SLICE)))) {
    let f = feeds.get(u.peerIndex);
    if (f === undefined) {
      const mp = u.peer!;
      const id = u.peerIndex + 1;
      const p: EnginePeer = {
        id, name: `${mp.ip} AS${mp.asn}`, address: mp.ip, asn: mp.asn, localAs: OWN_AS, routerId: mp.bgpId, ebgp: true,
        routeReflectorClient: false, routeServerClient: false, families: { ipv4: true, ipv6: true },
        codec: { fourOctetAs: true, ebgp: true }, nextHopSelf: false,
        localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: ACCEPT_ALL,
      };
      feeds.set(u.peerIndex, (f = { peer: p, updates: [] }));
    }
    f.updates.push(decodeUpdate(u.message.subarray(19), f.peer.codec));
  }
  return [...feeds.values()].sort((a, b) => a.peer.id - b.peer.id);
}
