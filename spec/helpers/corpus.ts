/** Access to the real data in ../shared/data (next to the repository checkout). */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED_DATA = process.env.BTRD_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');

export function dataPath(rel: string): string {
  const p = join(SHARED_DATA, rel);
  if (!existsSync(p)) throw new Error(`missing shared data file ${p}`);
  return p;
}

/** One BGP PDU extracted from the captures by tshark (corpus/bgp-messages-from-pcaps.jsonl). */
export interface CorpusMessage {
  src: string;
  frame: number;
  idx: number;
  type: number;
  type_name: string;
  len: number;
  hdr_len: number;
  marker_ok: boolean;
  hex: string;
}

let cached: CorpusMessage[] | null = null;
export function readCorpusMessages(): CorpusMessage[] {
  if (!cached) {
    cached = readFileSync(dataPath('corpus/bgp-messages-from-pcaps.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as CorpusMessage);
  }
  return cached;
}
