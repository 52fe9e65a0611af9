/**
 * Shared set-up for the interop specs: btrd (in-process Speaker, configured through the real YAML loader),
 * and real routes from ../shared/data turned into per-peer UPDATE streams.
 */
import { Writable } from 'node:stream';
import { parseConfig } from '../../lib/config/load.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { Speaker } from '../../lib/speaker.js';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import type { MrtPeer } from '../../lib/mrt/types.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { formatAsPath } from '../../lib/wire/attributes.js';
import { dataPath } from '../helpers/corpus.js';

export interface RunningBtrd {
  readonly speaker: Speaker;
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startBtrd(yaml: string): Promise<RunningBtrd> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      if (process.env.BTRD_TEST_LOG) process.stderr.write(chunk);
      cb();
    },
  });
  const logger: Logger = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => sink.write(l) } });
  const speaker = new Speaker(parseConfig(yaml, 'interop.yaml'), logger);
  await speaker.start();
  return { speaker, logs, stop: () => speaker.stop() };
}

/** The routes one MRT peer has in a RIB dump, as UPDATE messages and as expected per-prefix values. */
export interface PeerFeed {
  readonly peer: MrtPeer;
  readonly messages: Uint8Array[];
  readonly routes: Map<string, { asPath: string; origin: number; communities: string[]; nextHop: string; med?: number }>;
}

export async function peerFeed(rel: string, pick: (peers: readonly MrtPeer[]) => number): Promise<PeerFeed> {
  const all = new Map<number, { peer: MrtPeer; messages: Uint8Array[] }>();
  let chosen = -1;
  for await (const u of ribToUpdates(readMrt(dataPath(rel)))) {
    if (chosen < 0 && u.peer) chosen = -2;
    let e = all.get(u.peerIndex);
    if (!e && u.peer) all.set(u.peerIndex, (e = { peer: u.peer, messages: [] }));
    e?.messages.push(u.message);
  }
  const peers = [...all.values()].map((e) => e.peer);
  const idx = pick(peers);
  const feed = all.get(idx);
  if (!feed) throw new Error(`no peer ${idx} in ${rel}`);
  const routes: PeerFeed['routes'] = new Map();
  for (const m of feed.messages) {
    const u = decodeUpdate(frameMessage(m).body, { fourOctetAs: true }, null);
    const a = u.attributes!;
    const v = {
      asPath: formatAsPath(a.asPathEffective ?? a.asPath),
      origin: a.origin ?? -1,
      communities: (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`),
      nextHop: a.nextHop ?? u.mpReach?.nextHop.global ?? '',
      ...(a.med !== undefined ? { med: a.med } : {}),
    };
    for (const k of u.nlri) routes.set(formatPrefix(k), v);
    for (const k of u.mpReach?.nlri ?? []) routes.set(formatPrefix(k), v);
  }
  return { peer: feed.peer, messages: feed.messages, routes };
}
