/**
 * The FIB audit's repairs obey the voting quorum (lib/fib/writer.ts `repairQuorum`): while most replicas are
 * restarting, the one or two still answering must not rewrite the FIB where the voter itself could not
 * decide. The replicas here are real Loc-RIB hash trees (lib/replica/rib-tree.ts RibTree) answering the
 * writer's tree questions; the FIB holds the voted route, the answering replica another one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FibWriter, type AuditableReplicas } from '../../lib/fib/writer.js';
import { RibTree } from '../../lib/replica/rib-tree.js';
import { parsePrefix } from '../../lib/wire/prefix.js';
import type { Route } from '../../lib/rib/types.js';
import type { PathAttributes } from '../../lib/wire/types.js';

const test = suite('fib/writer-quorum (audit repairs need the voting quorum)');
const P = parsePrefix('203.0.113.0/24');
const ATTRS: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64500] }], nextHop: '192.0.2.1' } as PathAttributes;
const route = (nextHop: string): Route => ({ peerId: 1, prefix: P, pathId: 0, attributes: ATTRS, nextHop });

/** Answering replicas = `trees` (every other replica is down); `quorum` = what the voting mode needs. */
function replicas(trees: readonly RibTree[], quorum: number | undefined): AuditableReplicas {
  const ask = (index: number, op: 'describe' | 'within' | 'entries', keys: readonly (number | string)[]): Promise<never> =>
    Promise.resolve(trees[index].handle({ kind: 'rib-tree', op, keys }) as never);
  return {
    auditTargets: () => trees.map((_, index) => ({ index })),
    ribTree: ask as AuditableReplicas['ribTree'],
    settle: () => Promise.resolve(null),
    reportAuditDivergence: () => undefined,
    ...(quorum !== undefined ? { repairQuorum: () => quorum } : {}),
  };
}

async function audited(answering: number, quorum: number | undefined): Promise<{ nextHop: string | undefined; repaired: number; warned: string[] }> {
  const warned: string[] = [];
  const log = { info: () => undefined, warn: (_f: Record<string, unknown>, m: string) => void warned.push(m), error: () => undefined };
  const writer = new FibWriter({ backends: ['memory'] }, log);
  await writer.start();
  writer.applyLocRib([{ prefix: P, best: route('10.0.0.1') }]); // the voted route
  const trees = Array.from({ length: answering }, () => {
    const t = new RibTree();
    t.set(P, route('10.0.0.66'), 12345); // what the answering replicas hold instead
    return t;
  });
  writer.attachReplicas(replicas(trees, quorum));
  const r = await writer.auditNow();
  const nextHop = writer.lookup('203.0.113.1')?.nextHops.join(',');
  await writer.stop();
  return { nextHop, repaired: r.repaired, warned };
}

test('one replica answering, quorum 2 (3 seats, 2 restarting): the difference is found but not repaired', async () => {
  const r = await audited(1, 2);
  assert.is(r.repaired, 0);
  assert.is(r.nextHop, '10.0.0.1', 'the FIB keeps the voted route');
  assert.ok(r.warned.some((m) => m.includes('left unrepaired')), r.warned.join(' | '));
});

test('two agreeing replicas answering, quorum 2: repaired to them', async () => {
  const r = await audited(2, 2);
  assert.is(r.repaired, 1);
  assert.is(r.nextHop, '10.0.0.66');
});

test('without a quorum from the replica set (older callers) a strict majority of the answers repairs', async () => {
  const r = await audited(1, undefined);
  assert.is(r.repaired, 1);
  assert.is(r.nextHop, '10.0.0.66');
});

test.run();
